//! HTTP authentication on the session: the `login` handler, the auth cache that
//! `clearAuthCache` empties, and the identities tried on a `401`, in Chromium's order
//! (`HttpAuthController::SelectNextAuthIdentityToTry`): the credentials in the URL (once),
//! then the cache for the challenge's realm (once; a cached identity the server refuses is
//! dropped), then the app's `login` handler. With no handler, or when it answers `None`, the
//! `401` response is returned as it is, as Electron shows it when `login` is not handled.
//!
//! Basic and Digest (RFC 7616: MD5, SHA-256 and their `-sess` forms, `qop=auth`) are
//! answered. The cache remembers the protection space as Chromium does (origin, realm, and
//! the directory of the path that was challenged), and later requests under that directory
//! send the credentials before being asked (Digest with the next nonce count).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};

use url::Url;

use crate::auth_scheme::{
    Challenge, DigestChallenge, Scheme, basic_authorization, digest_authorization, new_cnonce,
};

/// Electron's `authInfo` of the `login` event.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthInfo {
    /// Whether a proxy asks (`407`) rather than the origin (`401`).
    pub is_proxy: bool,
    /// The scheme, lower-case (`basic`, `digest`), as Chromium reports it.
    pub scheme: String,
    /// The host asking.
    pub host: String,
    /// Its port.
    pub port: u16,
    /// The realm of the challenge.
    pub realm: String,
}

/// What the `login` handler is asked: the URL (Electron's
/// `authenticationResponseDetails.url`) and the challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginRequest {
    /// The URL whose request was challenged.
    pub url: Url,
    /// The challenge.
    pub auth_info: AuthInfo,
}

/// A user name and password. `Debug` does not print the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub username: String,
    /// The password.
    pub password: String,
}

impl Credentials {
    /// Credentials from a user name and password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            password: password.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

pub(crate) type LoginFuture = Pin<Box<dyn Future<Output = Option<Credentials>> + Send>>;
pub(crate) type LoginHandler = Arc<dyn Fn(LoginRequest) -> LoginFuture + Send + Sync>;

pub(crate) fn login_handler<F, Fut>(handler: F) -> LoginHandler
where
    F: Fn(LoginRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Option<Credentials>> + Send + 'static,
{
    Arc::new(move |request| Box::pin(handler(request)))
}

/// How a cached identity answers.
#[derive(Clone, Debug)]
pub(crate) enum Answer {
    Basic,
    Digest {
        challenge: DigestChallenge,
        nonce_count: u32,
    },
    /// NTLM opens connections, not requests: never sent before being asked.
    #[cfg_attr(
        not(feature = "ntlm"),
        allow(dead_code, reason = "built with the ntlm feature")
    )]
    Ntlm,
}

/// One protection space and the identity that opened it.
#[derive(Clone, Debug)]
pub(crate) struct AuthEntry {
    pub(crate) origin: String,
    pub(crate) realm: String,
    /// The directory of the challenged path: requests below it authenticate at once.
    pub(crate) directory: String,
    pub(crate) credentials: Credentials,
    pub(crate) answer: Answer,
}

impl AuthEntry {
    /// This entry's origin and directory set from `url`.
    #[cfg_attr(
        not(feature = "ntlm"),
        allow(dead_code, reason = "built with the ntlm feature")
    )]
    pub(crate) fn for_url(self, url: &Url) -> Self {
        Self {
            origin: origin_of(url),
            directory: directory_of(url.path()).to_owned(),
            ..self
        }
    }

    /// The `Authorization` value for `method` and `url` (the next nonce count for Digest).
    pub(crate) fn authorization(&mut self, method: &str, url: &Url) -> String {
        let Credentials { username, password } = &self.credentials;
        match &mut self.answer {
            // Never asked for: `preemptive` skips NTLM entries.
            Answer::Basic | Answer::Ntlm => basic_authorization(username, password),
            Answer::Digest {
                challenge,
                nonce_count,
            } => {
                *nonce_count = nonce_count.saturating_add(1);
                digest_authorization(
                    challenge,
                    username,
                    password,
                    method,
                    &request_target(url),
                    *nonce_count,
                    &new_cnonce(),
                )
            }
        }
    }
}

/// The auth cache of a session.
#[derive(Debug, Default)]
pub(crate) struct AuthCache {
    entries: Mutex<Vec<AuthEntry>>,
}

/// Chromium keeps at most this many protection spaces per cache.
const MAX_ENTRIES: usize = 10;

