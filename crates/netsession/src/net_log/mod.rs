//! Electron's `ses.netLog`: a NetLog JSON file as Chromium writes it, which Chromium's
//! NetLog viewer (<https://netlog-viewer.appspot.com>) loads.
//!
//! | Electron | netsession |
//! |---|---|
//! | `netLog.startLogging(path, {captureMode, maxFileSize})` | [`NetLog::start_logging`] with [`NetLogOptions`] |
//! | `netLog.stopLogging()` | [`NetLog::stop_logging`] |
//! | `netLog.currentlyLogging` | [`NetLog::currently_logging`] |
//!
//! # The file
//!
//! The layout is Chromium's `FileNetLogObserver`: line 1 is `{"constants":{...},`, line 2
//! `"events": [`, then one event per line, each followed by `,\n` as soon as it is written,
//! e.g. `{"params":{...},"phase":1,"source":{"id":7,"start_time":"1042","type":1},"time":"1042","type":2}`.
//! [`NetLog::stop_logging`] overwrites the last `,\n` with `],\n"polledData": {}\n}\n`.
//! (Chromium fills `polledData` with a snapshot of the network context: proxy settings, host
//! cache, socket pools; it is optional for the viewer, and netsession writes it empty.) A
//! file cut short (a crash, a log still running) is read by the viewer's rule: cut at the
//! last `",\n"` and append `]}`.
//!
//! Times are whole milliseconds of a monotonic clock (its origin is the process's first use
//! of a NetLog), written as strings; `constants.timeTickOffset` is the wall-clock time in
//! milliseconds since the Unix epoch at that origin, so wall time = offset + time.
//! `constants` holds Chromium's numbering tables, `clientInfo` (`name` "netsession", our
//! `version`, `numericDate`, `os_type`, an empty `command_line`), `activeFieldTrialGroups`
//! `[]`, an empty `certPathBuilderDigestPolicy` (older Chromium wrote it and the `netlog`
//! crate needs it), `logFormatVersion` 1 and `logCaptureMode` (`Default`,
//! `IncludeSensitive` or `Everything`).
//!
//! With [`NetLogOptions::max_file_size`], events stop being written once the next one
//! would make the file (constants included) larger than the limit; the beginning of the log
//! is kept and the file still ends properly, so it is at most the limit plus the closing
//! bytes.
//!
//! # Chromium's numbering
//!
//! Event types, source types, phases, net errors, load flags and the other tables are
//! Chromium's, vendored as data in `chromium-constants.json`: the static tables of the
//! `constants` object of a log recorded with **Chromium 156.0.8078.108** (Debian, 648 event
//! types, 55 source types, 250 net errors). [`EventType`], [`SourceType`] and [`Phase`] name
//! the entries netsession writes and look their numbers up in those tables at first use.
//! To regenerate the file from another Chromium, run `record-constants.sh [chromium]` in this
//! directory (it records an offline `--log-net-log` with `--host-resolver-rules='MAP *
//! 127.0.0.1:9'` and extracts the tables with `jq`), then update the version above; the unit
//! tests check that every name netsession uses still exists.
//!
//! # Writing without blocking
//!
//! [`NetLog::add_entry`] costs one atomic load when no log runs. While logging, it formats
//! the event on the caller's thread and queues it for a background thread that owns the file,
//! so the async runtime never waits for the disk. I/O errors end the log (a `tracing`
//! warning); they never panic.
//!
//! # Example
//!
//! ```
//! use netsession::net_log::{EventType, NetLog, NetLogOptions, Params, Phase, SourceType};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let net_log = NetLog::new();
//! let path = std::env::temp_dir().join(format!("netsession-doc-{}.json", std::process::id()));
//! net_log.start_logging(
//!     &path,
//!     NetLogOptions { capture_mode: "includeSensitive".parse()?, max_file_size: None },
//! )?;
//! assert!(net_log.currently_logging());
//!
//! // What the request pipeline does for each request.
//! let request = net_log.new_source(SourceType::UrlRequest);
//! net_log.add_entry(EventType::RequestAlive, Phase::Begin, request, None);
//! net_log.add_entry(
//!     EventType::UrlRequestStartJob,
//!     Phase::Begin,
//!     request,
//!     Some(Params::new().string("url", "http://example.com/").string("method", "GET").int("load_flags", 0)),
//! );
//! net_log.add_entry(EventType::RequestAlive, Phase::End, request, Some(Params::net_error(-105)));
//!
//! net_log.stop_logging().await?;
//! assert!(!net_log.currently_logging());
//! let error = net_log.stop_logging().await.unwrap_err();
//! assert_eq!(error.to_string(), "No net log in progress");
//!
//! let text = std::fs::read_to_string(&path)?;
//! assert!(text.starts_with("{\"constants\":{"));
//! assert!(text.contains("\"logCaptureMode\":\"IncludeSensitive\""));
//! assert!(text.ends_with("],\n\"polledData\": {}\n}\n"));
//! std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod constants;
mod params;
mod writer;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub use constants::{EventType, Phase, SourceType};

