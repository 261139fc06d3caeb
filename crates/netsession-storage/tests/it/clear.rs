//! `clear_storage_data`: Electron's options and the registry of storage kinds.

use std::sync::{Arc, Mutex};

use netsession_storage::{
    ClearRequest, ClearStorageDataOptions, Error, QuotaKind, Storage, StorageClearer, StorageKind,
};

use crate::TempDir;

#[derive(Default)]
struct Recorder(Mutex<Vec<ClearRequest>>);

impl StorageClearer for Recorder {
    fn clear(&self, request: &ClearRequest) {
        self.0.lock().unwrap().push(request.clone());
    }
}

fn options(
    origin: Option<&str>,
    storages: Option<&[&str]>,
    quotas: Option<&[&str]>,
) -> ClearStorageDataOptions {
    let list = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    ClearStorageDataOptions {
        origin: origin.map(str::to_owned),
        storages: storages.map(list),
        quotas: quotas.map(list),
    }
}

#[test]
fn registered_kinds_are_reached_with_origin_and_quotas() {
    let storage = Storage::in_memory();
    let idb = Arc::new(Recorder::default());
    let sw = Arc::new(Recorder::default());
    storage.register_clearer(StorageKind::IndexedDb, idb.clone());
    storage.register_clearer(StorageKind::ServiceWorkers, sw.clone());

    storage
        .clear_storage_data(&options(
            Some("https://App.Example:443"),
            Some(&["IndexDB", "nonsense", "cookies"]),
            Some(&["Temporary", "bogus"]),
        ))
        .unwrap();
    let requests = idb.0.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].kind, StorageKind::IndexedDb);
    assert_eq!(requests[0].origin.as_deref(), Some("https://app.example"));
    assert_eq!(requests[0].host().as_deref(), Some("app.example"));
    assert_eq!(requests[0].quotas, [QuotaKind::Temporary]);
    assert!(sw.0.lock().unwrap().is_empty(), "not named");

    storage
        .clear_storage_data(&ClearStorageDataOptions::default())
        .unwrap();
    let requests = sw.0.lock().unwrap().clone();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].origin, None);
    assert_eq!(requests[0].quotas.len(), 3);
}

#[test]
fn origins_are_validated() {
    let storage = Storage::in_memory();
    for bad in [
        "app.example",
        "https://app.example/path",
        "https://app.example?q",
        "https://user@app.example",
        "data:text/plain,x",
        "",
    ] {
        let err = storage
            .clear_storage_data(&options(Some(bad), None, None))
            .unwrap_err();
        assert!(matches!(err, Error::InvalidOrigin(_)), "{bad}: {err:?}");
    }
    for good in [
        "https://app.example",
        "http://app.example:8080",
        "https://app.example/",
    ] {
        storage
            .clear_storage_data(&options(Some(good), None, None))
            .unwrap();
    }
}

#[test]
fn local_storage_is_cleared_per_origin_durably() {
    let dir = TempDir::new("clear-local");
    {
        let storage = Storage::open(dir.path()).unwrap();
        storage
            .local_storage("https://a.example")
            .unwrap()
            .set("k", "1")
            .unwrap();
        storage
            .local_storage("https://b.example")
            .unwrap()
            .set("k", "2")
            .unwrap();
        storage.flush_storage_data().unwrap();
        storage
            .clear_storage_data(&options(
                Some("https://a.example"),
                Some(&["LOCALSTORAGE"]),
                None,
            ))
            .unwrap();
    }
    let storage = Storage::open(dir.path()).unwrap();
    assert!(
        storage
            .local_storage("https://a.example")
            .unwrap()
            .keys()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        storage
            .local_storage("https://b.example")
            .unwrap()
            .keys()
            .unwrap(),
        ["k"]
    );
}

#[test]
fn storage_kind_names() {
    for kind in StorageKind::ALL {
        assert_eq!(
            StorageKind::from_name(&kind.name().to_uppercase()),
            Some(kind)
        );
    }
    assert_eq!(StorageKind::from_name("indexeddb"), None);
    assert_eq!(QuotaKind::from_name("SYNCABLE"), Some(QuotaKind::Syncable));
}
