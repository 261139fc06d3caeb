//! Electron's `ses.protocol`: custom schemes and interception of the built-in ones.
//!
//! [`Protocol::handle`] (Electron 25+) registers a handler that turns a request into a
//! response: bytes, a string, a file, a stream, a failure with a net error, or another URL
//! fetched through the session. It works for custom schemes (`app://`) and intercepts
//! `http` and `https`. Handlers are per session; the session's pipeline calls them before
//! anything reaches the network. The older `register*Protocol` / `intercept*Protocol`
//! family is expressed on top of the same table, with Electron's boolean answers.
//!
//! [`serve_directory`] is a handler that serves files from one directory: a request can
//! never read outside it, whatever `..`, encoded separators or symbolic links it uses.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};

use bytes::Bytes;
use futures_util::Stream;
use reqwest::header::HeaderMap;
use url::Url;

/// What a handler is given (Electron's `ProtocolRequest`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ProtocolRequest {
    /// The URL.
    pub url: Url,
    /// The method.
    pub method: String,
    /// The request headers.
    pub headers: HeaderMap,
    /// The referrer, or empty.
    pub referrer: String,
    /// The body, if the request has one in memory.
    pub upload_data: Option<Bytes>,
}

/// A stream of body chunks.
pub type BodyStream = Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>;

/// Where a handler's response body comes from.
#[non_exhaustive]
pub enum ProtocolBody {
    /// No body.
    Empty,
    /// Bytes (Electron's `Buffer` and `string` data).
    Bytes(Bytes),
    /// A file, streamed (Electron's `path`).
    File(PathBuf),
    /// A stream (Electron's `Readable`).
    Stream(BodyStream),
    /// Another URL, fetched through the session without the protocol handlers (Electron's
    /// `url` of an HTTP handler, or `net.fetch(url, {bypassCustomProtocolHandlers: true})`).
    Url(Url),
}

impl fmt::Debug for ProtocolBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("Empty"),
            Self::Bytes(bytes) => write!(f, "Bytes({} bytes)", bytes.len()),
            Self::File(path) => f.debug_tuple("File").field(path).finish(),
            Self::Stream(_) => f.write_str("Stream"),
            Self::Url(url) => f.debug_tuple("Url").field(&url.as_str()).finish(),
        }
    }
}

/// A handler's answer (Electron's `ProtocolResponse`).
///
/// # Examples
///
/// ```
/// use netsession::protocol::ProtocolResponse;
///
/// let page = ProtocolResponse::text("<h1>hi</h1>");
/// let json = ProtocolResponse::bytes(&b"{}"[..]).mime_type("application/json").status(201);
/// let refused = ProtocolResponse::error(-10); // net::ERR_ACCESS_DENIED
/// # let _ = (page, json, refused);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ProtocolResponse {
    /// The status code (200).
    pub status: u16,
    /// The MIME type (`text/html`), unless `headers` has a `Content-Type`.
    pub mime_type: String,
    /// The charset (`utf-8`) added to a `text/*` MIME type.
    pub charset: String,
    /// More headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: ProtocolBody,
    /// A net error code that fails the request instead (Electron's `{error}`).
    pub error: Option<i32>,
}

impl ProtocolResponse {
    fn with_body(body: ProtocolBody) -> Self {
        Self {
            status: 200,
            mime_type: "text/html".into(),
            charset: "utf-8".into(),
            headers: Vec::new(),
            body,
            error: None,
        }
    }

    /// A body of bytes.
    pub fn bytes(data: impl Into<Bytes>) -> Self {
        Self::with_body(ProtocolBody::Bytes(data.into()))
    }

    /// A body of text.
    pub fn text(data: impl Into<String>) -> Self {
        Self::with_body(ProtocolBody::Bytes(Bytes::from(data.into())))
    }

