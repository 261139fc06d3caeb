//! [`TlsServer`]: the [`TestServer`](crate::TestServer) origin over TLS, with a certificate
//! chain made for the occasion.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use url::Url;

use crate::serve::{self, Handler, Log};
use crate::{Recorded, Reply};

/// A loopback HTTPS (HTTP/1.1 over TLS) server; stops when dropped.
///
/// It serves the same handler and recording logic as [`TestServer`](crate::TestServer),
/// with a certificate for `localhost` and `127.0.0.1` issued by a CA generated for this
/// server alone (`CN=netsession test CA`): clients trust [`ca_pem`](Self::ca_pem) or
/// [`ca_der`](Self::ca_der) and connect to [`url`](Self::url). It speaks TLS 1.2 and 1.3
/// with rustls's aws-lc-rs provider and offers ALPN `http/1.1` only.
#[derive(Debug)]
pub struct TlsServer {
    addr: SocketAddr,
    recorded: Log<Recorded>,
    ca_der: Vec<u8>,
    ca_pem: String,
    task: tokio::task::JoinHandle<()>,
}

impl TlsServer {
    /// Starts a server answering every request with `handler(request)`. Each connection
    /// serves one request and closes (`Connection: close`).
    pub async fn start(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let chain = TestChain::generate();
        let acceptor = TlsAcceptor::from(Arc::new(chain.server_config()));
        let listener = serve::bind_loopback().await;
        let addr = listener.local_addr().unwrap();
        let recorded: Log<Recorded> = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let log = Arc::clone(&recorded);
        let task = serve::accept_loop(listener, move |stream| {
            let (acceptor, handler, log) =
                (acceptor.clone(), Arc::clone(&handler), Arc::clone(&log));
            async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                if let Some(request) = serve::serve_one(stream, &handler).await {
                    log.lock().unwrap().push(request);
                }
            }
        });
        Self {
            addr,
            recorded,
            ca_der: chain.ca_der.to_vec(),
            ca_pem: chain.ca_pem,
            task,
        }
    }

    /// A server that answers `200 OK` with `body` to everything.
    pub async fn serving(body: &str) -> Self {
        let body = body.to_owned();
        Self::start(move |_| Reply::ok(body.clone())).await
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://localhost:PORT{path}` (the certificate is also valid for `127.0.0.1`).
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("https://localhost:{}{path}", self.addr.port())).unwrap()
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }

    /// The CA certificate that issued the server's certificate, PEM-encoded.
    pub fn ca_pem(&self) -> String {
        self.ca_pem.clone()
    }

    /// The CA certificate that issued the server's certificate, DER-encoded.
    pub fn ca_der(&self) -> &[u8] {
        &self.ca_der
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A CA and a `localhost` / `127.0.0.1` leaf it signed.
struct TestChain {
    ca_der: CertificateDer<'static>,
    ca_pem: String,
    leaf_der: CertificateDer<'static>,
    leaf_key: KeyPair,
}

impl TestChain {
    fn generate() -> Self {
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.distinguished_name = DistinguishedName::new();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "netsession test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();

        // `CertificateParams::new` makes `127.0.0.1` an IP address SAN, not a DNS name.
        let mut leaf_params =
            CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()]).unwrap();
        leaf_params.distinguished_name = DistinguishedName::new();
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let leaf_key = KeyPair::generate().unwrap();
        let issuer = Issuer::from_params(&ca_params, &ca_key);
        let leaf = leaf_params.signed_by(&leaf_key, &issuer).unwrap();

        Self {
            ca_der: ca.der().clone(),
            ca_pem: ca.pem(),
            leaf_der: leaf.der().clone(),
            leaf_key,
        }
    }

    fn server_config(&self) -> rustls::ServerConfig {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.leaf_key.serialize_der()));
        let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![self.leaf_der.clone(), self.ca_der.clone()], key)
        .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        config
    }
}
