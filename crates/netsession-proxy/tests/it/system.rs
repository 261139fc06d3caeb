//! `system` mode: environment variables and GNOME settings (through a fake `gsettings`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use netsession_proxy::{Mode, ProxyConfig, ProxyResolver, ResolverOptions, SystemEnvironment};

use crate::resolve;

fn system(env: SystemEnvironment) -> ProxyResolver {
    let config = ProxyConfig {
        mode: Some(Mode::System),
        ..ProxyConfig::default()
    };
    ProxyResolver::with_options(config, ResolverOptions::default().system(env))
}

#[tokio::test]
async fn per_scheme_variables() {
    let resolver = system(SystemEnvironment::from_vars([
        ("http_proxy", "http://user:pw@web-proxy:3128/"),
        ("HTTPS_PROXY", "https://secure-proxy:443"),
    ]));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY web-proxy:3128"
    );
    // The scheme of the value is dropped, as in Chromium: an HTTP proxy on port 443.
    assert_eq!(
        resolve(&resolver, "https://example.com/").await,
        "PROXY secure-proxy:443"
    );
    assert_eq!(resolve(&resolver, "ftp://example.com/").await, "DIRECT");
}

#[tokio::test]
async fn all_proxy_wins_and_no_proxy_matches_suffixes() {
    let resolver = system(SystemEnvironment::from_vars([
        ("ALL_PROXY", "corp:8080"),
        ("http_proxy", "ignored:1"),
        ("no_proxy", "example.org, .corp.example ,10.0.0.0/8"),
    ]));
    assert_eq!(
        resolve(&resolver, "https://example.com/").await,
        "PROXY corp:8080"
    );
    assert_eq!(resolve(&resolver, "http://example.org/").await, "DIRECT");
    assert_eq!(
        resolve(&resolver, "http://www.example.org/").await,
        "DIRECT"
    );
    assert_eq!(resolve(&resolver, "http://a.corp.example/").await, "DIRECT");
    assert_eq!(resolve(&resolver, "http://10.2.3.4/").await, "DIRECT");
    assert_eq!(
        resolve(&resolver, "http://corp.example.net/").await,
        "PROXY corp:8080"
    );
}

#[tokio::test]
async fn socks_server_and_version() {
    let resolver = system(SystemEnvironment::from_vars([(
        "SOCKS_SERVER",
        "socks-host:1081",
    )]));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "SOCKS5 socks-host:1081"
    );
    let resolver = system(SystemEnvironment::from_vars([
        ("SOCKS_SERVER", "socks-host"),
        ("SOCKS_VERSION", "4"),
    ]));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "SOCKS socks-host:1080"
    );
}

#[tokio::test]
async fn nothing_set_is_direct() {
    let resolver = system(SystemEnvironment::from_vars::<&str, &str>([]));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");
    let resolver = system(SystemEnvironment::from_vars([("no_proxy", "*")]));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");
}

#[tokio::test]
async fn auto_proxy_names_a_pac_script() {
    let script = crate::pac_data("function FindProxyForURL(u, h) { return 'PROXY from-env:1'; }");
    let resolver = system(SystemEnvironment::from_vars([(
        "auto_proxy",
        script.as_str(),
    )]));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY from-env:1"
    );
}

/// Writes a fake `gsettings` that answers `get SCHEMA KEY` from `values`.
fn fake_gsettings(name: &str, values: &[(&str, &str, &str)]) -> PathBuf {
    let commands: Vec<(&str, &str, String)> = values
        .iter()
        .map(|(schema, key, value)| (*schema, *key, format!("echo \"{value}\"")))
        .collect();
    fake_gsettings_running(name, &commands)
}

/// Writes a fake `gsettings` that runs a shell command for each `get SCHEMA KEY`.
fn fake_gsettings_running(name: &str, commands: &[(&str, &str, String)]) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!(
        "netsession-gsettings-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let mut script = String::from("#!/bin/sh\ncase \"$2 $3\" in\n");
    for (schema, key, command) in commands {
        script.push_str(&format!("  \"{schema} {key}\") {command} ;;\n"));
    }
    script.push_str("  *) echo \"No such key\" >&2; exit 1 ;;\nesac\n");
    let path = dir.join("gsettings");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A child that another test thread forked while the script was open for writing keeps
    // it open until that child execs, and running the script meanwhile fails with ETXTBSY
    // (os error 26). Wait until it runs once, so the resolver never sees that window.
    for _ in 0..200 {
        match std::process::Command::new(&path)
            .args(["get", "-", "-"])
            .output()
        {
            Err(error) if error.raw_os_error() == Some(26) => {
                std::thread::sleep(Duration::from_millis(5));
            }
            _ => break,
        }
    }
    path
}

