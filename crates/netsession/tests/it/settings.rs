//! Proxy, identity, download path, permissions, preloads and NTLM domains on a session.

use std::path::PathBuf;

use netsession::{
    Error, Permission, PermissionCheck, PermissionRequest, PreloadKind, ProxyConfig,
    SessionOptions, Sessions,
};

use crate::TempDir;

fn session(name: &str) -> (TempDir, netsession::Session) {
    let dir = TempDir::new(name);
    let session = Sessions::new(dir.path())
        .from_partition(name, SessionOptions::default())
        .unwrap();
    (dir, session)
}

#[tokio::test]
async fn proxy_configuration_is_per_session() {
    let (_dir, a) = session("proxy-a");
    let (_dir_b, b) = session("proxy-b");
    a.set_proxy(ProxyConfig {
        proxy_rules: "foopy:80".into(),
        ..ProxyConfig::default()
    })
    .await
    .unwrap();
    assert_eq!(
        a.resolve_proxy("https://example.com/").await,
        "PROXY foopy:80"
    );
    assert_eq!(b.resolve_proxy("https://example.com/").await, "DIRECT");
    assert_eq!(a.resolve_proxy("not a url").await, "");
    assert_eq!(a.resolve_proxy("http://localhost/").await, "DIRECT");

    let pac = ProxyConfig {
        pac_script: "data:,function FindProxyForURL(u, h) { throw 1; }".into(),
        ..ProxyConfig::default()
    };
    a.set_proxy(pac).await.unwrap();
    assert_eq!(
        a.resolve_proxy("https://example.com/").await,
        "",
        "mandatory PAC failed"
    );
    a.force_reload_proxy_config().await;
    let invalid = ProxyConfig::from_electron(Some("bogus"), "", "", "").unwrap_err();
    assert_eq!(
        invalid.to_string(),
        "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
    );
}

#[test]
fn user_agent_and_accept_language() {
    let (_dir, s) = session("identity");
    assert!(
        s.user_agent().starts_with("Mozilla/5.0 ("),
        "{}",
        s.user_agent()
    );
    assert!(s.user_agent().contains("Chrome/"));
    assert_eq!(s.accept_language(), None);
    s.set_user_agent("MyApp/2.0", Some("en-US,fr,de,es,it,nl,pt,ru,ja,zh,ko,pl"));
    assert_eq!(s.user_agent(), "MyApp/2.0");
    assert_eq!(
        s.accept_language().unwrap(),
        "en-US,fr;q=0.9,de;q=0.8,es;q=0.7,it;q=0.6,nl;q=0.5,pt;q=0.4,ru;q=0.3,ja;q=0.2,zh;q=0.1,ko;q=0.1,pl;q=0.1"
    );
    // Without languages the previous Accept-Language stays.
    s.set_user_agent("MyApp/3.0", None);
    assert!(s.accept_language().unwrap().starts_with("en-US,"));
}

#[test]
fn download_path_must_be_absolute() {
    let (dir, s) = session("downloads");
    assert_eq!(s.download_path(), None);
    assert!(matches!(
        s.set_download_path("relative"),
        Err(Error::RelativePath(_))
    ));
    s.set_download_path(dir.path().join("dl")).unwrap();
    assert_eq!(s.download_path(), Some(dir.path().join("dl")));
}

#[tokio::test]
async fn permissions_default_to_granted_and_follow_handlers() {
    let (_dir, s) = session("permissions");
    let request = PermissionRequest::new("https://app.example/page");
    assert!(
        s.request_permission(Permission::Geolocation, request.clone())
            .await
    );
    assert!(s.check_permission(
        Permission::Hid,
        "https://app.example",
        &PermissionCheck::default()
    ));

    s.set_permission_request_handler(Some(
        |permission: Permission, request: PermissionRequest| async move {
            tokio::task::yield_now().await;
            permission == Permission::Media
                && request.requesting_url.starts_with("https://app.example/")
        },
    ));
    s.set_permission_check_handler(Some(
        |permission: Permission, origin: &str, _details: &PermissionCheck| {
            permission == Permission::Notifications && origin == "https://app.example"
        },
    ));
    assert!(
        s.request_permission(Permission::Media, request.clone())
            .await
    );
    assert!(
        !s.request_permission(Permission::Geolocation, request.clone())
            .await
    );
    assert!(s.check_permission(
        Permission::Notifications,
        "https://app.example",
        &PermissionCheck::default()
    ));
    assert!(!s.check_permission(
        Permission::Notifications,
        "https://evil.example",
        &PermissionCheck::default()
    ));

    s.set_permission_request_handler(
        None::<fn(Permission, PermissionRequest) -> std::future::Ready<bool>>,
    );
    assert!(s.request_permission(Permission::Geolocation, request).await);

    assert_eq!(
        "midiSysex".parse::<Permission>().unwrap(),
        Permission::MidiSysex
    );
    assert_eq!(
        Permission::TopLevelStorageAccess.to_string(),
        "top-level-storage-access"
    );
    assert!(matches!(
        "Geolocation".parse::<Permission>(),
        Err(Error::UnknownPermission(_))
    ));
    assert!(!Permission::Usb.is_requestable());
}

#[test]
fn preloads() {
    let (_dir, s) = session("preloads");
    let a = PathBuf::from("/app/preload-a.js");
    let b = PathBuf::from("/app/preload-b.js");
    s.set_preloads(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(s.preloads(), [a.clone(), b.clone()]);
    assert!(matches!(
        s.set_preloads(&[PathBuf::from("rel.js")]),
        Err(Error::RelativePath(_))
    ));
    assert_eq!(
        s.preloads(),
        [a.clone(), b],
        "a refused list changes nothing"
    );

    let id = s
        .register_preload_script(
            PreloadKind::ServiceWorker,
            Some("sw"),
            "/app/sw.js".as_ref(),
        )
        .unwrap();
    assert_eq!(id, "sw");
    let duplicate = s
        .register_preload_script(PreloadKind::Frame, Some("sw"), "/app/x.js".as_ref())
        .unwrap_err();
    assert!(matches!(duplicate, Error::DuplicatePreloadId(_)));
    assert_eq!(
        duplicate.to_string(),
        "Cannot register preload script with existing ID 'sw'"
    );
    let generated = s
        .register_preload_script(PreloadKind::Frame, None, "/app/c.js".as_ref())
        .unwrap();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");
    assert_eq!(s.preload_scripts().len(), 4);
    s.set_preloads(std::slice::from_ref(&a)).unwrap();
    let kinds: Vec<_> = s.preload_scripts().iter().map(|p| p.kind).collect();
    assert_eq!(kinds, [PreloadKind::ServiceWorker, PreloadKind::Frame]);
    s.unregister_preload_script("sw").unwrap();
    let unknown = s.unregister_preload_script("sw").unwrap_err();
    assert!(matches!(unknown, Error::UnknownPreloadId(_)));
    assert_eq!(
        unknown.to_string(),
        "Cannot unregister preload script with non-existing ID 'sw'"
    );
}

#[test]
fn ntlm_domains() {
    let (_dir, s) = session("ntlm");
    assert!(!s.ntlm_credentials_allowed("intranet"));
    s.allow_ntlm_credentials_for_domains("*.corp.example, intranet");
    assert!(s.ntlm_credentials_allowed("wiki.CORP.example"));
    assert!(s.ntlm_credentials_allowed("intranet"));
    assert!(!s.ntlm_credentials_allowed("example.com"));
    s.allow_ntlm_credentials_for_domains("*");
    assert!(s.ntlm_credentials_allowed("example.com"));
}
