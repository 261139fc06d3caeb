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
