//! `netsession cookies`: a session's cookie jar, as Electron's `ses.cookies` and the request
//! pipeline see it. Every command commits what it changed before it exits, so the next
//! process of the same `persist:` partition sees it; an in-memory partition forgets.

use std::io::{self, Write};

use clap::{Args, Subcommand};
use netsession_cookies::{
    Cookie, CookieDetails, CookieFilter, CookieJar, Error, SameSite, SameSiteContext,
};
use netsession_storage::Storage;
use url::Url;

use crate::{Failure, Global, partition};

pub(crate) const HELP: &str = "\
Cookies live in the session named by --partition (before the subcommand): persist:NAME on
disk under --data-dir, the default session in --data-dir itself, any other name in memory.

Examples:
  netsession --data-dir /tmp/app --partition persist:work cookies store https://example.com/ 'sid=1; Path=/; HttpOnly'
  netsession --data-dir /tmp/app --partition persist:work cookies header https://example.com/account
  netsession --data-dir /tmp/app cookies set https://example.com/ theme=dark --same-site strict
  netsession --data-dir /tmp/app cookies list https://example.com/
  netsession --data-dir /tmp/app cookies get --domain example.com --secure --session=false

The boolean filters and flags (--secure, --http-only, --session) take an optional value:
the bare flag means true, --secure=false means false, and an absent flag does not filter.";

#[derive(Debug, Args)]
pub(crate) struct Cookies {
    #[command(subcommand)]
    command: CookiesCommand,
}

#[derive(Debug, Subcommand)]
enum CookiesCommand {
    /// Store `Set-Cookie` header values as if received in a response from URL. A value the
    /// jar rejects is reported on standard error and skipped, as a browser skips it.
    Store {
        /// The URL of the response.
        url: String,
        /// `Set-Cookie` header values, one per argument.
        #[arg(required = true, allow_hyphen_values = true, value_name = "SET-COOKIE")]
        values: Vec<String>,
    },
    /// Print the `Cookie` header a same-site request to URL would carry (an empty line if
    /// none).
    Header {
        /// The request URL.
        url: String,
    },
    /// Set a cookie as Electron's `cookies.set`; a rejected cookie prints Electron's message
    /// (`Failed to set cookie - <reason>`) on standard error and exits with status 1.
    Set(SetArgs),
    /// Print cookies as JSON, one object per line with Electron's Cookie fields: those that
    /// match the filter (Electron's `cookies.get(filter)`), or all.
    #[command(visible_alias = "get")]
    List(ListArgs),
    /// Remove the cookies named NAME that would be sent to URL, as Electron's
    /// `cookies.remove`.
    Remove {
        /// The URL.
        url: String,
        /// The name.
        name: String,
    },
}

#[derive(Debug, Args)]
struct SetArgs {
    /// The URL the cookie is set for.
    url: String,
    /// `NAME=VALUE` (split at the first `=`; without `=`, a nameless cookie with this value).
    #[arg(value_name = "NAME=VALUE", allow_hyphen_values = true)]
    pair: String,
    /// Makes a domain cookie for this domain.
    #[arg(long)]
    domain: Option<String>,
    /// The path (default: the URL's default path).
    #[arg(long)]
    path: Option<String>,
    /// `Secure`: `--secure` or `--secure=true` sets it, `--secure=false` clears it (default:
    /// Secure exactly for `--same-site no_restriction`, as Electron).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    secure: Option<bool>,
    /// `HttpOnly`: `--http-only` or `--http-only=true` sets it (default false).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    http_only: Option<bool>,
    /// `SameSite` (default lax, as Electron).
    #[arg(long, value_name = "SAME_SITE", value_parser = ["unspecified", "no_restriction", "lax", "strict"])]
    same_site: Option<String>,
    /// Expiry in seconds since the Unix epoch (fractions allowed); absent: a session cookie.
    #[arg(long, value_name = "UNIX_SECONDS", allow_hyphen_values = true)]
    expires: Option<f64>,
}

/// Electron's `cookies.get` filter. Each boolean is tri-state, as an optional property of
/// the filter object: absent does not filter, the bare flag means true, `=false` false. The
/// value must be joined with `=` so that `--secure URL` keeps URL positional.
#[derive(Debug, Args)]
struct ListArgs {
    /// Only cookies that would be sent to this URL.
    url: Option<String>,
    /// Only cookies with this name.
    #[arg(long)]
    name: Option<String>,
    /// Only cookies that would be sent to this host.
    #[arg(long)]
    domain: Option<String>,
    /// Only cookies whose path is exactly this.
    #[arg(long)]
    path: Option<String>,
    /// Only `Secure` cookies (`--secure=false`: only cookies without `Secure`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    secure: Option<bool>,
    /// Only session cookies (`--session=false`: only cookies with an expiry).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    session: Option<bool>,
    /// Only `HttpOnly` cookies (`--http-only=false`: only cookies scripts can read).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    http_only: Option<bool>,
}

