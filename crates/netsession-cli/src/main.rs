//! `netsession`: Electron's `session` from a terminal.
//!
//! Each subcommand lives in its own module; global options (`--data-dir`, `--partition`)
//! come before the subcommand.

mod cache;
mod cookies;
mod download;
mod fetch;
mod partition;
mod resolve_proxy;
mod time;
mod tour;
mod verify_cert;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "netsession",
    version,
    about = "Electron's session module, from a terminal"
)]
struct Cli {
    /// The app's data directory, under which `persist:` partitions live (default: the
    /// platform data directory for `netsession`).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The session: `persist:NAME` lives on disk, any other name in memory; empty or absent
    /// is the default session.
    #[arg(long, global = true, value_name = "NAME", default_value = "")]
    partition: String,
    #[command(subcommand)]
    command: Command,
}

/// Options every subcommand may read.
#[derive(Debug)]
pub(crate) struct Global {
    pub(crate) data_dir: Option<PathBuf>,
    pub(crate) partition: String,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print what Electron's `session.resolveProxy(url)` returns for each URL.
    #[command(after_help = resolve_proxy::HELP)]
    ResolveProxy(resolve_proxy::ResolveProxy),
    /// Download a URL as Electron's `session.downloadURL` does, resuming an interrupted one.
    #[command(after_help = download::HELP)]
    Download(download::Download),
    /// Read and change a session's cookies, as Electron's `ses.cookies`.
    #[command(after_help = cookies::HELP)]
    Cookies(cookies::Cookies),
    /// Run the HTTP cache as a loopback reverse proxy in front of an origin, logging each
    /// request as hit, miss, revalidated or stored.
    #[command(after_help = cache::SERVE_HELP)]
    ServeCache(cache::ServeCache),
    /// A session's HTTP cache: `cache size` prints its size in bytes, `cache clear` empties it.
    Cache(cache::CacheCommand),
    /// Verify a certificate chain as a session would: print `net::OK` or Chromium's
    /// `net::ERR_CERT_...` error, and the fields a certificate verify proc would see.
    #[command(after_help = verify_cert::HELP)]
    VerifyCert(verify_cert::VerifyCert),
    /// Send one request through a session, as Electron's `ses.fetch`: its cookies, cache,
    /// proxy settings, user agent, network emulation and trusted roots.
    #[command(after_help = fetch::HELP)]
    Fetch(fetch::Fetch),
    /// A guided, offline tour of what a session does: persistence across a restart, the
    /// cache, cookies, proxy decisions, a resumed download and emulated latency.
    #[command(after_help = tour::HELP)]
    Tour(tour::Tour),
    /// One side of the tour's persistence step, run by `tour` in a child process.
    #[command(hide = true)]
    TourStep(tour::TourStep),
}

/// A failure that stops the command, with the exit status it deserves.
pub(crate) enum Failure {
    /// The configuration cannot be read: exit status 2.
    Config(String),
    /// The operation was refused (a certificate error, an interrupted download): exit
    /// status 1.
    Refused(String),
    /// The operation was refused with a message that is itself the contract, such as
    /// Electron's `Failed to set cookie - …`: printed as is, without the command's name,
    /// exit status 1.
    Rejected(String),
    /// Reading input or writing output failed: exit status 1.
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let global = Global {
        data_dir: cli.data_dir,
        partition: cli.partition,
    };
    let result = match cli.command {
        Command::ResolveProxy(args) => resolve_proxy::run(&global, &args),
        Command::Cookies(args) => cookies::run(&global, &args),
        Command::Download(args) => download::run(&global, &args),
        Command::ServeCache(args) => cache::serve(&global, &args),
        Command::Cache(args) => cache::run(&global, &args),
        Command::VerifyCert(args) => verify_cert::run(&global, &args),
        Command::Fetch(args) => fetch::run(&global, &args),
        Command::Tour(args) => tour::run(&global, &args),
        Command::TourStep(args) => tour::run_tour_step(&global, &args),
    };
    let (message, code) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        Err(Failure::Rejected(message)) => {
            // Scripts compare this line with what Electron's promise rejects with, so it
            // carries no prefix. If standard error is gone there is nobody left to tell.
            let _ = writeln!(io::stderr(), "{message}");
            return ExitCode::from(1);
        }
        // A closed pipe (`| head`) is a normal way for a reader to stop.
        Err(Failure::Io(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            return ExitCode::SUCCESS;
        }
        Err(Failure::Io(error)) => (error.to_string(), 1),
        Err(Failure::Refused(message)) => (message, 1),
        Err(Failure::Config(message)) => (message, 2),
    };
    // If standard error is gone too there is nobody left to tell.
    let _ = writeln!(io::stderr(), "netsession: {message}");
    ExitCode::from(code)
}
