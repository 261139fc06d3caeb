//! The caching rules as a table (`tests/data/rules.tsv`): each row stores a response, moves
//! the clock, asks again, and states what the cache must do. Known gaps are listed in
//! `tests/data/rules-expected-failures.txt`, and the test fails when a listed row passes.

use std::collections::BTreeSet;
use std::time::Duration;

use netsession_test_support::{Reply, TestServer};

use crate::{fetch, memory_client};

struct Row {
    name: String,
    status: u16,
    response: Vec<(String, String)>,
    first: Vec<(String, String)>,
    second: Vec<(String, String)>,
    advance: u64,
    outcome: String,
    second_status: u16,
}

fn pairs(text: &str) -> Vec<(String, String)> {
    text.split('|')
        .map(str::trim)
        .filter(|item| !item.is_empty() && *item != "-")
        .map(|item| {
            let (name, value) = item.split_once(':').unwrap();
            let value = value.trim().replace("START_DATE", crate::START_DATE);
            (name.trim().to_owned(), value)
        })
        .collect()
}

fn rows() -> Vec<Row> {
    include_str!("../data/rules.tsv")
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 8, "row {line:?} needs 8 tab-separated cells");
            Row {
                name: cells[0].to_owned(),
                status: cells[1].parse().unwrap(),
                response: pairs(cells[2]),
                first: pairs(cells[3]),
                second: pairs(cells[4]),
                advance: cells[5].parse().unwrap(),
                outcome: cells[6].to_owned(),
                second_status: cells[7].parse().unwrap(),
            }
        })
        .collect()
}

/// Runs one row; `Err` says how it failed.
async fn check(row: &Row) -> Result<(), String> {
    let status = row.status;
    let response = row.response.clone();
    let origin = TestServer::start(move |request| {
        let conditional = request.header("if-none-match").is_some()
            || request.header("if-modified-since").is_some();
        let mut reply = if conditional {
            Reply::status(304)
        } else {
            Reply::status(status).body("body")
        };
        for (name, value) in &response {
            reply = reply.header(name, value);
        }
        reply
    })
    .await;
    let (client, clock) = memory_client();
    let url = origin.url("/resource").to_string();
    let as_refs = |pairs: &[(String, String)]| -> Vec<(String, String)> { pairs.to_vec() };
    let first: Vec<(String, String)> = as_refs(&row.first);
    let first: Vec<(&str, &str)> = first
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let seen = fetch(&client, &url, &first).await;
    if seen.status != row.status {
        return Err(format!(
            "first status {} (expected {})",
            seen.status, row.status
        ));
    }
    clock.advance(Duration::from_secs(row.advance));
    let second: Vec<(&str, &str)> = row
        .second
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let seen = fetch(&client, &url, &second).await;
    let outcome = seen.cache.to_string();
    if outcome != row.outcome || seen.status != row.second_status {
        return Err(format!(
            "second request: {outcome} {} (expected {} {})",
            seen.status, row.outcome, row.second_status
        ));
    }
    if seen.status == 200 && seen.body != b"body" {
        return Err(format!(
            "second body {:?}",
            String::from_utf8_lossy(&seen.body)
        ));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_table() {
    let expected_failures: BTreeSet<&str> = include_str!("../data/rules-expected-failures.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let mut problems = Vec::new();
    let rows = rows();
    assert!(rows.len() >= 40, "the table lost rows");
    for row in &rows {
        let result = check(row).await;
        match (result, expected_failures.contains(row.name.as_str())) {
            (Ok(()), true) => problems.push(format!(
                "{}: passes, remove it from the expected failures",
                row.name
            )),
            (Err(why), false) => problems.push(format!("{}: {why}", row.name)),
            _ => {}
        }
    }
    for name in &expected_failures {
        assert!(
            rows.iter().any(|row| row.name == *name),
            "unknown expected failure {name}"
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
