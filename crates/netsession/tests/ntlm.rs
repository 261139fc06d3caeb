//! NTLM (the `ntlm` feature) against a loopback server that authenticates with sspi's NTLM
//! acceptor, the way a Windows server's SSPI does: three steps on one keep-alive connection.

#![cfg(feature = "ntlm")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use netsession::{Credentials, LoginRequest, SessionOptions, Sessions};
use netsession_test_support::TempDir;
use sspi::{
    AuthIdentity, BufferType, CredentialUse, DataRepresentation, Ntlm, SecurityBuffer,
    SecurityStatus, ServerRequestFlags, Sspi, SspiImpl, Username,
};

/// What the server saw: the `Authorization` schemes per request, and the answers.
#[derive(Default, Debug)]
struct Seen {
    connections: usize,
    statuses: Vec<u16>,
}

/// Starts the server; it accepts `CORP\alice` with password `wonderland`.
fn ntlm_server() -> (u16, Arc<Mutex<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            log.lock().unwrap().connections += 1;
            let log = Arc::clone(&log);
            std::thread::spawn(move || serve(stream, &log));
        }
    });
    (port, seen)
}

fn serve(stream: TcpStream, seen: &Mutex<Seen>) {
    let identity = AuthIdentity {
        username: Username::parse("CORP\\alice").unwrap(),
        password: String::from("wonderland").into(),
    };
    let mut ntlm = Ntlm::new();
    let mut handle = ntlm
        .acquire_credentials_handle()
        .with_credential_use(CredentialUse::Inbound)
        .with_auth_data(&identity)
        .execute(&mut ntlm)
        .unwrap()
        .credentials_handle;
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        // One request head (no bodies here).
        let mut authorization = None;
        let mut first = true;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() && !first {
                break;
            }
            first = false;
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("authorization") {
                    authorization = Some(value.trim().to_owned());
                }
            }
        }
        let token = authorization
            .as_deref()
            .and_then(|value| value.strip_prefix("NTLM "))
            .map(|b64| {
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap()
            });
        let (status, challenge) = match token {
            None => (401, "NTLM".to_owned()),
            Some(token) => {
                let mut input = vec![SecurityBuffer::new(token, BufferType::Token)];
                let mut output = vec![SecurityBuffer::new(Vec::new(), BufferType::Token)];
                let builder = ntlm
                    .accept_security_context()
                    .with_credentials_handle(&mut handle)
                    .with_context_requirements(ServerRequestFlags::ALLOCATE_MEMORY)
                    .with_target_data_representation(DataRepresentation::Native)
                    .with_input(&mut input)
                    .with_output(&mut output);
                match ntlm
                    .accept_security_context_impl(builder)
                    .and_then(|mut r| r.resolve_to_result())
                {
                    Ok(result) if result.status == SecurityStatus::ContinueNeeded => {
                        let b64 =
                            base64::engine::general_purpose::STANDARD.encode(&output[0].buffer);
                        (401, format!("NTLM {b64}"))
                    }
                    Ok(result) => {
                        // A wrong password fails the message integrity check here.
                        let completed = !matches!(
                            result.status,
                            SecurityStatus::CompleteNeeded | SecurityStatus::CompleteAndContinue
                        ) || ntlm.complete_auth_token(&mut output).is_ok();
                        if completed {
                            (200, String::new())
                        } else {
                            (401, "NTLM".to_owned())
                        }
                    }
                    Err(_) => (401, "NTLM".to_owned()),
                }
            }
        };
        seen.lock().unwrap().statuses.push(status);
        let body = if status == 200 {
            "welcome, alice"
        } else {
            "denied"
        };
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        if status == 401 {
            head.push_str(&format!("WWW-Authenticate: {challenge}\r\n"));
            head.push_str("WWW-Authenticate: Basic realm=\"fallback\"\r\n");
        }
        head.push_str("\r\n");
        writer.write_all(head.as_bytes()).unwrap();
        writer.write_all(body.as_bytes()).unwrap();
        if status == 200 || challenge == "NTLM" {
            // A fresh context for the next handshake on this connection.
            ntlm = Ntlm::new();
            handle = ntlm
                .acquire_credentials_handle()
                .with_credential_use(CredentialUse::Inbound)
                .with_auth_data(&identity)
                .execute(&mut ntlm)
                .unwrap()
                .credentials_handle;
        }
    }
}

fn get(url: &str) -> reqwest::Request {
    reqwest::Request::new(reqwest::Method::GET, url.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ntlm_opens_an_allowlisted_host_with_the_login_handlers_identity() {
    let (port, seen) = ntlm_server();
    let dir = TempDir::new("ntlm");
    let s = Sessions::new(dir.path())
        .from_partition("ntlm", SessionOptions::default().cache(false))
        .unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&asked);
    s.set_login_handler(Some(move |request: LoginRequest| {
        log.lock().unwrap().push(request.auth_info.scheme.clone());
        // Basic is cancelled; NTLM gets alice.
        async move {
            (request.auth_info.scheme == "ntlm")
                .then(|| Credentials::new("CORP\\alice", "wonderland"))
        }
    }));
    let url = format!("http://127.0.0.1:{port}/intranet");

    // Not allowlisted: NTLM is not used; the Basic challenge goes to the handler, which
    // cancels.
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(asked.lock().unwrap().as_slice(), ["basic"]);

    s.allow_ntlm_credentials_for_domains("127.0.0.1");
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "welcome, alice");
    assert_eq!(asked.lock().unwrap().as_slice(), ["basic", "ntlm"]);
    // ... 401, then 401 with the challenge, then 200: a handshake.
    let statuses = seen.lock().unwrap().statuses.clone();
    assert_eq!(statuses[statuses.len() - 3..], [401, 401, 200], "{seen:?}");

    // The identity is cached: the next request does the handshake without asking.
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(asked.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_ends_in_401() {
    let (port, _seen) = ntlm_server();
    let dir = TempDir::new("ntlm-wrong");
    let s = Sessions::new(dir.path())
        .from_partition("ntlm-wrong", SessionOptions::default().cache(false))
        .unwrap();
    s.allow_ntlm_credentials_for_domains("*");
    let url = format!("http://CORP%5Calice:queen@127.0.0.1:{port}/x");
    let response = s.fetch(get(&url)).await.unwrap();
    assert_eq!(response.status(), 401);
}
