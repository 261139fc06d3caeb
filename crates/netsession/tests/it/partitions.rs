//! Partitions: naming, identity, persistence across registries, isolation.

use netsession::{Error, SessionOptions, Sessions};
use netsession_cookies::SameSiteContext;
use url::Url;

use crate::TempDir;

#[test]
fn names_map_to_folders_as_electron_does() {
    let dir = TempDir::new("names");
    let sessions = Sessions::new(dir.path());
    let default = sessions.default_session().unwrap();
    assert!(default.is_persistent());
    assert_eq!(default.storage_path(), Some(dir.path()));

    let work = sessions
        .from_partition("persist:Work", SessionOptions::default())
        .unwrap();
    assert_eq!(
        work.storage_path(),
        Some(dir.path().join("Partitions").join("work").as_path())
    );
    // Electron lower-cases the folder name: persist:work is the same folder, but another
    // partition string, so another registry entry would open the same database. Ours refuses
    // the second opening while the first holds it.
    assert_eq!(
        work,
        sessions
            .from_partition("persist:Work", SessionOptions::default())
            .unwrap()
    );

    let scratch = sessions
        .from_partition("scratch", SessionOptions::default().cache(false))
        .unwrap();
    assert!(!scratch.is_persistent());
    assert_eq!(scratch.storage_path(), None);
    // Options apply only on first creation.
    let again = sessions
        .from_partition("scratch", SessionOptions::default())
        .unwrap();
    assert!(!again.options().cache);

    for bad in ["persist:", "persist:..", "persist:a/b"] {
        let error = sessions
            .from_partition(bad, SessionOptions::default())
            .unwrap_err();
        assert!(
            matches!(error, Error::InvalidPartition(_)),
            "{bad}: {error:?}"
        );
    }
    let error = sessions
        .from_path("relative/dir".as_ref(), SessionOptions::default())
        .unwrap_err();
    assert!(matches!(error, Error::RelativePath(_)), "{error:?}");
}

#[test]
fn persistent_cookies_survive_a_new_registry_and_partitions_are_isolated() {
    let dir = TempDir::new("persist");
    let url = Url::parse("https://app.example/").unwrap();
    {
        let sessions = Sessions::new(dir.path());
        let work = sessions
            .from_partition("persist:work", SessionOptions::default())
            .unwrap();
        work.cookies()
            .store(&url, "token=abc; Max-Age=3600")
            .unwrap();
        work.cookies().flush_store().unwrap();
        let other = sessions
            .from_partition("persist:other", SessionOptions::default())
            .unwrap();
        assert_eq!(
            other
                .cookies()
                .cookie_header(&url, SameSiteContext::SameSite),
            ""
        );
        let memory = sessions
            .from_partition("memory", SessionOptions::default())
            .unwrap();
        assert_eq!(
            memory
                .cookies()
                .cookie_header(&url, SameSiteContext::SameSite),
            ""
        );
    }
    let sessions = Sessions::new(dir.path());
    let work = sessions
        .from_partition("persist:work", SessionOptions::default())
        .unwrap();
    assert_eq!(
        work.cookies()
            .cookie_header(&url, SameSiteContext::SameSite),
        "token=abc"
    );
}

#[tokio::test]
async fn dom_storage_flushes_and_clears() {
    let dir = TempDir::new("dom");
    let sessions = Sessions::new(dir.path());
    let session = sessions
        .from_partition("persist:dom", SessionOptions::default())
        .unwrap();
    let local = session
        .storage()
        .local_storage("https://app.example")
        .unwrap();
    local.set("k", "v").unwrap();
    session.flush_storage_data().await.unwrap();
    session
        .clear_storage_data(netsession_storage::ClearStorageDataOptions::default())
        .await
        .unwrap();
    let local = session
        .storage()
        .local_storage("https://app.example")
        .unwrap();
    assert_eq!(local.get("k").unwrap(), None);
}