/// Chromium's name of a net error code (`net::ERR_ACCESS_DENIED` for -10), from the vendored
/// table of every code Chromium knows.
pub(crate) fn net_error_name(code: i32) -> &'static str {
    Tables::net_error_name(code)
}
pub use params::{Params, elide_header_value, request_headers_params, response_headers_params};

use constants::Tables;
use params::push_json_string;
use writer::Writer;

/// How much a log records: Electron's `captureMode` (Chromium's `NetLogCaptureMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum CaptureMode {
    /// `"default"`: cookies, credentials and auth tokens in headers are stripped.
    #[default]
    Default,
    /// `"includeSensitive"`: cookies and credentials are kept.
    IncludeSensitive,
    /// `"everything"`: also the bytes sent and received (where the pipeline logs them).
    Everything,
}

impl CaptureMode {
    /// Electron's name: `default`, `includeSensitive`, `everything`.
    pub const fn electron_name(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::IncludeSensitive => "includeSensitive",
            Self::Everything => "everything",
        }
    }

    /// Chromium's name, written as `constants.logCaptureMode`: `Default`,
    /// `IncludeSensitive`, `Everything`.
    pub const fn chromium_name(self) -> &'static str {
        match self {
            Self::Default => "Default",
            Self::IncludeSensitive => "IncludeSensitive",
            Self::Everything => "Everything",
        }
    }

    /// Whether cookies and credentials are logged (`NetLogCaptureIncludesSensitive`).
    pub const fn includes_sensitive(self) -> bool {
        matches!(self, Self::IncludeSensitive | Self::Everything)
    }

    /// Whether socket bytes may be logged (`NetLogCaptureIncludesSocketBytes`).
    pub const fn includes_socket_bytes(self) -> bool {
        matches!(self, Self::Everything)
    }

    const fn to_u8(self) -> u8 {
        match self {
            Self::Default => 1,
            Self::IncludeSensitive => 2,
            Self::Everything => 3,
        }
    }

    const fn from_u8(value: u8) -> Option<Self> {
        match value {
            1 => Some(Self::Default),
            2 => Some(Self::IncludeSensitive),
            3 => Some(Self::Everything),
            _ => None,
        }
    }
}

impl fmt::Display for CaptureMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.electron_name())
    }
}

impl FromStr for CaptureMode {
    type Err = NetLogError;

    /// Parses Electron's names (case-sensitive, as Electron); anything else is
    /// [`NetLogError::InvalidCaptureMode`], "Invalid value for captureMode".
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "default" => Ok(Self::Default),
            "includeSensitive" => Ok(Self::IncludeSensitive),
            "everything" => Ok(Self::Everything),
            _ => Err(NetLogError::InvalidCaptureMode(text.to_owned())),
        }
    }
}

