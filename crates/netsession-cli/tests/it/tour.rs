//! `netsession tour`: the README's first command runs offline, step by step, to exit 0.

use std::path::Path;

use crate::netsession;

#[test]
fn the_tour_passes_every_step_and_cleans_up() {
    let started = std::time::Instant::now();
    let out = netsession(&["tour"], "");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    for step in [
        "persistence",
        "cache",
        "cookies",
        "proxy",
        "download",
        "latency",
    ] {
        let prefix = format!("✓ {step}: ");
        assert!(
            stdout.lines().any(|line| line.starts_with(&prefix)),
            "no line for {step}:\n{stdout}"
        );
    }
    assert!(!stdout.contains('✗'), "{stdout}");
    let line = |prefix: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(prefix))
            .unwrap()
            .to_owned()
    };
    assert!(
        line("✓ cache:").contains("the origin saw 1 request"),
        "{stdout}"
    );
    assert!(line("✓ download:").contains("Range: bytes="), "{stdout}");
    assert!(stdout.contains("PROXY proxy.corp:3128"), "{stdout}");
    assert!(
        stdout.contains("bypassed by the rule *.internal"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("all 6 steps passed")
    );
    // A few seconds, even on a slow machine.
    assert!(started.elapsed().as_secs() < 30);

    // The temporary data directory is gone.
    let first = stdout.lines().next().unwrap();
    let dir = first
        .split("sessions in ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(" (temporary)"))
        .unwrap();
    assert!(!Path::new(dir).exists(), "{dir} was left behind");
}

#[test]
fn the_tour_keeps_a_given_data_dir_and_hides_its_helper() {
    let dir = netsession_test_support::TempDir::new("tour-data-dir");
    let out = netsession(&["--data-dir", dir.path().to_str().unwrap(), "tour"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The persistent partition is on disk, where a later run finds it.
    assert!(dir.path().join("Partitions").join("tour").is_dir());
    assert!(
        dir.path()
            .join("tour-downloads")
            .join("tour-4MiB.bin")
            .is_file()
    );

    let help = netsession(&["--help"], "");
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("tour"));
    assert!(!help.contains("tour-step"), "{help}");
}
