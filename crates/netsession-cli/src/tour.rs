//! `netsession tour`: a guided run through what a session does, against a loopback origin
//! started for the occasion, fully offline. Each step prints one line saying what happened:
//! a `persist:` partition surviving a restart (two child processes of this executable, run
//! through the hidden `tour-step` subcommand), a cache hit, cookies sent back, proxy
//! decisions with their reasons, a download cut and resumed, and emulated latency.

use std::convert::Infallible;
use std::fmt::Write as _;
use std::io::{self, Read as _, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clap::{Args, ValueEnum};
use http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_LENGTH, CONTENT_RANGE, CONTENT_TYPE, COOKIE, ETAG,
    HeaderName, IF_RANGE, RANGE, SET_COOKIE,
};
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use netsession::downloads::{DownloadEvent, DownloadOptions, DownloadState};
use netsession::http_cache::CacheStatus;
use netsession::{NetworkConditions, ProxyConfig, Session, SessionOptions, Sessions};
use netsession_bypass::{BypassRules, Rule};
use netsession_proxy_rules::{ProxyRules, RulesKind};
use tokio::net::TcpListener;
use url::Url;

use crate::cache::Body;
use crate::fetch::{chain, flush, net_error_message};
use crate::{Failure, Global, download, partition};

pub(crate) const HELP: &str = "\
The tour needs no network: it starts its own origin on 127.0.0.1 and keeps its sessions in
a temporary data directory, removed at the end (or in --data-dir, kept). Steps:

  persistence  a persist: partition survives a restart: one process gets a cookie from the
               origin and saves a localStorage value, exits; a new process reads both back
  cache        the second GET of a max-age=60 response is answered by the HTTP cache
  cookies      a Set-Cookie from the origin is sent back on the next request
  proxy        setProxy rules and bypass rules, and why each URL gets its answer
  download     a download cut off mid-body is resumed with Range and If-Range
  latency      the same request with and without 300 ms of emulated latency

Each step prints one line starting with ✓, or ✗ and what went wrong; the exit status is 0
when every step passed, 1 otherwise. --partition is not used: the tour names its own.";

/// The steps, in order, for the summary.
const STEPS: usize = 6;
/// The longest a step may take before it counts as failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest a child process of the persistence step may run.
const CHILD_TIMEOUT: Duration = Duration::from_secs(15);

/// The download: its size, where the origin cuts the first attempt, and its strong `ETag`.
const BIG_LEN: usize = 4 * 1024 * 1024;
const CUT_AT: usize = 1536 * 1024;
const BIG_ETAG: &str = "\"tour-4mib-v1\"";
/// Bytes per chunk of the origin's bodies.
const CHUNK: usize = 64 * 1024;
/// The download is paced by emulated throughput so that its progress bar can be seen.
const DOWNLOAD_BPS: u64 = 6 * 1024 * 1024;
/// The emulated latency of the last step.
const LATENCY: Duration = Duration::from_millis(300);

/// The partition of the persistence step.
const PERSIST_PARTITION: &str = "persist:tour";

#[derive(Debug, Args)]
pub(crate) struct Tour {}

