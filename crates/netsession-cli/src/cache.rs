//! `netsession serve-cache`: the HTTP cache as a loopback reverse proxy in front of an
//! origin, logging what it does with each request; and `netsession cache size|clear`,
//! Electron's `getCacheSize` and `clearCache` for a partition.
//!
//! A session that lives on disk (see `partition.rs`: the default session and `persist:`
//! partitions) keeps its cache under `<session dir>/Cache`; any other partition has a memory
//! cache, which lives as long as the `serve-cache` process (so `cache size` is 0 for it).
//! One process owns a disk cache at a time: while `serve-cache` runs on a partition,
//! `cache size|clear` on it fail (exit status 1) instead of changing files under the server.

use std::convert::Infallible;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use http::header::{CONTENT_LENGTH, HOST, TRANSFER_ENCODING};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use netsession_http_cache::{Cache, CacheOptions, CacheStatus, CachedClient, Error};
use tokio::net::TcpListener;
use url::Url;

use crate::{Failure, Global, partition};

pub(crate) const SERVE_HELP: &str = "\
Each request is answered from the cache when it can be, else forwarded to --origin with its
method, path, query, headers and body (Host becomes the origin's). One line per request goes
to standard error: `METHOD PATH STATUS OUTCOME`, where OUTCOME is
  hit          answered from the cache, the origin was not contacted
  miss         forwarded, and not stored (uncacheable request or response)
  stored       forwarded, and stored as it streamed back
  revalidated  the origin answered 304 to the cache's validators; the stored body was served
  error        the origin could not be reached (502) or only-if-cached found nothing (504)

The default session and --partition persist:NAME keep the cache on disk, where it outlives
the process (see `netsession cache size`); any other partition name keeps it in memory.

Example:
  netsession --partition persist:dev serve-cache --listen 127.0.0.1:8080 --origin http://127.0.0.1:3000";

#[derive(Debug, Args)]
pub(crate) struct ServeCache {
    /// The address to listen on, for example 127.0.0.1:8080 (port 0 picks a free port).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: SocketAddr,
    /// The origin that misses are forwarded to, for example http://127.0.0.1:3000.
    #[arg(long, value_name = "URL")]
    origin: String,
    /// The most bytes the cache keeps before evicting the least recently used entries.
    #[arg(long, value_name = "BYTES", default_value_t = 80 * 1024 * 1024)]
    max_size: u64,
}

#[derive(Debug, Args)]
pub(crate) struct CacheCommand {
    #[command(subcommand)]
    action: CacheAction,
}

#[derive(Debug, Subcommand)]
enum CacheAction {
    /// Print the cache size in bytes, as Electron's `session.getCacheSize()`.
    Size,
    /// Empty the cache, as Electron's `session.clearCache()`.
    Clear,
}

/// `netsession cache size|clear`.
pub(crate) fn run(global: &Global, args: &CacheCommand) -> Result<(), Failure> {
    let dir = cache_dir(global)?.filter(|dir| dir.exists());
    match args.action {
        CacheAction::Size => {
            // Opened without a size limit, so that looking never evicts anything.
            let size = match &dir {
                Some(dir) => open_disk(dir, u64::MAX)?.size(),
                None => 0,
            };
            writeln!(io::stdout().lock(), "{size}")?;
        }
        CacheAction::Clear => {
            if let Some(dir) = &dir {
                open_disk(dir, u64::MAX)?
                    .clear()
                    .map_err(|error| cache_failure(&error))?;
            }
        }
    }
    Ok(())
}

/// `netsession serve-cache`: serves until killed.
pub(crate) fn serve(global: &Global, args: &ServeCache) -> Result<(), Failure> {
    let origin = Url::parse(&args.origin)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .ok_or_else(|| {
            Failure::Config(format!(
                "invalid --origin {:?}: expected an http: or https: URL",
                args.origin
            ))
        })?;
    let (cache, place) = match cache_dir(global)? {
        Some(dir) => {
            let cache = open_disk(&dir, args.max_size)?;
            (cache, dir.display().to_string())
        }
        None => (
            Cache::memory(CacheOptions::default().max_size(args.max_size)),
            "memory".to_owned(),
        ),
    };
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| Failure::Config(format!("cannot build the HTTP client: {error}")))?;
    let state = Arc::new(State {
        client: CachedClient::new(client, cache),
        origin,
    });
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(accept_loop(args.listen, state, place))
}

struct State {
    client: CachedClient,
    origin: Url,
}