    /// The contents of a file, with a MIME type guessed from its extension.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let mime = mime_for(&path);
        Self::with_body(ProtocolBody::File(path)).mime_type(mime)
    }

    /// A streamed body.
    pub fn stream(stream: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static) -> Self {
        Self::with_body(ProtocolBody::Stream(Box::pin(stream)))
    }

    /// The response of another URL, fetched through the session.
    pub fn url(url: Url) -> Self {
        Self::with_body(ProtocolBody::Url(url))
    }

    /// Fails the request with a net error code (`-6` is `net::ERR_FILE_NOT_FOUND`).
    pub fn error(code: i32) -> Self {
        Self {
            error: Some(code),
            ..Self::with_body(ProtocolBody::Empty)
        }
    }

    /// Sets the status code.
    #[must_use]
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets the MIME type.
    #[must_use]
    pub fn mime_type(mut self, mime_type: impl Into<String>) -> Self {
        self.mime_type = mime_type.into();
        self
    }

    /// Adds a header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

impl From<String> for ProtocolResponse {
    fn from(text: String) -> Self {
        Self::text(text)
    }
}

impl From<&str> for ProtocolResponse {
    fn from(text: &str) -> Self {
        Self::text(text)
    }
}

impl From<Bytes> for ProtocolResponse {
    fn from(bytes: Bytes) -> Self {
        Self::bytes(bytes)
    }
}

impl From<Vec<u8>> for ProtocolResponse {
    fn from(bytes: Vec<u8>) -> Self {
        Self::bytes(bytes)
    }
}

impl From<PathBuf> for ProtocolResponse {
    fn from(path: PathBuf) -> Self {
        Self::file(path)
    }
}

impl From<Url> for ProtocolResponse {
    fn from(url: Url) -> Self {
        Self::url(url)
    }
}

/// The MIME type of a file from its extension (the common web types; else
/// `application/octet-stream`).
fn mime_for(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "html" | "htm" => "text/html",
        "css" => "text/css",
        "js" | "mjs" => "text/javascript",
        "json" => "application/json",
        "txt" => "text/plain",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

type HandlerFuture = Pin<Box<dyn Future<Output = ProtocolResponse> + Send>>;
pub(crate) type Handler = Arc<dyn Fn(ProtocolRequest) -> HandlerFuture + Send + Sync>;

/// How a scheme got its handler (the old API's three answers depend on it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Registered,
    Intercepted,
}

/// Why `handle` or `unhandle` failed (Electron's messages).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProtocolError {
    /// `Failed to register protocol: SCHEME` (already handled).
    Register(String),
    /// `Failed to unhandle protocol: SCHEME` (not handled).
    Unhandle(String),
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Register(scheme) => write!(f, "Failed to register protocol: {scheme}"),
            Self::Unhandle(scheme) => write!(f, "Failed to unhandle protocol: {scheme}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

/// The schemes Chromium handles itself: a handler for one of them intercepts it.
const BUILT_IN: &[&str] = &[
    "http", "https", "ws", "wss", "file", "data", "blob", "about",
];

/// A session's protocol handlers (Electron's `ses.protocol`).
#[derive(Default)]
pub struct Protocol {
    handlers: RwLock<HashMap<String, (Kind, Handler)>>,
}

impl fmt::Debug for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handlers = self.handlers.read().unwrap_or_else(PoisonError::into_inner);
        let mut schemes: Vec<&String> = handlers.keys().collect();
        schemes.sort();
        f.debug_struct("Protocol")
            .field("schemes", &schemes)
            .finish()
    }
}

fn handler<F, Fut, R>(handler: F) -> Handler
where
    F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = R> + Send + 'static,
    R: Into<ProtocolResponse>,
{
    Arc::new(move |request| {
        let answer = handler(request);
        Box::pin(async move { answer.await.into() })
    })
}

