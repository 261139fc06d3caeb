//! The transfer task: request (with `Range`/`If-Range` when resuming), response checks as
//! Chromium's `HandleSuccessfulServerResponse`, `will-download`, the temporary file, the
//! byte stream, and the interrupt/auto-resume loop.

use std::fs::OpenOptions;
use std::io::{self, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use reqwest::header::{self, HeaderMap};
use tokio::sync::watch;
use tokio::time::Instant;
use url::Url;

use crate::item::{Control, Shared};
use crate::naming::{NameSource, generate_file_name, reserve_unique_path};
use crate::writer::Writer;
use crate::{
    DownloadEvent, DownloadItem, DownloadState, Error, InterruptReason, ResumeMode, WillDownload,
    httpdate,
};

/// How one attempt ended.
enum Outcome {
    Completed,
    Cancelled,
    Interrupted(InterruptReason),
}

/// Starts the transfer task of an item.
pub(crate) fn spawn(shared: &Arc<Shared>) {
    shared.running.send_replace(true);
    let Some(runtime) = shared.manager.runtime() else {
        // `download` checks for a runtime; a resume from outside one lands here.
        finish(shared, Outcome::Interrupted(InterruptReason::Crash));
        return;
    };
    let shared = Arc::clone(shared);
    runtime.spawn(async move {
        loop {
            let outcome = attempt(&shared).await;
            if !finish(&shared, outcome) {
                break;
            }
        }
    });
}

/// Records how an attempt ended; `true` when the download resumes by itself.
fn finish(shared: &Arc<Shared>, outcome: Outcome) -> bool {
    let mut data = shared.lock();
    data.bytes_per_second = 0;
    match outcome {
        Outcome::Completed => {
            data.state = DownloadState::Completed;
            data.reason = None;
            data.end_time = Some(SystemTime::now());
            drop(data);
            shared.running.send_replace(false);
            shared.emit_done(DownloadState::Completed);
            false
        }
        Outcome::Cancelled => {
            data.state = DownloadState::Cancelled;
            data.reason = Some(InterruptReason::UserCanceled);
            data.end_time = Some(SystemTime::now());
            let temp = data.path_locked.then(|| data.temp_path()).flatten();
            drop(data);
            if let Some(temp) = temp {
                let _ = std::fs::remove_file(temp);
            }
            shared.running.send_replace(false);
            shared.emit_done(DownloadState::Cancelled);
            false
        }
        Outcome::Interrupted(reason) => {
            data.reason = Some(reason);
            let mode = data.resume_mode();
            if mode.restarts() {
                data.received = 0;
            }
            match mode {
                ResumeMode::ImmediateContinue | ResumeMode::ImmediateRestart => {
                    data.auto_resume_count += 1;
                    drop(data);
                    shared.emit(DownloadEvent::Updated(DownloadState::Interrupted));
                    true
                }
                ResumeMode::UserContinue | ResumeMode::UserRestart => {
                    data.state = DownloadState::Interrupted;
                    data.end_time = Some(SystemTime::now());
                    drop(data);
                    shared.running.send_replace(false);
                    shared.emit(DownloadEvent::Updated(DownloadState::Interrupted));
                    false
                }
                _ => {
                    // Chromium deletes the partial file of a download it cannot resume.
                    data.state = DownloadState::Interrupted;
                    data.end_time = Some(SystemTime::now());
                    let temp = data.path_locked.then(|| data.temp_path()).flatten();
                    data.path_locked = false;
                    data.received = 0;
                    drop(data);
                    if let Some(temp) = temp {
                        let _ = std::fs::remove_file(temp);
                    }
                    shared.running.send_replace(false);
                    shared.emit_done(DownloadState::Interrupted);
                    false
                }
            }
        }
    }
}

/// What an attempt starts from.
struct Start {
    url: Url,
    offset: u64,
    validator: Option<String>,
    headers: Vec<(String, String)>,
    first: bool,
}

fn start_of(shared: &Shared) -> Start {
    let data = shared.lock();
    let validator = if !data.etag.is_empty() && !is_weak(&data.etag) {
        Some(data.etag.clone())
    } else if !data.last_modified.is_empty() {
        Some(data.last_modified.clone())
    } else {
        None
    };
    // No validator means the partial bytes cannot be trusted: start over.
    let offset = if data.path_locked && validator.is_some() {
        data.received
    } else {
        0
    };
    Start {
        url: data
            .url_chain
            .last()
            .cloned()
            .unwrap_or_else(|| data.url.clone()),
        offset,
        validator,
        headers: data.request_headers.clone(),
        first: !data.announced,
    }
}

async fn attempt(shared: &Arc<Shared>) -> Outcome {
    let mut control = shared.control.subscribe();
    // A cancel or shutdown may have come between two attempts.
    match *control.borrow_and_update() {
        Control::Cancel => return Outcome::Cancelled,
        Control::Shutdown => return Outcome::Interrupted(InterruptReason::UserShutdown),
        Control::Run | Control::Pause => {}
    }
    let manager = Arc::clone(&shared.manager);
    let Start {
        url,
        mut offset,
        validator,
        headers,
        first,
    } = start_of(shared);

    // A response fetched elsewhere (`adopt`) is the first attempt's.
    let adopted = shared
        .adopted
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    let paced_upstream = adopted.is_some();
    // The request, following redirects by hand to record the chain.
    let mut current = url;
    let mut redirects = 0;
    let response = if let Some(response) = adopted {
        response
    } else {
        loop {
            let mut request = manager.get(&current);
            for (name, value) in &headers {
                request = request.header(name.as_str(), value.as_str());
            }
            if offset > 0 {
                request = request.header(header::RANGE, format!("bytes={offset}-"));
                if let Some(validator) = &validator {
                    request = request.header(header::IF_RANGE, validator.as_str());
                }
                // As Chromium's `CreateResourceRequest` for a range: only the file's own
                // bytes can be appended at the offset, so no content coding is accepted.
                // `headers` replaces an `Accept-Encoding` the request hook or the item set.
                let mut identity = HeaderMap::new();
                identity.insert(
                    header::ACCEPT_ENCODING,
                    header::HeaderValue::from_static("identity"),
                );
                request = request.headers(identity);
            }
            let sent = async {
                match &manager.transport {
                    Some(transport) => match request.build() {
                        Ok(request) => transport(request).await,
                        Err(error) => Err(reason_for_request_error(&error)),
                    },
                    None => request
                        .send()
                        .await
                        .map_err(|error| reason_for_request_error(&error)),
                }
            };
            let response = tokio::select! {
                response = sent => response,
                outcome = stopped(&mut control) => return outcome,
            };
            let response = match response {
                Ok(response) => response,
                Err(reason) => return Outcome::Interrupted(reason),
            };
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_owned);
            match location {
                Some(location) if response.status().is_redirection() => {
                    redirects += 1;
                    let next = current.join(&location).ok();
                    let Some(next) = next.filter(|n| matches!(n.scheme(), "http" | "https")) else {
                        return Outcome::Interrupted(InterruptReason::NetworkInvalidRequest);
                    };
                    if redirects > manager.max_redirects {
                        return Outcome::Interrupted(InterruptReason::NetworkInvalidRequest);
                    }
                    if first {
                        shared.lock().url_chain.push(next.clone());
                    }
                    current = next;
                }
                _ => break response,
            }
        }
    };

    let status = response.status().as_u16();
    if let Some(reason) = InterruptReason::for_status(status) {
        return Outcome::Interrupted(reason);
    }
    let response_headers = response.headers();
    let mut range_total = None;
    if offset > 0 {
        if status == 206 {
            let Some((first_byte, _, total)) = content_range(response_headers) else {
                return Outcome::Interrupted(InterruptReason::ServerBadContent);
            };
            if first_byte != offset {
                return Outcome::Interrupted(InterruptReason::ServerNoRange);
            }
            // Encoded bytes are not the file's bytes at the offset, whatever `Accept-Encoding`
            // asked for. Chromium decodes the body, which fails for a range cut out of an
            // encoded stream (`ERR_CONTENT_DECODING_FAILED`), and a partial request turns
            // that into `SERVER_NO_RANGE`: start over from byte 0.
            if is_encoded(response_headers) {
                return Outcome::Interrupted(InterruptReason::ServerNoRange);
            }
            range_total = total;
        } else {
            // The validator changed: the whole file comes again.
            offset = 0;
        }
    } else if status == 206 {
        return Outcome::Interrupted(InterruptReason::ServerBadContent);
    }
    let content_length = response.content_length();
    let total = range_total.or_else(|| content_length.map(|length| length + offset));

    // Metadata from a response that carries the file from its start.
    {
        let mut data = shared.lock();
        if offset == 0 {
            data.mime_type = header_string(response_headers, header::CONTENT_TYPE)
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            data.content_disposition = header_string(response_headers, header::CONTENT_DISPOSITION);
            let strong = has_strong_validators(&response);
            data.etag = if strong {
                header_string(response_headers, header::ETAG)
            } else {
                String::new()
            };
            data.last_modified = if strong {
                header_string(response_headers, header::LAST_MODIFIED)
            } else {
                String::new()
            };
        }
        if first {
            let disposition = response_headers
                .get(header::CONTENT_DISPOSITION)
                .map(|v| v.as_bytes().to_vec())
                .unwrap_or_default();
            let mime = data.mime_type.clone();
            data.file_name =
                generate_file_name(response.url(), &NameSource::new(&disposition, &mime));
        }
        data.total = total.unwrap_or(0);
    }

    if first {
        let item = DownloadItem {
            shared: Arc::clone(shared),
        };
        if manager.announce(&item) == WillDownload::Cancel {
            return Outcome::Cancelled;
        }
        let mut data = shared.lock();
        if data.save_path.is_none() {
            match reserve_unique_path(&manager.download_path(), &data.file_name) {
                Ok(path) => {
                    data.save_path = Some(path);
                    // The reservation is the temporary file: from now on it is this item's,
                    // and a cancel removes it.
                    data.path_locked = true;
                }
                Err(Error::Reserve { source, .. }) => {
                    return Outcome::Interrupted(InterruptReason::for_io_error(&source));
                }
                Err(_) => return Outcome::Interrupted(InterruptReason::FileFailed),
            }
        }
    }

    let (save_path, temp) = {
        let data = shared.lock();
        match (data.save_path.clone(), data.temp_path()) {
            (Some(save), Some(temp)) => (save, temp),
            _ => return Outcome::Interrupted(InterruptReason::FileFailed),
        }
    };
    let file = match open_temp(&save_path, &temp, offset) {
        Ok(file) => file,
        Err(reason) => return Outcome::Interrupted(reason),
    };
    {
        let mut data = shared.lock();
        data.path_locked = true;
        data.received = offset;
        data.reason = None;
    }
    shared.emit(DownloadEvent::Updated(DownloadState::Progressing));

    let mut writer = Writer::start(file, temp.clone(), offset, manager.before_write.clone());
    let streamed = stream(
        shared,
        response,
        &mut writer,
        &mut control,
        (offset, total),
        paced_upstream,
    )
    .await;
    let (written, write_error) = writer.finish();
    shared.lock().received = written;
    if let Some(error) = write_error {
        return Outcome::Interrupted(InterruptReason::for_io_error(&error));
    }
    let short = match streamed {
        Err(Outcome::Interrupted(InterruptReason::ServerContentLengthMismatch)) => true,
        Err(outcome) => return outcome,
        Ok(()) => total.is_some_and(|total| written != total),
    };
    // Chromium's `HandleRequestCompletionStatus`: a body shorter than its Content-Length is
    // either a connection closed early or a wrong header. With strong validators the
    // download is interrupted and resumes itself; without them a resume could only restart,
    // and would never finish if the header is wrong, so the download counts as complete.
    if short && has_validators(shared) {
        return Outcome::Interrupted(InterruptReason::ServerContentLengthMismatch);
    }
    if let Err(error) = std::fs::rename(&temp, &save_path) {
        return Outcome::Interrupted(InterruptReason::for_io_error(&error));
    }
    let mut data = shared.lock();
    data.total = written;
    Outcome::Completed
}