/// The hidden `tour-step` subcommand: one side of the persistence step, in its own process.
#[derive(Debug, Args)]
pub(crate) struct TourStep {
    /// `write`: log in and save a note, `read`: send the cookie and read the note.
    #[arg(value_enum)]
    action: StepAction,
    /// The tour's origin.
    #[arg(long, value_name = "URL")]
    origin: String,
    /// The session id the origin sets (for `write`).
    #[arg(long, default_value = "tour")]
    sid: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StepAction {
    Write,
    Read,
}

pub(crate) fn run(global: &Global, _args: &Tour) -> Result<(), Failure> {
    let (data_dir, temporary) = match &global.data_dir {
        Some(dir) => (std::path::absolute(dir)?, false),
        None => (
            std::env::temp_dir().join(format!(
                "netsession-tour-{}-{}",
                std::process::id(),
                token()
            )),
            true,
        ),
    };
    std::fs::create_dir_all(&data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let result = runtime.block_on(tour(&data_dir, temporary));
    // Every session (and its database handles) is gone with the runtime's tasks.
    drop(runtime);
    if temporary {
        // Leaving a temporary directory behind is untidy, not a failure of the tour.
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    result
}

async fn tour(data_dir: &Path, temporary: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let origin = Origin::start().await?;
    say(&format!(
        "netsession tour: an origin on {}, sessions in {}{}",
        origin.url,
        data_dir.display(),
        if temporary { " (temporary)" } else { "" }
    ))?;
    let sessions = Sessions::new(data_dir);
    let mut failed = 0;
    // Each line is printed as soon as its step is over.
    let mut report = |name: &str, outcome: Result<String, String>| match outcome {
        Ok(line) => say(&format!("✓ {name}: {line}")),
        Err(problem) => {
            failed += 1;
            say(&format!("✗ {name}: {problem}"))
        }
    };
    report(
        "persistence",
        run_step(persistence(&origin, data_dir)).await,
    )?;
    report("cache", run_step(cache(&origin, &sessions)).await)?;
    report("cookies", run_step(cookies(&origin, &sessions)).await)?;
    report("proxy", run_step(proxy(&sessions)).await)?;
    report(
        "download",
        run_step(download(&origin, &sessions, data_dir)).await,
    )?;
    report("latency", run_step(latency(&origin, &sessions)).await)?;
    if failed > 0 {
        return Err(Failure::Refused(format!(
            "{failed} of {STEPS} tour steps failed"
        )));
    }
    say(&format!(
        "all {STEPS} steps passed in {:.1} s",
        started.elapsed().as_secs_f64()
    ))?;
    Ok(())
}

/// Runs a step with a time limit.
async fn run_step(step: impl Future<Output = Result<String, String>>) -> Result<String, String> {
    tokio::time::timeout(STEP_TIMEOUT, step)
        .await
        .unwrap_or_else(|_| Err(format!("no answer within {} s", STEP_TIMEOUT.as_secs())))
}

fn say(line: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()?;
    Ok(())
}

// --- (a) persistence -------------------------------------------------------------------------

async fn persistence(origin: &Origin, data_dir: &Path) -> Result<String, String> {
    let sid = token();
    let base = |action: &str| {
        vec![
            "--data-dir".to_owned(),
            data_dir.display().to_string(),
            "--partition".to_owned(),
            PERSIST_PARTITION.to_owned(),
            "tour-step".to_owned(),
            action.to_owned(),
            "--origin".to_owned(),
            origin.url.to_string(),
        ]
    };
    let mut write = base("write");
    write.extend(["--sid".to_owned(), sid.clone()]);
    let (writer, _) = run_child(&write).await?;
    let (reader, output) = run_child(&base("read")).await?;
    let field = |key: &str| {
        output
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .unwrap_or_default()
            .to_owned()
    };
    let (cookie, note) = (field("cookie="), field("note="));
    let expected_note = format!("saved by process {writer}");
    if !cookie.split("; ").any(|pair| pair == format!("sid={sid}")) {
        return Err(format!(
            "process {reader} sent Cookie: {cookie:?}, expected sid={sid} from process {writer}"
        ));
    }
    if note != expected_note {
        return Err(format!(
            "process {reader} read localStorage note={note:?}, expected {expected_note:?}"
        ));
    }
    Ok(format!(
        "process {writer} got sid={sid} from the origin and saved note={note:?} in \
         localStorage, then exited; process {reader} reopened {PERSIST_PARTITION} from disk, \
         sent Cookie: {cookie} and read the note back"
    ))
}

/// Runs this executable with `args`; returns its process id and standard output.
async fn run_child(args: &[String]) -> Result<(u32, String), String> {
    let exe = std::env::current_exe()
        .map_err(|e| format!("cannot find the netsession executable: {e}"))?;
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start netsession {}: {e}", args.join(" ")))?;
    let pid = child.id();
    let deadline = Instant::now() + CHILD_TIMEOUT;
    // The child writes a few lines at most: its pipes cannot fill while we poll.
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "process {pid} (netsession {}) did not finish within {} s",
                    args.join(" "),
                    CHILD_TIMEOUT.as_secs()
                ));
            }
            Err(e) => return Err(format!("waiting for process {pid}: {e}")),
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stdout.take() {
        let _ = pipe.read_to_string(&mut stdout);
    }
    if let Some(mut pipe) = child.stderr.take() {
        let _ = pipe.read_to_string(&mut stderr);
    }
    if !status.success() {
        return Err(format!(
            "process {pid} (netsession {}) failed ({status}): {}",
            args.join(" "),
            stderr.trim()
        ));
    }
    Ok((pid, stdout))
}

