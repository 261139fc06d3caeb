//! The verifier: webpki path building with a root store, Chromium's error mapping, the verify
//! proc with its verdict cache, and rustls's `ServerCertVerifier`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock};
use std::time::Duration;

use aws_lc_rs::digest;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use webpki::{EndEntityCert, KeyUsage};
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::public_key::PublicKey;

use crate::certificate::parse_pem_chain;
use crate::proc::{apply_answer, block_on};
use crate::{CertStatus, Certificate, Error, NetError, VerifyProc, VerifyRequest};

/// The roots a verifier trusts before any added with [`CertVerifierBuilder::add_root`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Roots {
    /// Mozilla's roots, bundled in the binary (the `webpki-root-certs` crate).
    #[default]
    Mozilla,
    /// The operating system's roots (`rustls-native-certs`: the system bundle on Linux, the
    /// keychain on macOS, the certificate store on Windows).
    Platform,
    /// No root: only the added ones are trusted.
    Empty,
}

/// The default number of verdicts a verifier remembers (Chromium's `CachingCertVerifier`
/// keeps 256).
pub const DEFAULT_CACHE_CAPACITY: usize = 256;

/// Configures a [`CertVerifier`].
#[derive(Debug)]
#[must_use]
pub struct CertVerifierBuilder {
    roots: Roots,
    added: Vec<CertificateDer<'static>>,
    added_are_known: bool,
    time: Option<UnixTime>,
    provider: Option<Arc<CryptoProvider>>,
    cache_capacity: usize,
}

impl CertVerifierBuilder {
    /// Which store to start from (default: [`Roots::Mozilla`]).
    pub fn roots(mut self, roots: Roots) -> Self {
        self.roots = roots;
        self
    }

    /// Trusts one more root certificate (DER). Chains ending in it are not "issued by a
    /// known root".
    pub fn add_root(mut self, root: CertificateDer<'static>) -> Self {
        self.added.push(root);
        self
    }

    /// Trusts every certificate of a PEM file.
    ///
    /// # Errors
    ///
    /// [`Error::Pem`] when the PEM does not decode, [`Error::EmptyChain`] when it holds no
    /// certificate.
    pub fn add_roots_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.added.extend(parse_pem_chain(pem)?);
        Ok(self)
    }

    /// Verifies at this time instead of the current time (as `netsession verify-cert --at`).
    pub fn time(mut self, time: UnixTime) -> Self {
        self.time = Some(time);
        self
    }

    /// The crypto provider for signatures (default: rustls's aws-lc-rs provider, as reqwest).
    pub fn crypto_provider(mut self, provider: Arc<CryptoProvider>) -> Self {
        self.provider = Some(provider);
        self
    }

    /// How many verify proc verdicts to remember (default [`DEFAULT_CACHE_CAPACITY`]); the
    /// oldest is forgotten first. 0 disables the cache.
    pub fn cache_capacity(mut self, capacity: usize) -> Self {
        self.cache_capacity = capacity;
        self
    }

    #[cfg(test)]
    pub(crate) fn added_roots_are_known(mut self) -> Self {
        self.added_are_known = true;
        self
    }

    /// Builds the verifier.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRoot`] for an added root webpki cannot use, [`Error::PlatformRoots`]
    /// when the platform store cannot be read at all, [`Error::NoTrustAnchors`] when no root is
    /// left.
    pub fn build(self) -> Result<CertVerifier, Error> {
        let mut store = match self.roots {
            Roots::Mozilla => mozilla_roots().clone(),
            Roots::Platform => platform_roots()?,
            Roots::Empty => RootStore::default(),
        };
        for (index, der) in self.added.into_iter().enumerate() {
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|source| Error::InvalidRoot { index, source })?
                .to_owned();
            store.push(anchor, der, self.added_are_known);
        }
        if store.anchors.is_empty() {
            return Err(Error::NoTrustAnchors);
        }
        let provider = self
            .provider
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        Ok(CertVerifier {
            inner: Arc::new(Inner {
                store,
                provider,
                time: self.time,
                proc: RwLock::new(ProcSlot::default()),
                cache: Mutex::new(Cache::new(self.cache_capacity)),
                observer: RwLock::new(None),
            }),
        })
    }
}