#[tokio::test]
async fn gnome_manual_settings() {
    let program = fake_gsettings(
        "manual",
        &[
            ("org.gnome.system.proxy", "mode", "'manual'"),
            ("org.gnome.system.proxy", "use-same-proxy", "false"),
            (
                "org.gnome.system.proxy",
                "ignore-hosts",
                "['localhost', '*.intra', '10.0.0.0/8']",
            ),
            ("org.gnome.system.proxy.http", "host", "'web-proxy'"),
            ("org.gnome.system.proxy.http", "port", "3128"),
            ("org.gnome.system.proxy.https", "host", "'secure-proxy'"),
            ("org.gnome.system.proxy.https", "port", "int32 3129"),
            ("org.gnome.system.proxy.socks", "host", "'socks-proxy'"),
            ("org.gnome.system.proxy.socks", "port", "0"),
        ],
    );
    let resolver =
        system(SystemEnvironment::from_vars([("http_proxy", "env:1")]).with_gsettings(&program));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY web-proxy:3128"
    );
    assert_eq!(
        resolve(&resolver, "https://example.com/").await,
        "PROXY secure-proxy:3129"
    );
    assert_eq!(
        resolve(&resolver, "ftp://example.com/").await,
        "SOCKS5 socks-proxy:1080"
    );
    assert_eq!(resolve(&resolver, "http://wiki.intra/").await, "DIRECT");
    assert_eq!(resolve(&resolver, "http://10.1.1.1/").await, "DIRECT");
}

#[tokio::test]
async fn gnome_none_auto_and_broken_settings() {
    let none = fake_gsettings("none", &[("org.gnome.system.proxy", "mode", "'none'")]);
    let env = || SystemEnvironment::from_vars([("http_proxy", "env-proxy:1")]);
    let resolver = system(env().with_gsettings(&none));
    assert_eq!(resolve(&resolver, "http://example.com/").await, "DIRECT");

    // Double quotes only: the URL travels inside a single-quoted GVariant string.
    let script =
        crate::pac_data(r#"function FindProxyForURL(u, h) { return "PROXY gnome-pac:2"; }"#);
    let auto = fake_gsettings(
        "auto",
        &[
            ("org.gnome.system.proxy", "mode", "'auto'"),
            (
                "org.gnome.system.proxy",
                "autoconfig-url",
                &format!("'{script}'"),
            ),
        ],
    );
    let resolver = system(env().with_gsettings(&auto));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY gnome-pac:2"
    );

    // Unreadable settings fall back to the environment.
    let broken = fake_gsettings("broken", &[]);
    let resolver = system(env().with_gsettings(&broken));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY env-proxy:1"
    );
    let resolver = system(env().with_gsettings("/nonexistent/gsettings"));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY env-proxy:1"
    );
}

/// A `gsettings` that hangs on `key` of the proxy schema, after writing its process id next
/// to itself, and answers the rest as `manual` settings with an HTTP proxy.
fn hanging_gsettings(name: &str, schema: &str, key: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!(
        "netsession-gsettings-{}-{name}",
        std::process::id()
    ));
    let pid_file = dir.join("hung.pid");
    let _ = std::fs::remove_file(&pid_file);
    // `exec` makes the sleeping process the child itself, the one the resolver kills.
    let hang = format!("echo $$ > '{}'; exec sleep 600", pid_file.display());
    let answer = |value: &str| format!("echo \"{value}\"");
    let mut commands = vec![
        ("org.gnome.system.proxy", "mode", answer("'manual'")),
        (
            "org.gnome.system.proxy.http",
            "host",
            answer("'gnome-proxy'"),
        ),
        ("org.gnome.system.proxy.http", "port", answer("3128")),
    ];
    commands.retain(|(s, k, _)| (*s, *k) != (schema, key));
    commands.insert(0, (schema, key, hang));
    (fake_gsettings_running(name, &commands), pid_file)
}

/// Whether process `pid` still exists (a zombie counts: it was not reaped).
fn process_exists(pid_file: &Path) -> bool {
    let pid = std::fs::read_to_string(pid_file).unwrap();
    Path::new(&format!("/proc/{}", pid.trim())).exists()
}

#[tokio::test]
async fn a_hanging_gsettings_is_killed_and_the_environment_decides() {
    let env = || {
        SystemEnvironment::from_vars([("http_proxy", "env-proxy:1")])
            .with_gsettings_timeout(Duration::from_millis(300))
    };
    // Hanging on the first question: the mode.
    let (program, pid_file) = hanging_gsettings("hang-mode", "org.gnome.system.proxy", "mode");
    let resolver = system(env().with_gsettings(&program));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY env-proxy:1"
    );
    assert!(
        !process_exists(&pid_file),
        "the hung gsettings was killed and reaped"
    );

    // Hanging half-way through manual settings: what was read before is not used either.
    let (program, pid_file) = hanging_gsettings("hang-port", "org.gnome.system.proxy.http", "port");
    let resolver = system(env().with_gsettings(&program));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY env-proxy:1"
    );
    assert!(!process_exists(&pid_file));

    // The same script without the hang is read: the fallback above was the timeout's doing.
    let (program, _) = hanging_gsettings("hang-other", "org.gnome.system.proxy", "unused-key");
    let resolver = system(env().with_gsettings(&program));
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY gnome-proxy:3128"
    );
}
