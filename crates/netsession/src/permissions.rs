//! Permission requests and checks, with Electron's names and defaults.
//!
//! There is no web page in a Rust process, so an embedding app (or a webview integration)
//! asks the session with [`Session::request_permission`](crate::Session::request_permission)
//! and [`Session::check_permission`](crate::Session::check_permission); the handlers the app
//! set decide, and with no handler everything is granted, as in Electron.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use crate::error::Error;

/// The permissions Electron names (requests use all but the last four; checks use all).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Permission {
    /// `clipboard-read`
    ClipboardRead,
    /// `clipboard-sanitized-write`
    ClipboardSanitizedWrite,
    /// `display-capture`
    DisplayCapture,
    /// `fullscreen`
    Fullscreen,
    /// `geolocation`
    Geolocation,
    /// `idle-detection`
    IdleDetection,
    /// `media`
    Media,
    /// `mediaKeySystem`
    MediaKeySystem,
    /// `midi`
    Midi,
    /// `midiSysex`
    MidiSysex,
    /// `notifications`
    Notifications,
    /// `pointerLock`
    PointerLock,
    /// `keyboardLock`
    KeyboardLock,
    /// `openExternal`
    OpenExternal,
    /// `speaker-selection`
    SpeakerSelection,
    /// `storage-access`
    StorageAccess,
    /// `top-level-storage-access`
    TopLevelStorageAccess,
    /// `window-management`
    WindowManagement,
    /// `unknown`
    Unknown,
    /// `fileSystem`
    FileSystem,
    /// `hid` (checks only)
    Hid,
    /// `serial` (checks only)
    Serial,
    /// `usb` (checks only)
    Usb,
    /// `deprecated-sync-clipboard-read` (checks only)
    DeprecatedSyncClipboardRead,
}

const NAMES: [(Permission, &str); 24] = [
    (Permission::ClipboardRead, "clipboard-read"),
    (
        Permission::ClipboardSanitizedWrite,
        "clipboard-sanitized-write",
    ),
    (Permission::DisplayCapture, "display-capture"),
    (Permission::Fullscreen, "fullscreen"),
    (Permission::Geolocation, "geolocation"),
    (Permission::IdleDetection, "idle-detection"),
    (Permission::Media, "media"),
    (Permission::MediaKeySystem, "mediaKeySystem"),
    (Permission::Midi, "midi"),
    (Permission::MidiSysex, "midiSysex"),
    (Permission::Notifications, "notifications"),
    (Permission::PointerLock, "pointerLock"),
    (Permission::KeyboardLock, "keyboardLock"),
    (Permission::OpenExternal, "openExternal"),
    (Permission::SpeakerSelection, "speaker-selection"),
    (Permission::StorageAccess, "storage-access"),
    (
        Permission::TopLevelStorageAccess,
        "top-level-storage-access",
    ),
    (Permission::WindowManagement, "window-management"),
    (Permission::Unknown, "unknown"),
    (Permission::FileSystem, "fileSystem"),
    (Permission::Hid, "hid"),
    (Permission::Serial, "serial"),
    (Permission::Usb, "usb"),
    (
        Permission::DeprecatedSyncClipboardRead,
        "deprecated-sync-clipboard-read",
    ),
];

impl Permission {
    /// Electron's name for the permission.
    pub fn as_str(self) -> &'static str {
        NAMES
            .iter()
            .find(|(permission, _)| *permission == self)
            .map_or("unknown", |(_, name)| name)
    }

    /// Whether the permission can be requested (the last four exist only for checks).
    pub fn is_requestable(self) -> bool {
        !matches!(
            self,
            Self::Hid | Self::Serial | Self::Usb | Self::DeprecatedSyncClipboardRead
        )
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses Electron's exact, case-sensitive name.
impl FromStr for Permission {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        NAMES
            .iter()
            .find(|(_, known)| *known == name)
            .map(|(permission, _)| *permission)
            .ok_or_else(|| Error::UnknownPermission(name.to_owned()))
    }
}

/// What a permission request carries: Electron's `PermissionRequest` and its extensions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PermissionRequest {
    /// The URL of the frame that asks.
    pub requesting_url: String,
    /// Whether that frame is the main frame.
    pub is_main_frame: bool,
    /// For `fileSystem`: the path.
    pub file_path: Option<String>,
    /// For `fileSystem`: whether the path is a directory.
    pub is_directory: Option<bool>,
    /// For `fileSystem`: `writable` or `readable`.
    pub file_access_type: Option<String>,
    /// For `media`: the security origin.
    pub security_origin: Option<String>,
    /// For `media`: `video`, `audio`.
    pub media_types: Vec<String>,
    /// For `openExternal`: the URL to open.
    pub external_url: Option<String>,
}

impl PermissionRequest {
    /// A request from the main frame of `requesting_url`.
    pub fn new(requesting_url: impl Into<String>) -> Self {
        Self {
            requesting_url: requesting_url.into(),
            is_main_frame: true,
            ..Self::default()
        }
    }
}

/// What a permission check carries, besides the permission and the requesting origin.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PermissionCheck {
    /// The origin of the top frame, when it differs.
    pub embedding_origin: Option<String>,
    /// For `media`: the security origin.
    pub security_origin: Option<String>,
    /// For `media`: `video`, `audio` or `unknown`.
    pub media_type: Option<String>,
    /// The URL of the frame that checks.
    pub requesting_url: Option<String>,
    /// Whether that frame is the main frame.
    pub is_main_frame: bool,
}

type BoxFuture = Pin<Box<dyn Future<Output = bool> + Send>>;

/// Decides permission requests, possibly asynchronously (Electron's callback).
pub(crate) type RequestHandler =
    Arc<dyn Fn(Permission, PermissionRequest) -> BoxFuture + Send + Sync>;

/// Answers permission checks synchronously.
pub(crate) type CheckHandler =
    Arc<dyn Fn(Permission, &str, &PermissionCheck) -> bool + Send + Sync>;

/// Wraps an async request handler.
pub(crate) fn request_handler<F, Fut>(handler: F) -> RequestHandler
where
    F: Fn(Permission, PermissionRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = bool> + Send + 'static,
{
    Arc::new(move |permission, request| Box::pin(handler(permission, request)))
}
