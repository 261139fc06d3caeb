//! One QuickJS runtime and context with the PAC environment installed and the script loaded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rquickjs::context::{EvalOptions, intrinsic};
use rquickjs::convert::Coerced;
use rquickjs::function::{Rest, This};
use rquickjs::{Context, Ctx, Exception, FromJs, Function, Object, Runtime, Value};

use crate::backtrace;
use crate::clock::{Clock, unix_millis};
use crate::error::{Error, ErrorKind};
use crate::helpers;
use crate::my_ip::{LocalAddresses, my_ip_addresses};
use crate::resolver::Resolver;

/// Chromium's `kMaxUniqueResolveDnsPerExec`.
pub(crate) const MAX_DNS_LOOKUPS: usize = 20;

const SCRIPT_NAME: &str = "pac.js";
const PRELUDE: &str = include_str!("prelude.js");
const LIBRARY: &str = include_str!("pac_library.js");

/// Everything the engines of one script share.
pub(crate) struct Config {
    pub(crate) source: String,
    pub(crate) resolver: Arc<dyn Resolver>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) local: Arc<dyn LocalAddresses>,
    pub(crate) deadline: Duration,
    pub(crate) memory_limit: usize,
    pub(crate) max_stack_size: usize,
}

/// A runtime and a context that has evaluated the library and the script.
///
/// Fields drop in order: the context before its runtime.
pub(crate) struct Engine {
    context: Context,
    runtime: Runtime,
    state: Arc<State>,
    broken: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    Resolve,
    ResolveEx,
    MyIp,
    MyIpEx,
}

/// What the native helpers and the interrupt handler share with the engine.
struct State {
    config: Arc<Config>,
    epoch: Instant,
    deadline_nanos: AtomicU64,
    timed_out: AtomicBool,
    run: Mutex<Run>,
}

/// Per-run DNS bookkeeping: answers cached per (operation, host), unique lookups counted.
#[derive(Default)]
struct Run {
    cache: HashMap<(Op, String), Option<String>>,
    lookups: usize,
}

enum Failure {
    Js(rquickjs::Error),
    Pac(Error),
}

impl From<rquickjs::Error> for Failure {
    fn from(error: rquickjs::Error) -> Self {
        Self::Js(error)
    }
}

impl Engine {
    /// Creates a runtime, installs the PAC environment and evaluates the script once.
    pub(crate) fn new(config: Arc<Config>) -> Result<Self, Error> {
        let state = Arc::new(State {
            config: Arc::clone(&config),
            epoch: Instant::now(),
            deadline_nanos: AtomicU64::new(0),
            timed_out: AtomicBool::new(false),
            run: Mutex::new(Run::default()),
        });
        let runtime = Runtime::new().map_err(engine_error)?;
        runtime.set_memory_limit(config.memory_limit);
        runtime.set_max_stack_size(config.max_stack_size);
        let handler_state = Arc::clone(&state);
        runtime.set_interrupt_handler(Some(Box::new(move || handler_state.expired())));
        let context = Context::custom::<(
            intrinsic::Date,
            intrinsic::Eval,
            intrinsic::RegExpCompiler,
            intrinsic::RegExp,
            intrinsic::Json,
            intrinsic::Proxy,
            intrinsic::MapSet,
            intrinsic::TypedArrays,
            intrinsic::Promise,
            intrinsic::WeakRef,
        )>(&runtime)
        .map_err(engine_error)?;
        let mut engine = Self {
            context,
            runtime,
            state,
            broken: false,
        };
        engine.begin();
        let state = Arc::clone(&engine.state);
        let loaded = engine.context.with(|ctx| {
            install(&ctx, &state).map_err(|e| state.error(&ctx, Failure::Js(e)))?;
            let options = eval_options("pac-library.js");
            ctx.eval_with_options::<(), _>(LIBRARY, options)
                .map_err(|e| state.error(&ctx, Failure::Js(e)))?;
            crate::fast::install(&ctx).map_err(|e| state.error(&ctx, Failure::Js(e)))?;
            if config.source.contains('\0') {
                let line = config.source.split('\0').next().map_or(1, count_lines);
                return Err(Error::new(
                    ErrorKind::Syntax,
                    Some(line),
                    "SyntaxError: the script contains a NUL character",
                ));
            }
            ctx.eval_with_options::<(), _>(config.source.as_str(), eval_options(SCRIPT_NAME))
                .map_err(|e| match state.error(&ctx, Failure::Js(e)) {
                    error if error.message().starts_with("Uncaught SyntaxError") => {
                        let message = error.message().trim_start_matches("Uncaught ");
                        Error::new(ErrorKind::Syntax, error.line(), message)
                    }
                    error => error,
                })?;
            find_function(&ctx).map_err(|e| state.error(&ctx, e))?;
            Ok(())
        });
        engine.finish();
        let mut loaded = loaded;
        engine.note(&mut loaded);
        loaded.map(|()| engine)
    }

