//! `netsession download`: Electron's `session.downloadURL` from a terminal, with Chromium's
//! file naming and resume. An interrupted download leaves `NAME.crdownload` and a small
//! sidecar, `NAME.crdownload.resume`, holding what `createInterruptedDownload` needs (URL
//! chain, MIME type, length, validators, start time); the same command finds them and
//! resumes with `Range` and `If-Range`.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, UNIX_EPOCH};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use netsession_downloads::{
    DownloadItem, DownloadManager, DownloadOptions, DownloadState, InterruptedDownloadOptions,
    MAX_NAME_BYTES, WillDownload, reserve_unique_path, safe_leaf, temp_path_for,
};
use url::Url;

use crate::{Failure, Global};

pub(crate) const HELP: &str = "\
The file is named as Chromium names downloads (Content-Disposition, then the URL, then the
MIME type) unless --output gives a name. Either name is made safe (one path component: no
separators, never `.` or `..`) and cut to 238 bytes keeping its extension, and gets ` (1)`,
` (2)`... when it is taken: an existing file is never overwritten. Bytes go to
NAME.crdownload, renamed to NAME when complete; the final path is the last line of standard
output.

A download that is interrupted (network failure, server error, full disk, Ctrl-C) exits
with status 1 and keeps NAME.crdownload and NAME.crdownload.resume: run the same command
again to resume it. A progress bar shows on standard error when it is a terminal.";

// The help text names the limit; this keeps it true.
const _: () = assert!(MAX_NAME_BYTES == 238, "update the limit in HELP");

/// Sidecar suffix, after `.crdownload`.
const SIDECAR: &str = ".resume";

#[derive(Debug, Args)]
pub(crate) struct Download {
    /// The http: or https: URL to download.
    url: String,
    /// The directory to save into (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// The file name to save as (made safe: one path component; ` (1)` added if taken).
    #[arg(long, short = 'o', value_name = "NAME")]
    output: Option<String>,
}

pub(crate) fn run(_global: &Global, args: &Download) -> Result<(), Failure> {
    let url = Url::parse(&args.url).map_err(|e| Failure::Config(format!("{}: {e}", args.url)))?;
    std::fs::create_dir_all(&args.dir)?;
    let dir = std::path::absolute(&args.dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(download(url, dir, args.output.as_deref()))
}

async fn download(url: Url, dir: PathBuf, output: Option<&str>) -> Result<(), Failure> {
    // `--output` is a name like a generated one: made safe here, shortened and uniquified
    // when the path is reserved, so that it can neither leave the directory nor overwrite.
    let requested = output.map(safe_leaf);
    let hook_dir = dir.clone();
    let hook_requested = requested.clone();
    let reserve_error = Arc::new(Mutex::new(None));
    let hook_error = Arc::clone(&reserve_error);
    let manager = DownloadManager::builder()
        .download_path(&dir)
        .will_download(move |item| {
            if item.save_path().is_none() {
                let name = hook_requested.clone().unwrap_or_else(|| item.file_name());
                // The reservation creates NAME.crdownload at once, so that another run in
                // the same directory cannot pick the same name meanwhile.
                match reserve_unique_path(&hook_dir, &name) {
                    Ok(path) => {
                        // Only fails once bytes are written, which is later.
                        let _ = item.set_save_path(path);
                    }
                    Err(error) => {
                        let message = match std::error::Error::source(&error) {
                            Some(cause) => format!("{error}: {cause}"),
                            None => error.to_string(),
                        };
                        *lock(&hook_error) = Some(message);
                        return WillDownload::Cancel;
                    }
                }
            }
            // Written before the first byte, so that even a killed process can resume.
            write_sidecar(item, hook_requested.as_deref());
            WillDownload::Continue
        })
        .build();
    let item = match find_partial(&dir, &url, requested.as_deref()) {
        Some(Partial::Resumable(options)) => {
            let item = manager
                .create_interrupted_download(options)
                .map_err(|e| Failure::Refused(e.to_string()))?;
            item.resume();
            item
        }
        Some(Partial::Restart(path)) => manager
            .download_with(url.as_str(), DownloadOptions::default().save_path(path))
            .map_err(|e| Failure::Config(e.to_string()))?,
        None => manager
            .download(url.as_str())
            .map_err(|e| Failure::Config(e.to_string()))?,
    };

    let bar = progress_bar();
    let mut ticks = tokio::time::interval(Duration::from_millis(100));
    // One listener for the whole download, so that no Ctrl-C falls between two polls.
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let state = loop {
        tokio::select! {
            state = item.settled() => break state,
            _ = &mut ctrl_c => {
                manager.shutdown().await;
                break item.state();
            }
            _ = ticks.tick() => show_progress(&bar, &item),
        }
    };
    bar.finish_and_clear();
    // The hook cancelled the download because no path could be reserved.
    let unreserved = lock(&reserve_error).take();
    if let Some(message) = unreserved {
        return Err(Failure::Refused(format!(
            "cannot save the download: {message}"
        )));
    }
    match state {
        DownloadState::Completed => {
            if let Some(path) = item.save_path() {
                remove_sidecar(&path);
                let mut out = io::stdout().lock();
                writeln!(out, "{}", path.display())?;
                out.flush()?;
            }
            Ok(())
        }
        DownloadState::Interrupted if item.can_resume() => {
            write_sidecar(&item, requested.as_deref());
            let reason = item
                .interrupt_reason()
                .map_or("UNKNOWN", |reason| reason.as_str());
            Err(Failure::Refused(format!(
                "download interrupted ({reason}) after {} bytes; run the same command again to resume",
                item.received_bytes()
            )))
        }
        state => {
            if let Some(path) = item.save_path() {
                remove_sidecar(&path);
            }
            let reason = item
                .interrupt_reason()
                .map_or("UNKNOWN", |reason| reason.as_str());
            Err(Failure::Refused(format!("download {state} ({reason})")))
        }
    }
}

/// A progress bar on standard error when it is a terminal, else a hidden one.
pub(crate) fn progress_bar() -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{wide_bar} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Moves `bar` to where `item` stands (call it on a timer: the item has no progress stream).
pub(crate) fn show_progress(bar: &ProgressBar, item: &DownloadItem) {
    if item.total_bytes() > 0 {
        bar.set_length(item.total_bytes());
    }
    bar.set_position(item.received_bytes());
}

/// What a previous run left for this URL.
enum Partial {
    /// A partial file with what `create_interrupted_download` needs.
    Resumable(InterruptedDownloadOptions),
    /// A partial file without a known length: download again to the same name.
    Restart(PathBuf),
}

/// Looks for `NAME.crdownload.resume` files in `dir` whose URL is `url` and whose partial
/// file exists; with `--output`, only those of a run with the same `--output` (recorded in
/// the sidecar, since the name may have got a ` (1)`).
fn find_partial(dir: &Path, url: &Url, requested: Option<&str>) -> Option<Partial> {
    let sidecars: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(&format!(".crdownload{SIDECAR}")))
        })
        .collect();
    sidecars.into_iter().find_map(|sidecar| {
        let (options, output) = read_sidecar(&sidecar)?;
        if options.url_chain.first() != Some(url) {
            return None;
        }
        if let Some(requested) = requested {
            // Sidecars written before `output` was recorded sit at the requested name.
            let same = match &output {
                Some(output) => output == requested,
                None => options.path == dir.join(requested),
            };
            if !same {
                return None;
            }
        }
        let partial = temp_path_for(&options.path);
        let offset = std::fs::metadata(&partial).ok()?.len();
        if options.length == 0 || offset >= options.length {
            return Some(Partial::Restart(options.path));
        }
        let mut options = options;
        options.offset = offset;
        Some(Partial::Resumable(options))
    })
}

