//! Chromium's download interrupt reasons (`components/download/public/common/
//! download_interrupt_reason_values.h`) and its resume modes (`GetDownloadResumeMode`).

use std::fmt;

/// Why a download was interrupted, named exactly as Chromium names it
/// (`DOWNLOAD_INTERRUPT_REASON_` + the name), with Chromium's numeric value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InterruptReason {
    /// `FILE_FAILED` (1): a file error not covered by another reason.
    FileFailed,
    /// `FILE_ACCESS_DENIED` (2): no permission to write the file.
    FileAccessDenied,
    /// `FILE_NO_SPACE` (3): the disk is full.
    FileNoSpace,
    /// `FILE_NAME_TOO_LONG` (5): the path is too long for the file system.
    FileNameTooLong,
    /// `FILE_TOO_LARGE` (6): the file is too large for the file system, or above the
    /// configured size limit.
    FileTooLarge,
    /// `FILE_VIRUS_INFECTED` (7).
    FileVirusInfected,
    /// `FILE_TRANSIENT_ERROR` (10): a file error that may go away on retry.
    FileTransientError,
    /// `FILE_BLOCKED` (11): blocked by policy.
    FileBlocked,
    /// `FILE_SECURITY_CHECK_FAILED` (12).
    FileSecurityCheckFailed,
    /// `FILE_TOO_SHORT` (13): the partial file is shorter than the resume offset.
    FileTooShort,
    /// `FILE_HASH_MISMATCH` (14).
    FileHashMismatch,
    /// `FILE_SAME_AS_SOURCE` (15).
    FileSameAsSource,
    /// `NETWORK_FAILED` (20): the connection failed or dropped.
    NetworkFailed,
    /// `NETWORK_TIMEOUT` (21).
    NetworkTimeout,
    /// `NETWORK_DISCONNECTED` (22).
    NetworkDisconnected,
    /// `NETWORK_SERVER_DOWN` (23).
    NetworkServerDown,
    /// `NETWORK_INVALID_REQUEST` (24): for example too many redirects.
    NetworkInvalidRequest,
    /// `SERVER_FAILED` (30): a status Chromium has no better reason for (5xx, most 4xx).
    ServerFailed,
    /// `SERVER_NO_RANGE` (31): 416, or a 206 that starts at the wrong byte or carries a
    /// content coding (its bytes are not the file's).
    ServerNoRange,
    /// `SERVER_BAD_CONTENT` (33): 204, 205, 404, or a 206 without a usable `Content-Range`
    /// or to a request without `Range`.
    ServerBadContent,
    /// `SERVER_UNAUTHORIZED` (34): 401 or 407.
    ServerUnauthorized,
    /// `SERVER_CERT_PROBLEM` (35).
    ServerCertProblem,
    /// `SERVER_FORBIDDEN` (36): 403.
    ServerForbidden,
    /// `SERVER_UNREACHABLE` (37).
    ServerUnreachable,
    /// `SERVER_CONTENT_LENGTH_MISMATCH` (38): the body ended before its announced length.
    ServerContentLengthMismatch,
    /// `SERVER_CROSS_ORIGIN_REDIRECT` (39).
    ServerCrossOriginRedirect,
    /// `USER_CANCELED` (40).
    UserCanceled,
    /// `USER_SHUTDOWN` (41): the application shut down (Ctrl-C in the CLI).
    UserShutdown,
    /// `CRASH` (50).
    Crash,
}

/// What Chromium does after an interruption (`download::ResumeMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResumeMode {
    /// Continue from the offset at once, without asking.
    ImmediateContinue,
    /// Start over from byte 0 at once, without asking.
    ImmediateRestart,
    /// Continue from the offset when `resume()` is called.
    UserContinue,
    /// Start over from byte 0 when `resume()` is called.
    UserRestart,
    /// The download cannot be resumed.
    Invalid,
}

impl ResumeMode {
    /// Whether `resume()` may continue or restart the download.
    pub fn can_resume(self) -> bool {
        self != Self::Invalid
    }

    /// Whether the next attempt starts from byte 0.
    pub fn restarts(self) -> bool {
        matches!(self, Self::ImmediateRestart | Self::UserRestart)
    }
}

