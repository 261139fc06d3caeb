//! Integration tests of `netsession-cert-verify`: every failure class on a loopback TLS
//! server reached through reqwest, the verify proc's answers and cache, and the Certificate
//! shape against openssl.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod classes;
mod fields;
mod procs;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use netsession_cert_verify::rustls;
use netsession_cert_verify::{CertVerifier, Error, NetError, Roots};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate authority made by the test.
pub(crate) struct Ca {
    pub(crate) params: CertificateParams,
    pub(crate) key: KeyPair,
    pub(crate) der: CertificateDer<'static>,
}

/// A server certificate and its key.
pub(crate) struct Leaf {
    pub(crate) der: CertificateDer<'static>,
    pub(crate) key: KeyPair,
}

pub(crate) fn days_from_now(days: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix_now() + days * 86_400).unwrap()
}

pub(crate) fn ca_params(common_name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = days_from_now(-30);
    params.not_after = days_from_now(365);
    params
}

pub(crate) fn leaf_params(names: &[&str]) -> CertificateParams {
    let mut params = CertificateParams::new(
        names
            .iter()
            .map(|name| (*name).to_owned())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    params.distinguished_name = DistinguishedName::new();
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = days_from_now(-1);
    params.not_after = days_from_now(90);
    params
}

impl Ca {
    pub(crate) fn root(common_name: &str) -> Self {
        Self::self_signed(ca_params(common_name))
    }

    pub(crate) fn self_signed(params: CertificateParams) -> Self {
        let key = KeyPair::generate().unwrap();
        let der = params.self_signed(&key).unwrap().der().clone();
        Self { params, key, der }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    pub(crate) fn intermediate(&self, common_name: &str) -> Self {
        self.sign_ca(ca_params(common_name))
    }

    pub(crate) fn sign_ca(&self, params: CertificateParams) -> Self {
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .clone();
        Self { params, key, der }
    }

    pub(crate) fn leaf(&self, names: &[&str]) -> Leaf {
        self.sign_leaf(leaf_params(names))
    }

    pub(crate) fn sign_leaf(&self, params: CertificateParams) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let der = params
            .signed_by(&key, &self.issuer())
            .unwrap()
            .der()
            .clone();
        Leaf { der, key }
    }
}

impl Leaf {
    pub(crate) fn self_signed(names: &[&str]) -> Self {
        let key = KeyPair::generate().unwrap();
        let der = leaf_params(names).self_signed(&key).unwrap().der().clone();
        Self { der, key }
    }
}

/// A verifier trusting only `roots`.
pub(crate) fn verifier(roots: &[&Ca]) -> CertVerifier {
    roots
        .iter()
        .fold(
            CertVerifier::builder().roots(Roots::Empty),
            |builder, ca| builder.add_root(ca.der.clone()),
        )
        .build()
        .unwrap()
}

/// Serves `chain` on a loopback TLS server, signing with `key` (which need not match the
/// leaf: the client rejects the certificate before it checks the signature). Each connection
/// gets one `200 ok` response.
pub(crate) async fn serve(chain: Vec<CertificateDer<'static>>, key: &KeyPair) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signing_key = provider.key_provider.load_private_key(key_der).unwrap();
    let certified = Arc::new(CertifiedKey::new(chain, signing_key));
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(Fixed(certified)));
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buffer = [0; 1024];
                while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                    match tls.read(&mut buffer).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buffer[..n]),
                    }
                }
                let response =
                    "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    address
}

#[derive(Debug)]
struct Fixed(Arc<CertifiedKey>);

impl ResolvesServerCert for Fixed {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// Fetches `https://host:port/` through reqwest with `verifier` plugged in, `host` resolving
/// to the server. Returns the body, or the certificate error found in reqwest's error.
pub(crate) async fn fetch(
    verifier: &CertVerifier,
    host: &str,
    server: SocketAddr,
) -> Result<String, Error> {
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(verifier.client_config().unwrap())
        .resolve(host, server)
        .no_proxy()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let url = format!("https://{host}:{}/", server.port());
    match client.get(&url).send().await {
        Ok(response) => Ok(response.text().await.unwrap()),
        Err(error) => match Error::find(&error) {
            Some(found) => Err(found.clone()),
            None => panic!("{url}: not a certificate error: {error:?}"),
        },
    }
}

/// The net error a fetch ended with (`OK` for a body).
pub(crate) fn net_error(result: &Result<String, Error>) -> NetError {
    match result {
        Ok(body) => {
            assert_eq!(body, "ok");
            NetError::OK
        }
        Err(error) => error.net_error().expect("a rejection"),
    }
}

/// Seconds since the Unix epoch, now.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
