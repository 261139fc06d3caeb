//! HTTP authentication challenges and answers, as Chromium's `net/http` reads and writes them.
//!
//! This follows `HttpAuthChallengeTokenizer`, `HttpUtil::NameValuePairsIterator`,
//! `HttpAuth::ChooseBestChallenge`, `HttpAuthHandlerBasic` and `HttpAuthHandlerDigest`:
//!
//! - Each `WWW-Authenticate` / `Proxy-Authenticate` header line is one challenge. Chromium
//!   never splits several challenges out of one line (those headers are "non-coalescing" in
//!   `HttpResponseHeaders`), so `Basic realm="a", Digest nonce="b"` on one line is a single
//!   Basic challenge with odd parameters.
//! - The scheme is the first run of characters other than space and tab; the rest, trimmed of
//!   spaces and tabs, holds the parameters: comma-separated `name=value` pairs where commas
//!   inside double quotes do not separate, a backslash inside quotes escapes the next
//!   character, an unterminated quote runs to the end of the line, and empty items are
//!   skipped. The first malformed item (no `=`, nothing before `=`, nothing after it, or a
//!   quote before it) ends the list and marks it malformed: Basic and Digest then reject the
//!   challenge.
//! - Only Basic and Digest are answered. Chromium prefers Negotiate, then NTLM, then Digest,
//!   then Basic (the first challenge wins among equals); we cannot answer Negotiate or NTLM,
//!   so [`choose_best`] skips them and picks from what is left.
//!
//! Header values come in as `&str`. Chromium reads a realm's bytes as Latin-1 for the prompt
//! and the auth cache, but hashes and echoes a Digest realm's raw bytes; for ASCII realms the
//! two agree, and a caller that needs exact bytes for others should decode with that in mind.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest as _, Md5};
use sha2::Sha256;

/// The linear white space Chromium trims and splits the scheme on (`HTTP_LWS`).
const LWS: [char; 2] = [' ', '\t'];

/// An authentication scheme, compared ASCII case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Scheme {
    /// `Basic` (RFC 7617).
    Basic,
    /// `Digest` (RFC 7616).
    Digest,
    /// `NTLM`: recognized, not answered.
    Ntlm,
    /// `Negotiate` (SPNEGO): recognized, not answered.
    Negotiate,
    /// Any other scheme, lower-cased (empty for an empty header value).
    Other(String),
}

impl Scheme {
    /// Reads a scheme token, ignoring ASCII case.
    fn from_token(token: &str) -> Self {
        let lower = token.to_ascii_lowercase();
        match lower.as_str() {
            "basic" => Self::Basic,
            "digest" => Self::Digest,
            "ntlm" => Self::Ntlm,
            "negotiate" => Self::Negotiate,
            _ => Self::Other(lower),
        }
    }
}

/// One challenge: one `WWW-Authenticate` or `Proxy-Authenticate` header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Challenge {
    /// The scheme: the line's first token.
    pub(crate) scheme: Scheme,
    /// The `name=value` parameters in order, as Chromium reads them: names lower-cased,
    /// quoted values unquoted and unescaped, stopping before the first malformed item. They
    /// are read even when the rest is a token68, so `Negotiate abc==` has `("abc", "=")`.
    pub(crate) params: Vec<(String, String)>,
    /// The rest of the line when it is a single RFC 7235 `token68` (such as the base64 blob of
    /// `Negotiate abc==`), unchanged.
    pub(crate) token68: Option<String>,
    /// The header value as received.
    pub(crate) raw: String,
    /// Whether every parameter item was well formed (Chromium's
    /// `NameValuePairsIterator::valid()` after the last item).
    params_valid: bool,
}

