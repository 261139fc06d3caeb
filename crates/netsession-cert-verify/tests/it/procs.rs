//! The verify proc: each answer (0, -2, -3, another code), synchronous and asynchronous, for
//! every failure class, with the verdict cache counted in proc calls.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use netsession_cert_verify::{Certificate, NetError, VerifyProc, VerifyRequest};

use crate::classes::{scenario, table};
use crate::{Ca, fetch, net_error, serve, verifier};

#[derive(Clone, Copy, Debug)]
enum Mode {
    Sync,
    /// Answers from another thread, later, like Electron's callback.
    Async,
}

/// A proc that answers `answer`, counting its calls and keeping the requests it saw.
fn recording_proc(
    mode: Mode,
    answer: i32,
) -> (VerifyProc, Arc<AtomicUsize>, Arc<Mutex<Vec<VerifyRequest>>>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (counter, log) = (Arc::clone(&calls), Arc::clone(&seen));
    let record = move |request: &VerifyRequest| {
        counter.fetch_add(1, Ordering::SeqCst);
        log.lock().unwrap().push(request.clone());
    };
    let proc = match mode {
        Mode::Sync => VerifyProc::from_fn(move |request| {
            record(request);
            answer
        }),
        Mode::Async => VerifyProc::from_async_fn(move |request| {
            record(&request);
            let (sender, receiver) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                sender.send(answer).unwrap();
            });
            async move { receiver.await.unwrap() }
        }),
    };
    (proc, calls, seen)
}

/// What an answer makes of the verifier's verdict.
fn expected(answer: i32, verdict: i32) -> i32 {
    match answer {
        0 => 0,
        -3 => verdict,
        other => other,
    }
}

#[tokio::test]
async fn every_answer_for_every_class_sync_and_async_with_caching() {
    let answers = [0, -2, -3, -7, NetError::CERT_REVOKED.code()];
    let mut failures = Vec::new();
    let mut checked = 0;
    for (class, name, code) in table() {
        let scenario = scenario(&class);
        let server = serve(scenario.chain.clone(), &scenario.key).await;
        for mode in [Mode::Sync, Mode::Async] {
            for answer in answers {
                // Accepting a weak-key certificate lets the handshake go on to the server's
                // signature, which the test server makes with another key: check those
                // directly.
                let over_tls = !(answer == 0 && class.starts_with("weak-key"));
                let (proc, calls, seen) = recording_proc(mode, answer);
                scenario.verifier.set_certificate_verify_proc(Some(proc));
                let want = expected(answer, code);
                for round in 0..2 {
                    let got = if over_tls {
                        net_error(&fetch(&scenario.verifier, scenario.host, server).await)
                    } else {
                        let verifier = scenario.verifier.clone();
                        let (host, chain) = (scenario.host, scenario.chain.clone());
                        tokio::task::spawn_blocking(move || verifier.verify(host, &chain))
                            .await
                            .unwrap()
                            .unwrap()
                            .net_error
                    };
                    if got.code() != want {
                        failures.push(format!(
                            "{class} {mode:?} answer {answer} round {round}: got {got}, want {want}"
                        ));
                    }
                    checked += 1;
                }
                // The second connection used the cached verdict.
                let direct = scenario
                    .verifier
                    .verify(scenario.host, &scenario.chain)
                    .unwrap();
                assert!(direct.from_cache, "{class} {mode:?} {answer}");
                assert_eq!(direct.proc_answer, Some(answer));
                assert_eq!(direct.net_error.code(), want);
                assert_eq!(calls.load(Ordering::SeqCst), 1, "{class} {mode:?} {answer}");
                let request = seen.lock().unwrap()[0].clone();
                assert_eq!(request.hostname, scenario.host);
                assert_eq!(request.verification_result, name, "{class}");
                assert_eq!(request.error_code, code, "{class}");
                assert!(!request.is_issued_by_known_root);
                let sent = Certificate::from_chain(&scenario.chain).unwrap();
                assert_eq!(request.certificate, sent, "{class}");
            }
        }
        scenario.verifier.set_certificate_verify_proc(None);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 300, "{checked}");
}

