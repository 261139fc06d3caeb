//! Electron's `DownloadItem`: state, progress, metadata, `pause`/`resume`/`cancel`, and the
//! `updated` and `done` events.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};
use url::Url;

use crate::manager::{InterruptedDownloadOptions, ManagerInner};
use crate::{Error, InterruptReason, ResumeMode};

/// A download's state, as Electron names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DownloadState {
    /// Transferring, or paused (see [`DownloadItem::is_paused`]).
    Progressing,
    /// Finished: the file is at its save path.
    Completed,
    /// Cancelled: the partial file is gone.
    Cancelled,
    /// Stopped by a failure; the partial file is kept for [`DownloadItem::resume`].
    Interrupted,
}

impl DownloadState {
    /// Electron's string: `progressing`, `completed`, `cancelled` or `interrupted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Progressing => "progressing",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
        }
    }
}

impl fmt::Display for DownloadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event of a [`DownloadItem`], as Electron emits them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DownloadEvent {
    /// `updated`: progress (`Progressing`, at most once per update interval, and at once
    /// on pause, resume and start of writing), or an interruption that can be resumed
    /// (`Interrupted`).
    Updated(DownloadState),
    /// `done`: the terminal state, emitted once (`Completed`, `Cancelled`, or an
    /// `Interrupted` that cannot be resumed).
    Done(DownloadState),
}

/// A stream of a [`DownloadItem`]'s events, from the moment it was requested.
#[derive(Debug)]
pub struct Events {
    receiver: mpsc::UnboundedReceiver<DownloadEvent>,
}

impl Events {
    /// The next event; `None` once the item is gone.
    pub async fn next(&mut self) -> Option<DownloadEvent> {
        self.receiver.recv().await
    }

    /// The next event if one is waiting.
    pub fn try_next(&mut self) -> Option<DownloadEvent> {
        self.receiver.try_recv().ok()
    }
}

/// A download: Electron's `DownloadItem`. Cheap to clone; clones are the same item.
#[derive(Clone)]
pub struct DownloadItem {
    pub(crate) shared: Arc<Shared>,
}

impl fmt::Debug for DownloadItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let data = self.shared.lock();
        f.debug_struct("DownloadItem")
            .field("id", &self.shared.id)
            .field("url", &data.url_chain.first().map(Url::as_str))
            .field("state", &data.state)
            .field("received_bytes", &data.received)
            .field("total_bytes", &data.total)
            .field("save_path", &data.save_path)
            .finish_non_exhaustive()
    }
}

/// What the transfer task tells the item's controller to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Control {
    Run,
    Pause,
    Cancel,
    Shutdown,
}

pub(crate) struct Shared {
    pub(crate) id: u32,
    pub(crate) manager: Arc<ManagerInner>,
    pub(crate) data: Mutex<ItemData>,
    pub(crate) control: watch::Sender<Control>,
    /// `true` while a transfer task runs for the item.
    pub(crate) running: watch::Sender<bool>,
    pub(crate) listeners: Mutex<Vec<mpsc::UnboundedSender<DownloadEvent>>>,
    /// A response fetched elsewhere that the first attempt takes instead of sending a
    /// request (`DownloadManager::adopt`); its body is paced by whoever fetched it.
    pub(crate) adopted: Mutex<Option<reqwest::Response>>,
}

#[derive(Debug)]
pub(crate) struct ItemData {
    pub(crate) state: DownloadState,
    pub(crate) paused: bool,
    pub(crate) reason: Option<InterruptReason>,
    pub(crate) url: Url,
    pub(crate) url_chain: Vec<Url>,
    pub(crate) request_headers: Vec<(String, String)>,
    pub(crate) mime_type: String,
    pub(crate) has_user_gesture: bool,
    pub(crate) file_name: String,
    pub(crate) total: u64,
    pub(crate) received: u64,
    pub(crate) bytes_per_second: u64,
    pub(crate) content_disposition: String,
    pub(crate) etag: String,
    pub(crate) last_modified: String,
    pub(crate) start_time: SystemTime,
    pub(crate) end_time: Option<SystemTime>,
    pub(crate) save_path: Option<PathBuf>,
    /// Bytes exist at the temporary path: the save path is fixed.
    pub(crate) path_locked: bool,
    pub(crate) auto_resume_count: u32,
    /// The download was announced through `will-download` already.
    pub(crate) announced: bool,
    pub(crate) done_emitted: bool,
}