impl Challenge {
    /// Tokenizes one header value as `HttpAuthChallengeTokenizer` does.
    pub(crate) fn parse(value: &str) -> Self {
        let start = value.trim_start_matches(LWS);
        let scheme_end = start.find(LWS).unwrap_or(start.len());
        let (scheme, rest) = start.split_at_checked(scheme_end).unwrap_or((start, ""));
        let rest = rest.trim_matches(LWS);
        let (params, params_valid) = parse_pairs(rest);
        Self {
            scheme: Scheme::from_token(scheme),
            params,
            token68: is_token68(rest).then(|| rest.to_owned()),
            raw: value.to_owned(),
            params_valid,
        }
    }

    /// The `realm` parameter, the last one when there are several (as Chromium keeps), or
    /// `""` when there is none.
    pub(crate) fn realm(&self) -> &str {
        self.param("realm").unwrap_or("")
    }

    /// The last value of the parameter `name` (lower-case).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a Basic handler accepts this challenge: any realm, even none, but well-formed
    /// parameters (`HttpAuthHandlerBasic::ParseChallenge`).
    fn is_valid_basic(&self) -> bool {
        self.scheme == Scheme::Basic && self.params_valid
    }

    /// Chromium's handler score for the challenges we answer: Digest 2, Basic 1, else none.
    fn score(&self) -> Option<u8> {
        match self.scheme {
            Scheme::Basic if self.is_valid_basic() => Some(1),
            Scheme::Digest if DigestChallenge::from_challenge(self).is_some() => Some(2),
            _ => None,
        }
    }
}

/// Parses each header value (one challenge per line, never split further).
pub(crate) fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    values.into_iter().map(Challenge::parse).collect()
}

/// The challenge to answer, as `HttpAuth::ChooseBestChallenge` picks it: the highest-scoring
/// valid challenge, the first one among equals.
///
/// Chromium's order is Negotiate > NTLM > Digest > Basic. We cannot answer Negotiate or NTLM,
/// so they are always skipped and only a valid Digest or Basic challenge is returned. In
/// Chromium `ntlm_allowed` (Electron's `allowNTLMCredentialsForDomains`) only decides whether
/// ambient credentials may be sent, not which scheme is chosen, so here it changes nothing; it
/// is taken so the call site can stay when NTLM lands.
pub(crate) fn choose_best(challenges: &[Challenge], _ntlm_allowed: bool) -> Option<&Challenge> {
    let mut best: Option<(&Challenge, u8)> = None;
    for challenge in challenges {
        let Some(score) = challenge.score() else {
            continue;
        };
        if best.is_none_or(|(_, best_score)| best_score < score) {
            best = Some((challenge, score));
        }
    }
    best.map(|(challenge, _)| challenge)
}

/// The `Authorization` / `Proxy-Authorization` value for Basic: `Basic ` and the base64 of
/// the UTF-8 `username:password`.
pub(crate) fn basic_authorization(username: &str, password: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{username}:{password}"))
    )
}

/// A Digest `algorithm` Chromium supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DigestAlgorithm {
    /// `MD5`, also used when the challenge names no algorithm.
    Md5,
    /// `MD5-sess`.
    Md5Sess,
    /// `SHA-256`.
    Sha256,
    /// `SHA-256-sess`.
    Sha256Sess,
}

impl DigestAlgorithm {
    /// Reads an `algorithm` value, ignoring ASCII case; `None` if unsupported.
    fn parse(value: &str) -> Option<Self> {
        [Self::Md5, Self::Md5Sess, Self::Sha256, Self::Sha256Sess]
            .into_iter()
            .find(|algorithm| value.eq_ignore_ascii_case(algorithm.as_str()))
    }

    /// Chromium's spelling, echoed in the answer whatever the server's case.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Md5Sess => "MD5-sess",
            Self::Sha256 => "SHA-256",
            Self::Sha256Sess => "SHA-256-sess",
        }
    }

    /// Whether HA1 is rehashed with the nonce and cnonce.
    fn is_session(self) -> bool {
        matches!(self, Self::Md5Sess | Self::Sha256Sess)
    }

    /// The lower-case hex digest of `input`.
    fn hash_hex(self, input: &str) -> String {
        match self {
            Self::Md5 | Self::Md5Sess => hex(&Md5::digest(input.as_bytes())),
            Self::Sha256 | Self::Sha256Sess => hex(&Sha256::digest(input.as_bytes())),
        }
    }
}

