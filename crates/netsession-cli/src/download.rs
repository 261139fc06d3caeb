//! `netsession download`: Electron's `session.downloadURL` from a terminal, with Chromium's
//! file naming and resume. An interrupted download leaves `NAME.crdownload` and a small
//! sidecar, `NAME.crdownload.resume`, holding what `createInterruptedDownload` needs (URL
//! chain, MIME type, length, validators, start time); the same command finds them and
//! resumes with `Range` and `If-Range`.

use std::fmt::Write as _;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use netsession_downloads::{
    DownloadItem, DownloadManager, DownloadOptions, DownloadState, InterruptedDownloadOptions,
    WillDownload, safe_leaf, temp_path_for, unique_path,
};
use url::Url;

use crate::{Failure, Global};

pub(crate) const HELP: &str = "\
The file is named as Chromium names downloads (Content-Disposition, then the URL, then the
MIME type; ` (1)`, ` (2)`... when the name is taken) unless --output gives a name. Bytes go
to NAME.crdownload, renamed to NAME when complete; the final path is the last line of
standard output.

A download that is interrupted (network failure, server error, full disk, Ctrl-C) exits
with status 1 and keeps NAME.crdownload and NAME.crdownload.resume: run the same command
again to resume it. A progress bar shows on standard error when it is a terminal.";

/// Sidecar suffix, after `.crdownload`.
const SIDECAR: &str = ".resume";

#[derive(Debug, Args)]
pub(crate) struct Download {
    /// The http: or https: URL to download.
    url: String,
    /// The directory to save into (created if missing).
    #[arg(long, value_name = "DIR", default_value = ".")]
    dir: PathBuf,
    /// The file name to save as (made safe: one path component).
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
    let hook_dir = dir.clone();
    let manager = DownloadManager::builder()
        .download_path(&dir)
        .will_download(move |item| {
            if item.save_path().is_none() {
                match unique_path(&hook_dir, &item.file_name()) {
                    Ok(path) => {
                        // Only fails once bytes are written, which is later.
                        let _ = item.set_save_path(path);
                    }
                    Err(_) => return WillDownload::Cancel,
                }
            }
            // Written before the first byte, so that even a killed process can resume.
            write_sidecar(item);
            WillDownload::Continue
        })
        .build();
    let item = match find_partial(&dir, &url, output) {
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
        None => {
            let mut options = DownloadOptions::default();
            if let Some(name) = output {
                options = options.save_path(dir.join(safe_leaf(name)));
            }
            manager
                .download_with(url.as_str(), options)
                .map_err(|e| Failure::Config(e.to_string()))?
        }
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
            write_sidecar(&item);
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

/// Looks for `NAME.crdownload.resume` files in `dir` (only NAME's with `--output`) whose
/// URL is `url` and whose partial file exists.
fn find_partial(dir: &Path, url: &Url, output: Option<&str>) -> Option<Partial> {
    let candidates: Vec<PathBuf> = match output {
        Some(name) => vec![sidecar_path(&dir.join(safe_leaf(name)))],
        None => std::fs::read_dir(dir)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(&format!(".crdownload{SIDECAR}")))
            })
            .collect(),
    };
    candidates.into_iter().find_map(|sidecar| {
        let options = read_sidecar(&sidecar)?;
        if options.url_chain.first() != Some(url) {
            return None;
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

fn write_sidecar(item: &DownloadItem) {
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
    // Losing the sidecar only means the next run starts over.
    let _ = std::fs::write(sidecar_path(&options.path), text);
}

fn read_sidecar(path: &Path) -> Option<InterruptedDownloadOptions> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut lines = text.lines();
    if lines.next()? != "netsession-download 1" {
        return None;
    }
    let mut options = InterruptedDownloadOptions::new(PathBuf::new(), Vec::new(), 0, 0);
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
            _ => {}
        }
    }
    // The sidecar must sit beside its own partial file: a moved or edited sidecar cannot
    // point the download elsewhere.
    if sidecar_path(&options.path) != path || options.url_chain.is_empty() {
        return None;
    }
    Some(options)
}

fn remove_sidecar(save_path: &Path) {
    let _ = std::fs::remove_file(sidecar_path(save_path));
}
