//! Unit tests: dates, directives, the entry encoding and the checksum.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

use crate::date::{format_http_date, parse_http_date};
use crate::directives::{Directives, split_list};
use crate::meta::{Checksum, EntryHeader, Meta};
use crate::policy;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

#[test]
fn three_date_forms_and_lenient_variants() {
    let expected = Some(at(784_111_777));
    for text in [
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun,  06 Nov 1994   08:49:37 GMT",
        "06 Nov 1994 08:49:37",
        "Mon, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 09:49:37 +0100",
        "sun, 06 nov 1994 08:49:37 gmt",
    ] {
        assert_eq!(parse_http_date(text), expected, "{text}");
    }
    for text in [
        "",
        "0",
        "-1",
        "yesterday",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:00:00 GMT",
    ] {
        assert_eq!(parse_http_date(text), None, "{text}");
    }
    assert_eq!(
        parse_http_date("Thu, 01 Jan 1950 00:00:00 GMT"),
        Some(UNIX_EPOCH)
    );
}

#[test]
fn formats_imf_fixdate() {
    assert_eq!(
        format_http_date(at(784_111_777)),
        "Sun, 06 Nov 1994 08:49:37 GMT"
    );
    assert_eq!(
        format_http_date(UNIX_EPOCH),
        "Thu, 01 Jan 1970 00:00:00 GMT"
    );
    assert_eq!(
        format_http_date(at(1_795_852_800)),
        "Sat, 28 Nov 2026 08:00:00 GMT"
    );
    for seconds in [0, 59, 86_399, 951_782_400, 4_102_444_800] {
        assert_eq!(
            parse_http_date(&format_http_date(at(seconds))),
            Some(at(seconds))
        );
    }
}

