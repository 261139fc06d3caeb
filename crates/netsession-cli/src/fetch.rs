//! `netsession fetch`: one request through a session, as Electron's `ses.fetch` sends it:
//! the session's cookies, HTTP cache, proxy settings, user agent, network emulation and
//! certificate verifier. Cookies the response sets are committed before the command exits,
//! so the next process of the same `persist:` partition sends them.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use netsession::cert_verify::CertVerifier;
use netsession::{NetError, NetworkConditions, ProxyConfig, Session, SessionOptions, Sessions};
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, Response};
use url::Url;

use crate::{Failure, Global, partition, resolve_proxy};

pub(crate) const HELP: &str = "\
The session is the one named by --partition (before the subcommand): persist:NAME on disk
under --data-dir, the default session in --data-dir itself, any other name in memory. Its
cookies are sent and the response's Set-Cookie stored (and written to disk before exit), its
HTTP cache answers when it can, and redirects are followed, as Electron's ses.fetch does.

The body goes to standard output (or --output FILE) as it arrives. -i writes the status
line and the response headers first, then a blank line, as curl -i. An HTTP error status
is still a response: the exit status is 0.

A request that fails prints Chromium's net error on standard error and exits with status 1:
  netsession: net::ERR_PROXY_CONNECTION_FAILED (-130) for http://example.com/: ...
A bad option value (URL, method, header, PEM file) exits with status 2.

--proxy-rules, --proxy-bypass and --pac are Electron's setProxy({proxyRules,
proxyBypassRules, pacScript}) (see `netsession resolve-proxy --help`); --offline, --latency,
--download-bps and --upload-bps are enableNetworkEmulation; --user-agent and
--accept-languages are setUserAgent.

Examples:
  netsession fetch -i https://example.com/
  netsession --data-dir /tmp/app --partition persist:work fetch https://example.com/login -X POST -d 'user=ada' -H 'Accept: text/html'
  netsession fetch --proxy-rules 'http=proxy.corp:3128' --proxy-bypass '<local>' http://example.com/
  netsession fetch --latency 300 --download-bps 50000 -o page.html https://example.com/
  netsession fetch --ca corp-root.pem https://intranet.corp/
  netsession fetch --netlog request.json https://example.com/   (open it in Chromium's netlog viewer)";

#[derive(Debug, Args)]
pub(crate) struct Fetch {
    /// The http: or https: URL to fetch.
    url: String,
    /// The request method (default GET, or POST with --data).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    method: Option<String>,
    /// A request header, `Name: value` (repeatable).
    #[arg(
        short = 'H',
        long = "header",
        value_name = "NAME: VALUE",
        allow_hyphen_values = true
    )]
    headers: Vec<String>,
    /// The request body, sent as given (with `Content-Type:
    /// application/x-www-form-urlencoded` unless -H sets one, as curl does).
    #[arg(
        short = 'd',
        long = "data",
        value_name = "DATA",
        allow_hyphen_values = true
    )]
    data: Option<String>,
    /// Write the body (and the head, with -i) to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the status line and the response headers before the body.
    #[arg(short = 'i', long = "include")]
    include: bool,
    /// Electron's `proxyRules` (`http=proxy:3128;https=proxy:3129`, `socks5://s:1080`).
    #[arg(long, value_name = "RULES")]
    proxy_rules: Option<String>,
    /// Electron's `proxyBypassRules` (`<local>;*.internal`).
    #[arg(long, value_name = "RULES")]
    proxy_bypass: Option<String>,
    /// Electron's `pacScript`: a data:, file:, http: or https: URL, or a file path.
    #[arg(long, value_name = "URL")]
    pac: Option<String>,
    /// Emulate being offline: the request fails with net::ERR_INTERNET_DISCONNECTED (the HTTP
    /// cache may still answer).
    #[arg(long)]
    offline: bool,
    /// Emulated latency added before the request, in milliseconds.
    #[arg(long, value_name = "MS")]
    latency: Option<u64>,
    /// Emulated download throughput, in bytes per second.
    #[arg(long, value_name = "N")]
    download_bps: Option<u64>,
    /// Emulated upload throughput, in bytes per second.
    #[arg(long, value_name = "N")]
    upload_bps: Option<u64>,
    /// The User-Agent the session sends (Electron's setUserAgent).
    #[arg(long, value_name = "UA")]
    user_agent: Option<String>,
    /// Languages for Accept-Language, a comma list (`en-US,fr`), q-weighted as Chromium does.
    #[arg(long, value_name = "LIST")]
    accept_languages: Option<String>,
    /// A PEM file of extra trusted root certificates (repeatable); Mozilla's roots stay
    /// trusted.
    #[arg(long, value_name = "FILE")]
    ca: Vec<PathBuf>,
    /// Write Chromium's NetLog JSON of the request to FILE (loads in Chromium's netlog viewer).
    #[arg(long, value_name = "FILE")]
    netlog: Option<PathBuf>,
    /// What the NetLog records: `default` (no cookies or credentials), `includeSensitive` or
    /// `everything`.
    #[arg(
        long,
        value_name = "MODE",
        default_value = "default",
        requires = "netlog"
    )]
    netlog_capture_mode: String,
}