/// `netsession tour-step write|read`.
pub(crate) fn run_tour_step(global: &Global, args: &TourStep) -> Result<(), Failure> {
    let origin = Url::parse(&args.origin)
        .map_err(|e| Failure::Config(format!("invalid --origin {:?}: {e}", args.origin)))?;
    let data_dir = partition::data_dir(global)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let session = Sessions::new(data_dir)
            .from_partition(&global.partition, SessionOptions::default())
            .map_err(|e| Failure::Refused(chain(&e)))?;
        let result = match args.action {
            StepAction::Write => step_write(&session, &origin, &args.sid).await,
            StepAction::Read => step_read(&session, &origin).await,
        };
        let flushed = flush(&session).await;
        result.and(flushed)
    })
}

async fn step_write(session: &Session, origin: &Url, sid: &str) -> Result<(), Failure> {
    let url = origin
        .join(&format!("/login?sid={sid}"))
        .map_err(|e| Failure::Config(e.to_string()))?;
    get_text(session, url).await.map_err(Failure::Refused)?;
    let note = format!("saved by process {}", std::process::id());
    session
        .storage()
        .local_storage(origin.as_str())
        .and_then(|area| area.set("note", &note))
        .map_err(|e| Failure::Refused(chain(&e)))?;
    Ok(())
}

async fn step_read(session: &Session, origin: &Url) -> Result<(), Failure> {
    let url = origin
        .join("/whoami")
        .map_err(|e| Failure::Config(e.to_string()))?;
    let cookie = get_text(session, url).await.map_err(Failure::Refused)?;
    let note = session
        .storage()
        .local_storage(origin.as_str())
        .and_then(|area| area.get("note"))
        .map_err(|e| Failure::Refused(chain(&e)))?
        .unwrap_or_default();
    let mut out = io::stdout().lock();
    writeln!(out, "cookie={}", cookie.trim())?;
    writeln!(out, "note={note}")?;
    out.flush()?;
    Ok(())
}

/// GETs `url` through `session` and returns the body of a successful response.
async fn get_text(session: &Session, url: Url) -> Result<String, String> {
    let response = session
        .fetch(reqwest::Request::new(reqwest::Method::GET, url))
        .await
        .map_err(|e| net_error_message(&e))?;
    let status = response.status();
    let url = response.url().clone();
    let text = response
        .text()
        .await
        .map_err(|e| format!("reading {url}: {}", chain(&e)))?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    Ok(text)
}

// --- (b) cache -------------------------------------------------------------------------------

async fn cache(origin: &Origin, sessions: &Sessions) -> Result<String, String> {
    let session = memory_session(sessions, "tour-cache", SessionOptions::default())?;
    let url = origin.join("/cached")?;
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let response = session
            .fetch(reqwest::Request::new(reqwest::Method::GET, url.clone()))
            .await
            .map_err(|e| net_error_message(&e))?;
        statuses.push(CacheStatus::of(&response));
        // The entry is complete once its body has been read.
        response
            .bytes()
            .await
            .map_err(|e| format!("reading {url}: {}", chain(&e)))?;
    }
    let seen = origin.state.cached.load(Ordering::SeqCst);
    let name = |status: Option<&Option<CacheStatus>>| {
        status
            .copied()
            .flatten()
            .map_or("not seen by the cache", CacheStatus::as_str)
    };
    let (first, second) = (name(statuses.first()), name(statuses.get(1)));
    if second != CacheStatus::Hit.as_str() || seen != 1 {
        return Err(format!(
            "GET /cached twice: first {first}, second {second}, the origin saw {seen} requests \
             (expected a hit and 1 request)"
        ));
    }
    Ok(format!(
        "GET /cached twice (Cache-Control: max-age=60): the first response was {first}, \
         the second was a {second} from the session's HTTP cache; the origin saw {seen} request"
    ))
}

