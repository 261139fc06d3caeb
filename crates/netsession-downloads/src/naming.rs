//! File names as Chromium's `net::GenerateFileName` chooses them, and the unique path in
//! the download directory that Chromium's `DownloadPathReservationTracker` reserves.

use std::fs::OpenOptions;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use url::Url;

use crate::disposition::{filename_from_content_disposition, percent_decode};
use crate::{Error, httpdate, temp_path_for};

/// The name Chromium falls back to when nothing else gives one.
pub const DEFAULT_NAME: &str = "download";

/// The longest file name, in bytes, that [`unique_path`] reserves: 255 (the usual file
/// system limit) less room for `.crdownload` and a ` (100)` uniquifier.
pub const MAX_NAME_BYTES: usize = 255 - ".crdownload".len() - " (100)".len();

/// The inputs of [`generate_file_name`].
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct NameSource<'a> {
    /// The `Content-Disposition` header value, as bytes.
    pub content_disposition: &'a [u8],
    /// A name the application suggests (used after `Content-Disposition`).
    pub suggested_name: &'a str,
    /// The response's MIME type (`image/png`), parameters allowed.
    pub mime_type: &'a str,
    /// The name used when nothing else gives one; Chromium's downloads pass `download`.
    /// When empty, the URL's host is tried before [`DEFAULT_NAME`].
    pub default_name: &'a str,
}

impl<'a> NameSource<'a> {
    /// Inputs with a `Content-Disposition` and a MIME type, and [`DEFAULT_NAME`] as the
    /// default name, as a browser download passes them.
    pub fn new(content_disposition: &'a [u8], mime_type: &'a str) -> Self {
        Self {
            content_disposition,
            suggested_name: "",
            mime_type,
            default_name: DEFAULT_NAME,
        }
    }
}

/// The file name Chromium's `GenerateFileName` gives a download of `url`.
///
/// In order: the `Content-Disposition` file name, the suggested name, the URL's last path
/// segment (when the URL has a query, its extension may be replaced from the MIME type),
/// the host (only without a default name), then the default name. The result is safe: no
/// path separators, no control, format or reserved characters, no leading or trailing
/// dots, no whitespace or `~` at either end. A name not from `Content-Disposition` gets the
/// MIME type's extension when it has none. The result is never empty, `.` or `..`; it is
/// not shortened (see [`unique_path`]).
///
/// # Examples
///
/// ```
/// use netsession_downloads::{NameSource, generate_file_name};
/// use url::Url;
///
/// let url = Url::parse("https://example.com/files/report?id=7")?;
/// let name = |cd: &str, mime| generate_file_name(&url, &NameSource::new(cd.as_bytes(), mime));
/// assert_eq!(name("attachment; filename*=UTF-8''%E2%82%AC%20rates.txt", ""), "€ rates.txt");
/// assert_eq!(name("attachment; filename=\"../../etc/passwd\"", ""), "_.._etc_passwd");
/// assert_eq!(name("attachment", "application/pdf"), "report.pdf");
/// # Ok::<(), url::ParseError>(())
/// ```
pub fn generate_file_name(url: &Url, source: &NameSource<'_>) -> String {
    let mut overwrite_extension = false;
    let mut from_disposition = false;
    let mut name = String::new();
    if !source.content_disposition.is_empty() {
        name = filename_from_content_disposition(source.content_disposition);
        from_disposition = !name.is_empty();
    }
    if name.is_empty() {
        name = source.suggested_name.to_owned();
    }
    if name.is_empty() {
        (name, overwrite_extension) = name_from_url(url);
    }
    if name.is_empty() && source.default_name.is_empty() {
        name = url.host_str().unwrap_or_default().to_owned();
    }
    sanitize_generated(&mut name);
    if name.chars().all(|c| c == '-' || c == '_') {
        name = if source.default_name.is_empty() {
            DEFAULT_NAME.to_owned()
        } else {
            source.default_name.to_owned()
        };
        overwrite_extension = false;
    }
    let mut name = replace_illegal_characters(&name);
    if !from_disposition {
        name = ensure_safe_extension(&name, &essence(source.mime_type), overwrite_extension);
    }
    if is_single_normal_component(&name) {
        name
    } else {
        // Unreachable after sanitizing; kept so that no input can name another directory.
        DEFAULT_NAME.to_owned()
    }
}

