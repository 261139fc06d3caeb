//! Integration tests of the `netsession` binary, run as a child process.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is how a test fails"
)]

mod cache;
mod chromium;
mod cookies;
mod download;
mod fetch;
mod pac;
mod resolve_proxy;
mod tour;
mod verify_cert;

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `netsession` with `args`, feeding `stdin`, and returns its output.
pub(crate) fn netsession(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_netsession"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_owned();
    // Write from another thread so a large input cannot deadlock against a full stdout pipe.
    let writer = std::thread::spawn(move || input.write_all(stdin.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    output
}

pub(crate) fn stdout_lines(output: &Output) -> Vec<String> {
    assert!(
        output.status.success(),
        "netsession failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}
