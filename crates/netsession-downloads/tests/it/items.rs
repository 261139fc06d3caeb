//! DownloadItem behaviour: will-download, save paths, naming on disk, cancel, pause,
//! events, redirects, createInterruptedDownload, throttling.

use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use netsession_downloads::{
    DownloadEvent, DownloadManager, DownloadState, Error, InterruptReason,
    InterruptedDownloadOptions, RateLimit, WillDownload, temp_path_for,
};
use url::Url;

use crate::origin::{Answer, Cut, Origin, content, serve_file};
use crate::{TempDir, drain, saved};

#[tokio::test]
async fn completes_with_metadata_and_events() {
    let body = content(50_000, 20);
    let b = body.clone();
    let origin = Origin::start(move |_, _| {
        Answer::new(200, b.clone())
            .header("Content-Type", "application/pdf; charset=binary")
            .header(
                "Content-Disposition",
                "attachment; filename=\"Report 2026.pdf\"",
            )
            .header("ETag", "\"abc\"")
    })
    .await;
    let dir = TempDir::new("downloads");
    let seen = Arc::new(Mutex::new(None));
    let s = Arc::clone(&seen);
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(move |item| {
            *s.lock().unwrap() = Some((item.file_name(), item.mime_type(), item.save_path()));
            WillDownload::Continue
        })
        .build();
    let item = manager.download(&origin.url("/get?id=1")).unwrap();
    let mut events = item.events();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(
        seen.lock().unwrap().clone().unwrap(),
        (
            "Report 2026.pdf".to_owned(),
            "application/pdf".to_owned(),
            None
        )
    );
    assert_eq!(
        item.save_path().unwrap(),
        dir.path().join("Report 2026.pdf")
    );
    assert_eq!(saved(&item), body);
    assert_eq!(item.file_name(), "Report 2026.pdf");
    assert_eq!(
        item.content_disposition(),
        "attachment; filename=\"Report 2026.pdf\""
    );
    assert_eq!(item.etag(), "\"abc\"");
    assert_eq!(
        (item.received_bytes(), item.total_bytes()),
        (50_000, 50_000)
    );
    assert_eq!(item.url().path(), "/get");
    assert!(item.end_time().unwrap() >= item.start_time());
    assert_eq!(dir.names(), ["Report 2026.pdf"]);
    let events = drain(&mut events);
    assert_eq!(
        events.last(),
        Some(&DownloadEvent::Done(DownloadState::Completed))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, DownloadEvent::Done(_)))
            .count(),
        1
    );
}

#[tokio::test]
async fn will_download_cancel_writes_nothing() {
    let origin = Origin::start(|_, _| Answer::new(200, content(10_000, 21))).await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(|_| WillDownload::Cancel)
        .build();
    let item = manager.download(&origin.url("/a.zip")).unwrap();
    assert_eq!(item.settled().await, DownloadState::Cancelled);
    assert!(dir.names().is_empty());
    assert_eq!(item.received_bytes(), 0);
}

#[tokio::test]
async fn will_download_sets_a_save_path_in_a_new_directory() {
    let body = content(10_000, 22);
    let b = body.clone();
    let origin = Origin::start(move |_, _| Answer::new(200, b.clone())).await;
    let dir = TempDir::new("downloads");
    let target = dir.path().join("deep/er/name.bin");
    let t = target.clone();
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(move |item| {
            item.set_save_path(&t).unwrap();
            WillDownload::Continue
        })
        .build();
    let item = manager.download(&origin.url("/a.zip")).unwrap();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(std::fs::read(&target).unwrap(), body);
    assert_eq!(item.file_name(), "name.bin");
    assert!(matches!(
        item.set_save_path("/elsewhere"),
        Err(Error::SavePathLocked(_))
    ));
}

