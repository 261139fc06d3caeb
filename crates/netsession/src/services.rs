//! The session's caches and TLS settings: Electron's `getCacheSize`, `clearCache`,
//! `clearHostResolverCache`, `clearAuthCache`, `setCertificateVerifyProc`, the `login`
//! event, and the blob registry behind `getBlobData`.

use std::future::Future;
use std::sync::{PoisonError, RwLock};

use bytes::Bytes;
use netsession_cert_verify::{CertVerifier, VerifyProc};
use netsession_http_cache::Cache;

use crate::auth::{Credentials, LoginHandler, LoginRequest, login_handler};
use crate::error::Error;
use crate::host_cache::HostResolver;
use crate::session::Session;

impl Session {
    /// The session's HTTP cache (disabled when the session was created with
    /// `cache: false`).
    pub fn http_cache(&self) -> &Cache {
        &self.inner.cache
    }

    /// Electron's `getCacheSize`: the bytes the HTTP cache holds.
    pub fn cache_size(&self) -> u64 {
        self.inner.cache.size()
    }

    /// Electron's `clearCache`.
    ///
    /// # Errors
    ///
    /// [`Error::Cache`] when the cache's files cannot be removed.
    pub async fn clear_cache(&self) -> Result<(), Error> {
        let cache = self.inner.cache.clone();
        tokio::task::spawn_blocking(move || cache.clear().map_err(Error::from))
            .await
            .unwrap_or(Err(Error::Cancelled))
    }

    /// The session's host resolver cache.
    pub fn host_resolver(&self) -> &HostResolver {
        &self.inner.host_resolver
    }

    /// Electron's `clearHostResolverCache`.
    pub async fn clear_host_resolver_cache(&self) {
        self.inner.host_resolver.clear();
    }

    /// Electron's `clearAuthCache`: forgets every identity the session has used.
    pub async fn clear_auth_cache(&self) {
        self.inner.auth_cache.clear();
        self.client().clear_proxy_credentials();
    }

    /// Electron's `login` event: `handler` answers HTTP authentication challenges the
    /// session cannot answer itself, with credentials or `None` (cancel: the `401` response
    /// is returned). `None` removes the handler.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession::{Credentials, Session, SessionOptions};
    ///
    /// let session = Session::from_partition("login-doc", SessionOptions::default())?;
    /// session.set_login_handler(Some(|request: netsession::LoginRequest| async move {
    ///     (request.auth_info.realm == "intranet").then(|| Credentials::new("ada", "secret"))
    /// }));
    /// # Ok::<(), netsession::Error>(())
    /// ```
    pub fn set_login_handler<F, Fut>(&self, handler: Option<F>)
    where
        F: Fn(LoginRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Option<Credentials>> + Send + 'static,
    {
        *write(&self.inner.login) = handler.map(login_handler);
    }

    pub(crate) fn login_handler(&self) -> Option<LoginHandler> {
        self.inner
            .login
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Electron's `setCertificateVerifyProc`: `proc` decides every TLS connection's
    /// certificate from now on (0 accepts, -2 fails, -3 uses the verifier's verdict, any
    /// other code fails with it); `None` restores the default verification. Open
    /// connections and saved TLS sessions are dropped, so that no later request resumes a
    /// session the old proc approved (a resumed TLS session is never verified again).
    ///
    /// # Errors
    ///
    /// [`Error::Certificate`] when the clients' TLS cannot be set up again.
    pub fn set_certificate_verify_proc(&self, proc: Option<VerifyProc>) -> Result<(), Error> {
        let verifier = self.verifier();
        verifier.set_certificate_verify_proc(proc);
        self.set_client(self.clients_for(self.proxy_resolver(), &verifier)?);
        Ok(())
    }

    /// The session's certificate verifier.
    pub fn verifier(&self) -> CertVerifier {
        self.inner
            .verifier
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces the certificate verifier (other roots, a fixed time) and drops the
    /// connections verified by the old one. The verify proc set on the session is kept.
    ///
    /// # Errors
    ///
    /// [`Error::Certificate`] when TLS cannot be set up with `verifier`.
    pub fn set_certificate_verifier(&self, verifier: CertVerifier) -> Result<(), Error> {
        let old = self.verifier();
        verifier.set_certificate_verify_proc(old.certificate_verify_proc());
        verifier.set_observer(Some(crate::logging::cert_observer(self.net_log())));
        let client = self.clients_for(self.proxy_resolver(), &verifier)?;
        *write(&self.inner.verifier) = verifier;
        self.set_client(client);
        Ok(())
    }

    /// Registers `data` as a blob and returns its UUID (what a renderer's `Blob` gets).
    pub fn create_blob(&self, data: impl Into<Bytes>) -> String {
        let uuid = uuid::Uuid::new_v4().to_string();
        self.inner
            .blobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(uuid.clone(), data.into());
        uuid
    }

    /// Electron's `getBlobData(identifier)`: the bytes of a registered blob.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownBlob`] (Electron's `Could not get blob data handle`) for an unknown
    /// id.
    pub async fn get_blob_data(&self, identifier: &str) -> Result<Bytes, Error> {
        self.inner
            .blobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(identifier)
            .cloned()
            .ok_or_else(|| Error::UnknownBlob(identifier.to_owned()))
    }
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