/// The options of [`NetLog::start_logging`]: Electron's `{captureMode, maxFileSize}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NetLogOptions {
    /// What is recorded (default: [`CaptureMode::Default`]).
    pub capture_mode: CaptureMode,
    /// The largest the file may grow, in bytes (default: unbounded). Events that do not fit
    /// are dropped; the file still ends properly, with at most a few closing bytes more.
    pub max_file_size: Option<u64>,
}

/// Why a [`NetLog`] call failed. The messages are Electron's.
#[derive(Debug)]
#[non_exhaustive]
pub enum NetLogError {
    /// [`NetLog::stop_logging`] without a log running: "No net log in progress".
    NotLogging,
    /// [`NetLog::start_logging`] while a log runs: "There is already a net log running".
    AlreadyLogging,
    /// An empty path: "The first parameter must be a valid string".
    InvalidPath,
    /// A capture mode Electron does not know: "Invalid value for captureMode".
    InvalidCaptureMode(String),
    /// The file could not be created. The message is Chromium's `base::File` error name
    /// (`FILE_ERROR_NOT_FOUND`, `FILE_ERROR_ACCESS_DENIED`, ...), which Electron rejects with.
    CreateFile {
        /// The path given to [`NetLog::start_logging`].
        path: PathBuf,
        /// What the operating system said.
        source: io::Error,
    },
    /// The writer thread could not be started.
    Thread(io::Error),
}

impl NetLogError {
    /// Chromium's `base::File::Error` name for an I/O error (`OSErrorToFileError`).
    fn file_error_name(error: &io::Error) -> &'static str {
        match error.kind() {
            io::ErrorKind::NotFound => "FILE_ERROR_NOT_FOUND",
            io::ErrorKind::PermissionDenied
            | io::ErrorKind::IsADirectory
            | io::ErrorKind::ReadOnlyFilesystem => "FILE_ERROR_ACCESS_DENIED",
            io::ErrorKind::AlreadyExists => "FILE_ERROR_EXISTS",
            io::ErrorKind::ResourceBusy | io::ErrorKind::ExecutableFileBusy => "FILE_ERROR_IN_USE",
            io::ErrorKind::StorageFull => "FILE_ERROR_NO_SPACE",
            io::ErrorKind::NotADirectory => "FILE_ERROR_NOT_A_DIRECTORY",
            _ => "FILE_ERROR_FAILED",
        }
    }
}

impl fmt::Display for NetLogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotLogging => f.write_str("No net log in progress"),
            Self::AlreadyLogging => f.write_str("There is already a net log running"),
            Self::InvalidPath => f.write_str("The first parameter must be a valid string"),
            Self::InvalidCaptureMode(_) => f.write_str("Invalid value for captureMode"),
            Self::CreateFile { source, .. } => f.write_str(Self::file_error_name(source)),
            Self::Thread(error) => write!(f, "could not start the net log writer: {error}"),
        }
    }
}

impl std::error::Error for NetLogError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::CreateFile { source, .. } | Self::Thread(source) => Some(source),
            _ => None,
        }
    }
}

/// Something events are about: a request, a socket, a job. Its id is unique within its
/// [`NetLog`]; the viewer groups events by source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Source {
    id: u32,
    kind: SourceType,
    start_time: u64,
}

impl Source {
    /// The id (from 1 up; Chromium's invalid id is 0).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The source type.
    pub fn kind(&self) -> SourceType {
        self.kind
    }
}

/// A session's net log: Electron's `ses.netLog`.
///
/// Cheap to clone (clones share the log) and usable from any thread. See the
/// [module docs](self) for the file it writes.
#[derive(Clone, Default)]
pub struct NetLog {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// 0 when not logging, else [`CaptureMode::to_u8`]: the one atomic `add_entry` loads.
    mode: AtomicU8,
    /// The last source id handed out.
    last_source_id: AtomicU32,
    writer: Mutex<Option<Writer>>,
}