impl ItemData {
    pub(crate) fn new(url: Url, headers: Vec<(String, String)>, gesture: bool) -> Self {
        Self {
            state: DownloadState::Progressing,
            paused: false,
            reason: None,
            url_chain: vec![url.clone()],
            url,
            request_headers: headers,
            mime_type: String::new(),
            has_user_gesture: gesture,
            file_name: String::new(),
            total: 0,
            received: 0,
            bytes_per_second: 0,
            content_disposition: String::new(),
            etag: String::new(),
            last_modified: String::new(),
            start_time: SystemTime::now(),
            end_time: None,
            save_path: None,
            path_locked: false,
            auto_resume_count: 0,
            announced: false,
            done_emitted: false,
        }
    }

    /// The resume mode after the current interruption (Chromium's `GetResumeMode`).
    pub(crate) fn resume_mode(&self) -> ResumeMode {
        let Some(reason) = self.reason else {
            return ResumeMode::Invalid;
        };
        let http = self
            .url_chain
            .last()
            .is_some_and(|u| matches!(u.scheme(), "http" | "https"));
        if !http {
            return ResumeMode::Invalid;
        }
        let restart_required = self.save_path.is_none()
            || !self.path_locked
            || (self.etag.is_empty() && self.last_modified.is_empty());
        let user_action_required =
            self.auto_resume_count >= MAX_AUTO_RESUME_ATTEMPTS || self.paused;
        reason.resume_mode(restart_required, user_action_required)
    }

    /// The temporary file beside the save path.
    pub(crate) fn temp_path(&self) -> Option<PathBuf> {
        self.save_path.as_deref().map(temp_path_for)
    }
}

/// Chromium resumes an interrupted download by itself at most this many times.
pub(crate) const MAX_AUTO_RESUME_ATTEMPTS: u32 = 5;

/// `path` + `.crdownload`.
pub fn temp_path_for(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".crdownload");
    PathBuf::from(name)
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, ItemData> {
        // A panic elsewhere while holding the lock leaves plain data behind; keep going.
        match self.data.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    pub(crate) fn emit(&self, event: DownloadEvent) {
        let mut listeners = match self.listeners.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        listeners.retain(|listener| listener.send(event).is_ok());
    }

    /// Emits `done(state)` once.
    pub(crate) fn emit_done(&self, state: DownloadState) {
        {
            let mut data = self.lock();
            if data.done_emitted {
                return;
            }
            data.done_emitted = true;
        }
        self.emit(DownloadEvent::Done(state));
    }
}

impl DownloadItem {
    /// An identifier unique within the manager.
    pub fn id(&self) -> u32 {
        self.shared.id
    }

    /// The state.
    pub fn state(&self) -> DownloadState {
        self.shared.lock().state
    }

    /// Why the download was last interrupted (`None` if it never was, or after a resume
    /// that succeeded).
    pub fn interrupt_reason(&self) -> Option<InterruptReason> {
        self.shared.lock().reason
    }

    /// The original URL (the first of the chain).
    pub fn url(&self) -> Url {
        self.shared.lock().url.clone()
    }

    /// The URL and every redirect target, in order.
    pub fn url_chain(&self) -> Vec<Url> {
        self.shared.lock().url_chain.clone()
    }

    /// The MIME type of the response (`image/png`), empty until the response arrives.
    pub fn mime_type(&self) -> String {
        self.shared.lock().mime_type.clone()
    }