impl Protocol {
    /// `protocol.handle(scheme, handler)`: serves `scheme` (a custom one, or `http`/`https`
    /// to intercept them) with `handler`.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::Register`] when the scheme already has a handler.
    ///
    /// # Examples
    ///
    /// ```
    /// use netsession::protocol::ProtocolResponse;
    /// use netsession::{Session, SessionOptions};
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let session = Session::from_partition("protocol-doc", SessionOptions::default())?;
    /// session.protocol().handle("app", |request| async move {
    ///     ProtocolResponse::text(format!("you asked for {}", request.url.path()))
    /// })?;
    /// let request = reqwest::Request::new(reqwest::Method::GET, "app://bundle/index.html".parse()?);
    /// let response = session.fetch(request).await?;
    /// assert_eq!(response.text().await?, "you asked for /index.html");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn handle<F, Fut, R>(&self, scheme: &str, handler_fn: F) -> Result<(), ProtocolError>
    where
        F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<ProtocolResponse>,
    {
        let scheme = scheme.to_ascii_lowercase();
        let kind = if BUILT_IN.contains(&scheme.as_str()) {
            Kind::Intercepted
        } else {
            Kind::Registered
        };
        if self.insert(&scheme, kind, handler(handler_fn)) {
            Ok(())
        } else {
            Err(ProtocolError::Register(scheme))
        }
    }

    /// `protocol.unhandle(scheme)`.
    ///
    /// # Errors
    ///
    /// [`ProtocolError::Unhandle`] when the scheme has no handler.
    pub fn unhandle(&self, scheme: &str) -> Result<(), ProtocolError> {
        let scheme = scheme.to_ascii_lowercase();
        match self.write().remove(&scheme) {
            Some(_) => Ok(()),
            None => Err(ProtocolError::Unhandle(scheme)),
        }
    }

    /// `protocol.isProtocolHandled(scheme)`: whether the scheme is registered or intercepted.
    pub fn is_protocol_handled(&self, scheme: &str) -> bool {
        self.read().contains_key(&scheme.to_ascii_lowercase())
    }

    /// The deprecated `registerProtocol` (any response type): `false` when the scheme has a
    /// handler already.
    pub fn register_protocol<F, Fut, R>(&self, scheme: &str, handler_fn: F) -> bool
    where
        F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<ProtocolResponse>,
    {
        self.insert(
            &scheme.to_ascii_lowercase(),
            Kind::Registered,
            handler(handler_fn),
        )
    }

    /// `unregisterProtocol`: `false` when the scheme was not registered.
    pub fn unregister_protocol(&self, scheme: &str) -> bool {
        self.remove_kind(scheme, Kind::Registered)
    }

    /// `isProtocolRegistered`.
    pub fn is_protocol_registered(&self, scheme: &str) -> bool {
        self.kind(scheme) == Some(Kind::Registered)
    }

    /// The deprecated `interceptProtocol` (any response type): `false` when the scheme is
    /// intercepted already.
    pub fn intercept_protocol<F, Fut, R>(&self, scheme: &str, handler_fn: F) -> bool
    where
        F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = R> + Send + 'static,
        R: Into<ProtocolResponse>,
    {
        self.insert(
            &scheme.to_ascii_lowercase(),
            Kind::Intercepted,
            handler(handler_fn),
        )
    }

    /// `uninterceptProtocol`: `false` when the scheme was not intercepted.
    pub fn unintercept_protocol(&self, scheme: &str) -> bool {
        self.remove_kind(scheme, Kind::Intercepted)
    }

    /// `isProtocolIntercepted`.
    pub fn is_protocol_intercepted(&self, scheme: &str) -> bool {
        self.kind(scheme) == Some(Kind::Intercepted)
    }

    /// The handler for `scheme`, if any.
    pub(crate) fn handler(&self, scheme: &str) -> Option<Handler> {
        let handlers = self.read();
        if handlers.is_empty() {
            return None;
        }
        handlers.get(scheme).map(|(_, handler)| Arc::clone(handler))
    }

    fn insert(&self, scheme: &str, kind: Kind, handler: Handler) -> bool {
        let mut handlers = self.write();
        if handlers.contains_key(scheme) {
            return false;
        }
        handlers.insert(scheme.to_owned(), (kind, handler));
        true
    }

    fn kind(&self, scheme: &str) -> Option<Kind> {
        self.read()
            .get(&scheme.to_ascii_lowercase())
            .map(|(kind, _)| *kind)
    }