// --- (c) cookies -----------------------------------------------------------------------------

async fn cookies(origin: &Origin, sessions: &Sessions) -> Result<String, String> {
    let session = memory_session(sessions, "tour-cookies", SessionOptions::default())?;
    let sid = token();
    get_text(&session, origin.join(&format!("/login?sid={sid}"))?).await?;
    let sent = get_text(&session, origin.join("/whoami")?).await?;
    let sent = sent.trim();
    if !sent.split("; ").any(|pair| pair == format!("sid={sid}")) {
        return Err(format!(
            "the origin set sid={sid}, but the next request sent Cookie: {sent:?}"
        ));
    }
    Ok(format!(
        "the origin set sid={sid} (Set-Cookie: sid={sid}; Path=/; Max-Age=3600; HttpOnly); \
         the next request sent it back (Cookie: {sent})"
    ))
}

// --- (d) proxy -------------------------------------------------------------------------------

async fn proxy(sessions: &Sessions) -> Result<String, String> {
    const RULES: &str = "http=proxy.corp:3128";
    const BYPASS: &str = "<local>;*.internal";
    const URLS: [&str; 5] = [
        "http://example.com/",
        "https://example.com/",
        "http://build.internal/",
        "http://intranet/",
        "http://localhost:3000/",
    ];
    let session = memory_session(sessions, "tour-proxy", SessionOptions::default())?;
    session
        .set_proxy(ProxyConfig {
            proxy_rules: RULES.to_owned(),
            proxy_bypass_rules: BYPASS.to_owned(),
            ..ProxyConfig::default()
        })
        .await
        .map_err(|e| chain(&e))?;
    let rules = ProxyRules::parse(RULES);
    let bypass = BypassRules::parse(BYPASS);
    let width = URLS.iter().map(|u| u.len()).max().unwrap_or(0);
    let mut text =
        format!("with proxyRules {RULES:?} and proxyBypassRules {BYPASS:?}, resolveProxy says");
    for url in URLS {
        let parsed = Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        let answer = session.resolve_proxy(url).await;
        let (expected, why) = explain(&parsed, &rules, &bypass);
        if answer != expected {
            return Err(format!(
                "resolveProxy({url}) = {answer:?}, but the rules say {expected:?} ({why})"
            ));
        }
        let _ = write!(text, "\n    {url:<width$}  {answer:<22}  {why}");
    }
    Ok(text)
}

/// What Chromium's rules answer for `url`, and why.
fn explain(url: &Url, rules: &ProxyRules, bypass: &BypassRules) -> (String, String) {
    let direct = "DIRECT".to_owned();
    let implicit = !bypass.rules().contains(&Rule::SubtractImplicit);
    if implicit && BypassRules::matches_implicit(url) {
        return (
            direct,
            "localhost and loopback addresses always go direct (Chromium's implicit bypass)"
                .to_owned(),
        );
    }
    for rule in bypass.rules() {
        if BypassRules::parse(&rule.to_string()).matches(url) {
            let what = if *rule == Rule::Local {
                " (a host name without a dot)"
            } else {
                ""
            };
            return (direct, format!("bypassed by the rule {rule}{what}"));
        }
    }
    let scheme = url.scheme();
    match rules.list_for_scheme(scheme) {
        Some(list) => {
            let why = match rules.kind() {
                RulesKind::PerScheme => {
                    let own = match scheme {
                        "http" => rules.proxies_for_http(),
                        "https" => rules.proxies_for_https(),
                        "ftp" => rules.proxies_for_ftp(),
                        _ => rules.fallback_proxies(),
                    };
                    if own.is_empty() {
                        format!("no {scheme}= rule: the socks= rule applies")
                    } else {
                        format!("the {scheme}= rule applies")
                    }
                }
                _ => "the proxy list applies to every scheme".to_owned(),
            };
            (list.to_string(), why)
        }
        None => (
            direct,
            format!("no rule for {scheme}: URLs, so it goes direct"),
        ),
    }
}

// --- (e) download ----------------------------------------------------------------------------