impl InterruptReason {
    /// Chromium's name without the `DOWNLOAD_INTERRUPT_REASON_` prefix (`NETWORK_FAILED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FileFailed => "FILE_FAILED",
            Self::FileAccessDenied => "FILE_ACCESS_DENIED",
            Self::FileNoSpace => "FILE_NO_SPACE",
            Self::FileNameTooLong => "FILE_NAME_TOO_LONG",
            Self::FileTooLarge => "FILE_TOO_LARGE",
            Self::FileVirusInfected => "FILE_VIRUS_INFECTED",
            Self::FileTransientError => "FILE_TRANSIENT_ERROR",
            Self::FileBlocked => "FILE_BLOCKED",
            Self::FileSecurityCheckFailed => "FILE_SECURITY_CHECK_FAILED",
            Self::FileTooShort => "FILE_TOO_SHORT",
            Self::FileHashMismatch => "FILE_HASH_MISMATCH",
            Self::FileSameAsSource => "FILE_SAME_AS_SOURCE",
            Self::NetworkFailed => "NETWORK_FAILED",
            Self::NetworkTimeout => "NETWORK_TIMEOUT",
            Self::NetworkDisconnected => "NETWORK_DISCONNECTED",
            Self::NetworkServerDown => "NETWORK_SERVER_DOWN",
            Self::NetworkInvalidRequest => "NETWORK_INVALID_REQUEST",
            Self::ServerFailed => "SERVER_FAILED",
            Self::ServerNoRange => "SERVER_NO_RANGE",
            Self::ServerBadContent => "SERVER_BAD_CONTENT",
            Self::ServerUnauthorized => "SERVER_UNAUTHORIZED",
            Self::ServerCertProblem => "SERVER_CERT_PROBLEM",
            Self::ServerForbidden => "SERVER_FORBIDDEN",
            Self::ServerUnreachable => "SERVER_UNREACHABLE",
            Self::ServerContentLengthMismatch => "SERVER_CONTENT_LENGTH_MISMATCH",
            Self::ServerCrossOriginRedirect => "SERVER_CROSS_ORIGIN_REDIRECT",
            Self::UserCanceled => "USER_CANCELED",
            Self::UserShutdown => "USER_SHUTDOWN",
            Self::Crash => "CRASH",
        }
    }

    /// Chromium's numeric value (`DownloadInterruptReason`).
    pub fn code(self) -> u32 {
        match self {
            Self::FileFailed => 1,
            Self::FileAccessDenied => 2,
            Self::FileNoSpace => 3,
            Self::FileNameTooLong => 5,
            Self::FileTooLarge => 6,
            Self::FileVirusInfected => 7,
            Self::FileTransientError => 10,
            Self::FileBlocked => 11,
            Self::FileSecurityCheckFailed => 12,
            Self::FileTooShort => 13,
            Self::FileHashMismatch => 14,
            Self::FileSameAsSource => 15,
            Self::NetworkFailed => 20,
            Self::NetworkTimeout => 21,
            Self::NetworkDisconnected => 22,
            Self::NetworkServerDown => 23,
            Self::NetworkInvalidRequest => 24,
            Self::ServerFailed => 30,
            Self::ServerNoRange => 31,
            Self::ServerBadContent => 33,
            Self::ServerUnauthorized => 34,
            Self::ServerCertProblem => 35,
            Self::ServerForbidden => 36,
            Self::ServerUnreachable => 37,
            Self::ServerContentLengthMismatch => 38,
            Self::ServerCrossOriginRedirect => 39,
            Self::UserCanceled => 40,
            Self::UserShutdown => 41,
            Self::Crash => 50,
        }
    }

    /// Chromium's `GetDownloadResumeMode`: what happens after this interruption.
    /// `restart_required` is true when there is no partial file or no validator (strong
    /// `ETag` or `Last-Modified`) to resume against; `user_action_required` when the item
    /// is paused or has used its automatic attempts.
    pub fn resume_mode(self, restart_required: bool, user_action_required: bool) -> ResumeMode {
        let (restart, user) = match self {
            Self::FileTransientError | Self::NetworkTimeout | Self::ServerContentLengthMismatch => {
                (restart_required, user_action_required)
            }
            Self::ServerNoRange | Self::FileHashMismatch | Self::FileTooShort => {
                (true, user_action_required)
            }
            Self::NetworkFailed
            | Self::NetworkDisconnected
            | Self::NetworkServerDown
            | Self::ServerFailed
            | Self::ServerUnreachable
            | Self::UserShutdown
            | Self::Crash
            | Self::FileNoSpace
            | Self::FileFailed
            | Self::FileAccessDenied
            | Self::FileTooLarge
            | Self::FileNameTooLong => (restart_required, true),
            Self::NetworkInvalidRequest
            | Self::FileVirusInfected
            | Self::FileBlocked
            | Self::FileSecurityCheckFailed
            | Self::FileSameAsSource
            | Self::ServerBadContent
            | Self::ServerUnauthorized
            | Self::ServerCertProblem
            | Self::ServerForbidden
            | Self::ServerCrossOriginRedirect
            | Self::UserCanceled => return ResumeMode::Invalid,
        };
        match (restart, user) {
            (false, false) => ResumeMode::ImmediateContinue,
            (true, false) => ResumeMode::ImmediateRestart,
            (false, true) => ResumeMode::UserContinue,
            (true, true) => ResumeMode::UserRestart,
        }
    }

    /// Chromium's interrupt reason for an HTTP status (`HandleSuccessfulServerResponse`),
    /// or `None` for the statuses that carry the download (200, 201, 202, 203, 206).
    pub fn for_status(status: u16) -> Option<Self> {
        match status {
            200..=203 | 206 => None,
            204 | 205 | 404 => Some(Self::ServerBadContent),
            416 => Some(Self::ServerNoRange),
            401 | 407 => Some(Self::ServerUnauthorized),
            403 => Some(Self::ServerForbidden),
            _ => Some(Self::ServerFailed),
        }
    }

    /// Chromium's interrupt reason for a net error code (`ConvertNetErrorToInterruptReason`),
    /// for downloads whose requests go through a transport that reports net errors.
    pub fn for_net_error(code: i32) -> Self {
        match code {
            -106 => Self::NetworkDisconnected, // ERR_INTERNET_DISCONNECTED
            -7 | -118 => Self::NetworkTimeout, // ERR_TIMED_OUT, ERR_CONNECTION_TIMED_OUT
            -354 => Self::ServerContentLengthMismatch, // ERR_CONTENT_LENGTH_MISMATCH
            -20 | -302 | -310 | -311 => Self::NetworkInvalidRequest, // blocked, bad scheme, redirects
            -299..=-200 => Self::ServerCertProblem,                  // the certificate errors
            // Refused, reset, closed, unresolvable, unreachable, proxy failures, the rest.
            _ => Self::NetworkFailed,
        }
    }

    /// The reason for a failed file operation, as Chromium's download file code derives it
    /// from the system error: no space (`ENOSPC`, and a disk quota, `EDQUOT`, which
    /// Chromium's `MapSystemError` also calls `ERR_FILE_NO_SPACE`) is `FILE_NO_SPACE`;
    /// no permission (`EACCES`, `EPERM`, a read-only file system or a directory in the way)
    /// is `FILE_ACCESS_DENIED`; a name too long (`ENAMETOOLONG`) is `FILE_NAME_TOO_LONG` and a
    /// file too large (`EFBIG`) `FILE_TOO_LARGE`, as the net errors `ERR_FILE_PATH_TOO_LONG`
    /// and `ERR_FILE_TOO_BIG` convert; a busy file, too many open files or no memory is
    /// `FILE_TRANSIENT_ERROR`, as `ConvertFileErrorToInterruptReason` has it for
    /// `FILE_ERROR_IN_USE`, `FILE_ERROR_TOO_MANY_OPENED` and `FILE_ERROR_NO_MEMORY`; anything
    /// else is `FILE_FAILED`.
    pub fn for_io_error(error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        // The raw error first: not every error number has a stable `ErrorKind` at this
        // crate's minimum Rust version (`EDQUOT`, `ENAMETOOLONG`, `EMFILE` do not).
        if let Some(reason) = error.raw_os_error().and_then(reason_for_errno) {
            return reason;
        }
        match error.kind() {
            ErrorKind::StorageFull => Self::FileNoSpace,
            ErrorKind::PermissionDenied
            | ErrorKind::ReadOnlyFilesystem
            | ErrorKind::IsADirectory => Self::FileAccessDenied,
            ErrorKind::FileTooLarge => Self::FileTooLarge,
            ErrorKind::Interrupted
            | ErrorKind::WouldBlock
            | ErrorKind::ResourceBusy
            | ErrorKind::ExecutableFileBusy
            | ErrorKind::OutOfMemory => Self::FileTransientError,
            _ => Self::FileFailed,
        }
    }
}

/// The reason for a system error number that `ErrorKind` does not tell apart on every
/// supported Rust version. The numbers are Linux's; elsewhere only `ErrorKind` is used.
fn reason_for_errno(errno: i32) -> Option<InterruptReason> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    match errno {
        // ENOSPC, EDQUOT.
        28 | 122 => Some(InterruptReason::FileNoSpace),
        // ENAMETOOLONG.
        36 => Some(InterruptReason::FileNameTooLong),
        // EFBIG.
        27 => Some(InterruptReason::FileTooLarge),
        // EPERM, EACCES, EISDIR, EROFS.
        1 | 13 | 21 | 30 => Some(InterruptReason::FileAccessDenied),
        // ENOMEM, EBUSY, ENFILE, EMFILE, ETXTBSY.
        12 | 16 | 23 | 24 | 26 => Some(InterruptReason::FileTransientError),
        _ => None,
    }
}

impl fmt::Display for InterruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
