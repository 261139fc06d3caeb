//! Partitions: naming, identity, persistence across registries, isolation, and clearing
//! (`clearStorageData`, `clearData` by data type and origin).

use netsession::{ClearDataOptions, ClearDataType, Error, Session, SessionOptions, Sessions};
use netsession_cookies::{CookieFilter, SameSiteContext};
use netsession_http_cache::CachedClient;
use netsession_storage::ClearStorageDataOptions;
use netsession_test_support::{Reply, TestServer};
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
        .clear_storage_data(ClearStorageDataOptions::default())
        .await
        .unwrap();
    let local = session
        .storage()
        .local_storage("https://app.example")
        .unwrap();
    assert_eq!(local.get("k").unwrap(), None);
}

/// A persistent session with two cached loopback origins, cookies on three hosts of two
/// sites, and local storage for both origins.
struct Filled {
    _dir: TempDir,
    session: Session,
    a: TestServer,
    b: TestServer,
}

async fn filled(name: &str) -> Filled {
    let dir = TempDir::new(name);
    let session = crate::session(&dir, "persist:clear");
    let origin =
        || TestServer::start(|_| Reply::ok("body").header("Cache-Control", "max-age=3600"));
    let (a, b) = (origin().await, origin().await);
    let client = CachedClient::new(
        reqwest::Client::builder().no_proxy().build().unwrap(),
        session.http_cache().clone(),
    );
    for url in [a.url("/1"), a.url("/2"), b.url("/3")] {
        let response = client.get(url.as_str()).await.unwrap();
        assert_eq!(response.bytes().await.unwrap(), "body");
    }
    for (url, cookie) in [
        ("https://www.site.com/", "www=1"),
        ("https://api.site.com/", "api=1; Domain=site.com; Secure"),
        ("https://other.org/deep/", "other=1; Path=/deep"),
    ] {
        session
            .cookies()
            .store(&Url::parse(url).unwrap(), cookie)
            .unwrap();
    }
    for server in [&a, &b] {
        let origin = server.url("/").origin().ascii_serialization();
        let local = session.storage().local_storage(&origin).unwrap();
        local.set("k", "v").unwrap();
    }
    Filled {
        _dir: dir,
        session,
        a,
        b,
    }
}

impl Filled {
    fn cached(&self) -> Vec<String> {
        let mut urls: Vec<String> = self
            .session
            .http_cache()
            .entries()
            .into_iter()
            .map(|entry| entry.url)
            .collect();
        urls.sort();
        urls
    }

    fn cookie_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .session
            .cookies()
            .get(&CookieFilter::default())
            .into_iter()
            .map(|cookie| cookie.name)
            .collect();
        names.sort();
        names
    }

    fn local_value(&self, server: &TestServer) -> Option<String> {
        let origin = server.url("/").origin().ascii_serialization();
        let local = self.session.storage().local_storage(&origin).unwrap();
        local.get("k").unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_data_clears_the_listed_origins_and_cookies_by_site() {
    let f = filled("clear-data-only").await;
    let options = ClearDataOptions::default()
        .data_types([
            ClearDataType::Cache,
            ClearDataType::Cookies,
            ClearDataType::LocalStorage,
        ])
        // Any host of site.com stands for the whole site where cookies are concerned.
        .origins([
            f.a.url("/any/path"),
            Url::parse("http://login.site.com").unwrap(),
        ]);
    f.session.clear_data(options).await.unwrap();
    assert_eq!(f.cached(), [f.b.url("/3").to_string()]);
    assert_eq!(f.cookie_names(), ["other"]);
    assert_eq!(f.local_value(&f.a), None);
    assert_eq!(f.local_value(&f.b).as_deref(), Some("v"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_data_keeps_the_excluded_origins_and_reports_what_it_cannot_filter() {
    let f = filled("clear-data-except").await;
    let options = ClearDataOptions::default()
        .data_types([ClearDataType::Cache, ClearDataType::Cookies])
        .exclude_origins([f.b.url("/"), Url::parse("https://x.other.org").unwrap()]);
    f.session.clear_data(options).await.unwrap();
    assert_eq!(f.cached(), [f.b.url("/3").to_string()]);
    assert_eq!(f.cookie_names(), ["other"]);

    // Local storage cannot take an exclusion list: it is reported, as Electron's
    // failedDataTypes, and the kinds that can are still cleared.
    let options = ClearDataOptions::default()
        .data_types([ClearDataType::LocalStorage, ClearDataType::Cookies])
        .exclude_origins([f.a.url("/")]);
    let error = f.session.clear_data(options).await.unwrap_err();
    match &error {
        Error::DataNotCleared { data_types, source } => {
            assert_eq!(data_types, &[ClearDataType::LocalStorage]);
            assert!(source.is_none());
        }
        other => panic!("expected DataNotCleared, got {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "failed to clear data types: localStorage"
    );
    assert!(f.cookie_names().is_empty());
    assert_eq!(f.local_value(&f.a).as_deref(), Some("v"));
    assert_eq!(f.local_value(&f.b).as_deref(), Some("v"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clear_data_without_options_clears_every_kind_everywhere() {
    let f = filled("clear-data-all").await;
    // Electron's clearStorageData never touches the HTTP cache; clearData does.
    f.session
        .clear_storage_data(ClearStorageDataOptions::default())
        .await
        .unwrap();
    assert_eq!(f.cached().len(), 3);
    assert!(f.session.cache_size() > 0);
    f.session
        .clear_data(ClearDataOptions::default())
        .await
        .unwrap();
    assert_eq!(f.session.cache_size(), 0);
    assert!(f.cookie_names().is_empty());
    assert_eq!(f.local_value(&f.a), None);
    assert_eq!(f.local_value(&f.b), None);
    assert_eq!(
        ClearDataType::from_name("indexedDB"),
        Some(ClearDataType::IndexedDb)
    );
    assert_eq!(ClearDataType::from_name("indexeddb"), None);
}
