//! 100 downloads, each cut at a random byte (by a reset or a short body), then resumed:
//! the files' SHA-256 equals the original's.

use netsession_downloads::{DownloadManager, DownloadState};
use proptest::prelude::*;
use sha2::{Digest, Sha256};

use crate::TempDir;
use crate::origin::{Cut, Origin, content, serve_file};

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
        let (state, digest) = runtime.block_on(async {
            let b = body.clone();
            let origin = Origin::start(move |n, request| {
                let answer = serve_file(request, &b, "\"p\"");
                match (n, reset) {
                    (0, true) => answer.cut(Cut::Reset(cut)),
                    (0, false) => answer.cut(Cut::Close(cut)),
                    _ => answer,
                }
            })
            .await;
            let dir = TempDir::new("downloads");
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
            (state, digest)
        });
        prop_assert_eq!(state, DownloadState::Completed);
        prop_assert_eq!(digest, Some(Sha256::digest(&body).to_vec()));
    }
}