/// A path in `dir` for `name` that neither exists nor is being downloaded to (no
/// `.crdownload` beside it): `name`, then `name (1)` ... `name (100)` with the number
/// before the extension, then a timestamped name, as Chromium does. `name` is first made
/// safe and shortened to [`MAX_NAME_BYTES`], keeping its extension.
///
/// This only looks: two callers can get the same path until one of them creates a file
/// there. A download uses [`reserve_unique_path`].
///
/// # Errors
///
/// [`Error::NoUniqueName`] when every candidate is taken.
pub fn unique_path(dir: &Path, name: &str) -> Result<PathBuf, Error> {
    let name = leaf_for_reservation(name);
    candidates(&name)
        .into_iter()
        .map(|candidate| dir.join(candidate))
        .find(|path| !taken(path) && !taken(&temp_path_for(path)))
        .ok_or_else(|| Error::NoUniqueName(dir.join(name)))
}

/// [`unique_path`], reserved: picks the first free candidate as `unique_path` does and
/// creates its `.crdownload` file (empty, with `create_new`, which fails when the file
/// exists), so that no other download, in this process or another, can pick the same path.
/// The download then writes into that file. Chromium's `DownloadPathReservationTracker`
/// keeps its reservations in memory; a file also holds against a second process (two
/// `netsession download` runs in one directory). `dir` is created if missing.
///
/// # Errors
///
/// [`Error::NoUniqueName`] when every candidate is taken, [`Error::Reserve`] when `dir` or
/// the `.crdownload` file cannot be created.
///
/// # Examples
///
/// ```
/// use netsession_downloads::reserve_unique_path;
///
/// let dir = std::env::temp_dir().join(format!("reserve-doc-{}", std::process::id()));
/// let first = reserve_unique_path(&dir, "x.bin")?;
/// // Nothing was downloaded yet, but the name is taken.
/// let second = reserve_unique_path(&dir, "x.bin")?;
/// assert_eq!(first.file_name().and_then(|n| n.to_str()), Some("x.bin"));
/// assert_eq!(second.file_name().and_then(|n| n.to_str()), Some("x (1).bin"));
/// # std::fs::remove_dir_all(&dir).ok();
/// # Ok::<(), netsession_downloads::Error>(())
/// ```
pub fn reserve_unique_path(dir: &Path, name: &str) -> Result<PathBuf, Error> {
    let reserve_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Reserve { path, source }
    };
    std::fs::create_dir_all(dir).map_err(reserve_error(dir))?;
    let name = leaf_for_reservation(name);
    for candidate in candidates(&name) {
        let path = dir.join(candidate);
        if taken(&path) {
            continue;
        }
        let temp = temp_path_for(&path);
        match OpenOptions::new().write(true).create_new(true).open(&temp) {
            // A download of this name may have completed between the check above and the
            // creation: its rename makes `path` appear as its `.crdownload` goes. Checking
            // again after creating closes that gap, since the rename is atomic.
            Ok(_) if taken(&path) => {
                let _ = std::fs::remove_file(&temp);
            }
            Ok(_) => return Ok(path),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {}
            Err(error) => return Err(reserve_error(&temp)(error)),
        }
    }
    Err(Error::NoUniqueName(dir.join(name)))
}

/// `name` made safe and short enough for a ` (100)` and `.crdownload` to fit.
fn leaf_for_reservation(name: &str) -> String {
    truncate_name(&safe_leaf(name), MAX_NAME_BYTES)
}

/// The names tried for `name`, in Chromium's order: itself, ` (1)` to ` (100)`, then a
/// timestamp (`name - 2024-05-01T120000.ext`).
fn candidates(name: &str) -> Vec<String> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let (y, mo, d, h, mi, s) = httpdate::civil(secs);
    let stamp = format!(" - {y:04}-{mo:02}-{d:02}T{h:02}{mi:02}{s:02}");
    std::iter::once(name.to_owned())
        .chain((1..=100).map(|n| insert_before_extension(name, &format!(" ({n})"))))
        .chain(std::iter::once(insert_before_extension(name, &stamp)))
        .collect()
}

/// Whether something is at `path`; a dangling symbolic link counts, since a rename would
/// replace it.
fn taken(path: &Path) -> bool {
    path.symlink_metadata().is_ok()
}