/// A certificate verifier with Chromium's verdicts and Electron's verify proc.
///
/// It verifies a chain as webpki does (path building to a trusted root, validity dates,
/// `serverAuth`, constraints), checks the host name and keys as Chromium does, reports the
/// result as Chromium's net error, then lets the verify proc, if one is set, have the last
/// word. Cloning is cheap and clones share the proc and the verdict cache.
///
/// It implements rustls's [`ServerCertVerifier`]; [`CertVerifier::client_config`] makes a
/// `rustls::ClientConfig` for reqwest's `ClientBuilder::tls_backend_preconfigured`.
#[derive(Clone)]
pub struct CertVerifier {
    inner: Arc<Inner>,
}

/// The outcome of one verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Verification {
    /// The host verified for.
    pub hostname: String,
    /// The final verdict: the proc's, or the verifier's when there is no proc.
    pub net_error: NetError,
    /// The verifier's own verdict (Chromium's), before the proc.
    pub verifier_error: NetError,
    /// Everything the verifier found wrong.
    pub status: CertStatus,
    /// The chain as sent, as the proc sees it; `None` when the leaf does not parse.
    pub certificate: Option<Certificate>,
    /// The chain as verified (leaf to root) when verification succeeded, else the chain as
    /// sent.
    pub validated_certificate: Option<Certificate>,
    /// Whether the verified chain ends in a bundled or platform root.
    pub is_issued_by_known_root: bool,
    /// The proc's answer, when a proc gave this verdict (now or from the cache).
    pub proc_answer: Option<i32>,
    /// Whether the verdict came from the cache rather than a call to the proc.
    pub from_cache: bool,
}

impl Verification {
    /// Whether the certificate is accepted.
    pub fn is_ok(&self) -> bool {
        self.net_error.is_ok()
    }

    /// `Ok(())` when accepted, else [`Error::Rejected`].
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] with the verdict when the certificate is rejected.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_ok() {
            Ok(())
        } else {
            Err(Error::Rejected {
                hostname: self.hostname,
                net_error: self.net_error,
                status: self.status,
            })
        }
    }
}