#[tokio::test]
async fn existing_names_get_numbers_and_hostile_names_stay_inside() {
    let origin = Origin::start(|n, _| {
        let disposition = match n {
            0..=2 => "attachment; filename=\"report.tar.gz\"",
            _ => "attachment; filename=\"../../../../etc/passwd\"",
        };
        Answer::new(200, b"x".to_vec()).header("Content-Disposition", disposition)
    })
    .await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::new(dir.path());
    for _ in 0..4 {
        let item = manager.download(&origin.url("/f")).unwrap();
        assert_eq!(item.settled().await, DownloadState::Completed);
    }
    assert_eq!(
        dir.names(),
        [
            "_.._.._.._etc_passwd",
            "report (1).tar.gz",
            "report (2).tar.gz",
            "report.tar.gz"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_downloads_of_one_name_get_their_own_files() {
    let bodies = [content(300_000, 30), content(300_000, 31)];
    let served = bodies.clone();
    let origin = Origin::start(move |n, _| {
        Answer::new(200, served[n % 2].clone())
            .header("Content-Disposition", "attachment; filename=\"x.bin\"")
    })
    .await;
    let dir = TempDir::new("downloads");
    // Both items reach `will-download` before either goes on, so that both choose a path
    // at the same moment, on two threads.
    let arrived = Arc::new((Mutex::new(0usize), Condvar::new()));
    let gate = Arc::clone(&arrived);
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(move |_| {
            let (count, all_here) = &*gate;
            let mut count = count.lock().unwrap();
            *count += 1;
            all_here.notify_all();
            // Bounded only so that a broken test cannot hang; both arrive at once anyway.
            let _ = all_here
                .wait_timeout_while(count, Duration::from_secs(20), |count| *count < 2)
                .unwrap();
            WillDownload::Continue
        })
        .build();
    let first = manager.download(&origin.url("/a")).unwrap();
    let second = manager.download(&origin.url("/b")).unwrap();
    assert_eq!(first.settled().await, DownloadState::Completed);
    assert_eq!(second.settled().await, DownloadState::Completed);
    assert_eq!(*arrived.0.lock().unwrap(), 2);
    assert_eq!(dir.names(), ["x (1).bin", "x.bin"]);
    assert_ne!(first.save_path(), second.save_path());
    // Each file holds one whole body: they did not write into one file.
    let mut files = vec![saved(&first), saved(&second)];
    files.sort();
    let mut expected = bodies.to_vec();
    expected.sort();
    assert!(files == expected, "the two files are not the two bodies");
}

#[tokio::test]
async fn cancel_mid_download_removes_the_partial_file() {
    let origin = Origin::start(|_, _| {
        Answer::new(200, content(2_000_000, 23)).dribble(Duration::from_millis(20))
    })
    .await;
    let dir = TempDir::new("downloads");
    let item = DownloadManager::new(dir.path())
        .download(&origin.url("/slow.bin"))
        .unwrap();
    while item.received_bytes() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(dir.names(), ["slow.bin.crdownload"]);
    item.cancel();
    assert_eq!(item.settled().await, DownloadState::Cancelled);
    assert!(dir.names().is_empty());
    assert!(!item.can_resume());
}

#[tokio::test]
async fn pause_stops_reading_and_resume_continues() {
    let body = content(1_000_000, 24);
    let b = body.clone();
    let origin =
        Origin::start(move |_, _| Answer::new(200, b.clone()).dribble(Duration::from_millis(5)))
            .await;
    let dir = TempDir::new("downloads");
    let item = DownloadManager::new(dir.path())
        .download(&origin.url("/p.bin"))
        .unwrap();
    while item.received_bytes() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    item.pause();
    assert!(item.is_paused() && item.can_resume());
    tokio::time::sleep(Duration::from_millis(100)).await;
    let at_pause = item.received_bytes();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        item.received_bytes(),
        at_pause,
        "a paused download does not read"
    );
    assert_eq!(item.state(), DownloadState::Progressing);
    item.resume();
    assert!(!item.is_paused());
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(saved(&item), body);
}

#[tokio::test]
async fn progress_updates_are_rate_limited() {
    let origin = Origin::start(|_, _| Answer::new(200, content(8_000_000, 25))).await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .update_interval(Duration::from_secs(3600))
        .build();
    let item = manager.download(&origin.url("/fast.bin")).unwrap();
    let mut events = item.events();
    assert_eq!(item.settled().await, DownloadState::Completed);
    let events = drain(&mut events);
    // One `updated` when writing starts, then none within the hour, then `done`.
    assert_eq!(
        events,
        [
            DownloadEvent::Updated(DownloadState::Progressing),
            DownloadEvent::Done(DownloadState::Completed)
        ]
    );
}

#[tokio::test]
async fn redirects_are_recorded_and_capped() {
    let origin = Origin::start(|_, request| match request.target.as_str() {
        "/a" => Answer::new(302, Vec::new()).header("Location", "/b"),
        "/b" => Answer::new(301, Vec::new()).header("Location", "/c/final.txt"),
        "/loop" => Answer::new(302, Vec::new()).header("Location", "/loop"),
        _ => Answer::new(200, b"done".to_vec()),
    })
    .await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::new(dir.path());
    let item = manager.download(&origin.url("/a")).unwrap();
    assert_eq!(item.settled().await, DownloadState::Completed);
    let chain: Vec<String> = item
        .url_chain()
        .iter()
        .map(|u| u.path().to_owned())
        .collect();
    assert_eq!(chain, ["/a", "/b", "/c/final.txt"]);
    assert_eq!(item.file_name(), "final.txt");
    let looping = manager.download(&origin.url("/loop")).unwrap();
    assert_eq!(looping.settled().await, DownloadState::Interrupted);
    assert_eq!(
        looping.interrupt_reason(),
        Some(InterruptReason::NetworkInvalidRequest)
    );
}

#[tokio::test]
async fn create_interrupted_download_resumes_with_its_validators() {
    let body = content(64_000, 26);
    let b = body.clone();
    let origin = Origin::start(move |_, request| serve_file(request, &b, "\"e1\"")).await;
    let dir = TempDir::new("downloads");
    // Electron's convention: the partial bytes are at `path`.
    let path = dir.path().join("resumed.bin");
    std::fs::write(&path, &body[..20_000]).unwrap();
    let announced = Arc::new(Mutex::new(0));
    let a = Arc::clone(&announced);
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(move |_| {
            *a.lock().unwrap() += 1;
            WillDownload::Continue
        })
        .build();
    let mut options = InterruptedDownloadOptions::new(
        &path,
        vec![Url::parse(&origin.url("/resumed.bin")).unwrap()],
        20_000,
        64_000,
    );
    options.etag = "\"e1\"".into();
    let item = manager.create_interrupted_download(options).unwrap();
    assert_eq!(item.state(), DownloadState::Interrupted);
    assert_eq!(*announced.lock().unwrap(), 1);
    assert!(item.can_resume());
    assert!(
        origin.requests().is_empty(),
        "nothing happens before resume()"
    );
    item.resume();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(std::fs::read(&path).unwrap(), body);
    assert!(!temp_path_for(&path).exists());
    let request = &origin.requests()[0];
    assert_eq!(request.header("range"), Some("bytes=20000-"));
    assert_eq!(request.header("if-range"), Some("\"e1\""));
    assert_eq!(*announced.lock().unwrap(), 1);
}

#[tokio::test]
async fn create_interrupted_download_checks_its_options() {
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::new(dir.path());
    let url = vec![Url::parse("http://127.0.0.1:9/x").unwrap()];
    let check = |options| manager.create_interrupted_download(options).unwrap_err();
    assert!(matches!(
        check(InterruptedDownloadOptions::new("", url.clone(), 0, 10)),
        Error::EmptyPath
    ));
    assert!(matches!(
        check(InterruptedDownloadOptions::new("a", vec![], 0, 10)),
        Error::EmptyUrlChain
    ));
    assert!(matches!(
        check(InterruptedDownloadOptions::new("a", url.clone(), 0, 0)),
        Error::EmptyLength
    ));
    assert!(matches!(
        check(InterruptedDownloadOptions::new("a", url, 10, 10)),
        Error::OffsetNotBelowLength { .. }
    ));
}

#[tokio::test]
async fn shutdown_interrupts_and_keeps_the_partial_file() {
    let origin = Origin::start(|_, _| {
        Answer::new(200, content(2_000_000, 27))
            .header("ETag", "\"s\"")
            .dribble(Duration::from_millis(20))
    })
    .await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::new(dir.path());
    let item = manager.download(&origin.url("/s.bin")).unwrap();
    while item.received_bytes() == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    manager.shutdown().await;
    assert_eq!(item.state(), DownloadState::Interrupted);
    assert_eq!(item.interrupt_reason(), Some(InterruptReason::UserShutdown));
    assert!(item.can_resume());
    let partial = temp_path_for(&item.save_path().unwrap());
    assert_eq!(
        std::fs::metadata(partial).unwrap().len(),
        item.received_bytes()
    );
    let options = item.interrupted_download_options().unwrap();
    assert_eq!(options.offset, item.received_bytes());
    assert_eq!(options.etag, "\"s\"");
}

#[tokio::test(start_paused = true)]
async fn throttle_limits_the_rate_on_a_paused_clock() {
    let body = content(256 * 1024, 28);
    let b = body.clone();
    let origin = Origin::start(move |_, _| Answer::new(200, b.clone())).await;
    let dir = TempDir::new("downloads");
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .throttle(Arc::new(RateLimit::new(64 * 1024)))
        .build();
    let start = tokio::time::Instant::now();
    let item = manager.download(&origin.url("/t.bin")).unwrap();
    // The file is written on a blocking thread, which stops Tokio from advancing a paused
    // clock by itself: drive the clock by hand.
    let settled = item.settled();
    tokio::pin!(settled);
    let state = loop {
        tokio::select! {
            biased;
            state = &mut settled => break state,
            () = tokio::time::advance(Duration::from_millis(10)) => {}
        }
    };
    assert_eq!(state, DownloadState::Completed);
    let elapsed = start.elapsed();
    // 256 KiB at 64 KiB/s: 4 s of (virtual) time, less at most the last chunk's wait.
    assert!(elapsed >= Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(saved(&item), body);
}

#[tokio::test]
async fn download_rejects_bad_urls() {
    let manager = DownloadManager::new(std::env::temp_dir());
    assert!(matches!(
        manager.download("not a url"),
        Err(Error::InvalidUrl(_))
    ));
    assert!(matches!(
        manager.download("ftp://example.com/x"),
        Err(Error::UnsupportedScheme(_))
    ));
}

#[tokio::test]
async fn an_adopted_response_becomes_a_download_and_resumes_with_a_request() {
    let body = content(40_000, 21);
    let b = body.clone();
    let origin = Origin::start(move |_, request| {
        let answer = Answer::new(200, b.clone())
            .header(
                "Content-Disposition",
                "attachment; filename=\"adopted.bin\"",
            )
            .header("ETag", "\"v1\"");
        match request.range_start() {
            // The first answer is cut after 10,000 bytes; the resume gets the rest.
            None => answer.cut(Cut::Close(10_000)),
            Some(start) => Answer::new(206, b[start as usize..].to_vec())
                .header("ETag", "\"v1\"")
                .header(
                    "Content-Range",
                    &format!("bytes {start}-{}/{}", b.len() - 1, b.len()),
                ),
        }
    })
    .await;
    let dir = TempDir::new("downloads-adopt");
    let announced = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&announced);
    let manager = DownloadManager::builder()
        .download_path(dir.path())
        .will_download(move |item| {
            seen.lock().unwrap().push(item.file_name());
            WillDownload::Continue
        })
        .build();
    // Fetched by someone else (a navigation), then handed over.
    let url = Url::parse(&origin.url("/file")).unwrap();
    let response = reqwest::get(url.clone()).await.unwrap();
    assert_eq!(response.status(), 200);
    let item = manager
        .adopt(response, vec![url.clone()], Default::default())
        .unwrap();
    assert_eq!(item.settled().await, DownloadState::Completed);
    assert_eq!(announced.lock().unwrap().as_slice(), ["adopted.bin"]);
    assert_eq!(saved(&item), body);
    assert_eq!(item.url_chain(), vec![url]);
    // One request made by the adopter, one by the automatic resume.
    assert_eq!(origin.requests().len(), 2);
    assert!(matches!(
        manager.adopt(
            reqwest::get(origin.url("/file")).await.unwrap(),
            Vec::new(),
            Default::default()
        ),
        Err(Error::EmptyUrlChain)
    ));
}