/// The request and the session settings, checked before anything is sent.
struct Plan {
    request: reqwest::Request,
    proxy: Option<ProxyConfig>,
    conditions: Option<NetworkConditions>,
    verifier: Option<CertVerifier>,
}

pub(crate) fn run(global: &Global, args: &Fetch) -> Result<(), Failure> {
    let plan = plan(args)?;
    let data_dir = partition::data_dir(global)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let sessions = Sessions::new(data_dir);
        let session = sessions
            .from_partition(&global.partition, SessionOptions::default())
            .map_err(|e| match e {
                netsession::Error::InvalidPartition(_) => Failure::Config(chain(&e)),
                _ => Failure::Refused(chain(&e)),
            })?;
        if let Some(path) = &args.netlog {
            let capture_mode = args
                .netlog_capture_mode
                .parse()
                .map_err(|e: netsession::net_log::NetLogError| Failure::Config(e.to_string()))?;
            let options = netsession::net_log::NetLogOptions {
                capture_mode,
                max_file_size: None,
            };
            session
                .net_log()
                .start_logging(path, options)
                .map_err(|e| Failure::Refused(format!("cannot write {}: {e}", path.display())))?;
        }
        let result = fetch(&session, args, plan).await;
        // Commit even after a failure: a redirect or an error page may have set cookies.
        let flushed = flush(&session).await;
        if args.netlog.is_some() {
            // The log ends properly whatever happened to the request.
            let _ = session.net_log().stop_logging().await;
        }
        result.and(flushed)
    })
}

fn plan(args: &Fetch) -> Result<Plan, Failure> {
    let url = Url::parse(&args.url)
        .map_err(|e| Failure::Config(format!("invalid URL {:?}: {e}", args.url)))?;
    let method = match &args.method {
        Some(name) => Method::from_bytes(name.as_bytes())
            .map_err(|_| Failure::Config(format!("invalid method {name:?}")))?,
        None if args.data.is_some() => Method::POST,
        None => Method::GET,
    };
    let mut request = reqwest::Request::new(method, url);
    for line in &args.headers {
        let (name, value) = parse_header(line)?;
        request.headers_mut().append(name, value);
    }
    if let Some(data) = &args.data {
        if !request.headers().contains_key(CONTENT_TYPE) {
            request.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/x-www-form-urlencoded"),
            );
        }
        *request.body_mut() = Some(reqwest::Body::from(data.clone()));
    }
    let proxy = if args.proxy_rules.is_some() || args.proxy_bypass.is_some() || args.pac.is_some() {
        Some(ProxyConfig {
            mode: None,
            pac_script: match &args.pac {
                Some(pac) => resolve_proxy::pac_url(pac)?,
                None => String::new(),
            },
            proxy_rules: args.proxy_rules.clone().unwrap_or_default(),
            proxy_bypass_rules: args.proxy_bypass.clone().unwrap_or_default(),
        })
    } else {
        None
    };
    let conditions = NetworkConditions {
        offline: args.offline,
        latency: Duration::from_millis(args.latency.unwrap_or(0)),
        download_throughput: args.download_bps.unwrap_or(0),
        upload_throughput: args.upload_bps.unwrap_or(0),
    };
    let conditions = (conditions != NetworkConditions::default()).then_some(conditions);
    let verifier = if args.ca.is_empty() {
        None
    } else {
        let mut builder = CertVerifier::builder();
        for path in &args.ca {
            let pem = std::fs::read(path)
                .map_err(|e| Failure::Config(format!("--ca {}: {e}", path.display())))?;
            builder = builder
                .add_roots_pem(&pem)
                .map_err(|e| Failure::Config(format!("--ca {}: {}", path.display(), chain(&e))))?;
        }
        Some(
            builder
                .build()
                .map_err(|e| Failure::Config(format!("--ca: {}", chain(&e))))?,
        )
    };
    Ok(Plan {
        request,
        proxy,
        conditions,
        verifier,
    })
}