impl CertVerifier {
    /// A verifier trusting Mozilla's bundled roots, with no proc.
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                store: mozilla_roots().clone(),
                provider: Arc::new(rustls::crypto::aws_lc_rs::default_provider()),
                time: None,
                proc: RwLock::new(ProcSlot::default()),
                cache: Mutex::new(Cache::new(DEFAULT_CACHE_CAPACITY)),
                observer: RwLock::new(None),
            }),
        }
    }

    /// A builder for a verifier with other roots, a fixed time or another provider.
    pub fn builder() -> CertVerifierBuilder {
        CertVerifierBuilder {
            roots: Roots::Mozilla,
            added: Vec::new(),
            added_are_known: false,
            time: None,
            provider: None,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
        }
    }

    /// Electron's `setCertificateVerifyProc`: `Some` installs a proc, `None` restores the
    /// default verification. Either way the verdict cache is emptied.
    pub fn set_certificate_verify_proc(&self, proc: Option<VerifyProc>) {
        let mut slot = self
            .inner
            .proc
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        slot.proc = proc;
        slot.generation = slot.generation.wrapping_add(1);
        drop(slot);
        self.inner.cache().clear();
    }

    /// Sets (or, with `None`, removes) the observer of the verifications TLS handshakes ask
    /// for. Clones of this verifier share it.
    pub fn set_observer(&self, observer: Option<Observer>) {
        *self
            .inner
            .observer
            .write()
            .unwrap_or_else(PoisonError::into_inner) = observer;
    }

    /// The verify proc in force, if any (a new verifier for the same session keeps it).
    pub fn certificate_verify_proc(&self) -> Option<VerifyProc> {
        self.inner
            .proc
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .proc
            .clone()
    }

    /// Verifies `chain` (leaf first, then the intermediates as a server sends them) for
    /// `hostname`, calling the proc if one is set. An asynchronous proc is waited for on this
    /// thread.
    ///
    /// A rejected certificate is not an error here: it is a [`Verification`] whose
    /// `net_error` says why.
    ///
    /// # Errors
    ///
    /// [`Error::EmptyChain`] for an empty chain, [`Error::InvalidHostname`] for a host that
    /// is neither a DNS name nor an IP address.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession_cert_verify::{CertVerifier, NetError, Roots};
    /// # let pem = include_bytes!("../tests/data/self-signed.pem");
    ///
    /// // `pem` holds a self-signed certificate for `localhost`, trusted by nobody.
    /// let chain = netsession_cert_verify::parse_pem(pem)?;
    /// let verifier = CertVerifier::new();
    /// let verification = verifier.verify("localhost", &chain)?;
    /// assert_eq!(verification.net_error, NetError::CERT_AUTHORITY_INVALID);
    /// assert_eq!(verification.net_error.name(), "net::ERR_CERT_AUTHORITY_INVALID");
    /// # Ok::<(), netsession_cert_verify::Error>(())
    /// ```
    pub fn verify(
        &self,
        hostname: &str,
        chain: &[CertificateDer<'_>],
    ) -> Result<Verification, Error> {
        block_on(self.verify_async(hostname, chain))
    }

    /// As [`CertVerifier::verify`], awaiting an asynchronous proc instead of blocking.
    ///
    /// # Errors
    ///
    /// As [`CertVerifier::verify`].
    pub async fn verify_async(
        &self,
        hostname: &str,
        chain: &[CertificateDer<'_>],
    ) -> Result<Verification, Error> {
        let server_name = ServerName::try_from(hostname)
            .map_err(|_| Error::InvalidHostname(hostname.to_owned()))?;
        let Some((end_entity, intermediates)) = chain.split_first() else {
            return Err(Error::EmptyChain);
        };
        let now = self.inner.time.unwrap_or_else(UnixTime::now);
        Ok(self
            .run(hostname, &server_name, end_entity, intermediates, now)
            .await)
    }

    /// A rustls client configuration that verifies servers with this verifier, using its
    /// crypto provider and rustls's safe default protocol versions; hand it to reqwest's
    /// `ClientBuilder::tls_backend_preconfigured`.
    ///
    /// # Errors
    ///
    /// [`Error::Tls`] when the crypto provider supports no safe protocol version.
    pub fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        Ok(
            rustls::ClientConfig::builder_with_provider(Arc::clone(&self.inner.provider))
                .with_safe_default_protocol_versions()
                .map_err(Error::Tls)?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(self.clone()))
                .with_no_client_auth(),
        )
    }

    async fn run(
        &self,
        hostname: &str,
        server_name: &ServerName<'_>,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Verification {
        let evaluation = self
            .inner
            .evaluate(server_name, end_entity, intermediates, now);
        let verifier_error = evaluation.status.net_error();
        let sent: Vec<CertificateDer<'_>> = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|der| CertificateDer::from(der.as_ref()))
            .collect();
        // A certificate that does not parse ends the chain the proc sees, as it would end
        // Electron's `issuerCert` links.
        let parseable = sent
            .iter()
            .take_while(|der| Certificate::from_der(der).is_ok())
            .count();
        let certificate = Certificate::from_chain(sent.get(..parseable).unwrap_or_default()).ok();
        let validated_certificate = match &evaluation.path {
            Some(path) => Certificate::from_chain(path).ok(),
            None => certificate.clone(),
        };
        let mut verification = Verification {
            hostname: hostname.to_owned(),
            net_error: verifier_error,
            verifier_error,
            status: evaluation.status,
            certificate,
            validated_certificate,
            is_issued_by_known_root: evaluation.known_root,
            proc_answer: None,
            from_cache: false,
        };
        let (proc, generation) = {
            let slot = self
                .inner
                .proc
                .read()
                .unwrap_or_else(PoisonError::into_inner);
            (slot.proc.clone(), slot.generation)
        };
        // Without a proc, or without a certificate to show it, the verifier decides.
        let Some(proc) = proc else {
            return verification;
        };
        let (Some(certificate), Some(validated_certificate)) = (
            verification.certificate.clone(),
            verification.validated_certificate.clone(),
        ) else {
            return verification;
        };
        let key = CacheKey::new(hostname, &sent);
        if let Some(answer) = self.inner.cache().get(&key) {
            verification.net_error = apply_answer(answer, verifier_error);
            verification.proc_answer = Some(answer);
            verification.from_cache = true;
            return verification;
        }
        let request = VerifyRequest {
            hostname: hostname.to_owned(),
            certificate,
            validated_certificate,
            is_issued_by_known_root: evaluation.known_root,
            verification_result: verifier_error.name(),
            error_code: verifier_error.code(),
        };
        let answer = proc.call(request).await;
        verification.net_error = apply_answer(answer, verifier_error);
        verification.proc_answer = Some(answer);
        // A proc replaced while this one ran must not leave its verdict behind.
        let current = self
            .inner
            .proc
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .generation;
        if current == generation {
            self.inner.cache().insert(key, answer);
        }
        verification
    }
}

