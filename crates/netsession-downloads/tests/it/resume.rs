//! Every resume scenario of the conformance notes, against the fault-injecting origin.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use netsession_downloads::{
    DownloadEvent, DownloadItem, DownloadManager, DownloadOptions, DownloadState, InterruptReason,
    temp_path_for,
};

use crate::origin::{Answer, Cut, Origin, content, serve_file};
use crate::{TempDir, drain, saved};

const ETAG: &str = "\"v1\"";

/// The interrupt reason an item carried when each of its requests was sent: `None` for the
/// first, then the reason of the interruption that caused each later one. Read from the
/// manager's request hook, so that the reasons of interruptions that resume by themselves
/// (and are cleared once the next attempt writes) are seen too.
#[derive(Clone, Default)]
pub(crate) struct Reasons {
    item: Arc<Mutex<Option<DownloadItem>>>,
    seen: Arc<Mutex<Vec<Option<InterruptReason>>>>,
}

impl Reasons {
    /// A manager saving into `dir` whose requests are recorded.
    pub(crate) fn manager(&self, dir: &std::path::Path) -> DownloadManager {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let this = self.clone();
        DownloadManager::builder()
            .download_path(dir)
            .request(move |url| {
                let reason = this
                    .item
                    .lock()
                    .unwrap()
                    .as_ref()
                    .and_then(DownloadItem::interrupt_reason);
                this.seen.lock().unwrap().push(reason);
                client.get(url.clone())
            })
            .build()
    }

    /// Starts downloading `url` with `manager`, watching the item.
    pub(crate) fn download(&self, manager: &DownloadManager, url: &str) -> DownloadItem {
        let item = manager.download(url).unwrap();
        *self.item.lock().unwrap() = Some(item.clone());
        item
    }

    pub(crate) fn seen(&self) -> Vec<Option<InterruptReason>> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Reasons {
    fn drop(&mut self) {
        // The item holds the manager, whose hook holds a clone of this: break the cycle.
        // The item is dropped after the lock is released, since dropping it may drop that
        // clone, which comes here again.
        let item = self.item.lock().map(|mut item| item.take());
        drop(item);
    }
}

/// Downloads from an origin that answers the first request with `first` (cut somewhere),
/// then with `then(n, request)`; returns the item once it has settled the first time, and
/// the reasons behind each request.
async fn interrupted_then(
    first: Answer,
    then: impl Fn(usize, &crate::origin::Request) -> Answer + Send + Sync + 'static,
) -> (Origin, TempDir, DownloadItem, Reasons) {
    let first = Arc::new(first);
    let origin = Origin::start(move |n, request| {
        if n == 0 {
            (*first).clone()
        } else {
            then(n, request)
        }
    })
    .await;
    let dir = TempDir::new("downloads");
    let reasons = Reasons::default();
    let manager = reasons.manager(dir.path());
    let item = reasons.download(&manager, &origin.url("/files/data.bin"));
    item.settled().await;
    (origin, dir, item, reasons)
}

#[tokio::test]
async fn strong_etag_and_206_at_the_offset_appends() {
    let body = content(300_000, 1);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(100_000));
    let (origin, dir, item, _) =
        interrupted_then(first, move |_, request| serve_file(request, &b, ETAG)).await;
    assert_eq!(item.state(), DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::NetworkFailed)
    );
    assert!(item.can_resume());
    let partial = temp_path_for(&item.save_path().unwrap());
    let kept = std::fs::metadata(&partial).unwrap().len();
    assert_eq!(kept, item.received_bytes());
    assert!(kept <= 100_000);
    assert_eq!(dir.names(), ["data.bin.crdownload"]);

    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    assert!(!partial.exists());
    let requests = origin.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("range"), None);
    assert_eq!(
        requests[1].header("range"),
        Some(&*format!("bytes={kept}-"))
    );
    assert_eq!(requests[1].header("if-range"), Some(ETAG));
    assert_eq!(item.total_bytes(), 300_000);
    assert_eq!(item.percent_complete(), 100);
}

