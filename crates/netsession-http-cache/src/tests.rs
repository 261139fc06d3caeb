//! Unit tests: dates, directives, the entry encoding and the checksum, the 304 merge and
//! the stored headers, and the disk writer's bounded queue.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

use crate::client::{MAX_QUEUED, Message, Queue, Sink, Tee};
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

/// Chromium's `kNonUpdatedHeaders` and `kNonUpdatedHeaderPrefixes`, copied from
/// `net/http/http_response_headers.cc` rather than from the implementation, including the
/// hop-by-hop names a loopback origin cannot put on a 304.
#[test]
fn a_304_leaves_chromiums_non_updated_headers_alone() {
    let chromium = [
        "connection",
        "proxy-connection",
        "keep-alive",
        "www-authenticate",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "content-location",
        "content-md5",
        "x-frame-options",
        "x-xss-protection",
        "x-content-type-options",
        "x-content-anything",
        "x-webkit-csp",
        "x-webkit-anything",
    ];
    for name in chromium {
        let mut stored = headers(&[(name, "old")]);
        policy::merge_304(&mut stored, &headers(&[(name, "new")]));
        assert_eq!(stored[name], "old", "{name} was updated");
        let mut stored = HeaderMap::new();
        policy::merge_304(&mut stored, &headers(&[(name, "new")]));
        assert!(!stored.contains_key(name), "{name} was added");
    }
    for name in [
        "x-content",
        "x-webkit",
        "x-contents",
        "content-language",
        "x-frame",
    ] {
        let mut stored = headers(&[(name, "old")]);
        policy::merge_304(&mut stored, &headers(&[(name, "new")]));
        assert_eq!(stored[name], "new", "{name} was not updated");
    }
}

#[test]
fn challenges_cookies_and_hop_by_hop_headers_are_not_stored() {
    let stored = policy::stored_headers(&headers(&[
        ("www-authenticate", "Basic realm=\"a\""),
        ("proxy-authenticate", "Basic realm=\"a\""),
        ("set-cookie", "a=b"),
        ("connection", "close"),
        ("transfer-encoding", "chunked"),
        ("x-kept", "1"),
    ]));
    let names: Vec<&str> = stored.keys().map(HeaderName::as_str).collect();
    assert_eq!(names, ["x-kept"]);
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

/// A network body of `count` chunks of `len` bytes each (chunk `i` filled with `i`).
struct Network {
    body: Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>,
    /// How many chunks were read from it so far.
    pulled: Arc<AtomicUsize>,
    whole: Vec<u8>,
}

fn network(count: usize, len: usize) -> Network {
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&pulled);
    let chunks: Vec<Bytes> = (0..count)
        .map(|i| Bytes::from(vec![i as u8; len]))
        .collect();
    let whole = chunks.concat();
    let body = futures_util::stream::iter(chunks).map(move |chunk| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(chunk)
    });
    Network {
        body: Box::pin(body),
        pulled,
        whole,
    }
}

fn poll_tee(tee: &mut Tee) -> Poll<Option<reqwest::Result<Bytes>>> {
    let mut cx = Context::from_waker(Waker::noop());
    Pin::new(tee).poll_next(&mut cx)
}

/// Polls until the tee stalls or ends, collecting what the caller gets; true if it ended.
fn drain_caller(tee: &mut Tee, delivered: &mut Vec<u8>) -> bool {
    loop {
        match poll_tee(tee) {
            Poll::Ready(Some(Ok(chunk))) => delivered.extend_from_slice(&chunk),
            Poll::Ready(Some(Err(error))) => panic!("body failed: {error}"),
            Poll::Ready(None) => return true,
            Poll::Pending => return false,
        }
    }
}

#[test]
fn a_slow_disk_writer_holds_back_the_network_read() {
    const LEN: usize = 64 * 1024;
    const COUNT: usize = 64;
    let fit = MAX_QUEUED as usize / LEN;
    let Network {
        body,
        pulled,
        whole,
    } = network(COUNT, LEN);
    let (queue, writer) = Queue::new();
    let mut tee = Tee::new(body, Sink::Worker(queue), Some(whole.len() as u64));

    // Nothing is written: the queue fills, then the tee stops reading the network (the chunk
    // that did not fit waits, undelivered) instead of buffering the 4 MiB body.
    let mut delivered = Vec::new();
    assert!(
        !drain_caller(&mut tee, &mut delivered),
        "the body cannot end"
    );
    assert_eq!(writer.queued(), MAX_QUEUED as usize);
    assert_eq!(delivered.len(), fit * LEN);
    assert_eq!(pulled.load(Ordering::SeqCst), fit + 1);
    assert!(!drain_caller(&mut tee, &mut delivered));
    assert_eq!(pulled.load(Ordering::SeqCst), fit + 1, "read on while full");

    // The writer writes one chunk at a time; the queue never holds more than its bound and
    // the network is never more than the queue (plus the waiting chunk) ahead of the disk.
    let (mut written, mut chunks_written, mut committed) = (Vec::new(), 0, false);
    let mut ended = false;
    for _ in 0..10 * COUNT {
        match writer.try_recv() {
            Some(Message::Chunk(chunk, permit)) => {
                written.extend_from_slice(&chunk);
                chunks_written += 1;
                drop(permit);
            }
            Some(Message::Commit(done)) => {
                committed = true;
                done.send(()).unwrap();
            }
            None => {}
        }
        ended = drain_caller(&mut tee, &mut delivered);
        assert!(writer.queued() <= MAX_QUEUED as usize);
        assert!(pulled.load(Ordering::SeqCst) <= chunks_written + fit + 1);
        if ended {
            break;
        }
    }
    assert!(ended, "the body never ended");
    assert!(committed, "the entry was never committed");
    assert!(
        written == whole,
        "the writer got other bytes than the network's"
    );
    assert!(
        delivered == whole,
        "the caller got other bytes than the network's"
    );
}

#[test]
fn a_writer_that_gives_up_does_not_stall_the_body() {
    let Network { body, whole, .. } = network(64, 64 * 1024);
    let (queue, writer) = Queue::new();
    let mut tee = Tee::new(body, Sink::Worker(queue), None);
    let mut delivered = Vec::new();
    assert!(!drain_caller(&mut tee, &mut delivered));
    assert_eq!(writer.queued(), MAX_QUEUED as usize);
    // The writer fails (a full disk, a panic): the waiting tee drops the entry and the
    // caller reads the rest of the body from the network.
    drop(writer);
    assert!(drain_caller(&mut tee, &mut delivered));
    assert!(delivered == whole);
}

#[test]
fn a_chunk_larger_than_the_queue_goes_alone() {
    let len = 3 * MAX_QUEUED as usize;
    let Network { body, whole, .. } = network(2, len);
    let (queue, writer) = Queue::new();
    let mut tee = Tee::new(body, Sink::Worker(queue), None);
    let mut delivered = Vec::new();
    assert!(!drain_caller(&mut tee, &mut delivered));
    assert_eq!(delivered.len(), len, "the first chunk is queued whole");
    assert_eq!(writer.queued(), MAX_QUEUED as usize);
    let Some(Message::Chunk(first, permit)) = writer.try_recv() else {
        panic!("the first chunk was not queued");
    };
    assert_eq!(first.len(), len);
    drop(permit);
    assert!(!drain_caller(&mut tee, &mut delivered));
    assert!(delivered == whole);
}
