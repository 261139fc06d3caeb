//! A fault-injecting loopback origin: each request is answered by a script that decides the
//! status, headers and body, and whether the connection is cut (closed or reset) after some
//! body bytes, or the body is dribbled slowly.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as received.
#[derive(Clone, Debug)]
pub(crate) struct Request {
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
}

impl Request {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The N of `Range: bytes=N-`.
    pub(crate) fn range_start(&self) -> Option<u64> {
        self.header("range")?
            .strip_prefix("bytes=")?
            .strip_suffix('-')?
            .parse()
            .ok()
    }
}

/// How the body ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The whole body, then close.
    None,
    /// N body bytes, then a clean close (FIN): a short body.
    Close(usize),
    /// N body bytes, then a reset (RST): a dropped connection.
    Reset(usize),
}

/// A scripted answer.
#[derive(Clone, Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// `Content-Length` to announce (default: the body's length; `Some(None)` sends none).
    pub(crate) content_length: Option<Option<u64>>,
    pub(crate) cut: Cut,
    /// Sleep this long between 16 KiB pieces of the body.
    pub(crate) dribble: Option<Duration>,
}

impl Answer {
    pub(crate) fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: body.into(),
            content_length: None,
            cut: Cut::None,
            dribble: None,
        }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn cut(mut self, cut: Cut) -> Self {
        self.cut = cut;
        self
    }

    pub(crate) fn dribble(mut self, pause: Duration) -> Self {
        self.dribble = Some(pause);
        self
    }
}

type Script = Arc<dyn Fn(usize, &Request) -> Answer + Send + Sync>;

/// The origin; stops when dropped.
pub(crate) struct Origin {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Origin {
    /// Answers request number `n` (from 0) with `script(n, &request)`.
    pub(crate) async fn start(
        script: impl Fn(usize, &Request) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script: Script = Arc::new(script);
        let log = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (script, log) = (Arc::clone(&script), Arc::clone(&log));
                tokio::spawn(serve(stream, script, log));
            }
        });
        Self {
            addr,
            requests,
            task,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, script: Script, log: Arc<Mutex<Vec<Request>>>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut lines = text.split("\r\n");
    let target = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .unwrap_or("/")
        .to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let request = Request { target, headers };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.len() - 1
    };
    let answer = script(n, &request);
    let mut out = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", answer.status);
    for (name, value) in &answer.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    match answer.content_length {
        None => out.push_str(&format!("Content-Length: {}\r\n", answer.body.len())),
        Some(Some(length)) => out.push_str(&format!("Content-Length: {length}\r\n")),
        Some(None) => {}
    }
    out.push_str("\r\n");
    if stream.write_all(out.as_bytes()).await.is_err() {
        return;
    }
    let limit = match answer.cut {
        Cut::None => answer.body.len(),
        Cut::Close(n) | Cut::Reset(n) => n.min(answer.body.len()),
    };
    for piece in answer.body[..limit].chunks(16 * 1024) {
        if stream.write_all(piece).await.is_err() {
            return;
        }
        if let Some(pause) = answer.dribble {
            tokio::time::sleep(pause).await;
        }
    }
    let _ = stream.flush().await;
    if let Cut::Reset(_) = answer.cut {
        // SO_LINGER 0: closing sends RST instead of FIN.
        #[allow(deprecated, reason = "set_linger is the portable way to force an RST")]
        let _ = stream.set_linger(Some(Duration::ZERO));
        // Give the client time to read what was sent before the reset discards it.
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(stream);
    } else {
        let _ = stream.shutdown().await;
    }
}

/// A resource with validators, served as a well-behaved server does: 200, or a 206 for a
/// `Range` whose `If-Range` matches.
pub(crate) fn serve_file(request: &Request, body: &[u8], etag: &str) -> Answer {
    let matches = request.header("if-range").is_none_or(|v| v == etag);
    match request.range_start() {
        Some(start) if matches && (start as usize) < body.len() => {
            Answer::new(206, body[start as usize..].to_vec())
                .header("ETag", etag)
                .header(
                    "Content-Range",
                    &format!("bytes {start}-{}/{}", body.len() - 1, body.len()),
                )
        }
        _ => Answer::new(200, body.to_vec()).header("ETag", etag),
    }
}

/// Deterministic pseudo-random bytes.
pub(crate) fn content(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u8
        })
        .collect()
}
