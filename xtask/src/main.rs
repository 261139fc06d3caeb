//! Workspace automation, run as `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks, in the order that fails fastest: rustfmt, clippy (warnings
//!   denied), the tests (with the benches run once each as smoke tests), `cargo doc` (warnings
//!   denied), `cargo deny`, and a short run of every fuzz target.
//! - `fuzz [TARGET] [SECONDS]`: run one fuzz target (or all) for a while (default 60 s).
//! - `bench [ARGS..]`: `cargo bench` over the workspace, arguments passed to criterion.
//! - `pactester [PAC] [URLS]`: the whole-process comparison with Debian's `pactester`
//!   (package `libpacparser1`): builds `netsession` in release, runs `pactester -p PAC -f URLS`
//!   and `netsession resolve-proxy --pac PAC < URLS` (best of 3 each), diffs their answers URL
//!   by URL, and prints URLs per second for each and the ratio. The files default to the PAC
//!   bench's `crates/netsession-pac/benches/data/corp.pac` and `urls.txt`. Not run by CI:
//!   it needs `pactester` installed and an idle machine.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use netsession_proxy_rules::ProxyList;

const USAGE: &str = "usage: cargo xtask ci | fuzz [TARGET] [SECONDS] | bench [CRITERION ARGS] \
                     | pactester [PAC] [URLS]";

/// Every fuzz target in `fuzz/fuzz_targets/`; `tidy` checks this list is complete.
const FUZZ_TARGETS: [&str; 10] = [
    "proxy_rules_parse",
    "proxy_list_parse",
    "bypass_parse",
    "bypass_match",
    "pac_eval",
    "cookies_store",
    "http_cache_date",
    "http_cache_entry",
    "auth_challenges",
    "match_pattern",
];

/// Seconds each fuzz target runs in CI: enough to catch shallow regressions, cheap on 2 cores.
const CI_FUZZ_SECONDS: u32 = 15;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("ci") => ci(),
        Some("fuzz") => {
            let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(60);
            match args.get(1) {
                Some(target) => fuzz(target, seconds),
                None => FUZZ_TARGETS.iter().try_for_each(|t| fuzz(t, seconds)),
            }
        }
        Some("bench") => run(cargo()
            .arg("bench")
            .arg("--workspace")
            .arg("--")
            .args(args.iter().skip(1))),
        Some("pactester") => pactester(args.get(1), args.get(2)),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            report(&format!("xtask: {message}"));
            ExitCode::FAILURE
        }
    }
}

