//! Replays every input kept in `tests/data/fuzz-regressions/` through the fuzz check, and a
//! few generated ones.

use std::path::Path;
use std::time::{Duration, Instant};

use netsession_pac::fuzz;

#[test]
fn fuzz_regressions_replay() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz-regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let started = Instant::now();
        if name.starts_with("pac_eval") {
            fuzz::pac_eval(&data);
            replayed += 1;
        } else {
            assert!(name == "README.md", "unknown regression file {name}");
        }
        // A generous bound: a regression that hangs is a failure, not a slow test.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name} took too long"
        );
    }
    assert!(replayed >= 4);
}

#[test]
fn fuzz_check_takes_odd_bytes() {
    for data in [
        &b""[..],
        b"\n",
        b"\0\0\0",
        b"\xff\xfe function FindProxyForURL(){}\nnot a url",
        b"function FindProxyForURL(u,h){return u}\nhttps://a:b@[::1]:9/x?y#z",
        b"function FindProxyForURLEx(u,h){return sortIpAddressList(dnsResolveEx(h))}\nhttp://example.com/",
        b"function FindProxyForURL(u,h){return myIpAddressEx() + isInNet(h, '1.2.3.4', '255.0.0.0')}\nhttp://example.com/",
    ] {
        fuzz::pac_eval(data);
    }
}