pub(crate) type Body = UnsyncBoxBody<Bytes, Box<dyn std::error::Error + Send + Sync>>;

/// Headers that belong to one connection, never forwarded in either direction.
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

async fn accept_loop(listen: SocketAddr, state: Arc<State>, place: String) -> Result<(), Failure> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    log(&format!(
        "serve-cache: listening on http://{addr}, origin {}, cache {place}",
        state.origin
    ));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: say so and keep serving.
                log(&format!("serve-cache: accept failed: {error}"));
                continue;
            }
        };
        let state = Arc::clone(&state);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let state = Arc::clone(&state);
                async move { Ok::<_, Infallible>(handle(&state, request).await) }
            });
            // A client that goes away mid-response is not an error worth reporting.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(state: &State, request: Request<Incoming>) -> Response<Body> {
    let method = request.method().clone();
    let path = request
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let (parts, body) = request.into_parts();
    let has_body =
        parts.headers.contains_key(CONTENT_LENGTH) || parts.headers.contains_key(TRANSFER_ENCODING);
    let mut headers = parts.headers;
    strip_hop_by_hop(&mut headers);
    headers.remove(HOST);
    let mut forwarded = reqwest::Request::new(method.clone(), target(&state.origin, &path));
    *forwarded.headers_mut() = headers;
    if has_body {
        *forwarded.body_mut() = Some(reqwest::Body::wrap_stream(body.into_data_stream()));
    }
    match state.client.execute(forwarded).await {
        Ok(response) => {
            let outcome = CacheStatus::of(&response).map_or("miss", CacheStatus::as_str);
            log(&format!(
                "{method} {path} {} {outcome}",
                response.status().as_u16()
            ));
            to_hyper(response)
        }
        Err(error) => {
            let status = match error {
                Error::CacheMiss(_) => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::BAD_GATEWAY,
            };
            let mut message = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            log(&format!(
                "{method} {path} {} error ({message})",
                status.as_u16()
            ));
            let body = Full::new(Bytes::from(format!("{} {message}\n", error.net_error())))
                .map_err(|never| match never {})
                .boxed_unsync();
            let mut response = Response::new(body);
            *response.status_mut() = status;
            response
        }
    }
}

/// The origin URL for a request path: the origin's path prefix, then the request's path and
/// query (never parsed as a URL of its own, so `//host/` cannot change the host).
fn target(origin: &Url, path_and_query: &str) -> Url {
    let (path, query) = path_and_query
        .split_once('?')
        .map_or((path_and_query, None), |(p, q)| (p, Some(q)));
    let mut url = origin.clone();
    url.set_path(&format!("{}{path}", origin.path().trim_end_matches('/')));
    url.set_query(query);
    url.set_fragment(None);
    url
}

fn to_hyper(response: reqwest::Response) -> Response<Body> {
    let status = response.status();
    let mut headers = response.headers().clone();
    strip_hop_by_hop(&mut headers);
    let frames = response
        .bytes_stream()
        .map_ok(Frame::data)
        .map_err(|error| Box::new(error) as Box<dyn std::error::Error + Send + Sync>);
    let body = StreamBody::new(frames).boxed_unsync();
    let mut out = Response::new(body);
    *out.status_mut() = status;
    *out.headers_mut() = headers;
    out
}

fn strip_hop_by_hop(headers: &mut HeaderMap) {
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
}

/// `<session dir>/Cache` for a session that lives on disk.
fn cache_dir(global: &Global) -> Result<Option<PathBuf>, Failure> {
    Ok(partition::dir(global)?.map(|dir| dir.join("Cache")))
}

fn open_disk(dir: &Path, max_size: u64) -> Result<Cache, Failure> {
    Cache::open(dir, CacheOptions::default().max_size(max_size))
        .map_err(|error| cache_failure(&error))
}

fn cache_failure(error: &Error) -> Failure {
    if let Error::InUse { .. } = error {
        // The usual owner is a `serve-cache` on the same partition; the cache refuses a second
        // owner rather than let it corrupt the first one's size accounting.
        return Failure::Refused(format!(
            "{error} (a `netsession serve-cache` or an app using this partition); stop it and \
             try again"
        ));
    }
    let cause = std::error::Error::source(error).map_or_else(String::new, |c| format!(": {c}"));
    Failure::Io(io::Error::other(format!("{error}{cause}")))
}

fn log(line: &str) {
    // If standard error is gone there is nobody to tell.
    let _ = writeln!(io::stderr().lock(), "{line}");
}
