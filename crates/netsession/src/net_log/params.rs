//! Event parameters: a small JSON object builder, Chromium's JSON string escaping, and the
//! header lists of the HTTP transaction events with Chromium's sensitive-value stripping.

use std::borrow::Cow;

use super::{CaptureMode, Source};

/// The parameters of an event: a JSON object of strings, integers, booleans, lists of
/// strings and nested objects.
///
/// Keys are written sorted, as Chromium's `base::Value::Dict` writes them; setting a key
/// twice keeps the last value.
///
/// ```
/// use netsession::net_log::Params;
///
/// let params = Params::new()
///     .string("url", "http://example.com/")
///     .string("method", "GET")
///     .int("load_flags", 0);
/// assert_eq!(
///     params.to_json(),
///     r#"{"load_flags":0,"method":"GET","url":"http://example.com/"}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    entries: Vec<(String, Value)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    String(String),
    Int(i64),
    Bool(bool),
    Strings(Vec<String>),
    Object(Params),
}

/// Integers beyond ±2^53 are written as strings, as Chromium's `NetLogNumberValue` does,
/// because JavaScript reads JSON numbers as doubles.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

impl Params {
    /// No parameters yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// `{"net_error": code}`, the parameters of a failed END event or of [`FAILED`].
    ///
    /// [`FAILED`]: super::EventType::Failed
    pub fn net_error(code: i32) -> Self {
        Self::new().int("net_error", i64::from(code))
    }

    /// Sets `key` to a string.
    #[must_use]
    pub fn string(self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.set(key.into(), Value::String(value.into()))
    }

    /// Sets `key` to an integer (a string beyond ±2^53, as Chromium).
    #[must_use]
    pub fn int(self, key: impl Into<String>, value: i64) -> Self {
        self.set(key.into(), Value::Int(value))
    }

    /// Sets `key` to a boolean.
    #[must_use]
    pub fn bool(self, key: impl Into<String>, value: bool) -> Self {
        self.set(key.into(), Value::Bool(value))
    }

    /// Sets `key` to a list of strings (`headers`, `address_list`, ...).
    #[must_use]
    pub fn strings<I>(self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.set(key.into(), Value::Strings(values))
    }

    /// Sets `key` to a nested object.
    #[must_use]
    pub fn object(self, key: impl Into<String>, value: Params) -> Self {
        self.set(key.into(), Value::Object(value))
    }

    /// Sets `source_dependency` to `{"id": .., "type": ..}`: the event refers to another
    /// source (a request to its socket, a job to its request), which the viewer links.
    #[must_use]
    pub fn source_dependency(self, source: Source) -> Self {
        let mut dependency = Self::new().int("id", i64::from(source.id()));
        if let Some(kind) = source.kind().id() {
            dependency = dependency.int("type", kind);
        }
        self.object("source_dependency", dependency)
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The object as compact JSON, keys sorted.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write_json(&mut out);
        out
    }

    fn set(mut self, key: String, value: Value) -> Self {
        match self
            .entries
            .iter_mut()
            .find(|(existing, _)| *existing == key)
        {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
        self
    }

    pub(crate) fn write_json(&self, out: &mut String) {
        let mut entries: Vec<&(String, Value)> = self.entries.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        out.push('{');
        for (index, (key, value)) in entries.into_iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            push_json_string(out, key);
            out.push(':');
            match value {
                Value::String(text) => push_json_string(out, text),
                Value::Int(number) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(number) => {
                    out.push_str(&number.to_string());
                }
                Value::Int(number) => push_json_string(out, &number.to_string()),
                Value::Bool(flag) => out.push_str(if *flag { "true" } else { "false" }),
                Value::Strings(list) => {
                    out.push('[');
                    for (index, text) in list.iter().enumerate() {
                        if index > 0 {
                            out.push(',');
                        }
                        push_json_string(out, text);
                    }
                    out.push(']');
                }
                Value::Object(params) => params.write_json(out),
            }
        }
        out.push('}');
    }
}