    /// Runs `FindProxyForURLEx` or `FindProxyForURL` and returns its string result.
    pub(crate) fn find_proxy(&mut self, url: &str, host: &str) -> Result<String, Error> {
        self.begin();
        let state = Arc::clone(&self.state);
        let mut result = self.context.with(|ctx| {
            // A backtrace left from an earlier run would stop QuickJS from recording this one.
            backtrace::take(&ctx);
            call_find_proxy(&ctx, url, host).map_err(|failure| state.error(&ctx, failure))
        });
        self.finish();
        self.note(&mut result);
        result
    }

    /// Evaluates a JavaScript expression as a PAC helper test would see it: strings come back
    /// JSON-quoted, everything else through `String()`.
    pub(crate) fn eval_expression(&mut self, expression: &str) -> Result<String, Error> {
        self.begin();
        let state = Arc::clone(&self.state);
        let source = format!(
            "(function () {{ var v = ({expression}\n); \
             return typeof v === 'string' ? JSON.stringify(v) : String(v); }})()"
        );
        let mut result = self.context.with(|ctx| {
            backtrace::take(&ctx);
            ctx.eval_with_options::<Value<'_>, _>(source, eval_options("expression.js"))
                .map_err(Failure::Js)
                .and_then(|value| string_result(&value))
                .map_err(|failure| state.error(&ctx, failure))
        });
        self.finish();
        self.note(&mut result);
        result
    }

    /// Whether the engine must be thrown away (it ran out of time or memory mid-way).
    pub(crate) fn is_broken(&self) -> bool {
        self.broken
    }

    fn begin(&mut self) {
        let state = &self.state;
        let deadline = state.epoch.elapsed().saturating_add(state.config.deadline);
        let nanos = u64::try_from(deadline.as_nanos()).unwrap_or(u64::MAX);
        state.deadline_nanos.store(nanos, Ordering::Relaxed);
        state.timed_out.store(false, Ordering::Relaxed);
        *state.run.lock().unwrap_or_else(PoisonError::into_inner) = Run::default();
    }

    fn finish(&mut self) {
        // Promise reactions run once the script returns, as V8's microtask checkpoint does,
        // still under the deadline.
        while self.runtime.is_job_pending() && !self.state.expired() {
            if self.runtime.execute_pending_job().is_err() {
                continue;
            }
        }
        if self.state.timed_out.load(Ordering::Relaxed) {
            self.broken = true;
        }
    }

    fn note<T>(&mut self, result: &mut Result<T, Error>) {
        if let Err(error) = result {
            // QuickJS throws `null` when it cannot even allocate the "out of memory" error.
            // A script may throw `null` too: call it out of memory when memory is nearly spent.
            if error.kind() == ErrorKind::Exception && error.message() == "Uncaught null" {
                let used = usize::try_from(self.runtime.memory_usage().malloc_size).unwrap_or(0);
                if used.saturating_mul(2) >= self.state.config.memory_limit {
                    *error = Error::new(ErrorKind::OutOfMemory, error.line(), "out of memory");
                }
            }
            if matches!(error.kind(), ErrorKind::Timeout | ErrorKind::OutOfMemory) {
                self.broken = true;
            }
        }
    }
}

impl State {
    /// The interrupt handler: true stops the script.
    fn expired(&self) -> bool {
        let now = u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX);
        if now >= self.deadline_nanos.load(Ordering::Relaxed) {
            self.timed_out.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }

    fn lookup(&self, op: Op, host: &str) -> Option<String> {
        let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (op, host.to_owned());
        if let Some(answer) = run.cache.get(&key) {
            return answer.clone();
        }
        // A safety net for scripts with many lookups: later lookups fail, the script goes on.
        if run.lookups >= MAX_DNS_LOOKUPS || self.expired() {
            return None;
        }
        run.lookups += 1;
        let answer = self.answer(op, host);
        run.cache.insert(key, answer.clone());
        answer
    }

