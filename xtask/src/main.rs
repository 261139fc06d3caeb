//! Workspace automation, run as `cargo xtask <task>`.
//!
//! - `ci`: everything CI checks, in the order that fails fastest: rustfmt, clippy (warnings
//!   denied), the tests (with the benches run once each as smoke tests), `cargo doc` (warnings
//!   denied), `cargo deny`, and a short run of every fuzz target.
//! - `fuzz [TARGET] [SECONDS]`: run one fuzz target (or all) for a while (default 60 s).
//! - `bench [ARGS..]`: `cargo bench` over the workspace, arguments passed to criterion.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

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
        _ => Err("usage: cargo xtask ci | fuzz [TARGET] [SECONDS] | bench [CRITERION ARGS]".into()),
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
