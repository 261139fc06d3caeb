use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::constants::Tables;
use super::writer::CLOSING;
use super::*;

fn temp_path(name: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "netsession-netlog-{}-{}-{name}.json",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// What the NetLog viewer loads from a file.
#[derive(Debug)]
struct Loaded {
    events: Vec<Value>,
    /// Events the viewer drops ("Unable to load N events").
    dropped: usize,
    /// The file needed the truncation repair ("Log file truncated").
    truncated: bool,
}

/// The viewer's loader (catapult `log_util.js` `loadLogFile` and `loadLogDump`): parse, or
/// cut at the last `",\n"` and append `]}`; check the constants; keep the events whose
/// `time` is a string and whose `type`, `source.type` and `phase` are in the tables.
fn viewer_load(text: &str) -> Result<Loaded, String> {
    let (dump, truncated) = match serde_json::from_str::<Value>(text) {
        Ok(dump) => (dump, false),
        Err(_) => {
            let end = [text.rfind(",\n"), text.rfind(",\r")]
                .into_iter()
                .flatten()
                .max()
                .ok_or("not JSON, and nothing to cut at")?;
            let repaired = format!("{}]}}", &text[..end]);
            let dump = serde_json::from_str(&repaired)
                .map_err(|error| format!("the repaired log is not JSON: {error}"))?;
            (dump, true)
        }
    };
    let constants = dump
        .get("constants")
        .and_then(Value::as_object)
        .ok_or("no constants object")?;
    let events = dump
        .get("events")
        .and_then(Value::as_array)
        .ok_or("no events array")?;
    for key in [
        "logEventTypes",
        "clientInfo",
        "logEventPhase",
        "logSourceType",
        "loadFlag",
        "netError",
        "addressFamily",
    ] {
        if !constants.get(key).is_some_and(Value::is_object) {
            return Err(format!("Invalid constants object: no {key}"));
        }
    }
    let offset_ok = match constants.get("timeTickOffset") {
        Some(Value::Number(_)) => true,
        Some(Value::String(text)) => text.parse::<f64>().is_ok(),
        _ => false,
    };
    if !offset_ok {
        return Err("Invalid constants object: timeTickOffset".into());
    }
    if constants.get("logFormatVersion") != Some(&Value::from(1)) {
        return Err("Invalid constants object: logFormatVersion".into());
    }
    let values = |key: &str| -> HashSet<i64> {
        constants[key]
            .as_object()
            .map(|table| table.values().filter_map(Value::as_i64).collect())
            .unwrap_or_default()
    };
    let (types, sources, phases) = (
        values("logEventTypes"),
        values("logSourceType"),
        values("logEventPhase"),
    );
    let in_table = |value: Option<&Value>, table: &HashSet<i64>| {
        value
            .and_then(Value::as_i64)
            .is_some_and(|value| table.contains(&value))
    };
    let mut kept = Vec::new();
    let mut dropped = 0;
    for event in events {
        if event.get("wasPassivelyCaptured").is_some() {
            continue;
        }
        let source = event.get("source");
        let ok = source.is_some_and(Value::is_object)
            && event.get("time").is_some_and(Value::is_string)
            && in_table(event.get("type"), &types)
            && in_table(source.and_then(|source| source.get("type")), &sources)
            && in_table(event.get("phase"), &phases);
        if ok {
            kept.push(event.clone());
        } else {
            dropped += 1;
        }
    }
    Ok(Loaded {
        events: kept,
        dropped,
        truncated,
    })
}

/// Logs a small request, with the pipeline's typical parameters; returns the event count.
fn log_request(net_log: &NetLog) -> usize {
    let request = net_log.new_source(SourceType::UrlRequest);
    let socket = net_log.new_source(SourceType::Socket);
    net_log.add_entry(EventType::RequestAlive, Phase::Begin, request, None);
    net_log.add_entry(
        EventType::UrlRequestStartJob,
        Phase::Begin,
        request,
        Some(
            Params::new()
                .string("url", "https://example.com/a?q=\"<x>\"")
                .string("method", "GET")
                .int("load_flags", 0),
        ),
    );
    net_log.add_entry(
        EventType::ProxyResolutionService,
        Phase::End,
        request,
        Some(Params::new().string("proxy_info", "PROXY a:80")),
    );
    net_log.add_entry(
        EventType::HostResolverManagerRequest,
        Phase::End,
        request,
        Some(
            Params::new()
                .string("host", "example.com")
                .strings("address_list", ["127.0.0.1:443", "[::1]:443"]),
        ),
    );
    net_log.add_entry(
        EventType::TcpConnect,
        Phase::Begin,
        socket,
        Some(Params::new().source_dependency(request)),
    );
    net_log.add_entry(EventType::TcpConnect, Phase::End, socket, None);
    net_log.add_entry_with(
        EventType::HttpTransactionSendRequestHeaders,
        Phase::None,
        request,
        |mode| {
            request_headers_params(
                mode,
                "GET /a HTTP/1.1\r\n",
                [("Host", "example.com"), ("Cookie", "session=secret")],
            )
        },
    );
    net_log.add_entry_with(
        EventType::HttpTransactionReadResponseHeaders,
        Phase::None,
        request,
        |mode| {
            response_headers_params(
                mode,
                "HTTP/1.1 200 OK",
                [("Content-Type", "text/html"), ("Set-Cookie", "a=b; Path=/")],
            )
        },
    );
    net_log.add_entry(
        EventType::RequestAlive,
        Phase::End,
        request,
        Some(Params::net_error(-105)),
    );
    9
}

fn options(capture_mode: CaptureMode) -> NetLogOptions {
    NetLogOptions {
        capture_mode,
        max_file_size: None,
    }
}

#[test]
fn every_name_we_use_is_in_the_vendored_tables() {
    for event in EventType::ALL {
        assert!(event.id().is_some(), "{event} is not in logEventTypes");
    }
    for source in SourceType::ALL {
        assert!(source.id().is_some(), "{source} is not in logSourceType");
    }
    for phase in Phase::ALL {
        assert!(phase.id().is_some(), "{phase} is not in logEventPhase");
    }
    let distinct: HashSet<_> = EventType::ALL.iter().map(|event| event.id()).collect();
    assert_eq!(distinct.len(), EventType::ALL.len());
    // Chromium 156's numbers for a few.
    assert_eq!(EventType::Cancelled.id(), Some(0));
    assert_eq!(EventType::Failed.id(), Some(1));
    assert_eq!(EventType::RequestAlive.id(), Some(2));
    assert_eq!(EventType::UrlRequestStartJob.id(), Some(136));
    assert_eq!(SourceType::None.id(), Some(0));
    assert_eq!(SourceType::UrlRequest.id(), Some(1));
    assert_eq!(
        Phase::ALL
            .iter()
            .map(|phase| phase.id())
            .collect::<Vec<_>>(),
        [Some(0), Some(1), Some(2)]
    );
}

#[test]
fn vendored_tables_parse_and_match_the_json() {
    let tables = Tables::get();
    let vendored: Value = serde_json::from_str(include_str!("chromium-constants.json")).unwrap();
    let vendored = vendored.as_object().unwrap();
    assert_eq!(tables.json_members().count(), vendored.len());
    for (key, json) in tables.json_members() {
        let ours: Value = serde_json::from_str(json).unwrap();
        assert_eq!(&ours, &vendored[key], "{key}");
    }
    assert_eq!(tables.entries("logEventTypes").unwrap().len(), 648);
    assert_eq!(tables.entries("logSourceType").unwrap().len(), 55);
    assert_eq!(tables.entries("netError").unwrap().len(), 250);
    assert_eq!(
        tables.lookup("netError", "ERR_CONNECTION_REFUSED"),
        Some(-102)
    );
    assert_eq!(tables.lookup("loadFlag", "BYPASS_CACHE"), Some(2));
}

/// (1) A log with a few events loads by the viewer's rules, in Chromium's layout.
#[tokio::test]
async fn the_viewer_loads_a_log() {
    let path = temp_path("viewer");
    let net_log = NetLog::new();
    assert!(!net_log.currently_logging());
    net_log
        .start_logging(&path, options(CaptureMode::Default))
        .unwrap();
    assert!(net_log.currently_logging());
    assert_eq!(net_log.capture_mode(), Some(CaptureMode::Default));
    let count = log_request(&net_log);
    net_log.stop_logging().await.unwrap();
    assert!(!net_log.currently_logging());
    assert_eq!(net_log.capture_mode(), None);

    let text = std::fs::read_to_string(&path).unwrap();
    let loaded = viewer_load(&text).unwrap();
    assert!(!loaded.truncated);
    assert_eq!(loaded.dropped, 0);
    assert_eq!(loaded.events.len(), count);

    // Chromium's layout, line by line.
    let lines: Vec<&str> = text.split('\n').collect();
    assert!(lines[0].starts_with("{\"constants\":{\"activeFieldTrialGroups\":[],"));
    assert!(lines[0].ends_with("},"));
    assert_eq!(lines[1], "\"events\": [");
    for line in &lines[2..2 + count - 1] {
        assert!(line.starts_with('{') && line.ends_with("},"), "{line}");
    }
    assert!(lines[2 + count - 1].ends_with("}],"));
    assert_eq!(lines[2 + count..], ["\"polledData\": {}", "}", ""]);

    let dump: Value = serde_json::from_str(&text).unwrap();
    let constants = dump["constants"].as_object().unwrap();
    let keys: Vec<&str> = constants.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "activeFieldTrialGroups",
            "addressFamily",
            "certPathBuilderDigestPolicy",
            "certStatusFlag",
            "certVerifierFlags",
            "certVerifyFlags",
            "clientInfo",
            "dnsQueryType",
            "loadFlag",
            "loadState",
            "logCaptureMode",
            "logEventPhase",
            "logEventTypes",
            "logFormatVersion",
            "logSourceType",
            "netError",
            "quicError",
            "quicRstStreamError",
            "secureDnsMode",
            "timeTickOffset",
        ]
    );
    assert_eq!(constants["logCaptureMode"], "Default");
    assert_eq!(constants["clientInfo"]["name"], "netsession");
    assert_eq!(
        constants["clientInfo"]["version"],
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(constants["clientInfo"]["command_line"], "");
    let offset = constants["timeTickOffset"].as_u64().unwrap();
    let date = constants["clientInfo"]["numericDate"].as_u64().unwrap();
    assert!(
        offset <= date && date - offset < 3_600_000,
        "{offset} {date}"
    );

    let first = &loaded.events[0];
    assert_eq!(first["type"], 2); // REQUEST_ALIVE
    assert_eq!(first["phase"], 1);
    assert_eq!(first["source"]["type"], 1); // URL_REQUEST
    assert!(first.get("params").is_none());
    let start_job = &loaded.events[1];
    assert_eq!(start_job["type"], 136);
    assert_eq!(
        start_job["params"]["url"],
        "https://example.com/a?q=\"<x>\""
    );
    assert!(text.contains(r#""url":"https://example.com/a?q=\"\u003Cx>\"""#));
    assert_eq!(start_job["params"]["load_flags"], 0);
    let connect = &loaded.events[4];
    assert_eq!(
        connect["params"]["source_dependency"],
        serde_json::json!({"id": first["source"]["id"], "type": 1})
    );
    assert_eq!(loaded.events[count - 1]["params"]["net_error"], -105);
    for event in &loaded.events {
        let time: u64 = event["time"].as_str().unwrap().parse().unwrap();
        let start: u64 = event["source"]["start_time"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(start <= time);
    }
    std::fs::remove_file(&path).unwrap();
}

/// (2) The same file read by the `netlog` crate (cloudflare quiche's parser).
///
/// netlog 0.1.0's `Constants` requires a `certPathBuilderDigestPolicy` table, which Chromium
/// 156 no longer writes (its own logs fail there); ours carry an empty one, so the whole file
/// is read unchanged: the constants with `read_netlog_constants`, every event line with
/// `read_netlog_record`, decoded as the crate's `EventHeader`.
#[tokio::test]
async fn the_netlog_crate_reads_a_log() {
    let path = temp_path("netlog-crate");
    let net_log = NetLog::new();
    net_log
        .start_logging(&path, options(CaptureMode::IncludeSensitive))
        .unwrap();
    let count = log_request(&net_log);
    net_log.stop_logging().await.unwrap();

    let mut reader = BufReader::new(File::open(&path).unwrap());
    let mut constants_line = String::new();
    reader.read_line(&mut constants_line).unwrap();
    // Read as it is: the constants carry the table the crate requires.
    let constants = netlog::read_netlog_constants(&mut constants_line.as_bytes()).unwrap();
    assert_eq!(constants.log_format_version, 1);
    assert_eq!(constants.client_info.name.as_deref(), Some("netsession"));
    assert_eq!(constants.log_event_types["REQUEST_ALIVE"], 2);

    // Line 2, `"events": [`.
    assert_eq!(
        netlog::read_netlog_record(&mut reader),
        None,
        "the events header is not a record"
    );
    let mut names = Vec::new();
    while let Some(record) = netlog::read_netlog_record(&mut reader) {
        let mut header: netlog::EventHeader = serde_json::from_slice(&record).unwrap();
        header.populate_strings(&constants);
        header.time_num = header.time.parse().unwrap();
        names.push((header.ty_string, header.phase_string));
    }
    assert_eq!(names.len(), count);
    assert_eq!(names[0], ("REQUEST_ALIVE".into(), "PHASE_BEGIN".into()));
    assert_eq!(
        names[count - 1],
        ("REQUEST_ALIVE".into(), "PHASE_END".into())
    );
    std::fs::remove_file(&path).unwrap();
}

/// (3) A file cut at any byte after the events header is repaired by the viewer's rule into
/// valid JSON as soon as the cut is past a complete event and its `",\n"`, and the repaired
/// events are exactly the complete ones, a prefix of what was written. Checked on the file
/// as a crash leaves it (logging, flushed) and on the finished file up to its closing.
#[tokio::test]
async fn truncated_files_are_repaired_by_the_viewer() {
    let path = temp_path("truncated");
    let net_log = NetLog::new();
    net_log
        .start_logging(&path, options(CaptureMode::Default))
        .unwrap();
    let count = log_request(&net_log);
    net_log.flush().await;
    let live = std::fs::read_to_string(&path).unwrap();
    net_log.stop_logging().await.unwrap();
    let finished = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();

    let written = viewer_load(&finished).unwrap().events;
    assert_eq!(written.len(), count);
    let events_start = finished.find("\"events\": [\n").unwrap() + "\"events\": [\n".len();
    // The end of each event line's `",\n"` in the file.
    let line_ends: Vec<usize> = live[events_start..]
        .match_indices(",\n")
        .map(|(at, _)| events_start + at + 2)
        .collect();
    assert_eq!(line_ends.len(), count);
    assert_eq!(live.len(), line_ends[count - 1]);
    assert_eq!(
        &live[..line_ends[count - 1] - 2],
        &finished[..line_ends[count - 1] - 2]
    );
    assert!(live.is_ascii() && finished.is_ascii());

    // Parsing the 48 KB of constants at each of the ~3000 cuts takes seconds in a debug
    // build, so every cut is repaired by the viewer's rule on the whole text and its events
    // part is parsed behind an empty constants object (the constants are the same valid
    // JSON at every cut); the full loader runs at the cuts around each line end and at
    // every 64th byte.
    let check = |text: &str, label: &str| {
        let header = &text[..events_start];
        for cut in events_start..=text.len() {
            let complete = line_ends.iter().filter(|&&end| end <= cut).count();
            if complete == 0 {
                continue;
            }
            let truncated = &text[..cut];
            let end = truncated.rfind(",\n").unwrap();
            let repaired = format!("{}]}}", &truncated[..end]);
            assert!(repaired.starts_with(header), "{label} cut at {cut}");
            let events_only = format!(
                "{{\"constants\":{{}},\n\"events\": [\n{}",
                &repaired[events_start..]
            );
            let events_only: Value = serde_json::from_str(&events_only)
                .unwrap_or_else(|error| panic!("{label} cut at {cut}: {error}"));
            assert_eq!(
                events_only["events"].as_array().unwrap()[..],
                written[..complete],
                "{label} cut at {cut}"
            );
            if cut % 64 == 0 || line_ends.iter().any(|&end| end.abs_diff(cut) <= 2) {
                let loaded = viewer_load(truncated)
                    .unwrap_or_else(|error| panic!("{label} cut at {cut}: {error}"));
                assert!(loaded.truncated);
                assert_eq!(loaded.dropped, 0);
                assert_eq!(loaded.events, written[..complete], "{label} cut at {cut}");
            }
        }
    };
    check(&live, "live file");
    // The finished file up to its closing (written at once at stop, over the last ",\n").
    check(&finished[..line_ends[count - 1] - 2], "finished file");
    assert_eq!(&finished[line_ends[count - 1] - 2..], CLOSING);
}

/// (4) Sensitive headers are stripped in Default and kept in IncludeSensitive and
/// Everything.
#[tokio::test]
async fn sensitive_headers_follow_the_capture_mode() {
    let headers = [
        ("Host", "example.com"),
        ("Cookie", "a=1; b=2"),
        ("authorization", "Basic dXNlcjpwYXNz"),
        ("Proxy-Authorization", "Negotiate abc"),
    ];
    assert_eq!(
        request_headers_params(CaptureMode::Default, "GET / HTTP/1.1\r\n", headers).to_json(),
        concat!(
            r#"{"headers":["Host: example.com","Cookie: [8 bytes were stripped]","#,
            r#""authorization: [18 bytes were stripped]","#,
            r#""Proxy-Authorization: [13 bytes were stripped]"],"line":"GET / HTTP/1.1\r\n"}"#
        )
    );
    for mode in [CaptureMode::IncludeSensitive, CaptureMode::Everything] {
        assert_eq!(
            request_headers_params(mode, "GET / HTTP/1.1\r\n", headers).to_json(),
            concat!(
                r#"{"headers":["Host: example.com","Cookie: a=1; b=2","#,
                r#""authorization: Basic dXNlcjpwYXNz","Proxy-Authorization: Negotiate abc"],"#,
                r#""line":"GET / HTTP/1.1\r\n"}"#
            )
        );
    }
    let response = [
        ("Set-Cookie", "id=42; HttpOnly"),
        ("WWW-Authenticate", "Negotiate  dG9rZW4= "),
        ("WWW-Authenticate", "Digest realm=\"r\", nonce=\"n\""),
        ("Proxy-Authenticate", "NTLM"),
        ("WWW-Authenticate", "Bearer a, Negotiate b"),
    ];
    assert_eq!(
        response_headers_params(CaptureMode::Default, "HTTP/1.1 401 Unauthorized", response)
            .to_json(),
        concat!(
            r#"{"headers":["HTTP/1.1 401 Unauthorized","Set-Cookie: [15 bytes were stripped]","#,
            r#""WWW-Authenticate: Negotiate  [8 bytes were stripped] ","#,
            r#""WWW-Authenticate: Digest realm=\"r\", nonce=\"n\"","#,
            r#""Proxy-Authenticate: NTLM","WWW-Authenticate: Bearer a, Negotiate b"]}"#
        )
    );
    assert_eq!(
        elide_header_value(CaptureMode::Default, "SET-COOKIE2", "x"),
        "[1 bytes were stripped]"
    );
    assert_eq!(elide_header_value(CaptureMode::Default, "Cookie", ""), "");
    assert_eq!(
        elide_header_value(CaptureMode::Default, "WWW-Authenticate", "  "),
        "  "
    );

    // Through a log: the params callback sees the log's mode.
    for (mode, cookie) in [
        (CaptureMode::Default, "Cookie: [14 bytes were stripped]"),
        (CaptureMode::IncludeSensitive, "Cookie: session=secret"),
        (CaptureMode::Everything, "Cookie: session=secret"),
    ] {
        let path = temp_path("headers");
        let net_log = NetLog::new();
        net_log.start_logging(&path, options(mode)).unwrap();
        log_request(&net_log);
        net_log.stop_logging().await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let loaded = viewer_load(&text).unwrap();
        let send = loaded
            .events
            .iter()
            .find(|event| {
                event["type"] == EventType::HttpTransactionSendRequestHeaders.id().unwrap()
            })
            .unwrap();
        assert_eq!(
            send["params"]["headers"],
            serde_json::json!(["Host: example.com", cookie])
        );
        assert_eq!(send["params"]["line"], "GET /a HTTP/1.1\r\n");
        let read = loaded
            .events
            .iter()
            .find(|event| {
                event["type"] == EventType::HttpTransactionReadResponseHeaders.id().unwrap()
            })
            .unwrap();
        let set_cookie = if mode == CaptureMode::Default {
            "Set-Cookie: [11 bytes were stripped]"
        } else {
            "Set-Cookie: a=b; Path=/"
        };
        assert_eq!(
            read["params"]["headers"],
            serde_json::json!(["HTTP/1.1 200 OK", "Content-Type: text/html", set_cookie])
        );
        let dump: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(dump["constants"]["logCaptureMode"], mode.chromium_name());
    }
}

/// (5) Electron's errors: stop without start, start twice, bad paths and modes.
#[tokio::test]
async fn electron_errors() {
    let net_log = NetLog::new();
    let error = net_log.stop_logging().await.unwrap_err();
    assert!(matches!(error, NetLogError::NotLogging));
    assert_eq!(error.to_string(), "No net log in progress");

    let path = temp_path("twice");
    net_log
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    let other = temp_path("twice-other");
    let clone = net_log.clone();
    let error = clone
        .start_logging(&other, NetLogOptions::default())
        .unwrap_err();
    assert!(matches!(error, NetLogError::AlreadyLogging));
    assert_eq!(error.to_string(), "There is already a net log running");
    assert!(!other.exists());
    clone.stop_logging().await.unwrap();
    assert!(!net_log.currently_logging());
    assert_eq!(
        net_log.stop_logging().await.unwrap_err().to_string(),
        "No net log in progress"
    );
    // A log can start again after a stop.
    net_log
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    net_log.stop_logging().await.unwrap();
    assert_eq!(
        viewer_load(&std::fs::read_to_string(&path).unwrap())
            .unwrap()
            .events
            .len(),
        0
    );
    std::fs::remove_file(&path).unwrap();

    let missing = std::env::temp_dir()
        .join(format!("netsession-netlog-missing-{}", std::process::id()))
        .join("log.json");
    let error = net_log
        .start_logging(&missing, NetLogOptions::default())
        .unwrap_err();
    assert!(matches!(&error, NetLogError::CreateFile { path, .. } if *path == missing));
    assert_eq!(error.to_string(), "FILE_ERROR_NOT_FOUND");
    assert!(std::error::Error::source(&error).is_some());
    let error = net_log
        .start_logging(std::env::temp_dir(), NetLogOptions::default())
        .unwrap_err();
    assert_eq!(error.to_string(), "FILE_ERROR_ACCESS_DENIED");
    assert_eq!(
        net_log
            .start_logging("", NetLogOptions::default())
            .unwrap_err()
            .to_string(),
        "The first parameter must be a valid string"
    );
    assert!(!net_log.currently_logging());

    assert_eq!(
        "default".parse::<CaptureMode>().unwrap(),
        CaptureMode::Default
    );
    assert_eq!(
        "includeSensitive".parse::<CaptureMode>().unwrap(),
        CaptureMode::IncludeSensitive
    );
    assert_eq!(
        "everything".parse::<CaptureMode>().unwrap(),
        CaptureMode::Everything
    );
    for bad in ["Default", "include_sensitive", ""] {
        let error = bad.parse::<CaptureMode>().unwrap_err();
        assert_eq!(error.to_string(), "Invalid value for captureMode");
    }
    for mode in [
        CaptureMode::Default,
        CaptureMode::IncludeSensitive,
        CaptureMode::Everything,
    ] {
        assert_eq!(mode.to_string().parse::<CaptureMode>().unwrap(), mode);
    }
}

/// (6) `max_file_size` keeps the beginning of the log and ends the file properly.
#[tokio::test]
async fn max_file_size_is_respected() {
    // The size of an empty log's constants and header.
    let path = temp_path("size");
    let net_log = NetLog::new();
    net_log
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    net_log.stop_logging().await.unwrap();
    let header_len = std::fs::read_to_string(&path).unwrap().len() - CLOSING.len();

    for extra in [0, 1, 500, 2_000, 10_000] {
        let limit = (header_len + extra) as u64;
        net_log
            .start_logging(
                &path,
                NetLogOptions {
                    capture_mode: CaptureMode::Default,
                    max_file_size: Some(limit),
                },
            )
            .unwrap();
        let mut written = 0;
        for _ in 0..40 {
            written += log_request(&net_log);
        }
        net_log.stop_logging().await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.len() as u64 <= limit + CLOSING.len() as u64,
            "{} > {limit} + closing",
            text.len()
        );
        let loaded = viewer_load(&text).unwrap();
        assert!(!loaded.truncated);
        assert!(loaded.events.len() < written);
        // The kept events are the first ones: REQUEST_ALIVE begins the log.
        if extra >= 500 {
            assert!(!loaded.events.is_empty());
            assert_eq!(loaded.events[0]["type"], 2);
        }
        if extra <= 1 {
            assert!(loaded.events.is_empty());
        }
    }
    std::fs::remove_file(&path).unwrap();
}

#[tokio::test]
async fn nothing_is_written_when_not_logging() {
    let net_log = NetLog::new();
    let source = net_log.new_source(SourceType::UrlRequest);
    let mut called = false;
    net_log.add_entry(EventType::RequestAlive, Phase::Begin, source, None);
    net_log.add_entry_with(EventType::RequestAlive, Phase::End, source, |_| {
        called = true;
        Params::new()
    });
    assert!(!called);
    assert_eq!(source.id(), 1);
    assert_eq!(net_log.next_source_id(), 2);
    assert_eq!(
        net_log.new_source(SourceType::Socket).kind(),
        SourceType::Socket
    );

    // Events after a stop are not written either.
    let path = temp_path("after-stop");
    net_log
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    net_log.add_entry(EventType::RequestAlive, Phase::Begin, source, None);
    net_log.stop_logging().await.unwrap();
    net_log.add_entry(EventType::RequestAlive, Phase::End, source, None);
    let loaded = viewer_load(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(loaded.events.len(), 1);
    std::fs::remove_file(&path).unwrap();
}

/// Dropping the last handle while logging still ends the file properly.
#[test]
fn dropping_the_net_log_finishes_the_file() {
    let path = temp_path("dropped");
    let net_log = NetLog::new();
    net_log
        .start_logging(&path, NetLogOptions::default())
        .unwrap();
    let count = log_request(&net_log);
    drop(net_log);
    let mut text = String::new();
    for _ in 0..500 {
        text = std::fs::read_to_string(&path).unwrap();
        if text.ends_with(CLOSING) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let loaded = viewer_load(&text).unwrap();
    assert!(!loaded.truncated);
    assert_eq!(loaded.events.len(), count);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn json_strings_round_trip() {
    let tricky = "quote \" backslash \\ newline \n cr \r tab \t nul \0 bell \u{7} del \u{7f} \
                  lt < gt > ls \u{2028} ps \u{2029} é 😀";
    let params = Params::new()
        .string("s", tricky)
        .int("big", i64::MAX)
        .int("safe", -(1 << 53) + 1)
        .bool("flag", true)
        .strings("list", [tricky, ""])
        .object("nested", Params::new().string("a", "b"))
        .string("s", tricky);
    let json = params.to_json();
    assert!(!json.contains('\n') && !json.contains('\r') && !json.contains('<'));
    assert!(json.contains(r"\u0000") && json.contains(r"\u007F") && json.contains(r"\u2028"));
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "big": i64::MAX.to_string(),
            "flag": true,
            "list": [tricky, ""],
            "nested": {"a": "b"},
            "s": tricky,
            "safe": -(1_i64 << 53) + 1,
        })
    );
    assert!(json.starts_with(r#"{"big":"9223372036854775807","flag":true,"list":["#));
    assert!(Params::new().is_empty());
    assert_eq!(Params::new().to_json(), "{}");
}