fn serve_file_first(body: &[u8], etag: &str) -> Answer {
    Answer::new(200, body.to_vec())
        .header("ETag", etag)
        .header("Content-Type", "application/octet-stream")
}

#[tokio::test]
async fn changed_etag_answered_with_200_restarts_and_truncates() {
    let old = content(200_000, 2);
    let new = content(150_000, 3);
    let n = new.clone();
    let first = serve_file_first(&old, ETAG).cut(Cut::Reset(120_000));
    let (origin, _dir, item, _) = interrupted_then(first, move |_, request| {
        // The file changed: If-Range does not match, so the whole new file comes.
        serve_file(request, &n, "\"v2\"")
    })
    .await;
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::NetworkFailed)
    );
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), new);
    assert_eq!(item.etag(), "\"v2\"");
    assert_eq!(origin.requests()[1].header("if-range"), Some(ETAG));
}

#[tokio::test]
async fn weak_etag_only_means_no_range_request() {
    let body = content(100_000, 4);
    let b = body.clone();
    let first = Answer::new(200, body.clone())
        .header("ETag", "W/\"weak\"")
        .cut(Cut::Reset(50_000));
    let (origin, _dir, item, _) = interrupted_then(first, move |_, _| {
        Answer::new(200, b.clone()).header("ETag", "W/\"weak\"")
    })
    .await;
    assert_eq!(item.etag(), "", "a weak ETag is not a validator");
    assert!(item.can_resume());
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    let resumed = &origin.requests()[1];
    assert_eq!(resumed.header("range"), None);
    assert_eq!(resumed.header("if-range"), None);
}

#[tokio::test]
async fn last_modified_only_is_sent_as_if_range() {
    let body = content(100_000, 5);
    let lm = "Sun, 06 Nov 1994 08:49:37 GMT";
    let date = "Mon, 07 Nov 1994 08:49:37 GMT";
    let b = body.clone();
    let first = Answer::new(200, body.clone())
        .header("Last-Modified", lm)
        .header("Date", date)
        .cut(Cut::Reset(40_000));
    let (origin, _dir, item, _) = interrupted_then(first, move |_, request| {
        let start = request.range_start().unwrap() as usize;
        assert_eq!(request.header("if-range"), Some(lm));
        Answer::new(206, b[start..].to_vec()).header(
            "Content-Range",
            &format!("bytes {start}-{}/{}", b.len() - 1, b.len()),
        )
    })
    .await;
    assert_eq!(item.last_modified_time(), lm);
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    assert!(origin.requests()[1].header("range").is_some());
}

#[tokio::test]
async fn last_modified_too_close_to_date_is_not_a_validator() {
    let body = content(50_000, 6);
    let b = body.clone();
    let first = Answer::new(200, body.clone())
        .header("Last-Modified", "Sun, 06 Nov 1994 08:49:37 GMT")
        .header("Date", "Sun, 06 Nov 1994 08:49:50 GMT")
        .cut(Cut::Reset(10_000));
    let (origin, _dir, item, _) =
        interrupted_then(first, move |_, _| Answer::new(200, b.clone())).await;
    assert_eq!(item.last_modified_time(), "");
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(origin.requests()[1].header("range"), None);
}

#[tokio::test]
async fn no_validator_restarts_from_zero() {
    let body = content(80_000, 7);
    let b = body.clone();
    let first = Answer::new(200, body.clone()).cut(Cut::Reset(30_000));
    let (origin, _dir, item, _) =
        interrupted_then(first, move |_, _| Answer::new(200, b.clone())).await;
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::NetworkFailed)
    );
    assert!(item.can_resume(), "restart is a resume mode too");
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    assert_eq!(origin.requests()[1].header("range"), None);
}

