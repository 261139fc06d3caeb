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
    // Each case's whole standard error must be Electron's rejection message, nothing more.
    let cases: &[(&[&str], &str)] = &[
        (
            &["https://example.com/", "n=v", "--domain", "other.org"],
            "The cookie was set with an invalid Domain attribute.",
        ),
        (
            &["http://example.com/", "n=v", "--secure"],
            "The cookie was Secure, but the URL was not allowed to access Secure cookies.",
        ),
        (
            &[
                "https://example.com/",
                "__Host-n=v",
                "--path",
                "/x",
                "--secure",
            ],
            "The cookie was set with an invalid prefix.",
        ),
        (
            &[
                "https://example.com/",
                "n=v",
                "--same-site",
                "no_restriction",
                "--secure=false",
            ],
            "The cookie had the 'SameSite=None' attribute, but it did not specify the 'Secure' attribute, which is required in order to use 'SameSite=None'.",
        ),
        (
            &["ftp://example.com/", "n=v"],
            "The cookie was set with a non-cookieable scheme.",
        ),
        (
            &["https://example.com/", "a;b=v"],
            "The cookie contained a forbidden character.",
        ),
        (
            &["https://example.com/", "n=v", "--path", "relative"],
            "The cookie was malformed and could not be stored.",
        ),
        (
            &["https://example.com/", "="],
            "The cookie had neither a name nor a value.",
        ),
    ];
    for (args, reason) in cases {
        let mut all = vec!["cookies", "set"];
        all.extend_from_slice(args);
        let out = data.run("persist:x", &all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("Failed to set cookie - {reason}\n"),
            "{args:?}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(stdout_lines(&data.run("persist:x", &["cookies", "list"])).is_empty());
}

/// The names of the cookies `cookies get` prints, in its order.
fn names(data: &Data, partition: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["cookies", "get"];
    all.extend_from_slice(args);
    stdout_lines(&data.run(partition, &all))
        .iter()
        .map(|line| {
            let cookie: serde_json::Value = serde_json::from_str(line).unwrap();
            cookie["name"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn get_filters_by_path_secure_session_and_http_only() {
    let data = Data::new("filter");
    let p = "persist:filter";
    // Three cookies that differ in every filtered property: `a` is Secure, HttpOnly and
    // persistent at `/`; `b` is none of these at `/docs`; `c` is only HttpOnly, at `/`.
    for args in [
        &[
            "https://example.com/",
            "a=1",
            "--secure",
            "--http-only",
            "--expires",
            "4102444800",
        ][..],
        &["https://example.com/docs/x", "b=2"][..],
        &["http://example.com/", "c=3", "--http-only=true"][..],
    ] {
        let mut all = vec!["cookies", "set"];
        all.extend_from_slice(args);
        let out = data.run(p, &all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Longest path first, then oldest first, as Chromium sorts.
    assert_eq!(names(&data, p, &[]), ["b", "a", "c"]);
    assert_eq!(names(&data, p, &["--secure"]), ["a"]);
    assert_eq!(names(&data, p, &["--secure=true"]), ["a"]);
    assert_eq!(names(&data, p, &["--secure=false"]), ["b", "c"]);
    assert_eq!(names(&data, p, &["--session"]), ["b", "c"]);
    assert_eq!(names(&data, p, &["--session=false"]), ["a"]);
    assert_eq!(names(&data, p, &["--http-only"]), ["a", "c"]);
    assert_eq!(names(&data, p, &["--http-only=false"]), ["b"]);
    assert_eq!(names(&data, p, &["--path", "/docs"]), ["b"]);
    assert_eq!(names(&data, p, &["--path", "/"]), ["a", "c"]);
    // The path filter is exact: `/docs/x` would be sent `b`, but `b`'s path is not `/docs/x`.
    assert!(names(&data, p, &["--path", "/docs/x"]).is_empty());
    // Every given property must match.
    assert_eq!(
        names(&data, p, &["--path", "/", "--http-only", "--session"]),
        ["c"]
    );
    // A bare flag does not swallow the URL that follows it; the URL narrows further
    // (`https://example.com/docs/` is sent `b` and `a`, of which only `a` is Secure).
    assert_eq!(
        names(&data, p, &["--secure", "https://example.com/docs/"]),
        ["a"]
    );
    let bad = data.run(p, &["cookies", "get", "--secure=maybe"]);
    assert_eq!(bad.status.code(), Some(2));
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
