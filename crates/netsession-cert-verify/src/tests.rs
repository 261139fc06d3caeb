//! Unit tests: the priority order, names, the cache, the proc answers and the policies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

use crate::proc::{apply_answer, block_on};
use crate::verifier::validity_too_long;
use crate::{CertStatus, CertVerifier, NetError, Roots, VerifyProc};

#[test]
fn priority_follows_map_cert_status_to_net_error() {
    let all = [
        (CertStatus::INVALID, -207),
        (CertStatus::PINNED_KEY_MISSING, -150),
        (CertStatus::KNOWN_INTERCEPTION_BLOCKED, -217),
        (CertStatus::REVOKED, -206),
        (CertStatus::AUTHORITY_INVALID, -202),
        (CertStatus::COMMON_NAME_INVALID, -200),
        (CertStatus::CT_REQUIRED, -214),
        (CertStatus::SYMANTEC_LEGACY, -215),
        (CertStatus::NAME_CONSTRAINT_VIOLATION, -212),
        (CertStatus::WEAK_SIGNATURE_ALGORITHM, -208),
        (CertStatus::WEAK_KEY, -211),
        (CertStatus::DATE_INVALID, -201),
        (CertStatus::VALIDITY_TOO_LONG, -213),
        (CertStatus::NON_UNIQUE_NAME, -210),
        (CertStatus::UNABLE_TO_CHECK_REVOCATION, -205),
        (CertStatus::NO_REVOCATION_MECHANISM, -204),
    ];
    // Each flag alone gives its error; with every less serious flag added, still its error.
    for (index, &(flag, code)) in all.iter().enumerate() {
        assert_eq!(flag.net_error().code(), code, "{flag:?}");
        let with_lesser = all[index..]
            .iter()
            .fold(CertStatus::NONE, |status, &(lesser, _)| status | lesser);
        assert_eq!(with_lesser.net_error().code(), code, "{with_lesser}");
    }
    assert_eq!(CertStatus::NONE.net_error(), NetError::OK);
    assert_eq!(
        (CertStatus::DATE_INVALID | CertStatus::COMMON_NAME_INVALID).to_string(),
        "COMMON_NAME_INVALID | DATE_INVALID"
    );
    assert_eq!(CertStatus::NONE.to_string(), "NONE");
}

#[test]
fn names_round_trip() {
    for code in [
        0, -2, -3, -150, -200, -201, -202, -206, -207, -208, -211, -212, -217,
    ] {
        let error = NetError::from_code(code);
        assert!(error.name().starts_with("net::"), "{code}");
        assert_eq!(NetError::from_name(error.name()), Some(error));
    }
    assert_eq!(
        NetError::CERT_AUTHORITY_INVALID.name(),
        "net::ERR_CERT_AUTHORITY_INVALID"
    );
    assert_eq!(NetError::from_code(-9999).name(), "net::ERR_<unknown>");
    assert_eq!(
        NetError::from_name("ERR_CERT_DATE_INVALID"),
        Some(NetError::CERT_DATE_INVALID)
    );
    assert_eq!(NetError::from_name("net::ERR_NOPE"), None);
    assert!(NetError::CERT_KNOWN_INTERCEPTION_BLOCKED.is_certificate_error());
    assert!(!NetError::FAILED.is_certificate_error());
    assert!(!NetError::from_code(-219).is_certificate_error());
}

#[test]
fn proc_answers() {
    let verdict = NetError::CERT_DATE_INVALID;
    assert_eq!(apply_answer(0, verdict), NetError::OK);
    assert_eq!(apply_answer(-2, verdict), NetError::FAILED);
    assert_eq!(apply_answer(-3, verdict), verdict);
    assert_eq!(apply_answer(-3, NetError::OK), NetError::OK);
    assert_eq!(
        apply_answer(-202, NetError::OK),
        NetError::CERT_AUTHORITY_INVALID
    );
}