/// Streams the body to the writer, honouring pause, cancel, shutdown and the throttle.
async fn stream(
    shared: &Shared,
    mut response: reqwest::Response,
    writer: &mut Writer,
    control: &mut watch::Receiver<Control>,
    (offset, total): (u64, Option<u64>),
    paced_upstream: bool,
) -> Result<(), Outcome> {
    let manager = &shared.manager;
    let mut received = offset;
    let mut last_update = Instant::now();
    let mut received_at_update = received;
    loop {
        if *control.borrow_and_update() == Control::Pause {
            wait_unpaused(control).await?;
        }
        let chunk = tokio::select! {
            biased;
            changed = control.changed() => {
                if changed.is_err() {
                    return Err(Outcome::Interrupted(InterruptReason::Crash));
                }
                match *control.borrow() {
                    Control::Cancel => return Err(Outcome::Cancelled),
                    Control::Shutdown => {
                        return Err(Outcome::Interrupted(InterruptReason::UserShutdown));
                    }
                    Control::Run | Control::Pause => continue,
                }
            }
            chunk = response.chunk() => chunk,
        };
        let bytes = match chunk {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(()),
            Err(error) => {
                return Err(Outcome::Interrupted(reason_for_body_error(
                    &error, offset, total, received,
                )));
            }
        };
        let length = bytes.len() as u64;
        if let Some(throttle) = manager.throttle.as_ref().filter(|_| !paced_upstream) {
            let delay = throttle.reserve(length);
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
        }
        if !writer.send(bytes) {
            // The writer stopped on an error, which `finish` reports.
            return Ok(());
        }
        received += length;
        let now = Instant::now();
        let elapsed = now.duration_since(last_update);
        let mut data = shared.lock();
        data.received = received;
        if elapsed >= manager.update_interval {
            let bytes = received - received_at_update;
            data.bytes_per_second = (bytes as f64 / elapsed.as_secs_f64().max(1e-3)) as u64;
            drop(data);
            last_update = now;
            received_at_update = received;
            shared.emit(DownloadEvent::Updated(DownloadState::Progressing));
        }
    }
}