async fn download(origin: &Origin, sessions: &Sessions, data_dir: &Path) -> Result<String, String> {
    let session = memory_session(sessions, "tour-download", SessionOptions::default())?;
    let dir = data_dir.join("tour-downloads");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let path = dir.join("tour-4MiB.bin");
    // A file from an earlier tour in the same --data-dir.
    let _ = std::fs::remove_file(&path);
    session.set_download_path(&dir).map_err(|e| chain(&e))?;
    session.enable_network_emulation(NetworkConditions {
        download_throughput: DOWNLOAD_BPS,
        ..NetworkConditions::default()
    });
    let url = origin.join("/big.bin")?;
    let item = session
        .download_with(url.as_str(), DownloadOptions::default().save_path(&path))
        .map_err(|e| chain(&e))?;
    let mut events = item.events();
    let bar = download::progress_bar();
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    // (reason, bytes on disk) at each interruption.
    let mut interruptions: Vec<(String, u64)> = Vec::new();
    let mut by_hand = 0;
    let record = |event: DownloadEvent, interruptions: &mut Vec<(String, u64)>| {
        if event == DownloadEvent::Updated(DownloadState::Interrupted) {
            let reason = item
                .interrupt_reason()
                .map_or_else(String::new, |r| r.as_str().to_owned());
            interruptions.push((reason, item.received_bytes()));
        }
    };
    let state = loop {
        tokio::select! {
            state = item.settled() => {
                while let Some(event) = events.try_next() {
                    record(event, &mut interruptions);
                }
                if state == DownloadState::Interrupted && item.can_resume() && by_hand < 3 {
                    // Interrupted for a reason Chromium does not retry by itself: as a user
                    // clicking "Resume".
                    by_hand += 1;
                    item.resume();
                    continue;
                }
                break state;
            }
            Some(event) = events.next() => record(event, &mut interruptions),
            _ = ticks.tick() => download::show_progress(&bar, &item),
        }
    };
    bar.finish_and_clear();
    session.disable_network_emulation();
    if state != DownloadState::Completed {
        let reason = item
            .interrupt_reason()
            .map_or("UNKNOWN", |reason| reason.as_str());
        return Err(format!(
            "the download ended {state} ({reason}) after {} bytes",
            item.received_bytes()
        ));
    }
    let saved = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if saved != origin.state.big.as_ref() {
        return Err(format!(
            "{} holds {} bytes that differ from the origin's {BIG_LEN}",
            path.display(),
            saved.len()
        ));
    }
    let ranges = origin
        .state
        .ranges
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Some(first) = ranges.first() else {
        return Err(format!(
            "the file is complete, but the origin saw no Range request (interruptions: {})",
            interruptions.len()
        ));
    };
    let fetched: u64 = ranges.iter().map(|r| r.sent).sum();
    let cut = interruptions.first().map_or(first.start, |(_, at)| *at);
    let reason = interruptions
        .first()
        .map(|(reason, _)| reason.as_str())
        .filter(|r| !r.is_empty())
        .map_or_else(String::new, |r| format!(" ({r})"));
    let how = if by_hand > 0 {
        "the item stopped as interrupted and resume() continued it"
    } else {
        "Chromium's automatic resume (it retries a short body up to 5 times) continued it"
    };
    let requests = if ranges.len() == 1 {
        "1 Range request".to_owned()
    } else {
        format!("{} Range requests", ranges.len())
    };
    Ok(format!(
        "the origin cut the {} file after {}{reason}; {how} with Range: bytes={}- and \
         If-Range: {} ({requests}), fetching the remaining {} ({fetched} bytes) on resume; the \
         saved file is complete and identical",
        mib(BIG_LEN as u64),
        mib(cut),
        first.start,
        first.if_range,
        mib(fetched),
    ))
}

fn mib(bytes: u64) -> String {
    // Sizes here are a few MiB, exact in an f64.
    let value = bytes as f64 / (1024.0 * 1024.0);
    format!("{value:.1} MiB")
}

// --- (f) latency -----------------------------------------------------------------------------

