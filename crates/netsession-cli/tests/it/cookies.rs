//! `netsession cookies`: the contract outside checks use.

use std::path::PathBuf;

use crate::{netsession, stdout_lines};

struct Data(PathBuf);

impl Data {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "netsession-cli-cookies-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }

    fn run(&self, partition: &str, args: &[&str]) -> std::process::Output {
        let mut all = vec![
            "--data-dir",
            self.0.to_str().unwrap(),
            "--partition",
            partition,
        ];
        all.extend_from_slice(args);
        netsession(&all, "")
    }
}

impl Drop for Data {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn store_then_header_in_a_later_process() {
    let data = Data::new("store");
    let p = "persist:Work";
    let out = data.run(
        p,
        &[
            "cookies",
            "store",
            "https://www.example.com/account/login",
            "sid=1; Path=/; Secure; HttpOnly",
            "theme=dark",
            "lang=en; Domain=example.com; Path=/",
            "bad=1; Domain=other.org",
        ],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid Domain attribute"));
    // The partition name is case-insensitive on disk, as in Electron.
    let header = data.run(
        "persist:work",
        &["cookies", "header", "https://www.example.com/account/x"],
    );
    assert_eq!(stdout_lines(&header), ["theme=dark; sid=1; lang=en"]);
    let header = data.run(p, &["cookies", "header", "http://api.example.com/"]);
    assert_eq!(stdout_lines(&header), ["lang=en"]);
    let header = data.run(p, &["cookies", "header", "https://unrelated.org/"]);
    assert_eq!(stdout_lines(&header), [""]);
    assert!(
        data.0
            .join("Partitions")
            .join("work")
            .join("netsession.sqlite")
            .exists()
    );
}

#[test]
fn set_list_remove() {
    let data = Data::new("set");
    let p = "persist:api";
    let ok = data.run(
        p,
        &[
            "cookies",
            "set",
            "https://example.com/a/b",
            "n=v",
            "--http-only",
            "--same-site",
            "strict",
            "--expires",
            "4102444800",
        ],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let ok = data.run(
        p,
        &[
            "cookies",
            "set",
            "https://example.com/",
            "d=1",
            "--domain",
            "example.com",
            "--path",
            "/",
        ],
    );
    assert!(ok.status.success());
    let list = stdout_lines(&data.run(p, &["cookies", "list"]));
    assert_eq!(list.len(), 2);
    assert!(list[0].starts_with(
        r#"{"name":"n","value":"v","domain":"example.com","hostOnly":true,"path":"/a","secure":false,"httpOnly":true,"session":false,"expirationDate":"#
    ), "{}", list[0]);
    assert!(list[0].ends_with(r#","sameSite":"strict"}"#), "{}", list[0]);
    assert_eq!(
        list[1],
        r#"{"name":"d","value":"1","domain":".example.com","hostOnly":false,"path":"/","secure":false,"httpOnly":false,"session":true,"sameSite":"lax"}"#
    );
    let for_url = stdout_lines(&data.run(p, &["cookies", "list", "https://www.example.com/"]));
    assert_eq!(for_url.len(), 1);
    assert!(for_url[0].contains(r#""name":"d""#));
    let get = stdout_lines(&data.run(p, &["cookies", "get", "--name", "n"]));
    assert_eq!(get.len(), 1);

    let removed = data.run(p, &["cookies", "remove", "https://example.com/a", "n"]);
    assert!(removed.status.success());
    let list = stdout_lines(&data.run(p, &["cookies", "list"]));
    assert_eq!(list.len(), 1);
}

#[test]
fn a_rejected_set_prints_electrons_message_and_exits_1() {
    let data = Data::new("reject");
    let cases: &[(&[&str], &str)] = &[
        (
            &["https://example.com/", "n=v", "--domain", "other.org"],
            "Failed to set cookie - The cookie was set with an invalid Domain attribute.",
        ),
        (
            &["http://example.com/", "n=v", "--secure"],
            "Failed to set cookie - The cookie was Secure, but the URL was not allowed to access Secure cookies.",
        ),
        (
            &[
                "https://example.com/",
                "__Host-n=v",
                "--path",
                "/x",
                "--secure",
            ],
            "Failed to set cookie - The cookie was set with an invalid prefix.",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["cookies", "set"];
        all.extend_from_slice(args);
        let out = data.run("persist:x", &all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    assert!(stdout_lines(&data.run("persist:x", &["cookies", "list"])).is_empty());
}

#[test]
fn in_memory_partitions_forget_and_the_default_session_persists() {
    let data = Data::new("memory");
    let stored = data.run(
        "scratch",
        &["cookies", "store", "https://example.com/", "a=1"],
    );
    assert!(stored.status.success());
    let header = data.run("scratch", &["cookies", "header", "https://example.com/"]);
    assert_eq!(stdout_lines(&header), [""]);
    assert!(!data.0.join("Partitions").exists());

    let stored = data.run("", &["cookies", "store", "https://example.com/", "a=1"]);
    assert!(stored.status.success());
    let header = data.run("", &["cookies", "header", "https://example.com/"]);
    assert_eq!(stdout_lines(&header), ["a=1"]);
}

#[test]
fn bad_input_is_a_usage_error() {
    let data = Data::new("bad");
    let out = data.run("persist:x", &["cookies", "header", "not a url"]);
    assert_eq!(out.status.code(), Some(2));
    let out = data.run("persist:../x", &["cookies", "list"]);
    assert_eq!(out.status.code(), Some(2));
    let out = data.run(
        "persist:x",
        &[
            "cookies",
            "set",
            "https://e.com/",
            "a=b",
            "--same-site",
            "bogus",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
}