/// `name` reduced to one safe path component, for names an application passes (the CLI's
/// `--output`): the same rules as [`generate_file_name`] applies, without extension fixing.
pub fn safe_leaf(name: &str) -> String {
    let mut name = name.to_owned();
    sanitize_generated(&mut name);
    if name.chars().all(|c| c == '-' || c == '_') {
        return DEFAULT_NAME.to_owned();
    }
    let name = replace_illegal_characters(&name);
    if is_single_normal_component(&name) {
        name
    } else {
        DEFAULT_NAME.to_owned()
    }
}

/// The URL's last path segment without `;params`, `%`-decoded; empty for `data:` and
/// `about:` URLs and when the bytes are not UTF-8. The flag says whether the URL has a
/// query, which allows the extension to be replaced.
fn name_from_url(url: &Url) -> (String, bool) {
    if matches!(url.scheme(), "data" | "about") {
        return (String::new(), false);
    }
    let path = url.path();
    let last = path.rsplit('/').next().unwrap_or_default();
    let last = last.rsplit_once(';').map_or(last, |(file, _)| file);
    let decoded = String::from_utf8(percent_decode(last.as_bytes())).unwrap_or_default();
    let overwrite = !decoded.is_empty() && url.query().is_some();
    (decoded, overwrite)
}

/// Chromium's `SanitizeGeneratedFileName` on POSIX: trim dots, turn separators into `_`.
fn sanitize_generated(name: &mut String) {
    let trimmed = name.trim_matches('.');
    if trimmed.len() != name.len() {
        *name = trimmed.to_owned();
    }
    if name.contains(['/', '\\']) {
        *name = name.replace(['/', '\\'], "_");
    }
}

/// Chromium's `ReplaceIllegalCharactersInPath(name, '_')`.
fn replace_illegal_characters(name: &str) -> String {
    let count = name.chars().count();
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            let at_end = i == 0 || i + 1 == count;
            if illegal_anywhere(c) || (at_end && illegal_at_ends(c)) {
                '_'
            } else {
                c
            }
        })
        .collect()
}

fn illegal_anywhere(c: char) -> bool {
    let u = u32::from(c);
    matches!(c, '"' | '*' | '/' | ':' | '<' | '>' | '?' | '\\' | '|')
        || c.is_control()
        || is_format(u)
        || (0xFDD0..=0xFDEF).contains(&u)
        || u & 0xFFFE == 0xFFFE
}

/// Unicode general category Cf.
fn is_format(u: u32) -> bool {
    matches!(u,
        0x00AD | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x0890..=0x0891 | 0x08E2
        | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
        | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
        | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F)
}

fn illegal_at_ends(c: char) -> bool {
    c == '.' || c == '~' || c.is_whitespace()
}

/// The MIME type's essence, lower-cased: `Text/HTML; charset=x` is `text/html`.
fn essence(mime_type: &str) -> String {
    mime_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Chromium's `EnsureSafeExtension` on POSIX: the final extension is compared with the
/// MIME type's (case-sensitively), and a replacement replaces a double extension whole
/// (`a.tar.gz` becomes `a.zip`).
fn ensure_safe_extension(name: &str, mime_type: &str, ignore_extension: bool) -> String {
    let final_extension = match name.rfind('.') {
        Some(dot) if dot > 0 => name.get(dot + 1..).unwrap_or_default(),
        _ => "",
    };
    if !(ignore_extension || final_extension.is_empty()) || mime_type.is_empty() {
        return name.to_owned();
    }
    let Some(extensions) = extensions_for_mime_type(mime_type) else {
        return name.to_owned();
    };
    if extensions.contains(&final_extension) {
        return name.to_owned();
    }
    match extensions.first() {
        Some(preferred) => format!("{}.{preferred}", split_extension(name).0),
        None => name.to_owned(),
    }
}

/// `(stem, extension)` as Chromium's `FilePath::Extension` splits: the last dot, or the one
/// before it for `.tar.gz`-like double extensions; no extension when the only dot leads.
fn split_extension(name: &str) -> (&str, &str) {
    match extension_dot(name) {
        Some(dot) => (
            name.get(..dot).unwrap_or_default(),
            name.get(dot + 1..).unwrap_or_default(),
        ),
        None => (name, ""),
    }
}

fn extension_dot(name: &str) -> Option<usize> {
    const DOUBLE_SUFFIXES: [&str; 9] = ["bz", "bz2", "gz", "lz", "lzma", "lzo", "xz", "z", "zst"];
    let last = name.rfind('.').filter(|&d| d > 0)?;
    let head = name.get(..last).unwrap_or_default();
    let Some(penultimate) = head.rfind('.') else {
        return Some(last);
    };
    let tail = name.get(penultimate + 1..).unwrap_or_default();
    if tail.eq_ignore_ascii_case("user.js") {
        return Some(penultimate);
    }
    let final_extension = name.get(last + 1..).unwrap_or_default();
    let gap = last - penultimate;
    if DOUBLE_SUFFIXES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(final_extension))
        && gap > 1
        && gap <= 5
    {
        return Some(penultimate);
    }
    Some(last)
}

