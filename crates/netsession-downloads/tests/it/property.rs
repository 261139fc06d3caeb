//! 100 downloads, each cut at a random byte (by a reset or a short body), then resumed:
//! the resume asks for exactly the bytes that were kept (`Range: bytes=<kept>-` with the
//! `If-Range` validator), and the files' SHA-256 equals the original's.

use std::sync::{Arc, Mutex};

use netsession_downloads::{DownloadManager, DownloadState, temp_path_for};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use crate::TempDir;
use crate::origin::{Cut, Origin, content, serve_file};

const ETAG: &str = "\"p\"";

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cut_then_resumed_downloads_are_intact(
        len in 1usize..200_000,
        cut_fraction in 0.0f64..1.0,
        reset in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let body = content(len, seed);
        let cut = ((len as f64) * cut_fraction) as usize;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (state, digest, requests, kept) = runtime.block_on(async {
            let dir = TempDir::new("downloads");
            let partial = temp_path_for(&dir.path().join("p.bin"));
            // The length of the partial file on disk when each request arrives: what the
            // download had kept, measured apart from the download's own bookkeeping.
            let kept = Arc::new(Mutex::new(Vec::new()));
            let (b, k) = (body.clone(), Arc::clone(&kept));
            let origin = Origin::start(move |n, request| {
                k.lock().unwrap().push(std::fs::metadata(&partial).map_or(0, |m| m.len()));
                let answer = serve_file(request, &b, ETAG);
                match (n, reset) {
                    (0, true) => answer.cut(Cut::Reset(cut)),
                    (0, false) => answer.cut(Cut::Close(cut)),
                    _ => answer,
                }
            })
            .await;
            let item = DownloadManager::new(dir.path()).download(&origin.url("/p.bin")).unwrap();
            let mut state = item.settled().await;
            if state == DownloadState::Interrupted && item.can_resume() {
                item.resume();
                state = item.settled().await;
            }
            let digest = item
                .save_path()
                .and_then(|path| std::fs::read(path).ok())
                .map(|bytes| Sha256::digest(&bytes).to_vec());
            let kept = kept.lock().unwrap().clone();
            (state, digest, origin.requests(), kept)
        });
        prop_assert_eq!(state, DownloadState::Completed);
        prop_assert_eq!(digest, Some(Sha256::digest(&body).to_vec()));
        // One cut, one resume.
        prop_assert_eq!(requests.len(), 2);
        prop_assert_eq!(requests[0].header("range"), None);
        let kept = kept[1];
        if reset {
            // A reset may discard bytes that were sent but not yet read.
            prop_assert!(kept <= cut as u64, "kept {} of {}", kept, cut);
        } else {
            // A short body delivers every byte before its end.
            prop_assert_eq!(kept, cut as u64);
        }
        let resumed = &requests[1];
        if kept > 0 {
            let range = format!("bytes={kept}-");
            prop_assert_eq!(resumed.header("range"), Some(range.as_str()));
            prop_assert_eq!(resumed.header("if-range"), Some(ETAG));
        } else {
            // Nothing kept: a plain request, as Chromium sends for offset 0.
            prop_assert_eq!(resumed.header("range"), None);
            prop_assert_eq!(resumed.header("if-range"), None);
        }
    }
}