    fn answer(&self, op: Op, host: &str) -> Option<String> {
        let config = &self.config;
        match op {
            Op::Resolve | Op::ResolveEx if host.is_empty() => None,
            Op::Resolve => match helpers::parse_ip_literal(host) {
                Some(std::net::IpAddr::V4(v4)) => Some(v4.to_string()),
                Some(std::net::IpAddr::V6(_)) => None,
                None => {
                    let addresses = config.resolver.resolve(host).ok()?;
                    helpers::first_ipv4(&addresses).map(|v4| v4.to_string())
                }
            },
            Op::ResolveEx => {
                let addresses = match helpers::parse_ip_literal(host) {
                    Some(address) => vec![address],
                    None => config.resolver.resolve(host).ok()?,
                };
                join_addresses(&addresses)
            }
            Op::MyIp => join_addresses(&my_ip_addresses(config.local.as_ref(), false)),
            Op::MyIpEx => join_addresses(&my_ip_addresses(config.local.as_ref(), true)),
        }
    }

    /// Turns an engine failure into the crate's error, reading the pending exception.
    fn error(&self, ctx: &Ctx<'_>, failure: Failure) -> Error {
        let timed_out = self.timed_out.load(Ordering::Relaxed);
        let error = match failure {
            Failure::Pac(error) => error,
            Failure::Js(rquickjs::Error::Exception) => {
                let value = ctx.catch();
                describe_exception(ctx, &value, backtrace::take(ctx).as_deref())
            }
            Failure::Js(rquickjs::Error::Allocation) => {
                Error::new(ErrorKind::OutOfMemory, None, "out of memory")
            }
            Failure::Js(other) => Error::new(ErrorKind::Engine, None, other.to_string()),
        };
        if timed_out {
            let limit = self.config.deadline;
            return Error::new(
                ErrorKind::Timeout,
                error.line(),
                format!("script ran longer than {limit:?}"),
            );
        }
        error
    }
}

fn join_addresses(addresses: &[std::net::IpAddr]) -> Option<String> {
    if addresses.is_empty() {
        return None;
    }
    let texts: Vec<String> = addresses.iter().map(|a| helpers::format_ip(*a)).collect();
    Some(texts.join(";"))
}

fn engine_error(error: rquickjs::Error) -> Error {
    Error::new(ErrorKind::Engine, None, error.to_string())
}

fn eval_options(file_name: &str) -> EvalOptions {
    let mut options = EvalOptions::default();
    options.global = true;
    // PAC scripts run in sloppy mode, as in Chromium.
    options.strict = false;
    options.filename = Some(file_name.to_owned());
    options
}

fn count_lines(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count())
        .unwrap_or(u32::MAX)
        .saturating_add(1)
}

fn find_function<'js>(ctx: &Ctx<'js>) -> Result<Function<'js>, Failure> {
    let globals = ctx.globals();
    for name in ["FindProxyForURLEx", "FindProxyForURL"] {
        let value: Value<'js> = globals.get(name)?;
        if let Some(function) = value.into_function() {
            return Ok(function);
        }
    }
    Err(Failure::Pac(Error::new(
        ErrorKind::MissingFunction,
        None,
        "FindProxyForURL is undefined or not a function.",
    )))
}

fn call_find_proxy(ctx: &Ctx<'_>, url: &str, host: &str) -> Result<String, Failure> {
    let function = find_function(ctx)?;
    let value: Value<'_> = function.call((This(ctx.globals()), url, host))?;
    string_result(&value).map_err(|failure| match failure {
        // The call has returned, so no stack tells where: point at the function instead.
        Failure::Pac(error) => Failure::Pac(error.at_line(definition_line(ctx, &function))),
        other => other,
    })
}

/// The line where `function` is defined in the script, through the prelude's
/// `definitionLine`.
fn definition_line<'js>(ctx: &Ctx<'js>, function: &Function<'js>) -> Option<u32> {
    let getter = ctx.userdata::<Function<'js>>()?.clone();
    match getter.call::<_, Value<'js>>((function.clone(),)) {
        Ok(line) => line.as_int().and_then(|line| u32::try_from(line).ok()),
        Err(_) => {
            // Only the deadline or the memory limit can stop the getters: leave no exception
            // pending, the caller reports the failure it had.
            drop(ctx.catch());
            None
        }
    }
}