/// Appends `text` as a JSON string escaped as Chromium's `base::EscapeJSONString` does:
/// `"`, `\` and control characters, `<` as `\u003C`, U+2028/U+2029 as escapes. The output
/// never holds a raw line break, so an event always stays on one line of the file.
pub(crate) fn push_json_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' => out.push_str("\\u003C"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A header value as the log shows it: Chromium's `ElideHeaderValueForNetLog`.
///
/// Below [`CaptureMode::IncludeSensitive`], the values of `Cookie`, `Set-Cookie`,
/// `Set-Cookie2`, `Authorization` and `Proxy-Authorization` become `[N bytes were stripped]`,
/// and so do the parameters of a `WWW-Authenticate`/`Proxy-Authenticate` challenge unless it
/// is Basic or Digest (public data) or holds a comma (a list of schemes): that is the token
/// of a multi-round Negotiate/NTLM exchange. Names match case-insensitively. Other values,
/// and every value in `IncludeSensitive` and `Everything`, are unchanged.
///
/// ```
/// use netsession::net_log::{CaptureMode, elide_header_value};
///
/// let mode = CaptureMode::Default;
/// assert_eq!(elide_header_value(mode, "Cookie", "a=1; b=2"), "[8 bytes were stripped]");
/// assert_eq!(
///     elide_header_value(mode, "WWW-Authenticate", "Negotiate c2VjcmV0"),
///     "Negotiate [8 bytes were stripped]"
/// );
/// assert_eq!(elide_header_value(mode, "WWW-Authenticate", "Basic realm=\"x\""), "Basic realm=\"x\"");
/// assert_eq!(elide_header_value(CaptureMode::IncludeSensitive, "Cookie", "a=1"), "a=1");
/// ```
pub fn elide_header_value<'a>(mode: CaptureMode, name: &str, value: &'a str) -> Cow<'a, str> {
    if mode.includes_sensitive() {
        return Cow::Borrowed(value);
    }
    let redacted = if [
        "set-cookie",
        "set-cookie2",
        "cookie",
        "authorization",
        "proxy-authorization",
    ]
    .iter()
    .any(|sensitive| name.eq_ignore_ascii_case(sensitive))
    {
        Some((0, value.len()))
    } else if name.eq_ignore_ascii_case("www-authenticate")
        || name.eq_ignore_ascii_case("proxy-authenticate")
    {
        challenge_params_to_redact(value)
    } else {
        None
    };
    match redacted {
        Some((begin, end)) if begin < end => {
            let (Some(before), Some(after)) = (value.get(..begin), value.get(end..)) else {
                return Cow::Borrowed(value);
            };
            Cow::Owned(format!(
                "{before}[{} bytes were stripped]{after}",
                end - begin
            ))
        }
        _ => Cow::Borrowed(value),
    }
}

/// The byte range of a challenge's parameters when Chromium redacts them
/// (`ShouldRedactChallenge` with `HttpAuthChallengeTokenizer`): the scheme is the first
/// run of non-LWS characters, the parameters the rest with LWS trimmed at both ends.
fn challenge_params_to_redact(value: &str) -> Option<(usize, usize)> {
    if value.contains(',') {
        return None;
    }
    let is_lws = |c: char| c == ' ' || c == '\t';
    let scheme_start = value.find(|c: char| !is_lws(c))?;
    let rest = value.get(scheme_start..)?;
    let scheme_len = rest.find(is_lws).unwrap_or(rest.len());
    let scheme = rest.get(..scheme_len)?;
    if scheme.eq_ignore_ascii_case("basic") || scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let params = rest.get(scheme_len..)?;
    let leading = params.len() - params.trim_start_matches(is_lws).len();
    let begin = scheme_start + scheme_len + leading;
    let end = value.trim_end_matches(is_lws).len();
    (begin < end).then_some((begin, end))
}

/// `name: value` lines with [`elide_header_value`] applied.
fn header_lines<I, K, V>(mode: CaptureMode, headers: I) -> impl Iterator<Item = String>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    headers.into_iter().map(move |(name, value)| {
        let (name, value) = (name.as_ref(), value.as_ref());
        format!("{name}: {}", elide_header_value(mode, name, value))
    })
}

/// The parameters of [`HTTP_TRANSACTION_SEND_REQUEST_HEADERS`], as Chromium's
/// `HttpRequestHeaders::NetLogParams`: `{"headers": ["Name: value", ...], "line": ...}`.
///
/// `request_line` is logged as given; Chromium's is `"GET /path HTTP/1.1\r\n"`.
///
/// [`HTTP_TRANSACTION_SEND_REQUEST_HEADERS`]: super::EventType::HttpTransactionSendRequestHeaders
pub fn request_headers_params<I, K, V>(mode: CaptureMode, request_line: &str, headers: I) -> Params
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    Params::new()
        .string("line", request_line)
        .strings("headers", header_lines(mode, headers))
}

/// The parameters of [`HTTP_TRANSACTION_READ_RESPONSE_HEADERS`], as Chromium's
/// `HttpResponseHeaders::NetLogParams`: `{"headers": ["HTTP/1.1 200 OK", "Name: value", ...]}`.
///
/// [`HTTP_TRANSACTION_READ_RESPONSE_HEADERS`]: super::EventType::HttpTransactionReadResponseHeaders
pub fn response_headers_params<I, K, V>(mode: CaptureMode, status_line: &str, headers: I) -> Params
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: AsRef<str>,
{
    let lines = std::iter::once(status_line.to_owned()).chain(header_lines(mode, headers));
    Params::new().strings("headers", lines)
}