/// `Name: value` (spaces around the value are dropped, as curl does).
fn parse_header(line: &str) -> Result<(HeaderName, HeaderValue), Failure> {
    let invalid = || Failure::Config(format!("invalid header {line:?}: expected `Name: value`"));
    let (name, value) = line.split_once(':').ok_or_else(invalid)?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid())?;
    let value = HeaderValue::from_str(value.trim()).map_err(|_| invalid())?;
    Ok((name, value))
}

async fn fetch(session: &Session, args: &Fetch, plan: Plan) -> Result<(), Failure> {
    if let Some(config) = plan.proxy {
        session
            .set_proxy(config)
            .await
            .map_err(|e| Failure::Config(chain(&e)))?;
    }
    if let Some(verifier) = plan.verifier {
        session
            .set_certificate_verifier(verifier)
            .map_err(|e| Failure::Config(chain(&e)))?;
    }
    if let Some(conditions) = plan.conditions {
        session.enable_network_emulation(conditions);
    }
    if args.user_agent.is_some() || args.accept_languages.is_some() {
        let user_agent = args
            .user_agent
            .clone()
            .unwrap_or_else(|| session.user_agent());
        session.set_user_agent(&user_agent, args.accept_languages.as_deref());
    }
    let response = session
        .fetch(plan.request)
        .await
        .map_err(|e| Failure::Refused(net_error_message(&e)))?;
    // The file is created once there is a response to put in it.
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(create(path)?),
        None => Box::new(io::stdout()),
    };
    if args.include {
        out.write_all(head(&response).as_bytes())?;
    }
    stream_body(response, &mut out).await?;
    out.flush()?;
    Ok(())
}

fn create(path: &Path) -> Result<File, Failure> {
    File::create(path).map_err(|e| {
        Failure::Io(io::Error::new(
            e.kind(),
            format!("cannot create {}: {e}", path.display()),
        ))
    })
}

/// The status line and headers, as curl -i prints them (CRLF line ends).
fn head(response: &Response) -> String {
    let status = response.status();
    let mut head = format!(
        "{:?} {} {}\r\n",
        response.version(),
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    for (name, value) in response.headers() {
        head.push_str(name.as_str());
        head.push_str(": ");
        head.push_str(&String::from_utf8_lossy(value.as_bytes()));
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Writes the body chunk by chunk as it arrives.
async fn stream_body(mut response: Response, out: &mut dyn Write) -> Result<(), Failure> {
    let url = response.url().clone();
    let mut received: u64 = 0;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                received = received.saturating_add(chunk.len() as u64);
                out.write_all(&chunk)?;
                out.flush()?;
            }
            Ok(None) => return Ok(()),
            Err(error) => {
                // The session names what went wrong with the body.
                let name = NetError::find(&error).map_or("net::ERR_FAILED", NetError::name);
                return Err(Failure::Refused(format!(
                    "{name} for {url} after {received} bytes of the body: {}",
                    chain(&error)
                )));
            }
        }
    }
}

/// Commits the session's cookies and DOM storage.
pub(crate) async fn flush(session: &Session) -> Result<(), Failure> {
    session
        .cookies()
        .flush_store()
        .map_err(|e| Failure::Refused(format!("cannot save cookies: {}", chain(&e))))?;
    session
        .flush_storage_data()
        .await
        .map_err(|e| Failure::Refused(format!("cannot save storage: {}", chain(&e))))
}

/// `net::ERR_... (code) for URL: detail`, with the detail's causes that add something.
pub(crate) fn net_error_message(error: &NetError) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error).and_then(std::error::Error::source);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

/// An error and its causes, `: `-separated (causes already in the message are skipped).
pub(crate) fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}