fn string_result(value: &Value<'_>) -> Result<String, Failure> {
    let Some(text) = value.as_string() else {
        return Err(Failure::Pac(Error::new(
            ErrorKind::NotAString,
            None,
            "FindProxyForURL() did not return a string.",
        )));
    };
    let text = text.to_string().unwrap_or_else(|_| "\u{fffd}".to_owned());
    if !text.is_ascii() {
        return Err(Failure::Pac(Error::new(
            ErrorKind::NonAscii,
            None,
            "FindProxyForURL() returned a non-ASCII string.",
        )));
    }
    Ok(text)
}

/// Chromium-style text and the script line of an uncaught exception: from its `stack` for an
/// `Error`, else from the backtrace QuickJS recorded when it was thrown.
fn describe_exception<'js>(ctx: &Ctx<'js>, value: &Value<'js>, backtrace: Option<&str>) -> Error {
    if let Some(object) = value.as_object().filter(|_| value.is_error()) {
        let name = property_text(ctx, object, "name").unwrap_or_else(|| "Error".to_owned());
        let message = property_text(ctx, object, "message").unwrap_or_default();
        let stack = property_text(ctx, object, "stack").unwrap_or_default();
        // A script may have replaced `stack`: the recorded backtrace still tells.
        let line = script_line(&stack).or_else(|| backtrace.and_then(script_line));
        if name == "InternalError" && message.contains("out of memory") {
            return Error::new(ErrorKind::OutOfMemory, line, "out of memory");
        }
        let text = if message.is_empty() {
            format!("Uncaught {name}")
        } else {
            format!("Uncaught {name}: {message}")
        };
        return Error::new(ErrorKind::Exception, line, text);
    }
    // QuickJS leaves no exception value when it could not even allocate the error object.
    if value.type_of() == rquickjs::Type::Uninitialized {
        return Error::new(ErrorKind::OutOfMemory, None, "out of memory");
    }
    let text = if value.is_object() {
        "#<Object>".to_owned()
    } else {
        Coerced::<String>::from_js(ctx, value.clone()).map_or_else(|_| "?".to_owned(), |c| c.0)
    };
    let line = backtrace.and_then(script_line);
    Error::new(ErrorKind::Exception, line, format!("Uncaught {text}"))
}

fn property_text<'js>(ctx: &Ctx<'js>, object: &Object<'js>, key: &str) -> Option<String> {
    let value: Value<'js> = object.get(key).ok()?;
    if value.is_undefined() || value.is_object() {
        return None;
    }
    Coerced::<String>::from_js(ctx, value).ok().map(|c| c.0)
}

/// The first `pac.js:LINE` position in a QuickJS stack trace.
fn script_line(stack: &str) -> Option<u32> {
    let marker = format!("{SCRIPT_NAME}:");
    let at = stack.find(&marker)?;
    let digits: String = stack
        .get(at + marker.len()..)?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The text of a JavaScript string argument (lone surrogates become U+FFFD).
fn js_text<'js>(value: &rquickjs::String<'js>) -> rquickjs::Result<String> {
    let raw = value.clone().to_cstring()?;
    Ok(match String::from_utf8_lossy(raw.as_ref()) {
        Cow::Borrowed(text) => text.to_owned(),
        Cow::Owned(text) => text,
    })
}

/// Chromium's `GetHostnameArgument`: the first argument if it is a string, IDN converted to
/// punycode.
fn hostname_argument(args: &Rest<Value<'_>>) -> rquickjs::Result<Option<String>> {
    let Some(text) = args.0.first().and_then(Value::as_string) else {
        return Ok(None);
    };
    let text = js_text(text)?;
    if text.is_ascii() {
        return Ok(Some(text));
    }
    Ok(match url::Host::parse(&text) {
        Ok(url::Host::Domain(domain)) => Some(domain),
        Ok(url::Host::Ipv4(address)) => Some(address.to_string()),
        _ => None,
    })
}

fn string_value<'js>(ctx: &Ctx<'js>, text: &str) -> rquickjs::Result<Value<'js>> {
    Ok(rquickjs::String::from_str(ctx.clone(), text)?.into_value())
}

fn set_function<'js, P, F>(ctx: &Ctx<'js>, name: &str, f: F) -> rquickjs::Result<()>
where
    F: rquickjs::function::IntoJsFunc<'js, P> + 'js,
{
    let function = Function::new(ctx.clone(), f)?.with_name(name)?;
    ctx.globals().set(name, function)
}