#[test]
fn directives_are_case_insensitive_and_quote_aware() {
    let d = Directives::response(&headers(&[
        ("cache-control", "No-CaChE, MAX-AGE=60"),
        ("cache-control", "private=\"a, b\", max-age=5"),
    ]));
    assert!(d.has("no-cache"));
    assert!(d.has("private"));
    assert_eq!(d.seconds("max-age"), Some(60));
    assert_eq!(d.seconds("s-maxage"), None);
    let d = Directives::response(&headers(&[(
        "cache-control",
        "max-age=abc, min-fresh=99999999999999999999999",
    )]));
    assert_eq!(d.seconds("max-age"), Some(0));
    assert_eq!(d.seconds("min-fresh"), Some(u64::MAX));
    assert_eq!(split_list(r#" a , "b,c" ,, d"#), vec!["a", "\"b,c\"", "d"]);
    let request = Directives::request(&headers(&[("pragma", "No-Cache")]));
    assert!(request.has("no-cache"));
    let request = Directives::request(&headers(&[
        ("pragma", "no-cache"),
        ("cache-control", "max-age=5"),
    ]));
    assert!(!request.has("no-cache"));
}

#[test]
fn age_uses_the_first_value() {
    assert_eq!(policy::age_value(&headers(&[("age", "7200, 0")])), 7200);
    assert_eq!(
        policy::age_value(&headers(&[("age", "7200"), ("age", "0")])),
        7200
    );
    assert_eq!(policy::age_value(&headers(&[("age", "-5")])), 0);
    assert_eq!(policy::age_value(&headers(&[("age", "1.5")])), 0);
}

fn meta() -> Meta {
    Meta {
        key: "http://example.com/a?b".to_owned(),
        status: StatusCode::OK,
        version: Version::HTTP_11,
        request_time: at(1_000),
        response_time: at(1_001),
        headers: headers(&[
            ("etag", "\"x\""),
            ("vary", "accept"),
            ("x-two", "1"),
            ("x-two", "2"),
        ]),
        vary: vec![
            (
                HeaderName::from_static("accept"),
                Some(b"text/html".to_vec()),
            ),
            (HeaderName::from_static("cookie"), None),
        ],
    }
}

#[test]
fn meta_round_trips_and_rejects_damage() {
    let original = meta();
    let encoded = original.encode();
    let decoded = Meta::decode(&encoded).unwrap();
    assert_eq!(decoded.encode(), encoded);
    assert_eq!(decoded.headers.get_all("x-two").iter().count(), 2);
    for len in 0..encoded.len() {
        assert!(Meta::decode(&encoded[..len]).is_none(), "prefix {len}");
    }
    let header = EntryHeader {
        meta_len: 10,
        body_len: 20,
        body_sum: 3,
        meta_sum: 4,
    };
    assert_eq!(EntryHeader::decode(&header.encode()), Some(header));
    assert_eq!(header.entry_len(), 66);
}

#[test]
fn checksum_ignores_chunking_and_sees_changes() {
    let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let whole = Checksum::of(&data);
    for split in [1, 7, 31, 32, 33, 4095, 9999] {
        let mut sum = Checksum::default();
        for chunk in data.chunks(split) {
            sum.update(chunk);
        }
        assert_eq!(sum.finish(), whole, "chunks of {split}");
    }
    let mut flipped = data.clone();
    flipped[5000] ^= 1;
    assert_ne!(Checksum::of(&flipped), whole);
    assert_ne!(Checksum::of(&data[..9999]), whole);
}

#[test]
fn merging_a_304_keeps_the_body_headers() {
    let mut stored = headers(&[
        ("content-length", "5"),
        ("content-type", "text/plain"),
        ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
        ("x-old", "1"),
    ]);
    policy::merge_304(
        &mut stored,
        &headers(&[
            ("content-length", "0"),
            ("content-type", "text/html"),
            ("date", "Mon, 07 Nov 1994 08:49:37 GMT"),
            ("x-new", "2"),
            ("set-cookie", "a=b"),
        ]),
    );
    assert_eq!(stored["content-length"], "5");
    assert_eq!(stored["content-type"], "text/plain");
    assert_eq!(stored["date"], "Mon, 07 Nov 1994 08:49:37 GMT");
    assert_eq!(stored["x-old"], "1");
    assert_eq!(stored["x-new"], "2");
    assert!(!stored.contains_key("set-cookie"));
}

#[test]
fn validator_less_304_matches() {
    let stored = headers(&[
        ("etag", "\"a\""),
        ("last-modified", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ]);
    assert!(policy::matches_304(&stored, &HeaderMap::new()));
    assert!(policy::matches_304(
        &stored,
        &headers(&[("etag", "W/\"a\"")])
    ));
    assert!(!policy::matches_304(
        &stored,
        &headers(&[("etag", "\"b\"")])
    ));
    // An entity tag the stored response lacks does not stop the match, as in browsers.
    assert!(policy::matches_304(
        &HeaderMap::new(),
        &headers(&[("etag", "\"b\"")])
    ));
    assert!(!policy::matches_304(
        &stored,
        &headers(&[("last-modified", "Mon, 07 Nov 1994 08:49:37 GMT")])
    ));
    assert!(policy::matches_304(
        &stored,
        &headers(&[("last-modified", "Sunday, 06-Nov-94 08:49:37 GMT")])
    ));
}

/// A short deterministic stand-in for the fuzz targets: random and mutated inputs.
#[test]
fn fuzz_checks_hold_on_random_inputs() {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds: Vec<Vec<u8>> = vec![
        b"Sun, 06 Nov 1994 08:49:37 GMT".to_vec(),
        b"Sunday, 06-Nov-94 08:49:37 GMT".to_vec(),
        b"Sun Nov  6 08:49:37 1994".to_vec(),
        meta().encode(),
    ];
    for round in 0..20_000 {
        let mut input = seeds[round % seeds.len()].clone();
        for _ in 0..(next() % 4) {
            if input.is_empty() {
                break;
            }
            let at = (next() % input.len() as u64) as usize;
            match next() % 3 {
                0 => input[at] = next() as u8,
                1 => {
                    input.remove(at);
                }
                _ => input.insert(at, b"0123456789 :-,+GMTNov"[(next() % 21) as usize]),
            }
        }
        crate::fuzz::http_date(&input);
        crate::fuzz::entry(&input);
    }
}
