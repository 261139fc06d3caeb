//! The `resolve-proxy` command's contract: one line per URL, in order, nothing else.

use crate::{netsession, stdout_lines};

#[test]
fn one_line_per_url_in_order() {
    let out = netsession(
        &[
            "resolve-proxy",
            "--rules",
            "http=foopy:8080;socks=s:1080",
            "--bypass",
            "*.corp,<local>",
            "http://example.com/",
            "https://intranet/",
            "wss://a.corp/",
            "https://example.com/",
        ],
        "",
    );
    assert_eq!(
        stdout_lines(&out),
        ["PROXY foopy:8080", "DIRECT", "DIRECT", "SOCKS s:1080"]
    );
}

#[test]
fn urls_from_standard_input() {
    let urls: String = (0..5000)
        .map(|i| format!("http://host{i}.example/\n\n"))
        .collect();
    let out = netsession(
        &[
            "resolve-proxy",
            "--rules",
            "p:3128",
            "--bypass",
            "host7.example",
        ],
        &urls,
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 5000, "blank input lines are skipped");
    assert_eq!(lines[0], "PROXY p:3128");
    assert_eq!(lines[7], "DIRECT");
}

#[test]
fn empty_rules_mean_direct_and_invalid_lists_mean_empty() {
    let out = netsession(&["resolve-proxy", "http://example.com/"], "");
    assert_eq!(stdout_lines(&out), ["DIRECT"]);
    let out = netsession(
        &[
            "resolve-proxy",
            "--rules",
            "bogus://x",
            "http://example.com/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), [""]);
}

#[test]
fn implicit_bypass_applies_without_rules_for_it() {
    let out = netsession(
        &[
            "resolve-proxy",
            "--rules",
            "p:80",
            "http://localhost/",
            "http://[::1]/",
            "http://169.254.1.1/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["DIRECT", "DIRECT", "DIRECT"]);
    let out = netsession(
        &[
            "resolve-proxy",
            "--rules",
            "p:80",
            "--bypass",
            "<-loopback>",
            "http://localhost/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["PROXY p:80"]);
}

#[test]
fn invalid_urls_give_an_empty_line_and_a_message() {
    let out = netsession(
        &["resolve-proxy", "--rules", "p:80", "not a url", "http://a/"],
        "",
    );
    assert_eq!(stdout_lines(&out), ["", "PROXY p:80"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid URL \"not a url\""));
}

#[test]
fn print_config_shows_what_was_understood() {
    let out = netsession(
        &[
            "resolve-proxy",
            "--print-config",
            "--rules",
            "HTTP=x;https=Foo:81,bar:;socks=s",
            "--bypass",
            ".example.com, [::1]:80 ,10.0.0.0/8",
        ],
        "",
    );
    assert_eq!(
        stdout_lines(&out),
        [
            "rules: https=foo:81;socks=socks4://s:1080",
            "bypass: *.example.com;[::1]:80;10.0.0.0/8;",
        ]
    );
}