/// Installs the `Date` shim and the helpers Chromium implements in C++.
fn install<'js>(ctx: &Ctx<'js>, state: &Arc<State>) -> rquickjs::Result<()> {
    let clock = Arc::clone(&state.config.clock);
    let now = Function::new(ctx.clone(), move || unix_millis(clock.now()))?;
    let clock = Arc::clone(&state.config.clock);
    let offset = Function::new(ctx.clone(), move || {
        clock
            .utc_offset()
            .map(|seconds| f64::from(seconds) * 1000.0)
    })?;
    let prelude: Function<'js> = ctx.eval_with_options(PRELUDE, eval_options("prelude.js"))?;
    let definition_line: Function<'js> = prelude.call((now, offset))?;
    // Userdata is out of the script's reach, and the runtime frees it before itself.
    ctx.store_userdata(definition_line)
        .map_err(|_| rquickjs::Error::Unknown)?;

    let s = Arc::clone(state);
    set_function(
        ctx,
        "dnsResolve",
        move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            let Some(host) = hostname_argument(&args)? else {
                return Ok(Value::new_null(ctx));
            };
            match s.lookup(Op::Resolve, &host) {
                Some(address) => string_value(&ctx, &address),
                None => Ok(Value::new_null(ctx)),
            }
        },
    )?;
    let s = Arc::clone(state);
    set_function(
        ctx,
        "dnsResolveEx",
        move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            let Some(host) = hostname_argument(&args)? else {
                return Ok(Value::new_undefined(ctx));
            };
            string_value(&ctx, &s.lookup(Op::ResolveEx, &host).unwrap_or_default())
        },
    )?;
    let s = Arc::clone(state);
    set_function(
        ctx,
        "myIpAddress",
        move |ctx: Ctx<'js>| -> rquickjs::Result<Value<'js>> {
            let answer = s.lookup(Op::MyIp, "");
            string_value(&ctx, answer.as_deref().unwrap_or("127.0.0.1"))
        },
    )?;
    let s = Arc::clone(state);
    set_function(
        ctx,
        "myIpAddressEx",
        move |ctx: Ctx<'js>| -> rquickjs::Result<Value<'js>> {
            // The out-of-process resolver that Chromium ships substitutes 127.0.0.1 here too.
            let answer = s.lookup(Op::MyIpEx, "");
            string_value(&ctx, answer.as_deref().unwrap_or("127.0.0.1"))
        },
    )?;
    set_function(
        ctx,
        "isPlainHostName",
        |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<bool> {
            let Some(host) = args.0.first().and_then(Value::as_string) else {
                return Err(Exception::throw_type(&ctx, "Requires 1 string parameter"));
            };
            Ok(helpers::is_plain_host_name(&js_text(host)?))
        },
    )?;
    set_function(
        ctx,
        "sortIpAddressList",
        |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            let Some(list) = args.0.first().and_then(Value::as_string) else {
                return Ok(Value::new_null(ctx));
            };
            let list = js_text(list)?;
            if !list.is_ascii() {
                return Ok(Value::new_null(ctx));
            }
            match helpers::sort_ip_address_list(&list) {
                Some(sorted) => string_value(&ctx, &sorted),
                None => Ok(Value::new_bool(ctx, false)),
            }
        },
    )?;
    set_function(
        ctx,
        "isInNetEx",
        |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            let (Some(ip), Some(cidr)) = (
                args.0.first().and_then(Value::as_string),
                args.0.get(1).and_then(Value::as_string),
            ) else {
                return Ok(Value::new_null(ctx));
            };
            let (ip, cidr) = (js_text(ip)?, js_text(cidr)?);
            let inside = ip.is_ascii() && cidr.is_ascii() && helpers::is_in_net_ex(&ip, &cidr);
            Ok(Value::new_bool(ctx, inside))
        },
    )?;
    set_function(
        ctx,
        "alert",
        |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<()> {
            // Like Chromium: `undefined` without arguments, later arguments ignored, and an
            // exception from `toString` propagates to the script.
            let message = match args.0.first() {
                None => "undefined".to_owned(),
                Some(value) => Coerced::<String>::from_js(&ctx, value.clone())?.0,
            };
            tracing::info!(target: "netsession_pac::alert", "{message}");
            Ok(())
        },
    )?;
    Ok(())
}