impl fmt::Debug for NetLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetLog")
            .field("capture_mode", &self.capture_mode())
            .finish_non_exhaustive()
    }
}

impl NetLog {
    /// A net log that is not logging.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts writing a log to `path` (created or truncated), as Electron's
    /// `netLog.startLogging(path, options)`.
    ///
    /// Fails with [`NetLogError::AlreadyLogging`] if a log runs, [`NetLogError::InvalidPath`]
    /// for an empty path and [`NetLogError::CreateFile`] if the file cannot be created. The
    /// file is created before this returns; the constants and events are written by a
    /// background thread.
    pub fn start_logging(
        &self,
        path: impl AsRef<Path>,
        options: NetLogOptions,
    ) -> Result<(), NetLogError> {
        let path = path.as_ref();
        if path.as_os_str().is_empty() {
            return Err(NetLogError::InvalidPath);
        }
        let mut writer = self.lock_writer();
        if writer.is_some() {
            return Err(NetLogError::AlreadyLogging);
        }
        let file = File::create(path).map_err(|source| NetLogError::CreateFile {
            path: path.to_owned(),
            source,
        })?;
        let header = header(options.capture_mode);
        *writer =
            Some(Writer::spawn(file, header, options.max_file_size).map_err(NetLogError::Thread)?);
        self.inner
            .mode
            .store(options.capture_mode.to_u8(), Ordering::Release);
        Ok(())
    }

    /// Writes the queued events and the end of the file and closes it, as Electron's
    /// `netLog.stopLogging()`. Fails with [`NetLogError::NotLogging`], "No net log in
    /// progress", if no log runs.
    ///
    /// Events added after this is called are not written. The file is complete when the
    /// future resolves; dropping the future early still completes the file in the
    /// background.
    pub async fn stop_logging(&self) -> Result<(), NetLogError> {
        let writer = {
            let mut writer = self.lock_writer();
            self.inner.mode.store(0, Ordering::Release);
            writer.take()
        };
        writer.ok_or(NetLogError::NotLogging)?.stop().await;
        Ok(())
    }

    /// Whether a log is being written (Electron's `netLog.currentlyLogging`).
    pub fn currently_logging(&self) -> bool {
        self.inner.mode.load(Ordering::Acquire) != 0
    }

    /// The capture mode of the running log, `None` when not logging.
    pub fn capture_mode(&self) -> Option<CaptureMode> {
        CaptureMode::from_u8(self.inner.mode.load(Ordering::Acquire))
    }

    /// A new source id: 1, 2, 3, ... (ids are handed out whether or not a log runs, as
    /// Chromium does, so they are stable across start and stop).
    pub fn next_source_id(&self) -> u32 {
        let id = self
            .inner
            .last_source_id
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_add(1);
        if id == 0 {
            // After four billion sources; 0 is Chromium's invalid id.
            self.next_source_id()
        } else {
            id
        }
    }

    /// A new source of type `kind`, starting now.
    pub fn new_source(&self, kind: SourceType) -> Source {
        Source {
            id: self.next_source_id(),
            kind,
            start_time: now_ticks(),
        }
    }

    /// Logs an event now. When no log runs this is one atomic load.
    ///
    /// Use [`NetLog::add_entry_with`] when the parameters cost something to build or depend
    /// on the capture mode (headers).
    pub fn add_entry(
        &self,
        event: EventType,
        phase: Phase,
        source: Source,
        params: Option<Params>,
    ) {
        if self.inner.mode.load(Ordering::Relaxed) == 0 {
            return;
        }
        self.write_entry(event, phase, source, params.as_ref());
    }

    /// Logs an event now with parameters built only if a log runs, for its capture mode
    /// (Chromium's `AddEvent` with a params callback).
    pub fn add_entry_with(
        &self,
        event: EventType,
        phase: Phase,
        source: Source,
        params: impl FnOnce(CaptureMode) -> Params,
    ) {
        let Some(mode) = CaptureMode::from_u8(self.inner.mode.load(Ordering::Relaxed)) else {
            return;
        };
        self.write_entry(event, phase, source, Some(&params(mode)));
    }

