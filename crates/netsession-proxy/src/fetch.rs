//! Fetching PAC scripts from `data:`, `file:`, `http:` and `https:` URLs, with Chromium's
//! rules: bounded size and time, status exactly 200, never through a proxy, decoded by the
//! `Content-Type` charset, else the byte-order mark, else ISO-8859-1.
//!
//! The size and time limits hold for every scheme. A `file:` URL may name something whose
//! length is unknown or a lie (a FIFO, `/dev/zero`, a `/proc` file that reports 0 bytes), so
//! files are read through a bound, not trusted by their metadata, and inside the same timeout
//! as HTTP. On Unix, FIFOs and pollable character devices are read through the runtime's I/O
//! driver rather than a blocking thread: a read that never completes (a FIFO nobody writes
//! to) then ends with the timeout instead of keeping a thread, and the runtime's shutdown,
//! waiting. This needs a runtime with I/O enabled, as `http:` URLs do.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use url::Url;

use crate::error::{Error, FetchFailure};

/// Limits on fetching a PAC script.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FetchLimits {
    pub(crate) timeout: Duration,
    pub(crate) max_size: usize,
}

/// Fetches and decodes the script at `url`.
pub(crate) async fn fetch(
    url: &Url,
    limits: FetchLimits,
    http: &reqwest::Client,
) -> Result<String, Error> {
    let fail = |failure| Error::PacFetch {
        url: url.clone(),
        failure,
    };
    let fetched = async {
        match url.scheme() {
            "data" => data_url(url).ok_or(FetchFailure::InvalidDataUrl),
            "file" => Ok((read_file(url, limits).await?, None)),
            "http" | "https" => fetch_http(url, limits, http).await,
            _ => Err(FetchFailure::UnsupportedScheme),
        }
    };
    let (bytes, charset) = tokio::time::timeout(limits.timeout, fetched)
        .await
        .map_err(|_| fail(FetchFailure::Timeout))?
        .map_err(fail)?;
    if bytes.len() > limits.max_size {
        return Err(fail(FetchFailure::TooLarge(limits.max_size)));
    }
    Ok(decode(&bytes, charset.as_deref()))
}

fn data_url(url: &Url) -> Option<(Vec<u8>, Option<String>)> {
    let data = data_url::DataUrl::process(url.as_str()).ok()?;
    let charset = data.mime_type().get_parameter("charset").map(str::to_owned);
    let (body, _) = data.decode_to_vec().ok()?;
    Some((body, charset))
}

async fn read_file(url: &Url, limits: FetchLimits) -> Result<Vec<u8>, FetchFailure> {
    let path = url
        .to_file_path()
        .map_err(|()| FetchFailure::UnsupportedScheme)?;
    let metadata = tokio::fs::metadata(&path).await.map_err(io_failure)?;
    // A regular file's length is known: refuse a big one without reading it. Anything else
    // (and a file that grows meanwhile) is caught by the bounded read below.
    let too_large = |len: u64| usize::try_from(len).map_or(true, |len| len > limits.max_size);
    if metadata.is_file() && too_large(metadata.len()) {
        return Err(FetchFailure::TooLarge(limits.max_size));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() || kind.is_char_device() {
            // Opened non-blocking and polled, so neither the open nor a read can block. Devices
            // that cannot be polled (`/dev/zero` answers `EPERM`) never block either, and are
            // read like files.
            let stream = tokio::net::unix::pipe::OpenOptions::new()
                .unchecked(true)
                .open_receiver(&path);
            match stream {
                Ok(stream) => return read_bounded(stream, limits.max_size).await,
                Err(error) if kind.is_char_device() => {
                    tracing::debug!(%error, "the PAC device cannot be polled; reading it as a file");
                }
                Err(error) => return Err(io_failure(error)),
            }
        }
    }
    let file = tokio::fs::File::open(&path).await.map_err(io_failure)?;
    read_bounded(file, limits.max_size).await
}

/// Reads `source` to its end, but never more than one byte past `max_size`.
async fn read_bounded(
    source: impl AsyncRead + Unpin,
    max_size: usize,
) -> Result<Vec<u8>, FetchFailure> {
    let limit = u64::try_from(max_size).map_or(u64::MAX, |max| max.saturating_add(1));
    let mut bytes = Vec::new();
    source
        .take(limit)
        .read_to_end(&mut bytes)
        .await
        .map_err(io_failure)?;
    if bytes.len() > max_size {
        return Err(FetchFailure::TooLarge(max_size));
    }
    Ok(bytes)
}

fn io_failure(error: std::io::Error) -> FetchFailure {
    FetchFailure::Io(error.kind(), error.to_string())
}

async fn fetch_http(
    url: &Url,
    limits: FetchLimits,
    http: &reqwest::Client,
) -> Result<(Vec<u8>, Option<String>), FetchFailure> {
    let transport = |e: reqwest::Error| FetchFailure::Http(e.to_string());
    let mut response = http.get(url.clone()).send().await.map_err(transport)?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FetchFailure::Status(status));
    }
    let charset = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(charset_of);
    // Read chunk by chunk so a huge or endless body stops at the limit.
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len().saturating_add(chunk.len()) > limits.max_size {
            return Err(FetchFailure::TooLarge(limits.max_size));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((body, charset))
}

/// The `charset` parameter of a `Content-Type` value.
fn charset_of(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

/// Decodes as Chromium's PAC fetcher: the given charset, else a byte-order mark, else
/// ISO-8859-1 (every byte is the code point of the same value).
pub(crate) fn decode(bytes: &[u8], charset: Option<&str>) -> String {
    let latin1 = |bytes: &[u8]| bytes.iter().map(|&b| char::from(b)).collect::<String>();
    match charset.map(|c| c.trim().to_ascii_lowercase()) {
        // The WHATWG encoding labels map these to windows-1252; ICU, which Chromium uses
        // here, decodes true ISO-8859-1.
        Some(label) if matches!(label.as_str(), "iso-8859-1" | "latin1" | "l1" | "iso8859-1") => {
            latin1(bytes)
        }
        Some(label) => match encoding_rs::Encoding::for_label(label.as_bytes()) {
            Some(encoding) => encoding.decode_with_bom_removal(bytes).0.into_owned(),
            None => latin1(bytes),
        },
        None => match encoding_rs::Encoding::for_bom(bytes) {
            Some((encoding, bom)) => encoding
                .decode_without_bom_handling(bytes.get(bom..).unwrap_or_default())
                .0
                .into_owned(),
            None => latin1(bytes),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_as_chromium() {
        assert_eq!(decode(b"caf\xe9", None), "café");
        assert_eq!(decode(b"\xef\xbb\xbfcaf\xc3\xa9", None), "café");
        assert_eq!(decode(b"\xff\xfea\x00", None), "a");
        assert_eq!(decode("café".as_bytes(), Some("UTF-8")), "café");
        assert_eq!(decode(b"\x80", Some("iso-8859-1")), "\u{80}");
        assert_eq!(decode(b"\x80", Some("windows-1252")), "€");
        assert_eq!(decode(b"x", Some("no-such-charset")), "x");
    }

    #[test]
    fn content_type_charset() {
        assert_eq!(
            charset_of("application/x-ns-proxy-autoconfig; Charset=\"utf-8\"").as_deref(),
            Some("utf-8")
        );
        assert_eq!(charset_of("text/plain"), None);
    }
}