    /// Whether the download was started by a user gesture (as the application said).
    pub fn has_user_gesture(&self) -> bool {
        self.shared.lock().has_user_gesture
    }

    /// The file name: the save path's, once set, else the generated one (empty until the
    /// response arrives).
    pub fn file_name(&self) -> String {
        let data = self.shared.lock();
        match data.save_path.as_deref().and_then(Path::file_name) {
            Some(name) => name.to_string_lossy().into_owned(),
            None => data.file_name.clone(),
        }
    }

    /// The size of the file, 0 when unknown.
    pub fn total_bytes(&self) -> u64 {
        self.shared.lock().total
    }

    /// The bytes received (and written) so far.
    pub fn received_bytes(&self) -> u64 {
        self.shared.lock().received
    }

    /// Percent complete, 0 to 100, or -1 when the total is unknown (Chromium's value).
    pub fn percent_complete(&self) -> i32 {
        let data = self.shared.lock();
        if data.total == 0 {
            return if data.state == DownloadState::Completed {
                100
            } else {
                -1
            };
        }
        let percent = data.received.saturating_mul(100) / data.total;
        i32::try_from(percent.min(100)).unwrap_or(100)
    }

    /// The recent transfer rate in bytes per second (0 when paused or not transferring).
    pub fn current_bytes_per_second(&self) -> u64 {
        self.shared.lock().bytes_per_second
    }

    /// The response's `Content-Disposition` header, empty when absent.
    pub fn content_disposition(&self) -> String {
        self.shared.lock().content_disposition.clone()
    }

    /// The response's `ETag`, kept only when the response had strong validators.
    pub fn etag(&self) -> String {
        self.shared.lock().etag.clone()
    }

    /// The response's `Last-Modified`, kept only when the response had strong validators.
    pub fn last_modified_time(&self) -> String {
        self.shared.lock().last_modified.clone()
    }

    /// When the download started.
    pub fn start_time(&self) -> SystemTime {
        self.shared.lock().start_time
    }

    /// When the download ended (completed, cancelled or interrupted), if it has.
    pub fn end_time(&self) -> Option<SystemTime> {
        self.shared.lock().end_time
    }

    /// Where the file goes, once chosen (by [`set_save_path`](Self::set_save_path) or, after
    /// `will-download`, in the manager's download directory).
    pub fn save_path(&self) -> Option<PathBuf> {
        self.shared.lock().save_path.clone()
    }

    /// Sets where the file goes; missing directories are created when the download starts
    /// writing. Meant for the `will-download` hook; a relative path is taken relative to
    /// the download directory.
    ///
    /// # Errors
    ///
    /// [`Error::SavePathLocked`] once bytes have been written.
    pub fn set_save_path(&self, path: impl Into<PathBuf>) -> Result<(), Error> {
        let path = path.into();
        let path = if path.is_relative() {
            self.shared.manager.download_path().join(path)
        } else {
            path
        };
        let mut data = self.shared.lock();
        if data.path_locked {
            return Err(Error::SavePathLocked(
                data.save_path.clone().unwrap_or_default(),
            ));
        }
        data.save_path = Some(path);
        Ok(())
    }

    /// Whether the download is paused.
    pub fn is_paused(&self) -> bool {
        self.shared.lock().paused
    }

    /// Pauses a progressing download: it stops reading, keeping its connection.
    pub fn pause(&self) {
        {
            let mut data = self.shared.lock();
            if data.state != DownloadState::Progressing || data.paused {
                return;
            }
            data.paused = true;
            data.bytes_per_second = 0;
        }
        self.shared.control.send_replace(Control::Pause);
        self.shared
            .emit(DownloadEvent::Updated(DownloadState::Progressing));
    }