impl Default for CertVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for CertVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertVerifier")
            .field("roots", &self.inner.store.anchors.len())
            .field("time", &self.inner.time)
            .finish_non_exhaustive()
    }
}

impl ServerCertVerifier for CertVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let hostname = server_name.to_str();
        let now = self.inner.time.unwrap_or(now);
        let verification =
            block_on(self.run(&hostname, server_name, end_entity, intermediates, now));
        let observer = self
            .inner
            .observer
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        if let Some(observer) = observer {
            observer(&verification);
        }
        match verification.into_result() {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(error) => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Other(rustls::OtherError(Arc::new(error))),
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.inner.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.inner.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner
            .provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

struct Inner {
    store: RootStore,
    provider: Arc<CryptoProvider>,
    time: Option<UnixTime>,
    proc: RwLock<ProcSlot>,
    cache: Mutex<Cache>,
    observer: RwLock<Option<Observer>>,
}

/// Sees every verification a TLS handshake asks for (the facade writes them to its NetLog as
/// `CERT_VERIFIER_JOB` events).
pub type Observer = Arc<dyn Fn(&Verification) + Send + Sync>;

#[derive(Default)]
struct ProcSlot {
    proc: Option<VerifyProc>,
    generation: u64,
}

/// Trust anchors for webpki, with each root's DER and whether it is a known root.
#[derive(Clone, Default)]
struct RootStore {
    anchors: Vec<TrustAnchor<'static>>,
    roots: Vec<(CertificateDer<'static>, bool)>,
}

impl RootStore {
    fn push(&mut self, anchor: TrustAnchor<'static>, der: CertificateDer<'static>, known: bool) {
        self.anchors.push(anchor);
        self.roots.push((der, known));
    }

    fn extend_known(&mut self, certificates: impl IntoIterator<Item = CertificateDer<'static>>) {
        for der in certificates {
            // A root webpki cannot read could never anchor a path; leave it out.
            if let Ok(anchor) = webpki::anchor_from_trusted_cert(&der) {
                let anchor = anchor.to_owned();
                self.push(anchor, der, true);
            }
        }
    }

    /// The root whose trust anchor is `anchor`, with whether it is known.
    fn root_of(&self, anchor: &TrustAnchor<'_>) -> Option<&(CertificateDer<'static>, bool)> {
        let index = self.anchors.iter().position(|candidate| {
            candidate.subject == anchor.subject
                && candidate.subject_public_key_info == anchor.subject_public_key_info
        })?;
        self.roots.get(index)
    }
}

fn mozilla_roots() -> &'static RootStore {
    static ROOTS: OnceLock<RootStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut store = RootStore::default();
        store.extend_known(webpki_root_certs::TLS_SERVER_ROOT_CERTS.iter().cloned());
        store
    })
}

fn platform_roots() -> Result<RootStore, Error> {
    let mut loaded = rustls_native_certs::load_native_certs();
    if loaded.certs.is_empty() && !loaded.errors.is_empty() {
        let error = loaded.errors.swap_remove(0);
        return Err(Error::PlatformRoots(Arc::new(error)));
    }
    let mut store = RootStore::default();
    store.extend_known(loaded.certs);
    Ok(store)
}

/// What the verifier found, before the proc.
struct Evaluation {
    status: CertStatus,
    /// The verified path, leaf to root, when one was found.
    path: Option<Vec<CertificateDer<'static>>>,
    known_root: bool,
}