async fn latency(origin: &Origin, sessions: &Sessions) -> Result<String, String> {
    // No cache: each request goes to the origin, where the latency is added.
    let session = memory_session(
        sessions,
        "tour-latency",
        SessionOptions::default().cache(false),
    )?;
    let url = origin.join("/ping")?;
    let timed = |session: Session, url: Url| async move {
        let started = Instant::now();
        get_text(&session, url).await?;
        Ok::<Duration, String>(started.elapsed())
    };
    let plain = timed(session.clone(), url.clone()).await?;
    session.enable_network_emulation(NetworkConditions {
        latency: LATENCY,
        ..NetworkConditions::default()
    });
    let slowed = timed(session.clone(), url).await?;
    session.disable_network_emulation();
    if slowed < LATENCY {
        return Err(format!(
            "with {} ms of emulated latency the request took only {} ms",
            LATENCY.as_millis(),
            slowed.as_millis()
        ));
    }
    Ok(format!(
        "GET /ping took {} ms, then {} ms with latency: {} ms emulated \
         (enableNetworkEmulation)",
        plain.as_millis(),
        slowed.as_millis(),
        LATENCY.as_millis()
    ))
}

// --- shared ----------------------------------------------------------------------------------

fn memory_session(
    sessions: &Sessions,
    partition: &str,
    options: SessionOptions,
) -> Result<Session, String> {
    sessions
        .from_partition(partition, options)
        .map_err(|e| format!("cannot create the session {partition:?}: {}", chain(&e)))
}

/// A short value that differs between runs (for cookie values).
fn token() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{:08x}", nanos ^ std::process::id().rotate_left(16))
}

// --- the origin ------------------------------------------------------------------------------

/// The tour's loopback origin (hyper, as `serve-cache`); stops when dropped.
struct Origin {
    url: Url,
    state: Arc<OriginState>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

struct OriginState {
    /// The body of `/big.bin`.
    big: Bytes,
    /// Requests for `/cached`.
    cached: AtomicUsize,
    /// Full (not ranged) requests for `/big.bin`; the first one is cut.
    full: AtomicUsize,
    /// Ranged requests for `/big.bin`.
    ranges: Mutex<Vec<RangeRequest>>,
}

#[derive(Clone, Debug)]
struct RangeRequest {
    start: u64,
    if_range: String,
    /// Bytes of the `206` body.
    sent: u64,
}

impl Origin {
    async fn start() -> io::Result<Self> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let url = Url::parse(&format!("http://{addr}/")).map_err(io::Error::other)?;
        let big: Vec<u8> = (0..BIG_LEN)
            .map(|i| u8::try_from(i.wrapping_mul(7) % 251).unwrap_or(0))
            .collect();
        let state = Arc::new(OriginState {
            big: Bytes::from(big),
            cached: AtomicUsize::new(0),
            full: AtomicUsize::new(0),
            ranges: Mutex::new(Vec::new()),
        });
        let shared = Arc::clone(&state);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let state = Arc::clone(&state);
                        async move { Ok::<_, Infallible>(state.answer(&request).await) }
                    });
                    // A client that goes away (or a cut body) ends the connection; fine.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { url, state, task })
    }

    fn join(&self, path: &str) -> Result<Url, String> {
        self.url.join(path).map_err(|e| format!("{path}: {e}"))
    }
}

