//! Unit tests.

use std::path::Path;

use crate::clear::{ClearPlan, normalize_origin, origin_of};
use crate::{ClearStorageDataOptions, Error, StorageKind, partition_dir};

#[test]
fn partition_names_map_as_electron() {
    let data = Path::new("/data");
    assert_eq!(
        partition_dir(data, "persist:Foo").unwrap(),
        partition_dir(data, "persist:foo").unwrap()
    );
    assert_eq!(partition_dir(data, "").unwrap().as_deref(), Some(data));
    assert_eq!(partition_dir(data, "foo").unwrap(), None);
    assert_eq!(
        partition_dir(data, "Persist:foo").unwrap(),
        None,
        "the prefix is case-sensitive"
    );
    for bad in [
        "persist:",
        "persist:.",
        "persist:..",
        "persist:a/b",
        "persist:a\\b",
        "persist:a\0",
    ] {
        assert!(
            matches!(partition_dir(data, bad), Err(Error::InvalidPartition(_))),
            "{bad}"
        );
    }
}

#[test]
fn origins_normalize() {
    assert_eq!(
        normalize_origin("HTTPS://A.example:443").unwrap(),
        "https://a.example"
    );
    assert_eq!(
        normalize_origin("http://a.example:8080/").unwrap(),
        "http://a.example:8080"
    );
    assert!(normalize_origin("https://a.example/x").is_err());
    assert_eq!(
        origin_of("https://a.example/x?y#z").unwrap(),
        "https://a.example"
    );
}

#[test]
fn plan_defaults_to_everything() {
    let plan = ClearPlan::new(&ClearStorageDataOptions::default()).unwrap();
    assert_eq!(plan.kinds, StorageKind::ALL);
    assert_eq!(plan.quotas.len(), 3);
    assert_eq!(plan.origin, None);
    let plan = ClearPlan::new(&ClearStorageDataOptions {
        storages: Some(vec!["unknown".into()]),
        ..Default::default()
    })
    .unwrap();
    assert!(
        plan.kinds.is_empty(),
        "unknown names are ignored, not 'all'"
    );
}

#[test]
fn errors_display_lowercase_and_chain() {
    let err = Error::InvalidOrigin("x".into());
    assert!(err.to_string().starts_with("invalid origin"));
    let err = Error::QuotaExceeded {
        origin: "https://a.example".into(),
        quota: 10,
        needed: 12,
    };
    assert_eq!(
        err.to_string(),
        "the storage quota of https://a.example is exceeded: 12 bytes needed, 10 allowed"
    );
}