pub(crate) fn run(global: &Global, args: &Cookies) -> Result<(), Failure> {
    let jar = open(global)?;
    let result = run_command(&jar, &args.command);
    // Commit even after a failure: whatever did change must reach the disk.
    let flushed = jar.flush_store().map_err(|e| Failure::Refused(chain(&e)));
    result.and(flushed)
}

fn run_command(jar: &CookieJar, command: &CookiesCommand) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match command {
        CookiesCommand::Store { url, values } => {
            let url = parse_url(url)?;
            for value in values {
                if let Err(e) = jar.store(&url, value) {
                    // As a browser, a rejected cookie does not fail the response.
                    let _ = writeln!(io::stderr(), "netsession: ignored {value:?}: {e}");
                }
            }
        }
        CookiesCommand::Header { url } => {
            let url = parse_url(url)?;
            writeln!(
                out,
                "{}",
                jar.cookie_header(&url, SameSiteContext::SameSite)
            )?;
        }
        CookiesCommand::Set(args) => {
            let (name, value) = match args.pair.split_once('=') {
                Some((name, value)) => (name, value),
                None => ("", args.pair.as_str()),
            };
            let mut details = CookieDetails::new(args.url.clone()).name(name).value(value);
            details.domain.clone_from(&args.domain);
            details.path.clone_from(&args.path);
            details.secure = args.secure;
            details.http_only = Some(args.http_only.unwrap_or(false));
            details.expiration_date = args.expires;
            details.same_site = args.same_site.as_deref().and_then(SameSite::from_name);
            jar.set(&details).map_err(|e| match e {
                // Electron's message is the contract: printed alone, as the promise rejects.
                Error::Rejected(_) => Failure::Rejected(e.to_string()),
                other => Failure::Refused(chain(&other)),
            })?;
        }
        CookiesCommand::List(args) => {
            let filter = CookieFilter {
                url: args.url.clone(),
                name: args.name.clone(),
                domain: args.domain.clone(),
                path: args.path.clone(),
                secure: args.secure,
                session: args.session,
                http_only: args.http_only,
            };
            if let Some(url) = &args.url {
                parse_url(url)?;
            }
            for cookie in jar.get(&filter) {
                writeln!(out, "{}", json(&cookie))?;
            }
        }
        CookiesCommand::Remove { url, name } => {
            parse_url(url)?;
            jar.remove(url, name);
        }
    }
    out.flush()?;
    Ok(())
}

/// Opens the jar of the session named by `--partition`.
fn open(global: &Global) -> Result<CookieJar, Failure> {
    let storage = match partition::dir(global)? {
        Some(dir) => Storage::open(&dir).map_err(|e| Failure::Refused(chain(&e)))?,
        None => Storage::in_memory(),
    };
    CookieJar::open(&storage).map_err(|e| Failure::Refused(chain(&e)))
}

fn parse_url(url: &str) -> Result<Url, Failure> {
    Url::parse(url).map_err(|e| Failure::Config(format!("invalid URL {url:?}: {e}")))
}

/// An error and its causes, `: `-separated.
fn chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// Electron's `Cookie` object as one line of JSON, fields in Electron's order.
fn json(cookie: &Cookie) -> String {
    let mut s = String::from("{");
    let mut field = |key: &str, value: String| {
        if s.len() > 1 {
            s.push(',');
        }
        s.push_str(&json_string(key));
        s.push(':');
        s.push_str(&value);
    };
    field("name", json_string(&cookie.name));
    field("value", json_string(&cookie.value));
    field("domain", json_string(&cookie.domain));
    field("hostOnly", cookie.host_only.to_string());
    field("path", json_string(&cookie.path));
    field("secure", cookie.secure.to_string());
    field("httpOnly", cookie.http_only.to_string());
    field("session", cookie.session.to_string());
    if let Some(expiry) = cookie.expiration_date.filter(|e| e.is_finite()) {
        field("expirationDate", expiry.to_string());
    }
    field("sameSite", json_string(cookie.same_site.as_str()));
    s.push('}');
    s
}

fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