impl OriginState {
    async fn answer(&self, request: &Request<Incoming>) -> Response<Body> {
        let query = request.uri().query().unwrap_or_default();
        match request.uri().path() {
            "/login" => {
                let sid: String = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("sid="))
                    .unwrap_or("anonymous")
                    .chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect();
                respond(
                    StatusCode::OK,
                    &[
                        (
                            SET_COOKIE,
                            format!("sid={sid}; Path=/; Max-Age=3600; HttpOnly"),
                        ),
                        (CACHE_CONTROL, "no-store".to_owned()),
                    ],
                    full("welcome\n"),
                )
            }
            "/whoami" => {
                let cookie = request
                    .headers()
                    .get(COOKIE)
                    .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                    .unwrap_or_default();
                respond(
                    StatusCode::OK,
                    &[(CACHE_CONTROL, "no-store".to_owned())],
                    full(format!("{cookie}\n")),
                )
            }
            "/cached" => {
                self.cached.fetch_add(1, Ordering::SeqCst);
                respond(
                    StatusCode::OK,
                    &[(CACHE_CONTROL, "max-age=60".to_owned())],
                    full("fresh for a minute\n"),
                )
            }
            "/ping" => respond(
                StatusCode::OK,
                &[(CACHE_CONTROL, "no-store".to_owned())],
                full("pong\n"),
            ),
            "/big.bin" => self.big(request).await,
            _ => respond(StatusCode::NOT_FOUND, &[], full("not found\n")),
        }
    }

    /// `/big.bin`: `Range: bytes=N-` honoured when `If-Range` (if any) is the `ETag`; the
    /// first full response is cut after `CUT_AT` bytes.
    async fn big(&self, request: &Request<Incoming>) -> Response<Body> {
        let header = |name: HeaderName| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let total = self.big.len();
        let base = [
            (ETAG, BIG_ETAG.to_owned()),
            (ACCEPT_RANGES, "bytes".to_owned()),
            (CONTENT_TYPE, "application/octet-stream".to_owned()),
        ];
        let start = header(RANGE).and_then(|range| {
            range
                .strip_prefix("bytes=")?
                .strip_suffix('-')?
                .parse::<usize>()
                .ok()
        });
        let if_range = header(IF_RANGE).unwrap_or_default();
        if let Some(start) = start.filter(|_| if_range.is_empty() || if_range == BIG_ETAG) {
            let mut headers = base.to_vec();
            if start >= total {
                headers.push((CONTENT_RANGE, format!("bytes */{total}")));
                return respond(StatusCode::RANGE_NOT_SATISFIABLE, &headers, full(""));
            }
            let body = self.big.slice(start..);
            self.ranges
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(RangeRequest {
                    start: start as u64,
                    if_range,
                    sent: body.len() as u64,
                });
            // A moment to think, as a real server takes: the client has time to note why
            // it was interrupted before the resumed transfer clears the reason.
            tokio::time::sleep(Duration::from_millis(50)).await;
            headers.push((
                CONTENT_RANGE,
                format!("bytes {start}-{}/{total}", total.saturating_sub(1)),
            ));
            return respond(StatusCode::PARTIAL_CONTENT, &headers, full(body));
        }
        if self.full.fetch_add(1, Ordering::SeqCst) > 0 {
            return respond(StatusCode::OK, &base, full(self.big.clone()));
        }
        // The first full response: `Content-Length` of the whole, then the connection ends.
        let mut headers = base.to_vec();
        headers.push((CONTENT_LENGTH, total.to_string()));
        let head = self.big.slice(..CUT_AT.min(total));
        let chunks: Vec<Result<Frame<Bytes>, BoxError>> = (0..head.len())
            .step_by(CHUNK)
            .map(|at| Ok(Frame::data(head.slice(at..(at + CHUNK).min(head.len())))))
            .collect();
        let cut = futures_util::stream::once(async {
            // Let the bytes so far reach the client before the connection goes.
            tokio::time::sleep(Duration::from_millis(200)).await;
            Err::<Frame<Bytes>, BoxError>("the tour's origin cuts the connection here".into())
        });
        let body = StreamBody::new(futures_util::StreamExt::chain(
            futures_util::stream::iter(chunks),
            cut,
        ))
        .boxed_unsync();
        respond(StatusCode::OK, &headers, body)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

fn respond(status: StatusCode, headers: &[(HeaderName, String)], body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            response.headers_mut().append(name.clone(), value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanations_match_chromium_rules() {
        let rules = ProxyRules::parse("http=proxy.corp:3128");
        let bypass = BypassRules::parse("<local>;*.internal");
        let explain = |url: &str| explain(&Url::parse(url).unwrap(), &rules, &bypass);
        assert_eq!(explain("http://example.com/").0, "PROXY proxy.corp:3128");
        assert_eq!(explain("https://example.com/").0, "DIRECT");
        assert!(explain("http://a.internal/").1.contains("*.internal"));
        assert!(explain("http://intranet/").1.contains("<local>"));
        assert!(explain("http://localhost/").1.contains("implicit"));
    }
}