#[tokio::test]
async fn wrong_offset_206_is_no_range_and_restarts_by_itself() {
    let body = content(100_000, 8);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(60_000));
    let (origin, _dir, item, reasons) = interrupted_then(first, move |n, request| {
        if n == 1 {
            // Off by 10 bytes.
            let start = request.range_start().unwrap() as usize - 10;
            Answer::new(206, b[start..].to_vec())
                .header("ETag", ETAG)
                .header(
                    "Content-Range",
                    &format!("bytes {start}-{}/{}", b.len() - 1, b.len()),
                )
        } else {
            serve_file(request, &b, ETAG)
        }
    })
    .await;
    let mut events = item.events();
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    let requests = origin.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[1].header("range").is_some());
    assert_eq!(
        requests[2].header("range"),
        None,
        "SERVER_NO_RANGE restarts"
    );
    let events = drain(&mut events);
    assert!(
        events.contains(&DownloadEvent::Updated(DownloadState::Interrupted)),
        "{events:?}"
    );
    assert_eq!(
        events.last(),
        Some(&DownloadEvent::Done(DownloadState::Completed))
    );
    assert_eq!(
        reasons.seen(),
        [
            None,
            Some(InterruptReason::NetworkFailed),
            Some(InterruptReason::ServerNoRange)
        ],
        "the restart was caused by SERVER_NO_RANGE"
    );
    assert_eq!(item.interrupt_reason(), None, "cleared by the restart");
}

#[tokio::test]
async fn range_416_is_no_range_and_restarts() {
    let body = content(70_000, 9);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(35_000));
    let (origin, _dir, item, reasons) = interrupted_then(first, move |n, request| {
        if n == 1 {
            Answer::new(416, Vec::new()).header("Content-Range", "bytes */70000")
        } else {
            serve_file(request, &b, ETAG)
        }
    })
    .await;
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    let requests = origin.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[1].header("range").is_some());
    assert_eq!(requests[2].header("range"), None);
    assert_eq!(
        reasons.seen(),
        [
            None,
            Some(InterruptReason::NetworkFailed),
            Some(InterruptReason::ServerNoRange)
        ]
    );
}

#[tokio::test]
async fn partial_without_content_range_is_bad_content_and_not_resumable() {
    let body = content(70_000, 10);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(20_000));
    let (_origin, dir, item, _) = interrupted_then(first, move |_, request| {
        let start = request.range_start().unwrap() as usize;
        Answer::new(206, b[start..].to_vec()).header("ETag", ETAG)
    })
    .await;
    let mut events = item.events();
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::ServerBadContent)
    );
    assert!(!item.can_resume());
    assert!(
        dir.names().is_empty(),
        "the partial file of a dead download is deleted"
    );
    assert_eq!(
        drain(&mut events).last(),
        Some(&DownloadEvent::Done(DownloadState::Interrupted))
    );
}

#[tokio::test]
async fn partial_content_to_a_plain_request_is_bad_content() {
    let origin = Origin::start(|_, _| {
        Answer::new(206, b"abc".to_vec()).header("Content-Range", "bytes 0-2/3")
    })
    .await;
    let dir = TempDir::new("downloads");
    let item = DownloadManager::new(dir.path())
        .download(&origin.url("/x"))
        .unwrap();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::ServerBadContent)
    );
}

#[tokio::test]
async fn error_statuses_on_resume_have_chromium_reasons() {
    for (status, reason, resumable) in [
        (404, InterruptReason::ServerBadContent, false),
        (403, InterruptReason::ServerForbidden, false),
        (401, InterruptReason::ServerUnauthorized, false),
        (500, InterruptReason::ServerFailed, true),
        (503, InterruptReason::ServerFailed, true),
        (204, InterruptReason::ServerBadContent, false),
    ] {
        let body = content(40_000, 11);
        let first = serve_file_first(&body, ETAG).cut(Cut::Reset(10_000));
        let (_origin, _dir, item, _) =
            interrupted_then(first, move |_, _| Answer::new(status, Vec::new())).await;
        item.resume();
        assert_eq!(item.settled().await, DownloadState::Interrupted, "{status}");
        assert_eq!(item.interrupt_reason(), Some(reason), "{status}");
        assert_eq!(item.can_resume(), resumable, "{status}");
    }
}

