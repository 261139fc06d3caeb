//! Unit tests of the pure parts: HTTP dates, `Content-Range`, names, reasons, throttle.

use std::time::Duration;

use super::*;

#[test]
fn http_dates_in_all_three_forms() {
    let expected = Some(784_111_777);
    assert_eq!(httpdate::parse("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    assert_eq!(httpdate::parse("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
    assert_eq!(httpdate::parse("Sun Nov  6 08:49:37 1994"), expected);
    assert_eq!(httpdate::parse("yesterday"), None);
    assert_eq!(httpdate::parse("Sun, 32 Nov 1994 08:49:37 GMT"), None);
    assert_eq!(httpdate::civil(784_111_777), (1994, 11, 6, 8, 49, 37));
}

#[test]
fn unique_names_and_truncation() {
    let dir = std::env::temp_dir().join(format!("nsdl-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.tar.gz"), b"").unwrap();
    std::fs::write(dir.join("a (1).tar.gz.crdownload"), b"").unwrap();
    assert_eq!(
        unique_path(&dir, "a.tar.gz").unwrap(),
        dir.join("a (2).tar.gz")
    );
    assert_eq!(unique_path(&dir, "../x").unwrap(), dir.join("_x"));
    assert_eq!(unique_path(&dir, "..").unwrap(), dir.join("download"));
    let long = format!("{}.pdf", "é".repeat(200));
    let path = unique_path(&dir, &long).unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(
        name.len() <= MAX_NAME_BYTES && name.ends_with(".pdf"),
        "{name}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reservations_hold_before_any_byte_is_written() {
    let dir = std::env::temp_dir().join(format!("nsdl-reserve-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    // The directory is created by the first reservation.
    let first = reserve_unique_path(&dir, "x.bin").unwrap();
    assert_eq!(first, dir.join("x.bin"));
    assert!(temp_path_for(&first).exists(), "the reservation is a file");
    // `unique_path` only looks, so it hands out the reserved name's neighbour too...
    assert_eq!(unique_path(&dir, "x.bin").unwrap(), dir.join("x (1).bin"));
    // ...and a second reservation of the same name, with nothing written yet, moves on.
    let second = reserve_unique_path(&dir, "x.bin").unwrap();
    assert_eq!(second, dir.join("x (1).bin"));
    // A completed download (the final name exists, its reservation is gone) keeps its name.
    std::fs::rename(temp_path_for(&first), &first).unwrap();
    assert_eq!(
        reserve_unique_path(&dir, "x.bin").unwrap(),
        dir.join("x (2).bin")
    );
    // A dangling symbolic link is taken too: completing over it would replace it.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.join("nowhere"), dir.join("link.bin")).unwrap();
        assert_eq!(
            reserve_unique_path(&dir, "link.bin").unwrap(),
            dir.join("link (1).bin")
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_reservation_that_cannot_be_created_says_where() {
    let dir = std::env::temp_dir().join(format!("nsdl-reserve-file-{}", std::process::id()));
    std::fs::write(&dir, b"a file, not a directory").unwrap();
    let error = reserve_unique_path(&dir, "x.bin").unwrap_err();
    assert!(
        matches!(&error, Error::Reserve { path, .. } if path == &dir),
        "{error:?}"
    );
    assert!(std::error::Error::source(&error).is_some());
    assert_eq!(
        error.to_string(),
        format!("cannot create {}", dir.display())
    );
    std::fs::remove_file(&dir).unwrap();
}

#[test]
fn file_errors_have_chromium_reasons() {
    use std::io::{Error as IoError, ErrorKind};
    let reason = |error: IoError| InterruptReason::for_io_error(&error);
    // What `ErrorKind` alone says, on every platform.
    for (kind, expected) in [
        (ErrorKind::StorageFull, InterruptReason::FileNoSpace),
        (
            ErrorKind::PermissionDenied,
            InterruptReason::FileAccessDenied,
        ),
        (
            ErrorKind::ReadOnlyFilesystem,
            InterruptReason::FileAccessDenied,
        ),
        (ErrorKind::IsADirectory, InterruptReason::FileAccessDenied),
        (ErrorKind::FileTooLarge, InterruptReason::FileTooLarge),
        (ErrorKind::ResourceBusy, InterruptReason::FileTransientError),
        (ErrorKind::OutOfMemory, InterruptReason::FileTransientError),
        (ErrorKind::NotFound, InterruptReason::FileFailed),
        (ErrorKind::Other, InterruptReason::FileFailed),
    ] {
        assert_eq!(reason(IoError::from(kind)), expected, "{kind:?}");
    }
    // The error numbers a write or an open returns on Linux.
    if cfg!(target_os = "linux") {
        for (errno, name, expected) in [
            (28, "ENOSPC", InterruptReason::FileNoSpace),
            (122, "EDQUOT", InterruptReason::FileNoSpace),
            (13, "EACCES", InterruptReason::FileAccessDenied),
            (1, "EPERM", InterruptReason::FileAccessDenied),
            (30, "EROFS", InterruptReason::FileAccessDenied),
            (21, "EISDIR", InterruptReason::FileAccessDenied),
            (36, "ENAMETOOLONG", InterruptReason::FileNameTooLong),
            (27, "EFBIG", InterruptReason::FileTooLarge),
            (16, "EBUSY", InterruptReason::FileTransientError),
            (24, "EMFILE", InterruptReason::FileTransientError),
            (23, "ENFILE", InterruptReason::FileTransientError),
            (12, "ENOMEM", InterruptReason::FileTransientError),
            (5, "EIO", InterruptReason::FileFailed),
            (2, "ENOENT", InterruptReason::FileFailed),
        ] {
            assert_eq!(
                reason(IoError::from_raw_os_error(errno)),
                expected,
                "{name} ({errno})"
            );
        }
    }
}

#[cfg(target_os = "linux")]
#[test]
fn real_file_system_errors_map_through_for_io_error() {
    use std::io::Write;
    // `/dev/full` answers every write with ENOSPC, as a full disk does.
    let mut full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let error = full.write_all(b"x").unwrap_err();
    assert_eq!(
        InterruptReason::for_io_error(&error),
        InterruptReason::FileNoSpace
    );
    // A name of 300 bytes is above every Linux file system's 255.
    let long = std::env::temp_dir().join("n".repeat(300));
    let error = std::fs::File::create(long).unwrap_err();
    assert_eq!(
        InterruptReason::for_io_error(&error),
        InterruptReason::FileNameTooLong
    );
}

#[test]
fn safe_leaf_never_leaves_the_directory() {
    for hostile in [
        "..",
        ".",
        "/",
        "a/../../b",
        "\\..\\x",
        "\0",
        "",
        "~",
        " ",
        "..\u{202e}",
    ] {
        let leaf = safe_leaf(hostile);
        let mut parts = std::path::Path::new(&leaf).components();
        assert!(
            matches!(parts.next(), Some(std::path::Component::Normal(_))) && parts.next().is_none(),
            "{hostile:?} -> {leaf:?}"
        );
    }
}

#[test]
fn reasons_are_chromium_names_and_codes() {
    assert_eq!(InterruptReason::NetworkFailed.to_string(), "NETWORK_FAILED");
    assert_eq!(InterruptReason::ServerNoRange.code(), 31);
    assert_eq!(
        InterruptReason::for_status(404),
        Some(InterruptReason::ServerBadContent)
    );
    assert_eq!(
        InterruptReason::for_status(416),
        Some(InterruptReason::ServerNoRange)
    );
    assert_eq!(
        InterruptReason::for_status(407),
        Some(InterruptReason::ServerUnauthorized)
    );
    assert_eq!(
        InterruptReason::for_status(403),
        Some(InterruptReason::ServerForbidden)
    );
    assert_eq!(
        InterruptReason::for_status(503),
        Some(InterruptReason::ServerFailed)
    );
    assert_eq!(InterruptReason::for_status(206), None);
    let full = std::io::Error::from(std::io::ErrorKind::StorageFull);
    assert_eq!(
        InterruptReason::for_io_error(&full),
        InterruptReason::FileNoSpace
    );
    assert_eq!(
        InterruptReason::NetworkFailed.resume_mode(false, false),
        ResumeMode::UserContinue
    );
    assert_eq!(
        InterruptReason::NetworkFailed.resume_mode(true, false),
        ResumeMode::UserRestart
    );
    assert_eq!(
        InterruptReason::ServerNoRange.resume_mode(false, false),
        ResumeMode::ImmediateRestart
    );
    assert_eq!(
        InterruptReason::ServerBadContent.resume_mode(false, false),
        ResumeMode::Invalid
    );
}

#[tokio::test(start_paused = true)]
async fn rate_limit_on_a_paused_clock() {
    let limit = RateLimit::new(1000);
    let start = tokio::time::Instant::now();
    // The first second's worth is a burst only after idling; here the bucket starts empty.
    for _ in 0..10 {
        let delay = limit.reserve(500);
        tokio::time::sleep(delay).await;
    }
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(4500), "{elapsed:?}");
    assert!(elapsed <= Duration::from_millis(5100), "{elapsed:?}");
    assert_eq!(RateLimit::new(0).reserve(1 << 30), Duration::ZERO);
}