#[test]
fn block_on_waits_for_another_thread() {
    let (sender, receiver) = std::sync::mpsc::channel::<std::task::Waker>();
    let answer = Arc::new(AtomicUsize::new(0));
    let shared = Arc::clone(&answer);
    let helper = std::thread::spawn(move || {
        let waker = receiver.recv().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        shared.store(7, Ordering::SeqCst);
        waker.wake();
    });
    let mut sender = Some(sender);
    let value = block_on(std::future::poll_fn(|context| {
        if let Some(sender) = sender.take() {
            sender.send(context.waker().clone()).unwrap();
        }
        match answer.load(Ordering::SeqCst) {
            0 => std::task::Poll::Pending,
            value => std::task::Poll::Ready(value),
        }
    }));
    assert_eq!(value, 7);
    helper.join().unwrap();
}

#[test]
fn validity_limits() {
    let day = 86_400;
    let sep_2020 = 1_598_918_400;
    assert!(!validity_too_long(sep_2020, sep_2020 + 398 * day));
    assert!(validity_too_long(sep_2020, sep_2020 + 399 * day));
    let mar_2018 = 1_519_862_400;
    assert!(!validity_too_long(mar_2018, mar_2018 + 825 * day));
    assert!(validity_too_long(mar_2018, mar_2018 + 826 * day));
    assert!(!validity_too_long(sep_2020 - 1, sep_2020 - 1 + 825 * day));
}

fn root() -> (
    CertificateParams,
    KeyPair,
    rustls::pki_types::CertificateDer<'static>,
) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let der = params.self_signed(&key).unwrap().der().clone();
    (params, key, der)
}

#[test]
fn known_roots_get_the_public_policies() {
    let (params, key, der) = root();
    let issuer = rcgen::Issuer::from_params(&params, &key);
    let mut leaf_params = CertificateParams::new(vec!["long.test".to_owned()]).unwrap();
    leaf_params.not_before = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    leaf_params.not_after =
        time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + 500 * 86_400).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .unwrap()
        .der()
        .clone();
    let at = rustls::pki_types::UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        1_710_000_000,
    ));

    let private = CertVerifier::builder()
        .roots(Roots::Empty)
        .add_root(der.clone())
        .time(at)
        .build()
        .unwrap();
    let verification = private
        .verify("long.test", std::slice::from_ref(&leaf))
        .unwrap();
    assert!(verification.is_ok(), "{:?}", verification.status);
    assert!(!verification.is_issued_by_known_root);

    let public = CertVerifier::builder()
        .roots(Roots::Empty)
        .add_root(der)
        .added_roots_are_known()
        .time(at)
        .build()
        .unwrap();
    let verification = public.verify("long.test", &[leaf]).unwrap();
    assert!(verification.is_issued_by_known_root);
    assert_eq!(verification.net_error, NetError::CERT_VALIDITY_TOO_LONG);
}

#[test]
fn non_unique_names_are_never_an_error() {
    // A publicly trusted certificate for an intranet name: Chromium only flags it
    // (`CERT_STATUS_NON_UNIQUE_NAME` is a warning), so the connection goes on.
    let (params, key, der) = root();
    let issuer = rcgen::Issuer::from_params(&params, &key);
    let verifier = CertVerifier::builder()
        .roots(Roots::Empty)
        .add_root(der)
        .added_roots_are_known()
        .build()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let now = time::OffsetDateTime::from_unix_timestamp(now).unwrap();
    for host in ["intranet", "printer.local", "server.corp"] {
        let mut leaf_params = CertificateParams::new(vec![host.to_owned()]).unwrap();
        // Within the Baseline Requirements' validity limit, so that nothing else is wrong.
        leaf_params.not_before = now - time::Duration::days(1);
        leaf_params.not_after = now + time::Duration::days(90);
        let leaf = leaf_params
            .signed_by(&KeyPair::generate().unwrap(), &issuer)
            .unwrap()
            .der()
            .clone();
        let verification = verifier.verify(host, &[leaf]).unwrap();
        assert!(verification.is_issued_by_known_root, "{host}");
        assert_eq!(verification.net_error, NetError::OK, "{host}");
        assert!(
            !verification.status.contains(CertStatus::NON_UNIQUE_NAME),
            "{host}"
        );
    }
}