/// Waits while paused; an error when the item is cancelled or shut down meanwhile.
async fn wait_unpaused(control: &mut watch::Receiver<Control>) -> Result<(), Outcome> {
    loop {
        match *control.borrow_and_update() {
            Control::Run => return Ok(()),
            Control::Cancel => return Err(Outcome::Cancelled),
            Control::Shutdown => return Err(Outcome::Interrupted(InterruptReason::UserShutdown)),
            Control::Pause => {}
        }
        if control.changed().await.is_err() {
            return Err(Outcome::Interrupted(InterruptReason::Crash));
        }
    }
}

/// Resolves when the item is cancelled or shut down (before the response arrives).
async fn stopped(control: &mut watch::Receiver<Control>) -> Outcome {
    loop {
        if control.changed().await.is_err() {
            return Outcome::Interrupted(InterruptReason::Crash);
        }
        match *control.borrow() {
            Control::Cancel => return Outcome::Cancelled,
            Control::Shutdown => return Outcome::Interrupted(InterruptReason::UserShutdown),
            Control::Run | Control::Pause => {}
        }
    }
}

/// Opens the temporary file: created empty for a fresh start, else cut to `offset`.
fn open_temp(
    save_path: &std::path::Path,
    temp: &PathBuf,
    offset: u64,
) -> Result<std::fs::File, InterruptReason> {
    let io_reason = |error: io::Error| InterruptReason::for_io_error(&error);
    if let Some(parent) = save_path.parent() {
        std::fs::create_dir_all(parent).map_err(io_reason)?;
    }
    if offset == 0 {
        // Usually the file is the empty one the name reservation just created. Opening it
        // with O_TRUNC anyway would mark it, on ext4, as a file replaced by truncation, and
        // its close would then wait for the whole body to be written back (measured: half the
        // throughput on a 1 GiB download). Only a leftover with content is truncated.
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(temp)
            .map_err(io_reason)?;
        if file.metadata().map_err(io_reason)?.len() > 0 {
            file.set_len(0).map_err(io_reason)?;
        }
        return Ok(file);
    }
    let mut file = OpenOptions::new()
        .write(true)
        .open(temp)
        .map_err(io_reason)?;
    let length = file.metadata().map_err(io_reason)?.len();
    if length < offset {
        return Err(InterruptReason::FileTooShort);
    }
    file.set_len(offset).map_err(io_reason)?;
    file.seek(SeekFrom::Start(offset)).map_err(io_reason)?;
    Ok(file)
}

