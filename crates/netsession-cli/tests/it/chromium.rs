//! Replays answers recorded from real Chromium 156 (`tests/data/chromium-156-proxy.tsv`, made
//! by `tests/data/record_chromium.py` with `shared/tools/chromium-oracle`) through
//! `netsession resolve-proxy`, so the browser judges every run without being installed.
//!
//! Known differences are listed in `tests/data/chromium-expected-failures.txt` as
//! `rules<TAB>bypass<TAB>url`; the test fails if a listed case starts agreeing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::{netsession, stdout_lines};

struct Case {
    line: usize,
    url: String,
    chromium: String,
}

fn read(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

#[test]
fn agrees_with_recorded_chromium() {
    let mut configs: BTreeMap<(String, String), Vec<Case>> = BTreeMap::new();
    for (index, line) in read("chromium-156-proxy.tsv").lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [rules, bypass, url, chromium] = fields[..] else {
            panic!("chromium-156-proxy.tsv:{}: expected 4 fields", index + 1);
        };
        configs
            .entry((rules.to_owned(), bypass.to_owned()))
            .or_default()
            .push(Case {
                line: index + 1,
                url: url.to_owned(),
                chromium: chromium.to_owned(),
            });
    }
    let expected_failures: BTreeSet<String> = read("chromium-expected-failures.txt")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').take(3).collect::<Vec<_>>().join("\t"))
        .collect();

    let (mut total, mut agreed, mut problems) = (0, 0, Vec::new());
    for ((rules, bypass), cases) in &configs {
        let urls: Vec<&str> = cases.iter().map(|c| c.url.as_str()).collect();
        let mut args = vec!["resolve-proxy", "--rules", rules, "--bypass", bypass, "--"];
        args.extend(&urls);
        let ours = stdout_lines(&netsession(&args, ""));
        assert_eq!(
            ours.len(),
            cases.len(),
            "one line per URL for {rules:?} {bypass:?}"
        );
        for (case, ours) in cases.iter().zip(&ours) {
            total += 1;
            let key = format!("{rules}\t{bypass}\t{}", case.url);
            let agrees = *ours == case.chromium;
            agreed += usize::from(agrees);
            match (agrees, expected_failures.contains(&key)) {
                (true, true) => problems.push(format!(
                    "line {}: listed as a known difference but agrees now: {key:?}",
                    case.line
                )),
                (false, false) => problems.push(format!(
                    "line {}: rules {rules:?} bypass {bypass:?} url {}: Chromium {:?}, ours {ours:?}",
                    case.line, case.url, case.chromium
                )),
                _ => {}
            }
        }
    }
    eprintln!("agreement with Chromium 156: {agreed}/{total}");
    assert!(total > 0, "no recorded cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Replays `tests/data/chromium-156-pac.tsv` (made by `tests/data/record_chromium_pac.py`): the
/// scripts of `tests/data/pac/` exercise the helper library, the URL handed to the script and
/// Chromium's parsing of odd result strings. Where Chromium's script failed (it falls back to
/// DIRECT), Electron's mandatory PAC answers the empty string, and so must we.
#[test]
fn pac_agrees_with_recorded_chromium() {
    let table = read("chromium-156-pac.tsv");
    let now = table
        .lines()
        .find_map(|l| l.strip_prefix("# recorded at "))
        .and_then(|l| l.split(' ').next())
        .expect("the table records when it was made");
    let mut scripts: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for (index, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [pac, url, chromium] = fields[..] else {
            panic!("chromium-156-pac.tsv:{}: expected 3 fields", index + 1);
        };
        let electron = if chromium == "FAILED" { "" } else { chromium };
        scripts.entry(pac.to_owned()).or_default().push(Case {
            line: index + 1,
            url: url.to_owned(),
            chromium: electron.to_owned(),
        });
    }
    let (mut total, mut problems) = (0, Vec::new());
    for (pac, cases) in &scripts {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/pac")
            .join(pac);
        let path = path.to_str().unwrap();
        let mut args = vec!["resolve-proxy", "--pac", path, "--now", now, "--"];
        args.extend(cases.iter().map(|c| c.url.as_str()));
        let ours = stdout_lines(&netsession(&args, ""));
        assert_eq!(ours.len(), cases.len(), "one line per URL for {pac}");
        for (case, ours) in cases.iter().zip(&ours) {
            total += 1;
            if *ours != case.chromium {
                problems.push(format!(
                    "line {}: {pac} {}: Chromium {:?}, ours {ours:?}",
                    case.line, case.url, case.chromium
                ));
            }
        }
    }
    eprintln!(
        "PAC agreement with Chromium 156: {}/{total}",
        total - problems.len()
    );
    assert!(total > 40, "the table lost its cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Replays `tests/data/chromium-156-certs.tsv` (made by `tests/data/record_chromium_certs.py`):
/// each chain of `tests/data/certs/` was served to Chromium 156 with only `certs/root.pem`
/// trusted; `verify-cert` at the recorded time must name the same net error.
#[test]
fn certificate_errors_agree_with_recorded_chromium() {
    let table = read("chromium-156-certs.tsv");
    let at = table
        .lines()
        .find_map(|l| l.strip_prefix("# recorded at unix time "))
        .and_then(|l| l.split(' ').next())
        .expect("the table records when it was made");
    let certs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/certs");
    let roots = certs.join("root.pem");
    let (mut total, mut problems) = (0, Vec::new());
    for (index, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        let [case, host, chromium] = fields[..] else {
            panic!("chromium-156-certs.tsv:{}: expected 3 fields", index + 1);
        };
        let chain = certs.join(format!("{case}.pem"));
        let output = netsession(
            &[
                "verify-cert",
                "--host",
                host,
                "--chain",
                chain.to_str().unwrap(),
                "--roots",
                roots.to_str().unwrap(),
                "--at",
                at,
            ],
            "",
        );
        let stdout = String::from_utf8_lossy(&output.stdout);
        let ours = stdout
            .lines()
            .next()
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default();
        let status = output.status.code();
        let expected_status = Some(if chromium == "net::OK" { 0 } else { 1 });
        total += 1;
        if ours != chromium || status != expected_status {
            problems.push(format!(
                "line {}: {case} ({host}): Chromium {chromium}, ours {ours} (exit {status:?})",
                index + 1
            ));
        }
    }
    eprintln!(
        "certificate agreement with Chromium 156: {}/{total}",
        total - problems.len()
    );
    assert!(total > 20, "the table lost its cases");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