    /// Waits until every event queued so far is in the file.
    #[cfg(test)]
    async fn flush(&self) {
        let flushed = self.lock_writer().as_ref().and_then(Writer::flush);
        if let Some(flushed) = flushed {
            let _ = flushed.await;
        }
    }

    fn write_entry(&self, event: EventType, phase: Phase, source: Source, params: Option<&Params>) {
        let (Some(event_id), Some(phase_id), Some(source_type)) =
            (event.id(), phase.id(), source.kind.id())
        else {
            tracing::warn!(%event, %phase, source = %source.kind, "not in Chromium's NetLog tables");
            return;
        };
        let time = now_ticks();
        let mut json = String::with_capacity(160);
        json.push('{');
        if let Some(params) = params {
            json.push_str("\"params\":");
            params.write_json(&mut json);
            json.push(',');
        }
        json.push_str(&format!(
            "\"phase\":{phase_id},\"source\":{{\"id\":{},\"start_time\":\"{}\",\"type\":{source_type}}},\"time\":\"{time}\",\"type\":{event_id}}}",
            source.id, source.start_time,
        ));
        if let Some(writer) = self.lock_writer().as_ref() {
            writer.event(json);
        }
    }

    fn lock_writer(&self) -> MutexGuard<'_, Option<Writer>> {
        // Nothing panics while holding the lock; a poisoned lock is still consistent.
        self.inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The process-wide origin of event times.
fn origin() -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    *ORIGIN.get_or_init(Instant::now)
}

/// Milliseconds since [`origin`].
fn now_ticks() -> u64 {
    u64::try_from(origin().elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Milliseconds since the Unix epoch (0 for a clock set before it).
fn wall_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
        })
}

/// Lines 1 and 2 of the file: `{"constants":{...},\n"events": [\n`, keys sorted as Chromium
/// writes them.
fn header(mode: CaptureMode) -> String {
    let ticks = now_ticks();
    let wall = wall_ms();

    let mut client_info =
        String::from("{\"command_line\":\"\",\"name\":\"netsession\",\"numericDate\":");
    client_info.push_str(&wall.to_string());
    client_info.push_str(",\"os_type\":");
    push_json_string(
        &mut client_info,
        &format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH),
    );
    client_info.push_str(",\"version\":");
    push_json_string(&mut client_info, env!("CARGO_PKG_VERSION"));
    client_info.push('}');
    let mut capture_mode = String::new();
    push_json_string(&mut capture_mode, mode.chromium_name());

    let mut members: Vec<(&str, Cow<'_, str>)> = Tables::get()
        .json_members()
        .map(|(key, json)| (key, Cow::Borrowed(json)))
        .collect();
    members.extend([
        ("activeFieldTrialGroups", Cow::Borrowed("[]")),
        // Chromium 156 no longer writes this table, but readers built on older logs
        // (the `netlog` crate) require it; the viewer ignores it.
        ("certPathBuilderDigestPolicy", Cow::Borrowed("{}")),
        ("clientInfo", Cow::Owned(client_info)),
        ("logCaptureMode", Cow::Owned(capture_mode)),
        ("logFormatVersion", Cow::Borrowed("1")),
        (
            "timeTickOffset",
            Cow::Owned(wall.saturating_sub(ticks).to_string()),
        ),
    ]);
    members.sort_by(|a, b| a.0.cmp(b.0));

    let mut header = String::with_capacity(
        members
            .iter()
            .map(|(key, json)| key.len() + json.len() + 4)
            .sum::<usize>()
            + 32,
    );
    header.push_str("{\"constants\":{");
    for (index, (key, json)) in members.iter().enumerate() {
        if index > 0 {
            header.push(',');
        }
        push_json_string(&mut header, key);
        header.push(':');
        header.push_str(json);
    }
    header.push_str("},\n\"events\": [\n");
    header
}