impl AuthCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, Vec<AuthEntry>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The `Authorization` to send before being asked: the entry of `url`'s origin whose
    /// directory is the longest prefix of its path.
    pub(crate) fn preemptive(&self, method: &str, url: &Url) -> Option<String> {
        let origin = origin_of(url);
        let path = url.path();
        let mut entries = self.entries();
        let entry = entries
            .iter_mut()
            .filter(|e| e.origin == origin && path.starts_with(&e.directory))
            .filter(|e| !matches!(e.answer, Answer::Ntlm))
            .max_by_key(|e| e.directory.len())?;
        Some(entry.authorization(method, url))
    }

    /// The identity cached for `url`'s origin and `realm`.
    pub(crate) fn lookup(&self, url: &Url, realm: &str) -> Option<Credentials> {
        let origin = origin_of(url);
        self.entries()
            .iter()
            .find(|e| e.origin == origin && e.realm == realm)
            .map(|e| e.credentials.clone())
    }

    /// Remembers an identity the server accepted (replacing the realm's previous one; the
    /// directory shrinks to the common prefix, as Chromium's `AuthCache::Entry::AddPath`).
    pub(crate) fn store(&self, entry: AuthEntry) {
        let mut entries = self.entries();
        if let Some(old) = entries
            .iter_mut()
            .find(|e| e.origin == entry.origin && e.realm == entry.realm)
        {
            let directory = common_directory(&old.directory, &entry.directory);
            *old = AuthEntry { directory, ..entry };
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            entries.remove(0);
        }
        entries.push(entry);
    }

    /// Forgets the identity of `url`'s origin and `realm` (the server refused it).
    pub(crate) fn remove(&self, url: &Url, realm: &str) {
        let origin = origin_of(url);
        self.entries()
            .retain(|e| !(e.origin == origin && e.realm == realm));
    }

    /// Electron's `clearAuthCache`.
    pub(crate) fn clear(&self) {
        self.entries().clear();
    }
}

/// What answering one challenge needs.
pub(crate) struct Challenged {
    pub(crate) realm: String,
    pub(crate) scheme: &'static str,
    answer: Answer,
    pub(crate) stale: bool,
}

impl Challenged {
    pub(crate) fn new(challenge: &Challenge) -> Option<Self> {
        match &challenge.scheme {
            Scheme::Basic => Some(Self {
                realm: challenge.realm().to_owned(),
                scheme: "basic",
                answer: Answer::Basic,
                stale: false,
            }),
            Scheme::Digest => {
                let digest = DigestChallenge::from_challenge(challenge)?;
                Some(Self {
                    realm: challenge.realm().to_owned(),
                    scheme: "digest",
                    stale: digest.stale,
                    answer: Answer::Digest {
                        challenge: digest,
                        nonce_count: 0,
                    },
                })
            }
            _ => None,
        }
    }

    /// The cache entry for `credentials` answering this challenge at `url`.
    pub(crate) fn entry(&self, url: &Url, credentials: Credentials) -> AuthEntry {
        AuthEntry {
            origin: origin_of(url),
            realm: self.realm.clone(),
            directory: directory_of(url.path()).to_owned(),
            credentials,
            answer: self.answer.clone(),
        }
    }
}

/// The credentials in a URL's userinfo, percent-decoded (Chromium's `GetIdentityFromURL`).
pub(crate) fn url_credentials(url: &Url) -> Option<Credentials> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    Some(Credentials {
        username: decode(url.username()),
        password: decode(url.password().unwrap_or_default()),
    })
}

/// `scheme://host:port`: the key of the auth cache, and of the connection slots.
pub(crate) fn origin_of(url: &Url) -> String {
    format!(
        "{}://{}:{}",
        url.scheme(),
        url.host_str().unwrap_or_default(),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// The path up to and including its last `/`.
fn directory_of(path: &str) -> &str {
    path.rfind('/')
        .and_then(|at| path.get(..=at))
        .unwrap_or("/")
}

/// The longest directory both paths are under.
fn common_directory(a: &str, b: &str) -> String {
    let common: usize = a
        .char_indices()
        .zip(b.chars())
        .take_while(|((_, x), y)| x == y)
        .map(|((_, x), _)| x.len_utf8())
        .sum();
    directory_of(a.get(..common).unwrap_or("/")).to_owned()
}

/// The request target Digest signs: path and query.
fn request_target(url: &Url) -> String {
    match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{common_directory, directory_of, url_credentials};

    #[test]
    fn directories() {
        assert_eq!(directory_of("/a/b/c.html"), "/a/b/");
        assert_eq!(directory_of("/"), "/");
        assert_eq!(directory_of(""), "/");
        assert_eq!(common_directory("/a/b/", "/a/c/"), "/a/");
        assert_eq!(common_directory("/ab/", "/ac/"), "/");
    }

    #[test]
    fn credentials_in_urls_are_decoded() {
        let url = url::Url::parse("http://us%40er:p%3Ass@example.com/").unwrap();
        let found = url_credentials(&url).unwrap();
        assert_eq!(found.username, "us@er");
        assert_eq!(found.password, "p:ss");
    }
}