#[tokio::test]
async fn none_restores_the_default_verification() {
    let scenario = scenario("expired");
    let server = serve(scenario.chain.clone(), &scenario.key).await;
    let (proc, calls, _) = recording_proc(Mode::Sync, 0);
    scenario.verifier.set_certificate_verify_proc(Some(proc));
    let result = fetch(&scenario.verifier, scenario.host, server).await;
    assert_eq!(net_error(&result), NetError::OK);
    scenario.verifier.set_certificate_verify_proc(None);
    let result = fetch(&scenario.verifier, scenario.host, server).await;
    assert_eq!(net_error(&result), NetError::CERT_DATE_INVALID);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let verification = scenario
        .verifier
        .verify(scenario.host, &scenario.chain)
        .unwrap();
    assert_eq!(verification.proc_answer, None);
    assert!(!verification.from_cache);
}

#[test]
fn verdicts_are_cached_per_host_and_chain_until_the_proc_changes() {
    let root = Ca::root("Cache Root");
    let intermediate = root.intermediate("Cache Intermediate");
    let leaf = intermediate.leaf(&["a.test", "b.test"]);
    let verifier = verifier(&[&root]);
    let (proc, calls, _) = recording_proc(Mode::Sync, -3);
    verifier.set_certificate_verify_proc(Some(proc));
    let full = [leaf.der.clone(), intermediate.der.clone()];
    let calls_after = |host: &str, chain: &[_]| {
        verifier.verify(host, chain).unwrap();
        calls.load(Ordering::SeqCst)
    };
    assert_eq!(calls_after("a.test", &full), 1);
    assert_eq!(calls_after("a.test", &full), 1);
    assert_eq!(
        calls_after("A.TEST", &full),
        1,
        "host names compare case-insensitively"
    );
    assert_eq!(calls_after("b.test", &full), 2, "another host");
    assert_eq!(calls_after("a.test", &full[..1]), 3, "another chain");
    assert_eq!(calls_after("a.test", &full[..1]), 3);

    let (proc, new_calls, _) = recording_proc(Mode::Sync, 0);
    verifier.set_certificate_verify_proc(Some(proc));
    verifier.verify("a.test", &full).unwrap();
    verifier.verify("a.test", &full).unwrap();
    assert_eq!(
        new_calls.load(Ordering::SeqCst),
        1,
        "a new proc starts a new cache"
    );
    assert_eq!(
        calls.load(Ordering::SeqCst),
        3,
        "the old proc is not asked again"
    );
}

#[test]
fn the_proc_sees_the_validated_chain() {
    let root = Ca::root("Seen Root");
    let intermediate = root.intermediate("Seen Intermediate");
    let leaf = intermediate.leaf(&["seen.test"]);
    let verifier = verifier(&[&root]);
    let (proc, _, seen) = recording_proc(Mode::Sync, -3);
    verifier.set_certificate_verify_proc(Some(proc));
    let verification = verifier
        .verify("seen.test", &[leaf.der.clone(), intermediate.der.clone()])
        .unwrap();
    assert!(verification.is_ok());
    let request = seen.lock().unwrap()[0].clone();
    assert_eq!(request.verification_result, "net::OK");
    assert_eq!(request.error_code, 0);
    let validated: Vec<_> = request
        .validated_certificate
        .chain()
        .map(|certificate| certificate.subject_name.clone())
        .collect();
    assert_eq!(validated, ["seen.test", "Seen Intermediate", "Seen Root"]);
    let sent: Vec<_> = request
        .certificate
        .chain()
        .map(|certificate| certificate.subject_name.clone())
        .collect();
    assert_eq!(sent, ["seen.test", "Seen Intermediate"]);
}

#[tokio::test]
async fn verify_async_awaits_a_proc_on_the_same_runtime() {
    let scenario = scenario("unknown-issuer");
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    scenario
        .verifier
        .set_certificate_verify_proc(Some(VerifyProc::from_async_fn(move |request| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::task::yield_now().await;
                if request.error_code == NetError::CERT_AUTHORITY_INVALID.code() {
                    0
                } else {
                    -3
                }
            }
        })));
    let verification = scenario
        .verifier
        .verify_async(scenario.host, &scenario.chain)
        .await
        .unwrap();
    assert!(verification.is_ok());
    assert_eq!(
        verification.verifier_error,
        NetError::CERT_AUTHORITY_INVALID
    );
    assert_eq!(verification.proc_answer, Some(0));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
