//! `netsession resolve-proxy`: what Electron's `session.resolveProxy` returns for each URL,
//! under `proxyRules` and `proxyBypassRules`, a PAC script, or another of Electron's modes.

use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use clap::Args;
use netsession_pac::{FixedLocalAddresses, PacScript, Resolver, SystemResolver};
use netsession_proxy::{Mode, ProxyConfig, ProxyResolver, ResolverOptions, ResolverSnapshot};
use url::Url;

use crate::{Failure, Global, time};

pub(crate) const HELP: &str = "\
Each URL (arguments, or one per line on standard input) gives one output line: Chromium's PAC
string (`PROXY host:port`, `SOCKS5 host:port`, `DIRECT`, entries joined by `;`), or an empty
line when resolution fails or no usable proxy is left, exactly as Electron's resolveProxy.

--rules takes Electron's proxyRules:
  foopy:80                          every scheme through foopy:80
  foopy:80,socks5://bar,direct://   try foopy, then SOCKS5 bar, then direct
  http=foopy;https=bar;socks=baz    per URL scheme; socks= for everything else
The first plain list ends parsing (`a:80;b:80` is just `a:80`: use commas), keys are
case-sensitive, and invalid entries are dropped silently, as in Chromium. --print-config
shows what was understood.

--bypass takes Electron's proxyBypassRules, `,` or `;` separated:
  *.example.com   .example.com   example.com:8080   https://internal
  10.0.0.0/8   [::1]   <local> (hosts without a dot)   <-loopback>
localhost, 127/8, ::1 and link-local addresses always go DIRECT unless <-loopback> is given.

--pac takes a PAC script: a file path, or a data:, file:, http: or https: URL. As in
Electron's setProxy, the script is mandatory: when it fails for a URL (it throws, runs out
of time, or returns something other than a string), the line is empty and standard error
says why, with the URL and the script's line:
  netsession: http://x.test/: pac script threw at line 3: Uncaught Error: boom
A script that cannot be loaded at all is an error (exit status 2), with its line number.
--rules and --bypass are not used with a PAC script, as in Electron; --print-config then
prints `pac: URL`. --now, --my-ip and --dns fix what the script sees, to ask what it would
answer elsewhere.

Examples:
  netsession resolve-proxy --rules 'http=foopy:8080;socks=s:1080' http://a.test/ https://b.test/
  netsession resolve-proxy --rules foopy --bypass '*.corp,<local>' < urls.txt
  netsession resolve-proxy --pac corp.pac --now 2026-11-28T09:00:00+01:00 --dns wiki.corp=10.1.2.3 http://wiki.corp/";

#[derive(Debug, Args)]
pub(crate) struct ResolveProxy {
    /// Electron's `mode`: direct, auto_detect, pac_script, fixed_servers or system (default:
    /// pac_script with --pac, else fixed_servers).
    #[arg(long, value_name = "MODE")]
    mode: Option<String>,
    /// Electron's `proxyRules`; empty means DIRECT.
    #[arg(long, default_value = "", value_name = "RULES")]
    rules: String,
    /// Electron's `proxyBypassRules`.
    #[arg(long, default_value = "", value_name = "BYPASS")]
    bypass: String,
    /// Electron's `pacScript`: a file path or a data:, file:, http: or https: URL.
    #[arg(long, value_name = "FILE_OR_URL")]
    pac: Option<String>,
    /// The time the PAC script sees, as RFC 3339 (`2026-11-28T09:00:00+01:00`); its offset is
    /// the script's local time zone.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// The address `myIpAddress()` returns.
    #[arg(long, value_name = "IP")]
    my_ip: Option<IpAddr>,
    /// Answer DNS lookups of HOST with IP (repeatable; other hosts use the system resolver).
    #[arg(long, value_name = "HOST=IP")]
    dns: Vec<String>,
    /// Print the configuration in effect, then the results: the canonical rules and bypass
    /// rules (Chromium's ToString), `pac: URL` for a PAC script, or `mode: MODE` for the
    /// other modes.
    #[arg(long)]
    print_config: bool,
    /// URLs to resolve; read from standard input, one per line, when none is given.
    urls: Vec<String>,
}