fn header_string(headers: &HeaderMap, name: header::HeaderName) -> String {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Whether the response has a `Content-Encoding` other than `identity`.
fn is_encoded(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&byte| byte == b','))
        .map(<[u8]>::trim_ascii)
        .any(|coding| !coding.is_empty() && !coding.eq_ignore_ascii_case(b"identity"))
}

fn is_weak(etag: &str) -> bool {
    let etag = etag.trim_start();
    etag.get(..2).is_some_and(|w| w.eq_ignore_ascii_case("w/"))
}

/// Whether the item kept a validator, which it does only from a response with strong
/// validators.
fn has_validators(shared: &Shared) -> bool {
    let data = shared.lock();
    !data.etag.is_empty() || !data.last_modified.is_empty()
}

/// Chromium's `HttpResponseHeaders::HasStrongValidators`: HTTP/1.1 or later, and a strong
/// `ETag`, or a `Last-Modified` at least 60 seconds before `Date`.
fn has_strong_validators(response: &reqwest::Response) -> bool {
    if response.version() < reqwest::Version::HTTP_11 {
        return false;
    }
    let headers = response.headers();
    let etag = header_string(headers, header::ETAG);
    if !etag.is_empty() && !is_weak(&etag) {
        return true;
    }
    let last_modified = httpdate::parse(&header_string(headers, header::LAST_MODIFIED));
    let date = httpdate::parse(&header_string(headers, header::DATE));
    matches!((last_modified, date), (Some(lm), Some(date)) if date - lm >= 60)
}

