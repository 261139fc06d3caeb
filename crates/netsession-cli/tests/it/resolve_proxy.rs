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

/// A PAC script that fails in three ways for three hosts and answers the rest.
const FAILING: &str = "function FindProxyForURL(url, host) {\n\
    if (host == 'throws.test')\n\
        throw new Error('boom for ' + host);\n\
    if (host == 'number.test') return 42;\n\
    if (host == 'spin.test') { while (true) {} }\n\
    return 'PROXY ok:1';\n\
}\n";

#[test]
fn script_failures_give_an_empty_line_and_say_why() {
    let dir = netsession_test_support::TempDir::new("cli-failing-pac");
    let pac = dir.join("failing.pac");
    std::fs::write(&pac, FAILING).unwrap();
    let out = netsession(
        &[
            "resolve-proxy",
            "--pac",
            pac.to_str().unwrap(),
            "http://throws.test/",
            "http://number.test/",
            "http://spin.test/",
            "http://fine.test/",
        ],
        "",
    );
    // Electron's answers, one line per URL: the empty string for each failure.
    assert_eq!(stdout_lines(&out), ["", "", "", "PROXY ok:1"]);
    // URLs resolve on several threads, so the messages come in any order, one line each.
    let stderr = String::from_utf8(out.stderr).unwrap();
    let line_for = |url: &str| {
        let prefix = format!("netsession: {url}: ");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&prefix)).collect();
        assert_eq!(lines.len(), 1, "one message for {url}: {stderr}");
        lines[0].strip_prefix(&prefix).unwrap().to_owned()
    };
    let threw = line_for("http://throws.test/");
    assert!(
        threw.starts_with("pac script threw at line 3: ") && threw.contains("boom for throws.test"),
        "{threw}"
    );
    let number = line_for("http://number.test/");
    assert!(
        number.starts_with("pac script returned a non-string"),
        "{number}"
    );
    assert!(number.contains("did not return a string"), "{number}");
    let spin = line_for("http://spin.test/");
    assert!(spin.starts_with("pac script timed out at line "), "{spin}");
    assert!(
        !stderr.contains("fine.test"),
        "a URL that resolves has no message: {stderr}"
    );
    assert_eq!(stderr.lines().count(), 3, "{stderr}");
}

#[test]
fn help_explains_the_syntax_with_examples() {
    let out = netsession(&["resolve-proxy", "--help"], "");
    let help = stdout_lines(&out).join("\n");
    for flag in ["--rules", "--bypass", "--pac", "--print-config", "--mode"] {
        assert!(help.contains(flag), "{flag} is explained: {help}");
    }
    // The grammars by example, and whole command lines to copy.
    assert!(help.contains("http=foopy;https=bar;socks=baz"), "{help}");
    assert!(
        help.contains("*.example.com") && help.contains("<local>"),
        "{help}"
    );
    assert!(help.contains("Examples:"), "{help}");
    let examples: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Examples:"))
        .filter(|l| l.trim_start().starts_with("netsession resolve-proxy "))
        .collect();
    assert!(
        examples.iter().any(|e| e.contains("--rules"))
            && examples.iter().any(|e| e.contains("--pac")),
        "examples for rules and PAC scripts: {examples:?}"
    );
}

#[test]
fn print_config_shows_the_mode_in_effect() {
    // A PAC script: its URL, not rules that decide nothing (with a note about them).
    let script = "data:,function FindProxyForURL(u, h) { return 'PROXY from-pac:1'; }";
    let out = netsession(
        &[
            "resolve-proxy",
            "--print-config",
            "--pac",
            script,
            "--rules",
            "p:80",
            "http://a.test/",
        ],
        "",
    );
    assert_eq!(
        stdout_lines(&out),
        [format!("pac: {script}"), "PROXY from-pac:1".to_owned()]
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--rules and --bypass are not used"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A path is shown as the file: URL it was understood as.
    let dir = netsession_test_support::TempDir::new("cli-print-config-pac");
    let pac = dir.join("p.pac");
    std::fs::write(&pac, "function FindProxyForURL(u, h) { return 'DIRECT'; }").unwrap();
    let out = netsession(
        &[
            "resolve-proxy",
            "--print-config",
            "--pac",
            pac.to_str().unwrap(),
        ],
        "",
    );
    let file_url = url::Url::from_file_path(pac.canonicalize().unwrap()).unwrap();
    assert_eq!(stdout_lines(&out), [format!("pac: {file_url}")]);
    assert!(out.stderr.is_empty(), "no rules given, no note");

    // Other modes name themselves; fixed_servers keeps the rules and bypass lines.
    let out = netsession(
        &[
            "resolve-proxy",
            "--print-config",
            "--mode",
            "direct",
            "--rules",
            "p:80",
            "http://a.test/",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["mode: direct", "DIRECT"]);
    let out = netsession(
        &[
            "resolve-proxy",
            "--print-config",
            "--mode",
            "fixed_servers",
            "--pac",
            script,
            "--rules",
            "p:80",
        ],
        "",
    );
    assert_eq!(stdout_lines(&out), ["rules: p:80", "bypass: "]);
}