impl Inner {
    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Chromium's verification, approximated with webpki: the host name, then the path (with
    /// a second attempt inside the validity period when dates fail, so that what else is
    /// wrong is still found), then the keys and signature algorithms of the chain.
    fn evaluate(
        &self,
        server_name: &ServerName<'_>,
        end_entity_der: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Evaluation {
        let mut evaluation = Evaluation {
            status: CertStatus::NONE,
            path: None,
            known_root: false,
        };
        let Ok(end_entity) = EndEntityCert::try_from(end_entity_der) else {
            evaluation.status = CertStatus::INVALID;
            return evaluation;
        };
        if end_entity
            .verify_is_valid_for_subject_name(server_name)
            .is_err()
        {
            evaluation.status |= CertStatus::COMMON_NAME_INVALID;
        }
        let sent: Vec<&[u8]> = std::iter::once(end_entity_der)
            .chain(intermediates)
            .map(|der| der.as_ref())
            .collect();
        let parsed: Vec<Option<X509Certificate<'_>>> = sent
            .iter()
            .map(|der| X509Certificate::from_der(der).ok().map(|(_, cert)| cert))
            .collect();
        let weak_signature = parsed
            .iter()
            .flatten()
            .filter(|cert| cert.subject() != cert.issuer())
            .any(has_weak_signature);

        let verify_at = |time: UnixTime| {
            end_entity.verify_for_usage(
                self.provider.signature_verification_algorithms.all,
                &self.store.anchors,
                intermediates,
                time,
                KeyUsage::server_auth(),
                None,
                None,
            )
        };
        let store = &self.store;
        let record = |evaluation: &mut Evaluation, path: webpki::VerifiedPath<'_>| {
            let mut chain = vec![end_entity_der.clone().into_owned()];
            chain.extend(
                path.intermediate_certificates()
                    .map(|cert| cert.der().into_owned()),
            );
            if let Some((root, known)) = store.root_of(path.anchor()) {
                chain.push(root.clone());
                evaluation.known_root = *known;
            }
            evaluation.path = Some(chain);
        };
        let trusted_leaf = self
            .store
            .roots
            .iter()
            .find(|(der, _)| der.as_ref() == end_entity_der.as_ref());
        if let Some((der, known)) = trusted_leaf {
            // Chromium accepts a server certificate that is itself a trust anchor; webpki
            // only builds paths above the leaf. Its dates still count.
            evaluation.path = Some(vec![der.clone()]);
            evaluation.known_root = *known;
            let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
            if let Some(Some(leaf)) = parsed.first() {
                let validity = leaf.validity();
                if now < validity.not_before.timestamp() || now > validity.not_after.timestamp() {
                    evaluation.status |= CertStatus::DATE_INVALID;
                }
            }
        } else {
            // webpki refuses a CA certificate as the server certificate; Chromium does not
            // look at that flag. For the common case, a self-signed development certificate
            // (`openssl req -x509` marks it CA:TRUE), the only real problem left is that no
            // trusted root vouches for it: Chromium's AUTHORITY_INVALID.
            let self_issued = parsed
                .first()
                .and_then(Option::as_ref)
                .is_some_and(|leaf| leaf.subject() == leaf.issuer());
            let status_of = |error: &webpki::Error, weak_signature: bool| match error {
                webpki::Error::CaUsedAsEndEntity if self_issued => CertStatus::AUTHORITY_INVALID,
                other => status_of(other, weak_signature),
            };
            match verify_at(now) {
                Ok(path) => record(&mut evaluation, path),
                Err(error) if is_date_error(&error) => {
                    evaluation.status |= CertStatus::DATE_INVALID;
                    if let Some(time) = time_inside_validity(&parsed) {
                        match verify_at(time) {
                            Ok(path) => record(&mut evaluation, path),
                            Err(error) if is_date_error(&error) => {}
                            Err(error) => evaluation.status |= status_of(&error, weak_signature),
                        }
                    }
                }
                Err(error) => evaluation.status |= status_of(&error, weak_signature),
            }
        }

        if weak_signature {
            evaluation.status |= CertStatus::WEAK_SIGNATURE_ALGORITHM;
        }
        let known_root = evaluation.known_root;
        let keys_weak = match &evaluation.path {
            Some(path) => path.iter().any(|der| {
                X509Certificate::from_der(der)
                    .map_or(true, |(_, cert)| has_weak_key(&cert, known_root))
            }),
            None => parsed
                .iter()
                .flatten()
                .any(|cert| has_weak_key(cert, known_root)),
        };
        if keys_weak {
            evaluation.status |= CertStatus::WEAK_KEY;
        }
        if known_root {
            if let Some(Some(leaf)) = parsed.first() {
                let validity = leaf.validity();
                if validity_too_long(
                    validity.not_before.timestamp(),
                    validity.not_after.timestamp(),
                ) {
                    evaluation.status |= CertStatus::VALIDITY_TOO_LONG;
                }
            }
        }
        evaluation
    }
}