/// `Content-Range: bytes FIRST-LAST/TOTAL` (or `/*`) of a 206, as Chromium's
/// `GetContentRangeFor206` accepts it.
fn content_range(headers: &HeaderMap) -> Option<(u64, u64, Option<u64>)> {
    let value = headers.get(header::CONTENT_RANGE)?.to_str().ok()?.trim();
    let (unit, rest) = value.split_once(' ')?;
    if !unit.eq_ignore_ascii_case("bytes") {
        return None;
    }
    let (range, total) = rest.trim().split_once('/')?;
    let (first, last) = range.trim().split_once('-')?;
    let first: u64 = first.trim().parse().ok()?;
    let last: u64 = last.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse::<u64>().ok()?),
    };
    if last < first || total.is_some_and(|total| last >= total) {
        return None;
    }
    Some((first, last, total))
}

fn reason_for_request_error(error: &reqwest::Error) -> InterruptReason {
    if error.is_timeout() {
        InterruptReason::NetworkTimeout
    } else if error.is_builder() {
        InterruptReason::NetworkInvalidRequest
    } else {
        InterruptReason::NetworkFailed
    }
}

/// A body that ends before its `Content-Length` is Chromium's
/// `ERR_CONTENT_LENGTH_MISMATCH` (`SERVER_CONTENT_LENGTH_MISMATCH`); a body that does not
/// decode, on a range request (from `offset` > 0), is `SERVER_NO_RANGE` as Chromium's
/// `HandleRequestCompletionStatus` has it (a client that decodes content codings reports
/// those); a reset or other failure is `NETWORK_FAILED`.
fn reason_for_body_error(
    error: &reqwest::Error,
    offset: u64,
    total: Option<u64>,
    received: u64,
) -> InterruptReason {
    if error.is_timeout() {
        return InterruptReason::NetworkTimeout;
    }
    if offset > 0 && error.is_decode() {
        return InterruptReason::ServerNoRange;
    }
    let short = total.is_some_and(|total| received < total);
    match io_error_kind(error) {
        Some(io::ErrorKind::UnexpectedEof) if short => InterruptReason::ServerContentLengthMismatch,
        _ => InterruptReason::NetworkFailed,
    }
}

fn io_error_kind(error: &(dyn std::error::Error + 'static)) -> Option<io::ErrorKind> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        source = current.source();
    }
    None
}
