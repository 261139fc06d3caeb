//! `Content-Disposition` as Chromium's `HttpContentDisposition` reads it: RFC 6266 with
//! RFC 5987 `filename*`, and the leniencies browsers need for real servers (RFC 2047
//! encoded words, raw UTF-8, `%`-escaped UTF-8, a disposition type that is missing).

use encoding_rs::Encoding;

/// The file name a `Content-Disposition` header value suggests, decoded but not yet
/// sanitized; empty when it suggests none.
///
/// `filename*` (RFC 5987) wins over `filename`; the first of each counts. The header is
/// taken as bytes: servers send raw UTF-8, which Chromium accepts; a word in another
/// 8-bit charset decodes to nothing, as in Chromium on Linux.
pub fn filename_from_content_disposition(header: &[u8]) -> String {
    let rest = skip_disposition_type(header);
    let mut filename = String::new();
    let mut ext_filename = String::new();
    for (name, raw_value) in parameters(rest) {
        if filename.is_empty() && name.eq_ignore_ascii_case(b"filename") {
            filename = decode_filename_value(&unquote(raw_value)).unwrap_or_default();
        } else if ext_filename.is_empty() && name.eq_ignore_ascii_case(b"filename*") {
            // An RFC 5987 value is ASCII only and never quoted.
            if raw_value.is_ascii() {
                ext_filename = decode_ext_value(raw_value).unwrap_or_default();
            }
        }
    }
    if ext_filename.is_empty() {
        filename
    } else {
        ext_filename
    }
}

/// Skips the disposition type when it is a token (`attachment`, `inline`, anything else);
/// otherwise (`filename=x`) the whole header is parameters, as in Chromium.
fn skip_disposition_type(header: &[u8]) -> &[u8] {
    let end = header
        .iter()
        .position(|&b| b == b';')
        .unwrap_or(header.len());
    let (head, rest) = header.split_at(end);
    let token = trim_lws(head);
    if token.is_empty() || !token.iter().all(|&b| is_token_char(b)) {
        header
    } else {
        rest
    }
}

/// `;`-separated `name=value` pairs; quoted strings may contain `;`. Empty parts are
/// skipped, and a part without `=` or without a name ends the list, as Chromium's
/// `NameValuePairsIterator` does.
fn parameters(input: &[u8]) -> Vec<(&[u8], &[u8])> {
    let mut pairs = Vec::new();
    let mut start = 0;
    let mut in_quote = false;
    let mut escaped = false;
    let mut bounds = Vec::new();
    for (i, &b) in input.iter().enumerate() {
        if in_quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_quote = false;
            }
        } else if b == b'"' {
            in_quote = true;
        } else if b == b';' {
            bounds.push((start, i));
            start = i + 1;
        }
    }
    bounds.push((start, input.len()));
    for (from, to) in bounds {
        let Some(part) = input.get(from..to) else {
            break;
        };
        if trim_lws(part).is_empty() {
            continue;
        }
        // A non-empty part that is not `name=value` ends the parameters, as in Chromium:
        // `attachment; foo; filename=x` has no file name.
        let Some(eq) = part.iter().position(|&b| b == b'=') else {
            break;
        };
        let (name, value) = part.split_at(eq);
        let name = trim_lws(name);
        let value = trim_lws(value.get(1..).unwrap_or_default());
        if name.is_empty() {
            break;
        }
        pairs.push((name, value));
    }
    pairs
}

/// Removes surrounding quotes and backslash escapes. An unterminated quoted string loses
/// its opening quote only.
fn unquote(value: &[u8]) -> Vec<u8> {
    let Some(inner) = value.strip_prefix(b"\"") else {
        return value.to_vec();
    };
    let inner = if value.len() >= 2 && value.ends_with(b"\"") && !ends_with_escape(inner) {
        inner
            .get(..inner.len().saturating_sub(1))
            .unwrap_or_default()
    } else {
        inner
    };
    let mut out = Vec::with_capacity(inner.len());
    let mut escaped = false;
    for &b in inner {
        if !escaped && b == b'\\' {
            escaped = true;
        } else {
            out.push(b);
            escaped = false;
        }
    }
    out
}

fn ends_with_escape(inner: &[u8]) -> bool {
    // `"abc\"` ends with an escaped quote, not a closing one.
    let body = inner
        .get(..inner.len().saturating_sub(1))
        .unwrap_or_default();
    body.iter().rev().take_while(|&&b| b == b'\\').count() % 2 == 1
}