fn ci() -> Result<(), String> {
    tidy()?;
    step("rustfmt", cargo().args(["fmt", "--all", "--", "--check"]))?;
    step(
        "clippy",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // Each crate is published alone: it must build without the features its workspace
    // neighbours happen to turn on for shared dependencies.
    for krate in crates()? {
        step(
            &format!("{krate} alone"),
            cargo().args([
                "check",
                "--all-targets",
                "--no-default-features",
                "-p",
                &krate,
            ]),
        )?;
    }
    // Every feature, so that the optional ones (the facade's `ntlm`) are tested too.
    step(
        "tests",
        cargo().args(["test", "--workspace", "--all-targets", "--all-features"]),
    )?;
    step("doctests", cargo().args(["test", "--workspace", "--doc"]))?;
    step(
        "docs",
        cargo()
            .args(["doc", "--workspace", "--no-deps", "--all-features"])
            .env("RUSTDOCFLAGS", "-D warnings"),
    )?;
    step(
        "cargo deny",
        Command::new("cargo-deny").args(["--all-features", "check", "licenses", "bans", "sources"]),
    )?;
    for target in FUZZ_TARGETS {
        fuzz(target, CI_FUZZ_SECONDS)?;
    }
    report("xtask ci: all checks passed");
    Ok(())
}

/// Runs one fuzz target for `seconds` on stable Rust: cargo-fuzz needs `-Z` flags, which
/// `RUSTC_BOOTSTRAP=1` allows; no sanitizer is needed for this crate's safe code, and debug
/// assertions catch arithmetic overflow.
fn fuzz(target: &str, seconds: u32) -> Result<(), String> {
    let root = root();
    let corpus = root.join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus).map_err(|e| format!("creating {}: {e}", corpus.display()))?;
    step(
        &format!("fuzz {target} ({seconds} s)"),
        Command::new("cargo")
            .current_dir(root.join("fuzz"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args([
                "fuzz",
                "run",
                "--sanitizer",
                "none",
                "--debug-assertions",
                target,
            ])
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-max_len=4096")
            .arg("-timeout=10"),
    )
}

/// The names of the crates in `crates/` (folder name = crate name).
fn crates() -> Result<Vec<String>, String> {
    let dir = root().join("crates");
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// Style checks that are cheaper as code than as review comments.
fn tidy() -> Result<(), String> {
    let root = root();
    let targets = root.join("fuzz/fuzz_targets");
    let entries = std::fs::read_dir(&targets).map_err(|e| format!("{}: {e}", targets.display()))?;
    for entry in entries.flatten() {
        let name = entry
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if !FUZZ_TARGETS.contains(&name.as_str()) {
            return Err(format!(
                "fuzz target {name} is missing from FUZZ_TARGETS in xtask"
            ));
        }
    }
    Ok(())
}

/// The PAC bench's files, the default subjects of `cargo xtask pactester`.
const BENCH_PAC: &str = "crates/netsession-pac/benches/data/corp.pac";
const BENCH_URLS: &str = "crates/netsession-pac/benches/data/urls.txt";

const NO_PACTESTER: &str = "pactester is not installed (no pactester on PATH): on Debian or \
                            Ubuntu, `apt-get install libpacparser1` provides /usr/bin/pactester";

/// How often each program runs; the best run counts, as the others measured the machine's
/// other work too.
const PACTESTER_RUNS: usize = 3;

/// Times `pactester` against `netsession resolve-proxy` on one PAC file and URL list, whole
/// processes, and diffs their answers.
///
/// Both programs must see the same world for the answers to compare: `pactester` resolves
/// names and reads the clock itself, so the file should use neither DNS (`dnsResolve`,
/// `isResolvable`, `isInNet` on host names) nor the time helpers, as the bench file does.
/// Where answers differ, the mismatches are listed and the task fails after the figures.
fn pactester(pac: Option<&String>, urls: Option<&String>) -> Result<(), String> {
    let root = root();
    // The programs run in the workspace root: paths given on the command line are relative to
    // where the task was started.
    let given = |path: &String| std::path::absolute(path).map_err(|e| format!("{path}: {e}"));
    let pac = pac.map_or_else(|| Ok(root.join(BENCH_PAC)), given)?;
    let urls = urls.map_or_else(|| Ok(root.join(BENCH_URLS)), given)?;
    let Some(pactester) = find_on_path("pactester") else {
        return Err(NO_PACTESTER.to_owned());
    };
    let list = std::fs::read_to_string(&urls).map_err(|e| format!("{}: {e}", urls.display()))?;
    let wanted: Vec<&str> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(format!("{} lists no URL", urls.display()));
    }
    step(
        "build netsession (release)",
        cargo().args([
            "build",
            "--release",
            "-p",
            "netsession-cli",
            "--bin",
            "netsession",
        ]),
    )?;
    let netsession = root.join("target/release/netsession");

    let mut theirs = Timing::default();
    let mut ours = Timing::default();
    let (mut their_output, mut our_output) = (String::new(), String::new());
    for run in 1..=PACTESTER_RUNS {
        report(&format!("==> run {run} of {PACTESTER_RUNS}"));
        let mut command = Command::new(&pactester);
        command.arg("-p").arg(&pac).arg("-f").arg(&urls);
        their_output = timed(&mut command, None, &mut theirs)?;
        let mut command = Command::new(&netsession);
        command.arg("resolve-proxy").arg("--pac").arg(&pac);
        our_output = timed(&mut command, Some(&urls), &mut ours)?;
    }

    let mismatches = compare_answers(&wanted, &their_output, &our_output)?;
    let count = wanted.len();
    let line = |name: &str, timing: &Timing| {
        let rate = count as f64 / timing.wall.as_secs_f64().max(1e-9);
        let cpu = timing.cpu.map_or_else(
            || "unknown".to_owned(),
            |cpu| format!("{:.3} s", cpu.as_secs_f64()),
        );
        format!(
            "{name:<12} {:>8.3} s wall (best of {PACTESTER_RUNS}), {cpu} CPU, {rate:>10.0} URLs/s",
            timing.wall.as_secs_f64()
        )
    };
    let ratio = theirs.wall.as_secs_f64() / ours.wall.as_secs_f64().max(1e-9);
    // The figures are the task's output: standard out, so that they can be saved.
    let mut out = std::io::stdout().lock();
    let lines = [
        format!("{count} URLs, {}", pac.display()),
        line("pactester", &theirs),
        line("netsession", &ours),
        format!("netsession answers {ratio:.1} times as many URLs per second (target: 50)"),
        format!("answers differing: {mismatches} of {count}"),
    ];
    for text in lines {
        use std::io::Write;
        writeln!(out, "{text}").map_err(|e| format!("writing the figures: {e}"))?;
    }
    if mismatches > 0 {
        return Err(format!(
            "{mismatches} answers differ between pactester and netsession"
        ));
    }
    Ok(())
}

/// The best wall-clock time of the runs so far and the CPU time of that run.
#[derive(Default)]
struct Timing {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Runs `command` (standard input from `input`, standard output captured), records its time
/// into `best` if it beat the earlier runs, and returns its output.
fn timed(command: &mut Command, input: Option<&Path>, best: &mut Timing) -> Result<String, String> {
    let stdin = match input {
        Some(path) => {
            Stdio::from(std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?)
        }
        None => Stdio::null(),
    };
    let cpu_before = children_cpu_time();
    let started = Instant::now();
    let output = command
        .current_dir_if_unset(&root())
        .stdin(stdin)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    let wall = started.elapsed();
    let cpu = children_cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    if !output.status.success() {
        return Err(format!("{command:?} failed: {}", output.status));
    }
    report(&format!(
        "    {:?}: {:.3} s",
        command.get_program(),
        wall.as_secs_f64()
    ));
    if best.wall.is_zero() || wall < best.wall {
        *best = Timing { wall, cpu };
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{command:?} printed non-UTF-8: {e}"))
}

/// The user and system time of the children this process has waited for, from
/// `/proc/self/stat` (fields 16 and 17, in ticks of `USER_HZ`, which Linux fixes at 100 on
/// every common architecture). `None` elsewhere.
fn children_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3, so field N is at index N - 3.
    let ticks: u64 = fields.get(13)?.parse::<u64>().ok()? + fields.get(14)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Compares the two programs' answers for `urls`, reports the first mismatches, and returns
/// how many there are.
///
/// `pactester -f` prints `URL : RESULT` per URL, the result as the script returned it;
/// `netsession` prints one canonical answer per line, in input order.
fn compare_answers(urls: &[&str], theirs: &str, ours: &str) -> Result<usize, String> {
    let theirs: Vec<&str> = theirs.lines().collect();
    let ours: Vec<&str> = ours.lines().collect();
    if theirs.len() != urls.len() || ours.len() != urls.len() {
        return Err(format!(
            "{} URLs, but pactester printed {} lines and netsession {}",
            urls.len(),
            theirs.len(),
            ours.len()
        ));
    }
    let mut mismatches = 0;
    for ((url, their_line), our_line) in urls.iter().zip(theirs).zip(ours) {
        let their_answer = match their_line.split_once(" : ") {
            // pactester prints what the script returned; Chromium (and so resolve-proxy)
            // answers that string parsed as a proxy list and printed back.
            Some((echoed, answer)) if echoed == *url => {
                ProxyList::from_pac_string(answer).to_string()
            }
            _ => return Err(format!("pactester answered {their_line:?} for {url}")),
        };
        if their_answer != our_line {
            mismatches += 1;
            if mismatches <= 20 {
                report(&format!(
                    "mismatch for {url}: pactester {their_answer:?}, netsession {our_line:?}"
                ));
            }
        }
    }
    Ok(mismatches)
}

/// The first executable file called `name` in a directory of `PATH`.
fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = env::var_os("PATH")?;
    env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn step(name: &str, command: &mut Command) -> Result<(), String> {
    report(&format!("==> {name}"));
    let started = Instant::now();
    run(command)?;
    report(&format!(
        "<== {name}: {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command
        .current_dir_if_unset(&root())
        .status()
        .map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}"))
    }
}

fn cargo() -> Command {
    Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn root() -> PathBuf {
    // `CARGO_MANIFEST_DIR` is `xtask/`, whose parent is the workspace root.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn report(line: &str) {
    use std::io::Write;
    // Progress lines go to standard error so that test output on standard out stays clean.
    let _ = writeln!(std::io::stderr(), "{line}");
}

trait CurrentDirIfUnset {
    fn current_dir_if_unset(&mut self, dir: &Path) -> &mut Self;
}

impl CurrentDirIfUnset for Command {
    fn current_dir_if_unset(&mut self, dir: &Path) -> &mut Self {
        if self.get_current_dir().is_none() {
            self.current_dir(dir);
        }
        self
    }
}
