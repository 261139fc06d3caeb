//! Chromium's PAC behaviour, case by case, from the tables in `tests/data/`.

use std::cell::RefCell;
use std::collections::HashMap;

use netsession_pac::PacScript;
use url::Url;

use crate::check::check;
use crate::env::builder;

const TRIVIAL: &str = "function FindProxyForURL(url, host) { return 'DIRECT'; }";

#[test]
fn helpers() {
    // One loaded script per clock, as a table uses few clocks.
    let scripts: RefCell<HashMap<String, PacScript>> = RefCell::default();
    let n = check("helpers.txt", |case| {
        let script = scripts
            .borrow_mut()
            .entry(case.arg.to_owned())
            .or_insert_with(|| builder(TRIVIAL, case.arg).build().unwrap())
            .clone();
        match script.eval_expression(&case.input) {
            Ok(value) => value,
            Err(error) => format!("throws {}", error.message()),
        }
    });
    assert!(n >= 200, "{n} cases");
}

#[test]
fn results() {
    check("results.txt", |case| {
        let source = format!("function FindProxyForURL(url, host) {{\n{}\n}}", case.input);
        let script = builder(&source, "").build().unwrap();
        match script.find_proxy(&Url::parse(case.arg).unwrap()) {
            Ok(list) => list.to_string(),
            Err(error) => format!("error {:?}: {}", error.kind(), error.message()),
        }
    });
}

#[test]
fn script_arguments() {
    let script = builder(
        "function FindProxyForURL(url, host) { return url + ' ' + host; }",
        "",
    )
    .build()
    .unwrap();
    check("url.txt", |case| {
        script
            .find_proxy_string(&Url::parse(&case.input).unwrap())
            .unwrap()
    });
}
