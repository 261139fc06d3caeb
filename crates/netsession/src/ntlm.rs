//! NTLM (the `ntlm` cargo feature), through the `sspi` crate: Chromium's
//! `HttpAuthHandlerNTLM` for the hosts `allow_ntlm_credentials_for_domains` allows.
//!
//! NTLM authenticates a connection, not a request: the client sends a NEGOTIATE message,
//! the server answers `401` with a CHALLENGE on the same connection, and the client's
//! AUTHENTICATE message, sent on that connection, opens it. The pipeline reads each `401`
//! body to its end so that the connection goes back to the pool and carries the next step.
//! There are no ambient (logged-in user) credentials on this platform: the identity comes
//! from the URL, the auth cache or the login handler, and `DOMAIN\user` or `user@domain`
//! names the domain.

use base64::Engine as _;
use sspi::{
    AuthIdentity, BufferType, ClientRequestFlags, CredentialUse, DataRepresentation, Ntlm,
    SecurityBuffer, SecurityStatus, Sspi, SspiImpl, Username,
};

use crate::auth::Credentials;

/// One NTLM handshake, client side.
pub(crate) struct NtlmHandshake {
    ntlm: Ntlm,
    handle: Option<sspi::AuthIdentityBuffers>,
}

/// Why NTLM could not answer (the request then ends with its `401`).
#[derive(Debug)]
pub(crate) struct NtlmError(pub(crate) String);

impl std::fmt::Display for NtlmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NTLM: {}", self.0)
    }
}

impl std::error::Error for NtlmError {}

fn failed(error: impl std::fmt::Display) -> NtlmError {
    NtlmError(error.to_string())
}

impl NtlmHandshake {
    /// A handshake for `credentials` (`DOMAIN\user`, `user@domain` or a bare user name).
    pub(crate) fn new(credentials: &Credentials) -> Result<Self, NtlmError> {
        let username = Username::parse(&credentials.username).map_err(failed)?;
        let identity = AuthIdentity {
            username,
            password: credentials.password.clone().into(),
        };
        let mut ntlm = Ntlm::new();
        let acquired = ntlm
            .acquire_credentials_handle()
            .with_credential_use(CredentialUse::Outbound)
            .with_auth_data(&identity)
            .execute(&mut ntlm)
            .map_err(failed)?;
        Ok(Self {
            ntlm,
            handle: acquired.credentials_handle,
        })
    }

    /// The `Authorization` value of the next step: the NEGOTIATE message when `challenge`
    /// is `None`, the AUTHENTICATE message answering the server's CHALLENGE (base64, from
    /// `WWW-Authenticate: NTLM <challenge>`) otherwise.
    pub(crate) fn step(&mut self, challenge: Option<&str>) -> Result<String, NtlmError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let mut input = match challenge {
            Some(challenge) => vec![SecurityBuffer::new(
                engine.decode(challenge.trim()).map_err(failed)?,
                BufferType::Token,
            )],
            None => Vec::new(),
        };
        let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let mut builder = self
            .ntlm
            .initialize_security_context()
            .with_credentials_handle(&mut self.handle)
            .with_context_requirements(ClientRequestFlags::ALLOCATE_MEMORY)
            .with_target_data_representation(DataRepresentation::Native)
            .with_output(&mut output);
        if challenge.is_some() {
            builder = builder.with_input(&mut input);
        }
        let result = self
            .ntlm
            .initialize_security_context_impl(&mut builder)
            .map_err(failed)?
            .resolve_to_result()
            .map_err(failed)?;
        if matches!(
            result.status,
            SecurityStatus::CompleteAndContinue | SecurityStatus::CompleteNeeded
        ) {
            self.ntlm.complete_auth_token(&mut output).map_err(failed)?;
        }
        let token = output
            .first()
            .map(|buffer| buffer.buffer.clone())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| NtlmError("no token to send".into()))?;
        Ok(format!("NTLM {}", engine.encode(token)))
    }
}

/// The server's CHALLENGE in a `401`'s `WWW-Authenticate: NTLM <base64>` values.
pub(crate) fn challenge_token<'a>(values: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    values.into_iter().find_map(|value| {
        let (scheme, token) = value.trim().split_once(' ')?;
        scheme
            .eq_ignore_ascii_case("NTLM")
            .then_some(token.trim())
            .filter(|token| !token.is_empty())
    })
}

/// Whether a `401` offers NTLM.
pub(crate) fn offered<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values.into_iter().any(|value| {
        value
            .trim()
            .split(' ')
            .next()
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("NTLM"))
    })
}