fn is_date_error(error: &webpki::Error) -> bool {
    matches!(
        error,
        webpki::Error::CertExpired { .. }
            | webpki::Error::CertNotValidYet { .. }
            | webpki::Error::InvalidCertValidity
    )
}

/// Chromium's `MapPathBuilderErrorsToCertStatus` for the one error webpki reports.
fn status_of(error: &webpki::Error, weak_signature: bool) -> CertStatus {
    use webpki::Error as E;
    match error {
        E::CertExpired { .. } | E::CertNotValidYet { .. } | E::InvalidCertValidity => {
            CertStatus::DATE_INVALID
        }
        E::UnknownIssuer
        | E::CertDistrusted
        | E::InvalidSignatureForPublicKey
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumPathDepthExceeded
        | E::MaximumSignatureChecksExceeded => CertStatus::AUTHORITY_INVALID,
        E::CertRevoked => CertStatus::REVOKED,
        E::UnknownRevocationStatus => CertStatus::UNABLE_TO_CHECK_REVOCATION,
        // Chromium's path builder refuses MD5 and SHA-1 signatures, which makes the chain
        // INVALID whatever else is wrong with it (Chromium 156: a SHA-1 leaf that is also
        // expired, or also has a weak key, is ERR_CERT_INVALID); CertVerifyProc adds
        // WEAK_SIGNATURE_ALGORITHM beside it. A chain whose issuer is missing never reaches
        // the signature and stays AUTHORITY_INVALID.
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
            if weak_signature =>
        {
            CertStatus::INVALID
        }
        // A signature the issuer's key cannot have made (an issuer of the same name with a
        // key of another kind) is a failed signature check for Chromium.
        E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) | E::SignatureAlgorithmMismatch => {
            CertStatus::AUTHORITY_INVALID
        }
        // Extended key usage, basic constraints, path length, name constraints, critical
        // extensions, malformed certificates: Chromium's catch-all.
        _ => CertStatus::INVALID,
    }
}

/// A time at which every certificate sent is valid, or failing that the middle of the leaf's
/// validity period.
fn time_inside_validity(parsed: &[Option<X509Certificate<'_>>]) -> Option<UnixTime> {
    let periods: Vec<(i64, i64)> = parsed
        .iter()
        .flatten()
        .map(|cert| {
            let validity = cert.validity();
            (
                validity.not_before.timestamp(),
                validity.not_after.timestamp(),
            )
        })
        .collect();
    let (leaf_start, leaf_end) = *periods.first()?;
    let start = periods.iter().map(|period| period.0).max()?;
    let end = periods.iter().map(|period| period.1).min()?;
    let (start, end) = if start <= end {
        (start, end)
    } else {
        (leaf_start, leaf_end)
    };
    let middle = start.checked_add(end.checked_sub(start)? / 2)?;
    Some(UnixTime::since_unix_epoch(Duration::from_secs(
        u64::try_from(middle).ok()?,
    )))
}

/// Whether a certificate is signed with MD2, MD4, MD5 or SHA-1.
fn has_weak_signature(cert: &X509Certificate<'_>) -> bool {
    const WEAK: [&str; 7] = [
        "1.2.840.113549.1.1.2", // md2WithRSAEncryption
        "1.2.840.113549.1.1.3", // md4WithRSAEncryption
        "1.2.840.113549.1.1.4", // md5WithRSAEncryption
        "1.2.840.113549.1.1.5", // sha1WithRSAEncryption
        "1.3.14.3.2.29",        // sha1WithRSASignature (OIW)
        "1.2.840.10045.4.1",    // ecdsa-with-SHA1
        "1.2.840.10040.4.3",    // dsa-with-sha1
    ];
    let oid = cert.signature_algorithm.algorithm.to_id_string();
    WEAK.contains(&oid.as_str())
}

/// Chromium's key policy: RSA of at least 1024 bits (2048 under a known root), ECDSA on
/// P-256, P-384 or P-521, nothing else.
fn has_weak_key(cert: &X509Certificate<'_>, known_root: bool) -> bool {
    const CURVES: [&str; 3] = ["1.2.840.10045.3.1.7", "1.3.132.0.34", "1.3.132.0.35"];
    let spki = cert.public_key();
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa_bits(rsa.modulus);
            bits < 1024 || (known_root && bits < 2048)
        }
        Ok(PublicKey::EC(_)) => !spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|parameters| parameters.as_oid().ok())
            .is_some_and(|curve| CURVES.contains(&curve.to_id_string().as_str())),
        _ => true,
    }
}