/// Chromium's `DecodeFilenameValue`: whitespace-separated words, each an RFC 2047
/// encoded word, raw non-ASCII text, or `%`-escaped UTF-8. Whitespace after an encoded
/// word is dropped, other whitespace becomes one space per character.
fn decode_filename_value(input: &[u8]) -> Option<String> {
    let mut out = String::new();
    let mut previous_was_rfc2047 = true;
    let mut word_start = None;
    let flush = |from: usize, to: usize, out: &mut String, prev: &mut bool| -> Option<()> {
        let word = input.get(from..to)?;
        let (decoded, is_rfc2047) = decode_word(word)?;
        out.push_str(&decoded);
        *prev = is_rfc2047;
        Some(())
    };
    for (i, &b) in input.iter().enumerate() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
            if let Some(from) = word_start.take() {
                flush(from, i, &mut out, &mut previous_was_rfc2047)?;
            }
            if !previous_was_rfc2047 {
                out.push(' ');
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(from) = word_start {
        flush(from, input.len(), &mut out, &mut previous_was_rfc2047)?;
    }
    Some(out)
}

/// One word: `(decoded, is_rfc2047)`, or `None` when the word is a broken encoded word
/// or not UTF-8 after `%`-unescaping (Chromium then gives up on the whole value).
fn decode_word(word: &[u8]) -> Option<(String, bool)> {
    if !word.is_ascii() {
        return Some((decode_raw(word), false));
    }
    // Tokens between `?`, empty ones skipped: `=`, charset, `B`/`Q`, text, `=`.
    let parts: Vec<&[u8]> = word
        .split(|&b| b == b'?')
        .filter(|p| !p.is_empty())
        .collect();
    if parts.first() == Some(&&b"="[..]) {
        let [_, charset, kind, text, last] = parts.as_slice() else {
            // A broken encoded word: Chromium fails the value when the word got as far
            // as the text, and otherwise reads it as plain text.
            return if parts.len() > 3 {
                None
            } else {
                plain_word(word).map(|w| (w, false))
            };
        };
        if *last != b"=" || !word.ends_with(b"=") {
            return None;
        }
        let bytes = match kind {
            [b'b' | b'B'] => base64_decode(text)?,
            [b'q' | b'Q'] => q_decode(text)?,
            _ => return plain_word(word).map(|w| (w, false)),
        };
        let encoding = Encoding::for_label(charset)?;
        let (text, had_errors) = encoding.decode_without_bom_handling(&bytes);
        if had_errors {
            return None;
        }
        return Some((text.into_owned(), true));
    }
    plain_word(word).map(|w| (w, false))
}

fn plain_word(word: &[u8]) -> Option<String> {
    String::from_utf8(percent_decode(word)).ok()
}

/// Raw non-ASCII bytes: UTF-8 if they are; otherwise nothing, because Chromium's
/// fallback (the native multibyte charset, UTF-8 on Linux) fails on them too.
fn decode_raw(bytes: &[u8]) -> String {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .unwrap_or_default()
}

/// RFC 5987 `charset'language'value-chars`.
fn decode_ext_value(value: &[u8]) -> Option<String> {
    if value.contains(&b'"') {
        return None;
    }
    let mut parts = value.splitn(3, |&b| b == b'\'');
    let charset = parts.next()?;
    let _language = parts.next()?;
    let text = parts.next()?;
    if charset.is_empty() {
        return None;
    }
    let encoding = Encoding::for_label(charset)?;
    let bytes = percent_decode(text);
    let (decoded, had_errors) = encoding.decode_without_bom_handling(&bytes);
    if had_errors {
        return None;
    }
    Some(decoded.into_owned())
}

/// Decodes every `%XX`; anything else (including a malformed escape) stays as is.
pub(crate) fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        if b == b'%' {
            let hi = input.get(i + 1).and_then(|&h| hex_value(h));
            let lo = input.get(i + 2).and_then(|&l| hex_value(l));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    char::from(b)
        .to_digit(16)
        .and_then(|d| u8::try_from(d).ok())
}

fn q_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'_' => out.push(b' '),
            b'=' => {
                let hi = hex_value(*text.get(i + 1)?)?;
                let lo = hex_value(*text.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            _ => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

fn base64_decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer = 0u32;
    let mut bits = 0u32;
    let mut padding = 0;
    for &b in text {
        let value = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            _ => return None,
        };
        if padding > 0 {
            return None;
        }
        buffer = buffer << 6 | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from(buffer >> bits & 0xff).ok()?);
        }
    }
    Some(out)
}

fn trim_lws(bytes: &[u8]) -> &[u8] {
    let is_lws = |b: &u8| matches!(b, b' ' | b'\t');
    let start = bytes.iter().position(|b| !is_lws(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !is_lws(b))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or_default()
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b)
}