pub(crate) fn run(_global: &Global, args: &ResolveProxy) -> Result<(), Failure> {
    let config = ProxyConfig {
        mode: args
            .mode
            .as_deref()
            .map(str::parse::<Mode>)
            .transpose()
            .map_err(|e| Failure::Config(e.to_string()))?,
        pac_script: match &args.pac {
            Some(pac) => pac_url(pac)?,
            None => String::new(),
        },
        proxy_rules: args.rules.clone(),
        proxy_bypass_rules: args.bypass.clone(),
    };
    let options = ResolverOptions::default().pac_compiler(pac_compiler(args)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mode = config.effective_mode();
    let pac_script = config.pac_script.clone();
    let snapshot = runtime.block_on(async {
        let resolver = ProxyResolver::with_options(config, options);
        if mode == Mode::PacScript {
            resolver
                .preload()
                .await
                .map_err(|e| Failure::Config(e.to_string()))?;
        }
        Ok::<_, Failure>(resolver.snapshot().await)
    })?;
    // Resolve on this thread: a PAC script runs here directly, with no hand-off per URL.
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    if args.print_config {
        print_config(&mut out, args, mode, &pac_script)?;
    }
    if !args.urls.is_empty() {
        write_answers(&snapshot, &mut out, &args.urls)?;
    } else if io::stdin().is_terminal() {
        // Someone is typing: answer each line at once.
        for line in io::stdin().lock().lines() {
            let line = line?;
            if !line.trim().is_empty() {
                writeln!(out, "{}", answer(&snapshot, &line))?;
                out.flush()?;
            }
        }
    } else {
        // A pipe: resolve in batches, spread over the cores.
        let mut lines = io::stdin().lock().lines();
        loop {
            let mut batch = Vec::with_capacity(BATCH);
            for line in lines.by_ref() {
                let line = line?;
                if !line.trim().is_empty() {
                    batch.push(line);
                    if batch.len() == BATCH {
                        break;
                    }
                }
            }
            if batch.is_empty() {
                break;
            }
            write_answers(&snapshot, &mut out, &batch)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// URLs read from a pipe are resolved this many at a time.
const BATCH: usize = 2048;

/// Resolves `urls` on up to one thread per core and writes the answers in input order.
fn write_answers(
    snapshot: &ResolverSnapshot,
    out: &mut impl Write,
    urls: &[String],
) -> io::Result<()> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let chunk = urls.len().div_ceil(threads).max(64);
    let answers: Vec<Vec<String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = urls
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(|u| answer(snapshot, u)).collect()))
            .collect();
        // A worker that panicked lost its answers; an empty line is Electron's "no answer".
        workers
            .into_iter()
            .zip(urls.chunks(chunk))
            .map(|(worker, part)| {
                worker
                    .join()
                    .unwrap_or_else(|_| vec![String::new(); part.len()])
            })
            .collect()
    });
    for answer in answers.iter().flatten() {
        writeln!(out, "{answer}")?;
    }
    Ok(())
}

/// `--print-config`: what is in effect. Only `fixed_servers` uses the rules and bypass
/// rules; printing them under another mode would show settings that decide nothing.
fn print_config(
    out: &mut impl Write,
    args: &ResolveProxy,
    mode: Mode,
    pac_script: &str,
) -> Result<(), Failure> {
    let unused = !args.rules.is_empty() || !args.bypass.is_empty();
    match mode {
        Mode::FixedServers => {
            let rules = netsession_proxy_rules::ProxyRules::parse(&args.rules);
            let bypass = netsession_bypass::BypassRules::parse(&args.bypass);
            writeln!(out, "rules: {rules}")?;
            writeln!(out, "bypass: {bypass}")?;
            return Ok(());
        }
        Mode::PacScript => writeln!(out, "pac: {pac_script}")?,
        other => writeln!(out, "mode: {other}")?,
    }
    if unused {
        // Standard output describes the configuration; this is advice about the command line.
        let _ = writeln!(
            io::stderr(),
            "netsession: --rules and --bypass are not used in {mode} mode"
        );
    }
    Ok(())
}