fn insert_before_extension(name: &str, suffix: &str) -> String {
    let (stem, extension) = split_extension(name);
    if extension.is_empty() && !name.ends_with('.') {
        format!("{name}{suffix}")
    } else {
        format!("{stem}{suffix}.{extension}")
    }
}

/// Shortens `name` to at most `max` bytes at a character boundary, keeping the extension
/// when it is shorter than half the limit.
fn truncate_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, extension) = split_extension(name);
    let keep_extension = !extension.is_empty() && extension.len() + 1 < max / 2;
    let budget = if keep_extension {
        max - extension.len() - 1
    } else {
        max
    };
    let source = if keep_extension { stem } else { name };
    let mut end = budget.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let short = source.get(..end).unwrap_or_default();
    if keep_extension {
        format!("{short}.{extension}")
    } else {
        short.to_owned()
    }
}

fn is_single_normal_component(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(
        (components.next(), components.next()),
        (Some(Component::Normal(part)), None) if part == name
    ) && !name.contains('\0')
}

/// The extensions Chromium knows for a MIME type, the preferred one first: its
/// `kPrimaryMappings` and `kSecondaryMappings`, and what Chromium 156 on Debian answered
/// from the platform's MIME database (recorded in `tests/data/names.tsv`). Types that
/// Chromium there gives no extension (`application/octet-stream`, `application/xml`,
/// `font/woff2`, most `application/x-*`) have none.
fn extensions_for_mime_type(mime_type: &str) -> Option<&'static [&'static str]> {
    let extensions: &[&str] = match mime_type {
        "video/webm" | "audio/webm" => &["webm"],
        "audio/mpeg" | "audio/mp3" => &["mp3"],
        "application/wasm" => &["wasm"],
        "application/x-chrome-extension" => &["crx"],
        "application/xhtml+xml" => &["xhtml", "xht", "xhtm"],
        "audio/flac" => &["flac"],
        "audio/ogg" => &["ogg", "oga", "opus"],
        "audio/wav" | "audio/x-wav" => &["wav"],
        "audio/x-m4a" => &["m4a"],
        "image/avif" => &["avif"],
        "image/gif" => &["gif"],
        "image/jpeg" | "image/pjpeg" => &["jpeg", "jpg", "jpe", "jfif", "pjpeg", "pjp"],
        "image/png" => &["png"],
        "image/apng" => &["png", "apng"],
        "image/svg+xml" => &["svg", "svgz"],
        "image/webp" => &["webp"],
        "image/bmp" => &["bmp"],
        "image/tiff" => &["tiff", "tif"],
        "image/x-icon" | "image/vnd.microsoft.icon" => &["ico"],
        "multipart/related" => &["mht", "mhtml"],
        "text/css" => &["css"],
        "text/html" => &["html", "htm", "shtml", "shtm"],
        "text/javascript" | "application/javascript" | "application/x-javascript" => &["js", "mjs"],
        "text/xml" => &["xml", "xsl", "xbl", "xslt"],
        "text/csv" => &["csv"],
        "text/plain" => &["txt", "text"],
        "text/calendar" => &["ics"],
        "text/markdown" => &["md", "markdown"],
        "video/mp4" => &["mp4", "m4v"],
        "video/ogg" => &["ogv", "ogm"],
        "application/pdf" => &["pdf"],
        "application/json" => &["json"],
        "application/zip" => &["zip"],
        "application/gzip" | "application/x-gzip" => &["gz", "tgz"],
        "application/x-tar" => &["tar"],
        "application/epub+zip" => &["epub"],
        "application/rtf" => &["rtf"],
        "application/msword" => &["doc", "dot"],
        "application/vnd.ms-excel" => &["xls"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => &["docx"],
        "application/vnd.android.package-archive" => &["apk"],
        "application/x-shockwave-flash" => &["swf", "swl"],
        _ => return None,
    };
    Some(extensions)
}