/// A Digest challenge Chromium would answer (`HttpAuthHandlerDigest::ParseChallenge`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DigestChallenge {
    /// The realm as sent (may be empty: Chromium does not require it).
    pub(crate) realm: String,
    /// The server nonce (never empty).
    pub(crate) nonce: String,
    /// The opaque value to echo; `None` when absent or empty (Chromium omits an empty one).
    pub(crate) opaque: Option<String>,
    /// The algorithm named by the challenge; `None` when it named none, which hashes as MD5
    /// and leaves `algorithm=` out of the answer.
    pub(crate) algorithm: Option<DigestAlgorithm>,
    /// Whether the challenge offered `qop=auth` (the only qop Chromium answers).
    pub(crate) qop_auth: bool,
    /// `stale=true`: the nonce expired, so the same credentials may be retried.
    pub(crate) stale: bool,
}

impl DigestChallenge {
    /// Reads a Digest challenge, or `None` if Chromium would reject it: not Digest, malformed
    /// parameters, no (or an empty) nonce, an algorithm other than MD5, MD5-sess, SHA-256 or
    /// SHA-256-sess, or a qop list without `auth`. Unknown parameters, `domain` and
    /// `userhash` are ignored; the last of repeated parameters wins.
    pub(crate) fn from_challenge(challenge: &Challenge) -> Option<Self> {
        if challenge.scheme != Scheme::Digest || !challenge.params_valid {
            return None;
        }
        let mut digest = Self {
            realm: String::new(),
            nonce: String::new(),
            opaque: None,
            algorithm: None,
            qop_auth: false,
            stale: false,
        };
        for (name, value) in &challenge.params {
            match name.as_str() {
                "realm" => digest.realm.clone_from(value),
                "nonce" => digest.nonce.clone_from(value),
                "opaque" => digest.opaque = Some(value.clone()).filter(|v| !v.is_empty()),
                "stale" => digest.stale = value.eq_ignore_ascii_case("true"),
                "algorithm" => digest.algorithm = Some(DigestAlgorithm::parse(value)?),
                "qop" => {
                    if !split_values(value, ',')
                        .into_iter()
                        .any(|qop| qop.eq_ignore_ascii_case("auth"))
                    {
                        return None;
                    }
                    digest.qop_auth = true;
                }
                _ => {}
            }
        }
        (!digest.nonce.is_empty()).then_some(digest)
    }

    /// The algorithm that hashes: the named one, else MD5.
    pub(crate) fn effective_algorithm(&self) -> DigestAlgorithm {
        self.algorithm.unwrap_or(DigestAlgorithm::Md5)
    }
}

/// The `Authorization` / `Proxy-Authorization` value for Digest, exactly as Chromium's
/// `HttpAuthHandlerDigest::AssembleCredentials` writes it:
///
/// `Digest username="..", realm="..", nonce="..", uri="..", algorithm=MD5, response="..",
/// opaque="..", qop=auth, nc=00000001, cnonce=".."`, where `algorithm` appears only when the
/// challenge named one, `opaque` only when it had a non-empty one, and `qop`, `nc` and
/// `cnonce` only when it offered `qop=auth`.
///
/// `uri` is the request-target: the path and query, or `host:port` (port always written) for
/// a CONNECT through a proxy, with `method` `CONNECT`. `nc` counts the requests made with this
/// nonce, from 1.
pub(crate) fn digest_authorization(
    ch: &DigestChallenge,
    username: &str,
    password: &str,
    method: &str,
    uri: &str,
    nc: u32,
    cnonce: &str,
) -> String {
    let algorithm = ch.effective_algorithm();
    let nc = format!("{nc:08x}");

    let mut ha1 = algorithm.hash_hex(&format!("{username}:{}:{password}", ch.realm));
    if algorithm.is_session() {
        ha1 = algorithm.hash_hex(&format!("{ha1}:{}:{cnonce}", ch.nonce));
    }
    let ha2 = algorithm.hash_hex(&format!("{method}:{uri}"));
    let qop_part = if ch.qop_auth {
        format!("{nc}:{cnonce}:auth:")
    } else {
        String::new()
    };
    let response = algorithm.hash_hex(&format!("{ha1}:{}:{qop_part}{ha2}", ch.nonce));

    let mut out = format!(
        "Digest username={}, realm={}, nonce={}, uri={}",
        quote(username),
        quote(&ch.realm),
        quote(&ch.nonce),
        quote(uri)
    );
    if let Some(named) = ch.algorithm {
        out.push_str(", algorithm=");
        out.push_str(named.as_str());
    }
    // A hex digest needs no escaping.
    let _ = write!(out, ", response=\"{response}\"");
    if let Some(opaque) = &ch.opaque {
        out.push_str(", opaque=");
        out.push_str(&quote(opaque));
    }
    if ch.qop_auth {
        let _ = write!(out, ", qop=auth, nc={nc}, cnonce={}", quote(cnonce));
    }
    out
}