#[test]
fn the_cache_forgets_the_oldest_and_empties_on_a_new_proc() {
    let (params, key, der) = root();
    let issuer = rcgen::Issuer::from_params(&params, &key);
    let leaves: Vec<_> = (0..3)
        .map(|index| {
            let params = CertificateParams::new(vec![format!("h{index}.test")]).unwrap();
            let key = KeyPair::generate().unwrap();
            params.signed_by(&key, &issuer).unwrap().der().clone()
        })
        .collect();
    let verifier = CertVerifier::builder()
        .roots(Roots::Empty)
        .add_root(der)
        .cache_capacity(2)
        .build()
        .unwrap();
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    verifier.set_certificate_verify_proc(Some(VerifyProc::from_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        -3
    })));
    for (index, leaf) in leaves.iter().enumerate() {
        let host = format!("h{index}.test");
        verifier.verify(&host, std::slice::from_ref(leaf)).unwrap();
    }
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    // h1 and h2 are remembered, h0 was forgotten.
    verifier.verify("h2.test", &leaves[2..]).unwrap();
    verifier.verify("h1.test", &leaves[1..2]).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    verifier.verify("h0.test", &leaves[..1]).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // Setting the same kind of proc again still empties the cache.
    let counter = Arc::clone(&calls);
    verifier.set_certificate_verify_proc(Some(VerifyProc::from_fn(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
        -3
    })));
    verifier.verify("h0.test", &leaves[..1]).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 5);
}

#[test]
fn unusable_input_is_an_error() {
    let verifier = CertVerifier::new();
    assert!(matches!(
        verifier.verify("example.com", &[]),
        Err(crate::Error::EmptyChain)
    ));
    let (_, _, der) = root();
    assert!(matches!(
        verifier.verify("not a host", &[der]),
        Err(crate::Error::InvalidHostname(_))
    ));
    assert!(matches!(
        CertVerifier::builder().roots(Roots::Empty).build(),
        Err(crate::Error::NoTrustAnchors)
    ));
    assert!(matches!(
        crate::parse_pem(b"nothing here"),
        Err(crate::Error::EmptyChain)
    ));
    let garbage = rustls::pki_types::CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    let verification = verifier.verify("example.com", &[garbage]).unwrap();
    assert_eq!(verification.net_error, NetError::CERT_INVALID);
    assert!(verification.certificate.is_none());
}

#[test]
fn platform_roots_load() {
    // The machine's bundle (`/etc/ssl/certs` on Linux) does not know a root made here.
    let verifier = CertVerifier::builder()
        .roots(Roots::Platform)
        .build()
        .unwrap();
    let (params, key, _) = root();
    let issuer = rcgen::Issuer::from_params(&params, &key);
    let leaf_params = CertificateParams::new(vec!["platform.test".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .unwrap()
        .der()
        .clone();
    let verification = verifier.verify("platform.test", &[leaf]).unwrap();
    assert_eq!(
        verification.net_error,
        NetError::CERT_AUTHORITY_INVALID,
        "{:?}",
        verification.status
    );
}

#[test]
fn a_malformed_intermediate_ends_the_chain_the_proc_sees() {
    let (params, key, der) = root();
    let issuer = rcgen::Issuer::from_params(&params, &key);
    let leaf_params = CertificateParams::new(vec!["m.test".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .unwrap()
        .der()
        .clone();
    let garbage = rustls::pki_types::CertificateDer::from(vec![0x30, 0x00]);
    let verifier = CertVerifier::builder()
        .roots(Roots::Empty)
        .add_root(der)
        .build()
        .unwrap();
    let verification = verifier.verify("m.test", &[leaf, garbage]).unwrap();
    let certificate = verification.certificate.unwrap();
    assert_eq!(certificate.chain().count(), 1);
}

/// `openssl req -x509` makes CA:TRUE self-signed certificates; Chromium reports an untrusted
/// one as AUTHORITY_INVALID, not INVALID (it ignores the CA flag of a server certificate).
#[test]
fn self_signed_ca_leaf_is_authority_invalid() {
    let mut params = CertificateParams::new(vec!["dev.example".to_owned()]).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let chain = [rustls::pki_types::CertificateDer::from(cert.der().to_vec())];
    let verification = CertVerifier::new().verify("dev.example", &chain).unwrap();
    assert_eq!(
        verification.net_error.name(),
        "net::ERR_CERT_AUTHORITY_INVALID"
    );
}