#[tokio::test]
async fn error_status_on_the_first_request_writes_nothing() {
    let origin = Origin::start(|_, _| Answer::new(404, b"not here".to_vec())).await;
    let dir = TempDir::new("downloads");
    let item = DownloadManager::new(dir.path())
        .download(&origin.url("/missing.zip"))
        .unwrap();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::ServerBadContent)
    );
    assert!(dir.names().is_empty());
}

#[tokio::test]
async fn short_body_is_a_length_mismatch_that_continues_by_itself() {
    let body = content(90_000, 12);
    let b = body.clone();
    let origin = Origin::start(move |n, request| {
        if n == 0 {
            serve_file_first(&b, ETAG).cut(Cut::Close(45_000))
        } else {
            serve_file(request, &b, ETAG)
        }
    })
    .await;
    let dir = TempDir::new("downloads");
    let reasons = Reasons::default();
    let item = reasons.download(&reasons.manager(dir.path()), &origin.url("/d.bin"));
    let mut events = item.events();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    let requests = origin.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("range"), Some("bytes=45000-"));
    assert_eq!(requests[1].header("if-range"), Some(ETAG));
    assert!(drain(&mut events).contains(&DownloadEvent::Updated(DownloadState::Interrupted)));
    assert_eq!(
        reasons.seen(),
        [None, Some(InterruptReason::ServerContentLengthMismatch)]
    );
}

/// Chromium's `HandleRequestCompletionStatus`: without strong validators a resume could only
/// restart, and a wrong Content-Length would make it restart forever, so a short body
/// completes the download with what arrived.
#[tokio::test]
async fn short_body_without_validators_completes_with_what_arrived() {
    let body = content(90_000, 13);
    let b = body.clone();
    let origin =
        Origin::start(move |_, _| Answer::new(200, b.clone()).cut(Cut::Close(45_000))).await;
    let dir = TempDir::new("downloads");
    let reasons = Reasons::default();
    let item = reasons.download(&reasons.manager(dir.path()), &origin.url("/d.bin"));
    let mut events = item.events();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body[..45_000]);
    assert_eq!(item.total_bytes(), 45_000);
    assert_eq!(origin.requests().len(), 1);
    assert!(!drain(&mut events).contains(&DownloadEvent::Updated(DownloadState::Interrupted)));
}

#[tokio::test]
async fn encoded_206_is_no_range_and_restarts_instead_of_appending() {
    let body = content(120_000, 16);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(50_000));
    let (origin, _dir, item, reasons) = interrupted_then(first, move |n, request| {
        if n == 1 {
            // The right range, but gzip-encoded (as a misconfigured server or proxy sends
            // it whatever `Accept-Encoding` said): not bytes that can be appended.
            let start = request.range_start().unwrap() as usize;
            Answer::new(206, vec![0x1f; b.len() - start])
                .header("ETag", ETAG)
                .header("Content-Encoding", "gzip")
                .header(
                    "Content-Range",
                    &format!("bytes {start}-{}/{}", b.len() - 1, b.len()),
                )
        } else {
            serve_file(request, &b, ETAG)
        }
    })
    .await;
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::NetworkFailed)
    );
    let kept = item.received_bytes();
    assert!(kept > 0);
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert!(saved(&item) == body, "encoded bytes were appended");
    let requests = origin.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].header("accept-encoding"), None);
    assert_eq!(
        requests[1].header("range"),
        Some(&*format!("bytes={kept}-"))
    );
    assert_eq!(requests[1].header("if-range"), Some(ETAG));
    assert_eq!(
        requests[1].header("accept-encoding"),
        Some("identity"),
        "a range must come unencoded"
    );
    assert_eq!(
        requests[2].header("range"),
        None,
        "SERVER_NO_RANGE restarts"
    );
    assert_eq!(
        reasons.seen(),
        [
            None,
            Some(InterruptReason::NetworkFailed),
            Some(InterruptReason::ServerNoRange)
        ]
    );
}