/// A fresh client nonce: 16 random lower-case hex digits, as Chromium makes them.
pub(crate) fn new_cnonce() -> String {
    let uuid = uuid::Uuid::new_v4();
    // Bytes 6 and 8 carry the UUID version and variant bits; the other 14 are random.
    let random: Vec<u8> = uuid
        .as_bytes()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 6 && *i != 8)
        .map(|(_, b)| *b)
        .take(8)
        .collect();
    hex(&random)
}

/// Lower-case hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// `HttpUtil::Quote`: wraps in double quotes, backslash-escaping `"` and `\`.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `HttpUtil::ValuesIterator`: splits on `delimiter` outside double quotes (a backslash inside
/// quotes escapes the next character; an unterminated quote runs to the end), trims spaces and
/// tabs, and drops empty items.
fn split_values(s: &str, delimiter: char) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_quote = false;
    let mut in_escape = false;
    for (i, c) in s.char_indices() {
        if in_quote {
            if in_escape {
                in_escape = false;
            } else if c == '\\' {
                in_escape = true;
            } else if c == '"' {
                in_quote = false;
            }
        } else if c == delimiter {
            items.push(s.get(start..i));
            start = i + c.len_utf8();
        } else if c == '"' {
            in_quote = true;
        }
    }
    items.push(s.get(start..));
    items
        .into_iter()
        .flatten()
        .map(|item| item.trim_matches(LWS))
        .filter(|item| !item.is_empty())
        .collect()
}

/// `HttpUtil::NameValuePairsIterator` with required values and lenient quotes: the pairs up
/// to the first malformed item, and whether there was none.
fn parse_pairs(params: &str) -> (Vec<(String, String)>, bool) {
    let mut pairs = Vec::new();
    for item in split_values(params, ',') {
        match parse_pair(item) {
            Some(pair) => pairs.push(pair),
            None => return (pairs, false),
        }
    }
    (pairs, true)
}

/// One trimmed `name=value` item, or `None` if malformed.
fn parse_pair(item: &str) -> Option<(String, String)> {
    let (name, value) = item.split_once('=')?;
    if name.is_empty() || name.contains('"') {
        return None;
    }
    let name = name.trim_matches(LWS);
    let value = value.trim_matches(LWS);
    if value.is_empty() {
        return None;
    }
    let value = match value.strip_prefix('"') {
        // A lone or unmatched opening quote is dropped and the rest kept as is, escapes and
        // all (crbug.com/39836: devices that forget the closing quote).
        Some(rest) if rest.is_empty() || !rest.ends_with('"') => rest.to_owned(),
        Some(rest) => unescape(rest.strip_suffix('"').unwrap_or(rest)),
        None => value.to_owned(),
    };
    Some((name.to_ascii_lowercase(), value))
}

/// `HttpUtil::Unquote`'s unescaping: a backslash not itself escaped is dropped.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut escaped = false;
    for c in s.chars() {
        if c == '\\' && !escaped {
            escaped = true;
            continue;
        }
        escaped = false;
        out.push(c);
    }
    out
}