/// The answer for one input line: Electron's string, or `""` when the URL is invalid or the
/// PAC script fails for it, with the reason on standard error.
fn answer(snapshot: &ResolverSnapshot, text: &str) -> String {
    let url = match Url::parse(text.trim()) {
        Ok(url) => url,
        Err(error) => {
            // If standard error is gone there is nobody left to tell.
            let _ = writeln!(io::stderr(), "netsession: invalid URL {text:?}: {error}");
            return String::new();
        }
    };
    match snapshot.resolve(&url) {
        Ok(list) => list.to_string(),
        Err(error) => {
            // Electron's answer is the empty string; PAC authors also need to know why. The
            // script's own error names its line; the resolver's wrapper would add the PAC URL,
            // which is the same on every line.
            let reason = match &error {
                netsession_proxy::Error::PacScript { source, .. } => source.to_string(),
                other => other.to_string(),
            };
            let _ = writeln!(io::stderr(), "netsession: {url}: {reason}");
            String::new()
        }
    }
}

/// `--pac`: a URL with a scheme the resolver fetches, or else a file path.
pub(crate) fn pac_url(pac: &str) -> Result<String, Failure> {
    if let Ok(url) = Url::parse(pac) {
        if matches!(url.scheme(), "data" | "file" | "http" | "https") {
            return Ok(pac.to_owned());
        }
    }
    let path = Path::new(pac)
        .canonicalize()
        .map_err(|e| Failure::Config(format!("cannot read PAC file {pac}: {e}")))?;
    Url::from_file_path(&path)
        .map(String::from)
        .map_err(|()| Failure::Config(format!("cannot read PAC file {pac}: not a file path")))
}

/// How PAC scripts are compiled: with the clock, addresses and DNS answers of the flags.
fn pac_compiler(
    args: &ResolveProxy,
) -> Result<
    impl Fn(&str) -> Result<PacScript, netsession_pac::Error> + Send + Sync + 'static,
    Failure,
> {
    let clock = args
        .now
        .as_deref()
        .map(|now| {
            time::parse_rfc3339(now).ok_or_else(|| {
                Failure::Config(format!(
                    "--now {now:?} is not an RFC 3339 time such as 2026-11-28T09:00:00+01:00"
                ))
            })
        })
        .transpose()?;
    let my_ip = args.my_ip.map(|ip| {
        // myIpAddress() first asks which source address reaches a public resolver.
        let probe: IpAddr = if ip.is_ipv4() {
            IpAddr::from([8, 8, 8, 8])
        } else {
            IpAddr::from([0x2001, 0x4860, 0x4860, 0, 0, 0, 0, 0x8888])
        };
        FixedLocalAddresses::new().with_route(probe, ip)
    });
    let mut table = Vec::new();
    for entry in &args.dns {
        let parsed = entry
            .split_once('=')
            .and_then(|(host, ip)| Some((host.to_ascii_lowercase(), ip.parse::<IpAddr>().ok()?)));
        let Some(pair) = parsed else {
            return Err(Failure::Config(format!("--dns {entry:?} is not HOST=IP")));
        };
        table.push(pair);
    }
    let table = Arc::new(table);
    Ok(move |source: &str| {
        let mut builder = PacScript::builder(source);
        if let Some(clock) = clock {
            builder = builder.clock(clock);
        }
        if let Some(my_ip) = &my_ip {
            builder = builder.local_addresses(my_ip.clone());
        }
        if !table.is_empty() {
            let table = Arc::clone(&table);
            builder = builder.resolver(move |host: &str| {
                let listed: Vec<IpAddr> = table
                    .iter()
                    .filter(|(name, _)| name == host)
                    .map(|(_, ip)| *ip)
                    .collect();
                if listed.is_empty() {
                    SystemResolver::new().resolve(host)
                } else {
                    Ok(listed)
                }
            });
        }
        builder.build()
    })
}