fn sidecar_path(save_path: &Path) -> PathBuf {
    let mut name = temp_path_for(save_path).into_os_string();
    name.push(SIDECAR);
    PathBuf::from(name)
}

/// Writes the sidecar of `item`; `requested` is the safe `--output` name, if one was given.
fn write_sidecar(item: &DownloadItem, requested: Option<&str>) {
    let Some(options) = item.interrupted_download_options() else {
        return;
    };
    let mut text = String::from("netsession-download 1\n");
    for url in &options.url_chain {
        let _ = writeln!(text, "url {url}");
    }
    let start = options
        .start_time
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_secs());
    let _ = write!(
        text,
        "path {}\nmime_type {}\nlength {}\netag {}\nlast_modified {}\nstart_time {start}\n",
        options.path.display(),
        options.mime_type,
        options.length,
        options.etag,
        options.last_modified,
    );
    if let Some(requested) = requested {
        let _ = writeln!(text, "output {requested}");
    }
    // Losing the sidecar only means the next run starts over.
    let _ = std::fs::write(sidecar_path(&options.path), text);
}

/// The options a sidecar holds, and the `--output` name of the run that wrote it.
fn read_sidecar(path: &Path) -> Option<(InterruptedDownloadOptions, Option<String>)> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != "netsession-download 1" {
        return None;
    }
    let mut options = InterruptedDownloadOptions::new(PathBuf::new(), Vec::new(), 0, 0);
    let mut output = None;
    for line in lines {
        let (key, value) = line.split_once(' ').unwrap_or((line, ""));
        match key {
            "url" => options.url_chain.push(Url::parse(value).ok()?),
            "path" => options.path = PathBuf::from(value),
            "mime_type" => options.mime_type = value.to_owned(),
            "length" => options.length = value.parse().ok()?,
            "etag" => options.etag = value.to_owned(),
            "last_modified" => options.last_modified = value.to_owned(),
            "start_time" => {
                let secs: u64 = value.parse().ok()?;
                options.start_time = UNIX_EPOCH.checked_add(Duration::from_secs(secs));
            }
            "output" => output = Some(value.to_owned()),
            _ => {}
        }
    }
    // The sidecar must sit beside its own partial file: a moved or edited sidecar cannot
    // point the download elsewhere.
    if sidecar_path(&options.path) != path || options.url_chain.is_empty() {
        return None;
    }
    Some((options, output))
}

/// Locks `mutex`, whose plain data stays usable after a panic elsewhere.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn remove_sidecar(save_path: &Path) {
    let _ = std::fs::remove_file(sidecar_path(save_path));
}
