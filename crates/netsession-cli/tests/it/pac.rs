//! `resolve-proxy --pac` and the flags that fix what the script sees.

use std::path::PathBuf;

use netsession_test_support::TestServer;

use crate::{netsession, stdout_lines};

const SCRIPT: &str = r#"
function FindProxyForURL(url, host) {
    if (host == "boom.test") throw new Error("no answer for " + host);
    if (isInNet(host, "10.0.0.0", "255.0.0.0")) return "DIRECT";
    if (host == "whoami.test") return "PROXY p" + myIpAddress().replace(/\./g, "-") + ":1";
    if (weekdayRange("SAT", "SUN")) return "PROXY weekend:8080";
    return "PROXY weekday:8080; DIRECT";
}
"#;

fn write_pac(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("netsession-cli-pac-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_pac_file_with_a_fixed_clock_dns_and_address() {
    let pac = write_pac("corp.pac", SCRIPT);
    let pac = pac.to_str().unwrap();
    let saturday = "2026-11-28T09:00:00+01:00";
    let monday = "2026-11-30T09:00:00+01:00";
    let args = |now| {
        vec![
            "resolve-proxy",
            "--pac",
            pac,
            "--now",
            now,
            "--dns",
            "wiki.corp=10.1.2.3",
            "--my-ip",
            "10.0.0.7",
        ]
    };
    let urls = "http://wiki.corp/\nhttp://example.com/\nhttp://whoami.test/\nhttp://boom.test/\nhttp://localhost/\n";
    assert_eq!(
        stdout_lines(&netsession(&args(saturday), urls)),
        [
            "DIRECT",
            "PROXY weekend:8080",
            "PROXY p10-0-0-7:1",
            "",
            "DIRECT"
        ]
    );
    assert_eq!(
        stdout_lines(&netsession(&args(monday), "http://example.com/\n")),
        ["PROXY weekday:8080;DIRECT"]
    );
}

#[test]
fn the_week_day_follows_the_offset_of_now() {
    let pac = write_pac("weekday.pac", SCRIPT);
    // 23:30 on Friday in UTC-2 is already Saturday in UTC.
    let out = netsession(
        &[
            "resolve-proxy",
            "--pac",
            pac.to_str().unwrap(),
            "--now",
            "2026-11-27T23:30:00-02:00",
            "http://example.com/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["PROXY weekday:8080;DIRECT"]);
}

#[tokio::test]
async fn a_pac_url_on_loopback() {
    let server = TestServer::serving(SCRIPT).await;
    let url = server.url("/proxy.pac").to_string();
    let out = tokio::task::spawn_blocking(move || {
        netsession(
            &[
                "resolve-proxy",
                "--pac",
                &url,
                "--now",
                "2026-11-30T09:00:00Z",
                "https://example.com/",
            ],
            "",
        )
    })
    .await
    .unwrap();
    assert_eq!(stdout_lines(&out), ["PROXY weekday:8080;DIRECT"]);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn scripts_that_cannot_load_are_errors_with_their_line() {
    let broken = write_pac(
        "broken.pac",
        "function FindProxyForURL(url, host) {\n  return 'DIRECT'\n  ((\n}\n",
    );
    let out = netsession(
        &[
            "resolve-proxy",
            "--pac",
            broken.to_str().unwrap(),
            "http://example.com/",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing on standard output");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 4"), "{stderr}");

    let out = netsession(
        &[
            "resolve-proxy",
            "--pac",
            "/no/such/file.pac",
            "http://example.com/",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.pac"));

    let missing = write_pac("nofunction.pac", "var x = 1;");
    let out = netsession(
        &[
            "resolve-proxy",
            "--pac",
            missing.to_str().unwrap(),
            "http://a/",
        ],
        "",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FindProxyForURL"));
}

#[test]
fn modes_are_validated_as_electron_does() {
    let out = netsession(&["resolve-proxy", "--mode", "bogus", "http://a/"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "Invalid mode, must be one of direct, auto_detect, pac_script, fixed_servers or system"
    ));
    let out = netsession(
        &[
            "resolve-proxy",
            "--mode",
            "direct",
            "--rules",
            "p:80",
            "http://a.test/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["DIRECT"]);
}

#[test]
fn bad_flag_values_are_errors() {
    for args in [
        ["resolve-proxy", "--now", "yesterday", "http://a/"],
        ["resolve-proxy", "--dns", "hostonly", "http://a/"],
    ] {
        let out = netsession(&args, "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