/// RFC 7235 `token68`: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn digest(header: &str) -> DigestChallenge {
        DigestChallenge::from_challenge(&Challenge::parse(header)).unwrap()
    }

    #[test]
    fn rfc2617_example() {
        let ch = digest(
            r#"Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#,
        );
        assert_eq!(ch.algorithm, None);
        assert!(ch.qop_auth);
        let header = digest_authorization(
            &ch,
            "Mufasa",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            1,
            "0a4f113b",
        );
        assert_eq!(
            header,
            "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", \
             nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"/dir/index.html\", \
             response=\"6629fae49393a05397450978507c4ef1\", \
             opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", qop=auth, nc=00000001, \
             cnonce=\"0a4f113b\""
        );
    }

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

    fn rfc7616(algorithm: &str) -> String {
        let ch = digest(&format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", \
             algorithm={algorithm}, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
        ));
        digest_authorization(
            &ch,
            "Mufasa",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            1,
            RFC7616_CNONCE,
        )
    }

    #[test]
    fn rfc7616_md5_example() {
        assert_eq!(
            rfc7616("MD5"),
            format!(
                "Digest username=\"Mufasa\", realm=\"http-auth@example.org\", \
                 nonce=\"{RFC7616_NONCE}\", uri=\"/dir/index.html\", algorithm=MD5, \
                 response=\"8ca523f5e9506fed4657c9700eebdbec\", opaque=\"{RFC7616_OPAQUE}\", \
                 qop=auth, nc=00000001, cnonce=\"{RFC7616_CNONCE}\""
            )
        );
    }

    #[test]
    fn rfc7616_sha256_example() {
        let header = rfc7616("sha-256");
        assert!(header.contains(", algorithm=SHA-256, "), "{header}");
        assert!(
            header.contains(
                "response=\"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1\""
            ),
            "{header}"
        );
    }

    #[test]
    fn digest_sess_and_no_qop() {
        // HA1 for -sess is H(H(user:realm:pass):nonce:cnonce); computed independently here.
        let ch = digest(r#"Digest realm="r", nonce="n", algorithm=MD5-SESS"#);
        let ha1 = hex(&Md5::digest(b"u:r:p"));
        let ha1 = hex(&Md5::digest(format!("{ha1}:n:c").as_bytes()));
        let ha2 = hex(&Md5::digest(b"GET:/x?y"));
        let response = hex(&Md5::digest(format!("{ha1}:n:{ha2}").as_bytes()));
        assert_eq!(
            digest_authorization(&ch, "u", "p", "GET", "/x?y", 7, "c"),
            format!(
                "Digest username=\"u\", realm=\"r\", nonce=\"n\", uri=\"/x?y\", \
                 algorithm=MD5-sess, response=\"{response}\""
            )
        );

        let ch = digest(r#"Digest realm="r", nonce="n", algorithm=Sha-256-Sess, qop=auth"#);
        let ha1 = hex(&Sha256::digest(b"u:r:p"));
        let ha1 = hex(&Sha256::digest(format!("{ha1}:n:c").as_bytes()));
        let ha2 = hex(&Sha256::digest(b"CONNECT:example.com:443"));
        let response = hex(&Sha256::digest(
            format!("{ha1}:n:0000001a:c:auth:{ha2}").as_bytes(),
        ));
        let header = digest_authorization(&ch, "u", "p", "CONNECT", "example.com:443", 26, "c");
        assert!(header.contains(", algorithm=SHA-256-sess, "), "{header}");
        assert!(
            header.contains(&format!("response=\"{response}\"")),
            "{header}"
        );
        assert!(
            header.ends_with(", qop=auth, nc=0000001a, cnonce=\"c\""),
            "{header}"
        );
    }

    #[test]
    fn digest_quotes_and_empty_opaque() {
        let ch = digest(r#"Digest realm="a\"b", nonce="n", opaque="""#);
        assert_eq!(ch.realm, "a\"b");
        assert_eq!(ch.opaque, None);
        let header = digest_authorization(&ch, r#"dom\us"er"#, "p", "GET", "/", 1, "c");
        assert!(
            header.starts_with(r#"Digest username="dom\\us\"er", realm="a\"b", nonce="n""#),
            "{header}"
        );
        assert!(!header.contains("opaque"), "{header}");
    }

    #[test]
    fn digest_validity() {
        let valid = |h: &str| DigestChallenge::from_challenge(&Challenge::parse(h)).is_some();
        assert!(valid(r#"Digest realm="r", nonce="n""#));
        // Chromium requires only the nonce; the realm may be missing.
        assert!(valid(r#"Digest nonce="n""#));
        assert!(!valid(r#"Digest realm="r""#));
        assert!(!valid(r#"Digest realm="r", nonce="""#));
        assert!(valid(r#"Digest nonce="n", algorithm=md5"#));
        assert!(valid(r#"Digest nonce="n", algorithm="SHA-256""#));
        assert!(!valid(r#"Digest nonce="n", algorithm=SHA-512-256"#));
        assert!(!valid(r#"Digest nonce="n", algorithm=SHA-256-sess-x"#));
        assert!(valid(r#"Digest nonce="n", qop="auth-int, AUTH""#));
        assert!(!valid(r#"Digest nonce="n", qop="auth-int""#));
        assert!(!valid(r#"Digest nonce="n", qop="""#));
        // Malformed parameters reject the challenge.
        assert!(!valid(r#"Digest nonce="n", bogus"#));
        assert!(!valid(r#"Digest nonce="n", qop="#));
        assert!(!valid(r#"Basic nonce="n""#));
        // Unknown parameters, domain and userhash are ignored; stale is read.
        let ch = digest(r#"Digest nonce="n", domain="/a /b", userhash=true, x=y, stale=TRUE"#);
        assert!(ch.stale);
        assert!(!ch.qop_auth);
        // The last repeated parameter wins.
        assert_eq!(digest(r#"Digest nonce=a, nonce=b, realm=x"#).nonce, "b");
    }

    #[test]
    fn basic() {
        assert_eq!(
            basic_authorization("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        // UTF-8, as Chromium encodes: "pässwörd€".
        assert_eq!(
            basic_authorization("user", "p\u{e4}ssw\u{f6}rd\u{20ac}"),
            format!(
                "Basic {}",
                STANDARD.encode(b"user:p\xc3\xa4ssw\xc3\xb6rd\xe2\x82\xac")
            )
        );
        assert_eq!(
            basic_authorization("test", "123\u{a3}"),
            "Basic dGVzdDoxMjPCow=="
        );
    }

    /// A header, then the scheme, params, token68 and well-formedness it should parse to.
    type ParseCase = (
        &'static str,
        Scheme,
        &'static [(&'static str, &'static str)],
        Option<&'static str>,
        bool,
    );

    #[test]
    fn challenge_parsing_table() {
        // (header, scheme, params, token68, params well formed)
        let cases: &[ParseCase] = &[
            (
                r#"Basic realm="foobar""#,
                Scheme::Basic,
                &[("realm", "foobar")],
                None,
                true,
            ),
            (
                "Basic realm=foobar@baz.com",
                Scheme::Basic,
                &[("realm", "foobar@baz.com")],
                None,
                true,
            ),
            // Unterminated quotes run to the end; the opening quote is dropped.
            (
                r#"Basic realm="foobar@baz.com"#,
                Scheme::Basic,
                &[("realm", "foobar@baz.com")],
                None,
                true,
            ),
            (
                r#"Basic realm=""#,
                Scheme::Basic,
                &[("realm", "")],
                None,
                true,
            ),
            (
                r#"Basic realm="foo bar"#,
                Scheme::Basic,
                &[("realm", "foo bar")],
                None,
                true,
            ),
            (
                r#"Basic realm="a, b=c"#,
                Scheme::Basic,
                &[("realm", "a, b=c")],
                None,
                true,
            ),
            // ...and keep their escapes, as Chromium does.
            (
                r#"Basic realm="a\"b"#,
                Scheme::Basic,
                &[("realm", r#"a\"b"#)],
                None,
                true,
            ),
            (
                r#"Digest qop=auth-int, algorithm=md5, realm="foo"#,
                Scheme::Digest,
                &[("qop", "auth-int"), ("algorithm", "md5"), ("realm", "foo")],
                None,
                true,
            ),
            // Quoted commas and escapes.
            (
                r#"Digest realm="a,b", nonce="x\"y\\z", opaque=o"#,
                Scheme::Digest,
                &[("realm", "a,b"), ("nonce", r#"x"y\z"#), ("opaque", "o")],
                None,
                true,
            ),
            // Mixed case scheme and names; whitespace around `=` and commas; empty items.
            (
                "  dIgEsT \t ReAlM = \"R\" ,, ,NONCE\t=\tn ,",
                Scheme::Digest,
                &[("realm", "R"), ("nonce", "n")],
                None,
                true,
            ),
            ("NTLM", Scheme::Ntlm, &[], None, true),
            (
                "NTLM  SGVsbG8sIFdvcmxkCg===",
                Scheme::Ntlm,
                &[("sgvsbg8sifdvcmxkcg", "==")],
                Some("SGVsbG8sIFdvcmxkCg==="),
                true,
            ),
            (
                "Negotiate abc==",
                Scheme::Negotiate,
                &[("abc", "=")],
                Some("abc=="),
                true,
            ),
            ("Negotiate abc", Scheme::Negotiate, &[], Some("abc"), false),
            // Malformed items end the list.
            ("Digest qop=", Scheme::Digest, &[], Some("qop="), false),
            (
                "Basic realm=a, =b, c=d",
                Scheme::Basic,
                &[("realm", "a")],
                None,
                false,
            ),
            (r#"Basic re"alm=a"#, Scheme::Basic, &[], None, false),
            (
                "Basic realm=\"x\" foo=\"bar\"",
                Scheme::Basic,
                &[("realm", "x\" foo=\"bar")],
                None,
                true,
            ),
            // One line is one challenge, even with what looks like a second one in it.
            (
                r#"Basic realm="a", Digest realm="b""#,
                Scheme::Basic,
                &[("realm", "a"), ("digest realm", "b")],
                None,
                true,
            ),
            ("", Scheme::Other(String::new()), &[], None, true),
            (" \t ", Scheme::Other(String::new()), &[], None, true),
            ("Bearer", Scheme::Other("bearer".into()), &[], None, true),
            (
                "\u{0}\u{ff}é=\"",
                Scheme::Other("\u{0}\u{ff}é=\"".into()),
                &[],
                None,
                true,
            ),
            ("X \"=,\\", Scheme::Other("x".into()), &[], None, false),
        ];
        for (header, scheme, params, token68, valid) in cases {
            let ch = Challenge::parse(header);
            assert_eq!(&ch.scheme, scheme, "{header:?}");
            assert_eq!(ch.params, pairs(params), "{header:?}");
            assert_eq!(ch.token68.as_deref(), *token68, "{header:?}");
            assert_eq!(ch.params_valid, *valid, "{header:?}");
            assert_eq!(ch.raw, *header);
        }
    }

    #[test]
    fn realm() {
        assert_eq!(Challenge::parse("Basic").realm(), "");
        assert_eq!(
            Challenge::parse(r#"Basic foo="bar",realm="r""#).realm(),
            "r"
        );
        assert_eq!(Challenge::parse(r#"Basic realm="a", REALM=b"#).realm(), "b");
    }

    #[test]
    fn quoted_realm_round_trips() {
        // Whatever `quote` produces, the tokenizer reads back.
        let samples = [
            "",
            "plain",
            "a\"b",
            "a\\",
            "\\\"",
            "x, y=z",
            " padded\t",
            "é \u{0}",
        ];
        for realm in samples {
            let header = format!("Basic realm={}, other=1", quote(realm));
            let ch = Challenge::parse(&header);
            assert!(ch.params_valid, "{header:?}");
            assert_eq!(ch.realm(), realm, "{header:?}");
            assert_eq!(ch.param("other"), Some("1"), "{header:?}");
        }
    }

    #[test]
    fn choose_best_preferences() {
        let best = |headers: &[&str]| {
            let challenges = parse_challenges(headers.iter().copied());
            choose_best(&challenges, true).map(|c| c.raw.clone())
        };
        let basic = r#"Basic realm="b""#;
        let digest = r#"Digest realm="d", nonce="n""#;
        assert_eq!(best(&[basic, digest]).as_deref(), Some(digest));
        assert_eq!(best(&[digest, basic]).as_deref(), Some(digest));
        // Negotiate and NTLM are skipped: we cannot answer them.
        assert_eq!(best(&["Negotiate", "NTLM", basic]).as_deref(), Some(basic));
        assert_eq!(
            best(&["Negotiate abc==", digest, "NTLM"]).as_deref(),
            Some(digest)
        );
        // An invalid Digest falls back to Basic.
        let bad_digest = r#"Digest realm="d", nonce="n", algorithm=SHA-512"#;
        assert_eq!(best(&[bad_digest, basic]).as_deref(), Some(basic));
        assert_eq!(
            best(&[r#"Digest realm="d""#, basic]).as_deref(),
            Some(basic)
        );
        // Basic without a realm is fine; a malformed Basic is not.
        assert_eq!(best(&["Basic"]).as_deref(), Some("Basic"));
        assert_eq!(best(&["Basic realm"]), None);
        // The first of equals wins.
        let other_basic = "basic realm=other";
        assert_eq!(best(&[basic, other_basic]).as_deref(), Some(basic));
        assert_eq!(best(&[other_basic, basic]).as_deref(), Some(other_basic));
        let other_digest = "DIGEST nonce=m";
        assert_eq!(
            best(&[basic, other_digest, digest]).as_deref(),
            Some(other_digest)
        );
        assert_eq!(best(&[]), None);
        assert_eq!(best(&["Bearer realm=x", "Negotiate"]), None);
        let challenges = parse_challenges([basic]);
        assert!(choose_best(&challenges, false).is_some());
    }

    #[test]
    fn cnonce() {
        let a = new_cnonce();
        let b = new_cnonce();
        assert_eq!(a.len(), 16);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(a, b);
    }

    #[test]
    fn fuzz_never_panics() {
        const PIECES: &[&str] = &[
            "Basic",
            "Digest",
            "NTLM",
            "Negotiate",
            "realm",
            "nonce",
            "qop",
            "auth",
            "opaque",
            "algorithm",
            "MD5-sess",
            "sha-256",
            "stale",
            "=",
            "\"",
            "\\",
            ",",
            " ",
            "\t",
            "é",
            "\u{1f600}",
            "==",
            "a",
            "\n",
            "\u{0}",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        for round in 0..20_000 {
            let len = next() % 24;
            let mut bytes = Vec::new();
            for _ in 0..len {
                if round % 2 == 0 {
                    bytes.push(next() as u8);
                } else {
                    let piece = PIECES[(next() as usize) % PIECES.len()];
                    bytes.extend_from_slice(piece.as_bytes());
                }
            }
            let mut header = String::from_utf8_lossy(&bytes).into_owned();
            if round % 4 == 1 {
                header.insert_str(0, "Digest nonce=n,");
            }
            let challenges = parse_challenges([header.as_str(), header.as_str()]);
            let _ = choose_best(&challenges, round % 3 == 0);
            for ch in &challenges {
                let _ = ch.realm();
                if let Some(d) = DigestChallenge::from_challenge(ch) {
                    let out = digest_authorization(&d, &header, &header, "GET", &header, 1, "c");
                    assert!(out.starts_with("Digest username=\""));
                }
            }
        }
    }
}