    fn remove_kind(&self, scheme: &str, kind: Kind) -> bool {
        let scheme = scheme.to_ascii_lowercase();
        let mut handlers = self.write();
        if handlers.get(&scheme).is_some_and(|(k, _)| *k == kind) {
            handlers.remove(&scheme);
            true
        } else {
            false
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, (Kind, Handler)>> {
        self.handlers.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, (Kind, Handler)>> {
        self.handlers
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The typed members of the deprecated family: the same table as `register_protocol` and
/// `intercept_protocol`, with a handler answering one kind of body.
macro_rules! typed_handlers {
    ($($register:ident, $intercept:ident => $output:ty, $electron:literal, $what:literal;)*) => {
        impl Protocol {
            $(
                #[doc = concat!("`register", $electron, "Protocol`: the handler answers ", $what, ".")]
                pub fn $register<F, Fut>(&self, scheme: &str, handler_fn: F) -> bool
                where
                    F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
                    Fut: Future<Output = $output> + Send + 'static,
                {
                    self.register_protocol(scheme, handler_fn)
                }

                #[doc = concat!("`intercept", $electron, "Protocol`: the handler answers ", $what, ".")]
                pub fn $intercept<F, Fut>(&self, scheme: &str, handler_fn: F) -> bool
                where
                    F: Fn(ProtocolRequest) -> Fut + Send + Sync + 'static,
                    Fut: Future<Output = $output> + Send + 'static,
                {
                    self.intercept_protocol(scheme, handler_fn)
                }
            )*
        }
    };
}

typed_handlers! {
    register_string_protocol, intercept_string_protocol => String, "String", "text";
    register_buffer_protocol, intercept_buffer_protocol => Bytes, "Buffer", "bytes";
    register_file_protocol, intercept_file_protocol => PathBuf, "File", "a file path";
    register_http_protocol, intercept_http_protocol => Url, "Http", "a URL the session fetches";
    register_stream_protocol, intercept_stream_protocol => ProtocolResponse, "Stream",
        "a response (build it with [`ProtocolResponse::stream`])";
}

/// A handler serving files under `root`: the URL's path, percent-decoded, names a file
/// below it. `..`, encoded separators, NUL bytes and symbolic links that lead outside
/// `root` fail with `net::ERR_ACCESS_DENIED` (-10); a missing file with
/// `net::ERR_FILE_NOT_FOUND` (-6).
///
/// # Examples
///
/// ```no_run
/// use netsession::protocol::serve_directory;
/// use netsession::{Session, SessionOptions};
///
/// let session = Session::from_partition("bundle", SessionOptions::default())?;
/// session.protocol().handle("app", serve_directory("/opt/myapp/web"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn serve_directory(
    root: impl Into<PathBuf>,
) -> impl Fn(ProtocolRequest) -> std::future::Ready<ProtocolResponse> + Send + Sync + 'static {
    let root = root.into();
    let root = std::fs::canonicalize(&root).unwrap_or(root);
    move |request| std::future::ready(resolve_in(&root, &request.url))
}

fn resolve_in(root: &Path, url: &Url) -> ProtocolResponse {
    const ACCESS_DENIED: i32 = -10;
    const NOT_FOUND: i32 = -6;
    let mut path = root.to_path_buf();
    // The host of `app://bundle/x` is part of the name space, not a folder.
    for segment in url.path().split('/').filter(|s| !s.is_empty()) {
        let Ok(name) = percent_encoding::percent_decode_str(segment).decode_utf8() else {
            return ProtocolResponse::error(ACCESS_DENIED);
        };
        if name == "."
            || name == ".."
            || name.contains(['/', '\\', '\0'])
            || Path::new(name.as_ref()).is_absolute()
        {
            return ProtocolResponse::error(ACCESS_DENIED);
        }
        path.push(name.as_ref());
    }
    let Ok(real) = std::fs::canonicalize(&path) else {
        return ProtocolResponse::error(NOT_FOUND);
    };
    if !real.starts_with(root) {
        return ProtocolResponse::error(ACCESS_DENIED);
    }
    let real = if real.is_dir() {
        real.join("index.html")
    } else {
        real
    };
    if !real.is_file() {
        return ProtocolResponse::error(NOT_FOUND);
    }
    ProtocolResponse::file(real)
}