    /// Whether [`resume`](Self::resume) would do something: the item is paused, or
    /// interrupted for a reason Chromium can resume from.
    pub fn can_resume(&self) -> bool {
        let data = self.shared.lock();
        match data.state {
            DownloadState::Progressing => data.paused,
            DownloadState::Interrupted => data.resume_mode().can_resume(),
            DownloadState::Completed | DownloadState::Cancelled => false,
        }
    }

    /// Continues a paused download, or resumes an interrupted one (also one made by
    /// `create_interrupted_download`): with `Range` and `If-Range` when there is a partial
    /// file and a validator, else from the start.
    pub fn resume(&self) {
        let mut data = self.shared.lock();
        match data.state {
            DownloadState::Progressing if data.paused => {
                data.paused = false;
                drop(data);
                self.shared.control.send_replace(Control::Run);
                self.shared
                    .emit(DownloadEvent::Updated(DownloadState::Progressing));
            }
            DownloadState::Interrupted => {
                data.paused = false;
                let mode = data.resume_mode();
                if !mode.can_resume() {
                    return;
                }
                if mode.restarts() {
                    data.received = 0;
                }
                data.state = DownloadState::Progressing;
                data.auto_resume_count = 0;
                data.end_time = None;
                drop(data);
                self.shared.control.send_replace(Control::Run);
                self.shared
                    .emit(DownloadEvent::Updated(DownloadState::Progressing));
                crate::engine::spawn(&self.shared);
            }
            _ => {}
        }
    }

    /// Cancels the download and removes its partial file. A finished download is left
    /// alone.
    pub fn cancel(&self) {
        let running = *self.shared.running.borrow();
        let mut data = self.shared.lock();
        match data.state {
            DownloadState::Progressing if running => {
                drop(data);
                self.shared.control.send_replace(Control::Cancel);
            }
            DownloadState::Progressing | DownloadState::Interrupted => {
                data.state = DownloadState::Cancelled;
                data.reason = Some(InterruptReason::UserCanceled);
                data.end_time = Some(SystemTime::now());
                let temp = data.temp_path();
                drop(data);
                if let Some(temp) = temp {
                    // Nothing to do if it never existed.
                    let _ = std::fs::remove_file(temp);
                }
                self.shared.emit_done(DownloadState::Cancelled);
            }
            DownloadState::Completed | DownloadState::Cancelled => {}
        }
    }

    /// The item's events from now on.
    pub fn events(&self) -> Events {
        let (sender, receiver) = mpsc::unbounded_channel();
        match self.shared.listeners.lock() {
            Ok(mut listeners) => listeners.push(sender),
            Err(poisoned) => poisoned.into_inner().push(sender),
        }
        Events { receiver }
    }

    /// Waits until no transfer runs for the item (it completed, was cancelled, was
    /// interrupted and is not resuming by itself, or never started) and returns its state.
    /// A paused download is still running.
    pub async fn settled(&self) -> DownloadState {
        let mut running = self.shared.running.subscribe();
        // The sender lives in `self`, so the channel stays open while we wait.
        let _ = running.wait_for(|running| !running).await;
        self.state()
    }

    /// The options that recreate this item, interrupted where it stands, with
    /// `create_interrupted_download`: what an application persists to resume after a
    /// restart. `None` before the save path is chosen.
    pub fn interrupted_download_options(&self) -> Option<InterruptedDownloadOptions> {
        let data = self.shared.lock();
        Some(InterruptedDownloadOptions {
            path: data.save_path.clone()?,
            url_chain: data.url_chain.clone(),
            mime_type: data.mime_type.clone(),
            offset: data.received,
            length: data.total,
            last_modified: data.last_modified.clone(),
            etag: data.etag.clone(),
            start_time: Some(data.start_time),
        })
    }
}

/// The interval between two `updated(progressing)` events by default: Chromium's
/// `kUpdatePeriodMs`.
pub const DEFAULT_UPDATE_INTERVAL: Duration = Duration::from_millis(500);