#[tokio::test]
async fn identity_encoded_206_appends() {
    let body = content(90_000, 17);
    let b = body.clone();
    let first = serve_file_first(&body, ETAG).cut(Cut::Reset(30_000));
    let (origin, _dir, item, _) = interrupted_then(first, move |_, request| {
        serve_file(request, &b, ETAG).header("Content-Encoding", "identity")
    })
    .await;
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    let requests = origin.requests();
    assert_eq!(requests.len(), 2, "`identity` is no content coding");
    assert!(requests[1].header("range").is_some());
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_real_full_disk_is_file_no_space() {
    let body = content(400_000, 18);
    let b = body.clone();
    let origin = Origin::start(move |_, request| serve_file(request, &b, ETAG)).await;
    let dir = TempDir::new("downloads");
    let save = dir.path().join("full.bin");
    let partial = temp_path_for(&save);
    // The temporary file is `/dev/full`: every write fails with ENOSPC, from the kernel,
    // as on a full disk.
    std::os::unix::fs::symlink("/dev/full", &partial).unwrap();
    let manager = DownloadManager::new(dir.path());
    let item = manager
        .download_with(
            &origin.url("/full.bin"),
            DownloadOptions::default().save_path(&save),
        )
        .unwrap();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::FileNoSpace));
    assert!(item.can_resume());
    assert_eq!(item.received_bytes(), 0, "nothing was written");
    // Space again: the temporary path is an ordinary file's.
    std::fs::remove_file(&partial).unwrap();
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    assert_eq!(origin.requests().len(), 2);
}

#[tokio::test]
async fn full_disk_is_file_no_space_and_resumes_once_space_is_free() {
    let body = content(600_000, 14);
    let b = body.clone();
    let origin = Origin::start(move |_, request| serve_file(request, &b, ETAG)).await;
    let dir = TempDir::new("downloads");
    // The disk: 256 KiB free until `freed`.
    let freed = Arc::new(AtomicBool::new(false));
    let attempts = Arc::new(AtomicU64::new(0));
    let (f, a) = (Arc::clone(&freed), Arc::clone(&attempts));
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .before_write(move |_, offset, len| {
            a.fetch_add(1, Ordering::Relaxed);
            if !f.load(Ordering::Relaxed) && offset + len as u64 > 256 * 1024 {
                Err(io::Error::from(io::ErrorKind::StorageFull))
            } else {
                Ok(())
            }
        })
        .build();
    let item = manager.download(&origin.url("/big.iso")).unwrap();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::FileNoSpace));
    assert!(item.can_resume());
    let partial = temp_path_for(&item.save_path().unwrap());
    let kept = std::fs::metadata(&partial).unwrap().len();
    assert!(kept <= 256 * 1024);
    assert_eq!(kept, item.received_bytes());
    freed.store(true, Ordering::Relaxed);
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
    assert_eq!(
        origin.requests()[1].header("range"),
        Some(&*format!("bytes={kept}-"))
    );
}

#[tokio::test]
async fn refused_connection_is_network_failed() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let dir = TempDir::new("downloads");
    let item = DownloadManager::new(dir.path())
        .download(&format!("http://127.0.0.1:{port}/x"))
        .unwrap();
    assert_eq!(item.settled().await, DownloadState::Interrupted);
    assert_eq!(
        item.interrupt_reason(),
        Some(InterruptReason::NetworkFailed)
    );
}