/// The size of an RSA modulus in bits, ignoring leading zeros.
fn rsa_bits(modulus: &[u8]) -> usize {
    let Some(start) = modulus.iter().position(|&byte| byte != 0) else {
        return 0;
    };
    let significant = modulus.get(start..).unwrap_or_default();
    let leading = significant
        .first()
        .map_or(0, |byte| byte.leading_zeros() as usize);
    (significant.len() * 8).saturating_sub(leading)
}

/// Chromium's `HasTooLongValidity` for certificates under a known root, by the date the
/// certificate starts: 398 days from 2020-09-01, 825 days from 2018-03-01, 39 months from
/// 2015-04-01, 60 months from 2012-07-01, 120 months before (a month counted as 31 days).
pub(crate) fn validity_too_long(start: i64, expiry: i64) -> bool {
    const DAY: i64 = 86_400;
    const SEP_2020: i64 = 1_598_918_400;
    const MAR_2018: i64 = 1_519_862_400;
    const APR_2015: i64 = 1_427_846_400;
    const JUL_2012: i64 = 1_341_100_800;
    let limit_days = if start >= SEP_2020 {
        398
    } else if start >= MAR_2018 {
        825
    } else if start >= APR_2015 {
        39 * 31
    } else if start >= JUL_2012 {
        60 * 31
    } else {
        120 * 31
    };
    expiry.saturating_sub(start) > limit_days * DAY
}

/// A verdict cache key: the host and a digest of the chain as sent.
#[derive(Clone, PartialEq, Eq, Hash)]
struct CacheKey {
    hostname: String,
    chain: [u8; 32],
}

impl CacheKey {
    fn new(hostname: &str, chain: &[CertificateDer<'_>]) -> Self {
        let mut context = digest::Context::new(&digest::SHA256);
        for der in chain {
            context.update(&(der.len() as u64).to_be_bytes());
            context.update(der);
        }
        let mut digest = [0; 32];
        let finished = context.finish();
        for (slot, byte) in digest.iter_mut().zip(finished.as_ref()) {
            *slot = *byte;
        }
        Self {
            hostname: hostname.to_ascii_lowercase(),
            chain: digest,
        }
    }
}

/// Proc answers by host and chain, the oldest forgotten first.
struct Cache {
    answers: HashMap<CacheKey, i32>,
    order: VecDeque<CacheKey>,
    capacity: usize,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Self {
            answers: HashMap::new(),
            order: VecDeque::new(),
            capacity,
        }
    }

    fn get(&self, key: &CacheKey) -> Option<i32> {
        self.answers.get(key).copied()
    }

    fn insert(&mut self, key: CacheKey, answer: i32) {
        if self.capacity == 0 {
            return;
        }
        if self.answers.insert(key.clone(), answer).is_none() {
            self.order.push_back(key);
        }
        while self.answers.len() > self.capacity {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            self.answers.remove(&oldest);
        }
    }

    fn clear(&mut self) {
        self.answers.clear();
        self.order.clear();
    }
}
