//! Native fast paths for the hot JavaScript helpers of the PAC library, called straight from
//! QuickJS without the binding layer's per-call costs.
//!
//! `shExpMatch`, `dnsDomainIs`, `localHostOrDomainIs` and `isInNet` are JavaScript in
//! Chromium's library. Each native replacement answers only when every argument it reads is
//! an ASCII string and the answer provably equals the library's; otherwise it calls the
//! library's own JavaScript function, kept as the native function's data (traced by the
//! engine's garbage collector like any other value). Scripts therefore see the library's exact
//! behaviour, including its exceptions for odd arguments and `isInNet` calling the global
//! `dnsResolve`.
#![allow(
    unsafe_code,
    reason = "calls the QuickJS C API directly: the safe binding layer costs about 100 ns per \
              call, most of the time budget of a PAC rule"
)]

use std::ffi::c_int;

use rquickjs::{Ctx, Function, Value, qjs};

use crate::helpers;

/// The helpers with a fast path, in `magic` order.
const HELPERS: [(&str, c_int); 4] = [
    ("shExpMatch", 2),
    ("dnsDomainIs", 2),
    ("localHostOrDomainIs", 2),
    ("isInNet", 3),
];

/// Replaces each library helper of [`HELPERS`] with its native fast path.
pub(crate) fn install<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<()> {
    let globals = ctx.globals();
    for (magic, (name, length)) in (0..).zip(HELPERS) {
        let library: Function<'js> = globals.get(name)?;
        let mut data = [library.as_raw()];
        // SAFETY: `ctx` is a live context; `JS_NewCFunctionData` duplicates the data value
        // (the library function stays owned by `library`), and returns a new owned value or
        // an exception, which `from_raw` takes ownership of.
        let raw = unsafe {
            qjs::JS_NewCFunctionData(
                ctx.as_raw().as_ptr(),
                Some(call),
                length,
                magic,
                1,
                data.as_mut_ptr(),
            )
        };
        // SAFETY: `raw` is a value owned by us, created in this context.
        let value = unsafe { Value::from_raw(ctx.clone(), raw) };
        if value.type_of() == rquickjs::Type::Exception {
            return Err(rquickjs::Error::Exception);
        }
        let Some(function) = value.into_function() else {
            return Err(rquickjs::Error::Unknown);
        };
        globals.set(name, function.with_name(name)?)?;
    }
    Ok(())
}

/// The native function behind every fast path; `magic` selects the helper.
///
/// # Safety
///
/// Called by QuickJS only, with `argv` holding `argc` values (at least the declared length)
/// and `data` holding the one value given at creation.
unsafe extern "C" fn call(
    ctx: *mut qjs::JSContext,
    this: qjs::JSValue,
    argc: c_int,
    argv: *mut qjs::JSValue,
    magic: c_int,
    data: *mut qjs::JSValue,
) -> qjs::JSValue {
    let count = usize::try_from(argc).unwrap_or(0);
    let args: &[qjs::JSValue] = if argv.is_null() || count == 0 {
        &[]
    } else {
        // SAFETY: QuickJS passes `argc` valid values at `argv`, alive for this call.
        unsafe { std::slice::from_raw_parts(argv, count) }
    };
    // SAFETY: `ctx` is the calling context and `args` are its values.
    let answer = unsafe { fast_answer(ctx, args, magic) };
    match answer {
        Some(true) => qjs::JS_TRUE,
        Some(false) => qjs::JS_FALSE,
        // SAFETY: `data` points to the library function given at creation; `JS_Call` borrows
        // its arguments and returns a new owned value (or an exception), which we pass on.
        None => unsafe { qjs::JS_Call(ctx, *data, this, argc, argv) },
    }
}

/// The fast answer, or `None` to run the library's JavaScript.
///
/// # Safety
///
/// `ctx` must be a live context and `args` values of it.
unsafe fn fast_answer(
    ctx: *mut qjs::JSContext,
    args: &[qjs::JSValue],
    magic: c_int,
) -> Option<bool> {
    let wanted = if magic == 3 { 3 } else { 2 };
    let mut texts: [Option<AsciiArg>; 3] = [None, None, None];
    for (slot, value) in texts.iter_mut().zip(args).take(wanted) {
        // SAFETY: forwarded from the caller.
        *slot = Some(unsafe { AsciiArg::new(ctx, *value) }?);
    }
    let text = |i: usize| texts.get(i).and_then(Option::as_ref).map(AsciiArg::bytes);
    match magic {
        0 => helpers::sh_exp_match_fast(text(0)?, text(1)?),
        1 => {
            let (host, domain) = (text(0)?, text(1)?);
            Some(host.ends_with(domain))
        }
        2 => {
            let (host, hostdom) = (text(0)?, text(1)?);
            Some(
                host == hostdom
                    || hostdom
                        .strip_prefix(host)
                        .is_some_and(|rest| rest.first() == Some(&b'.')),
            )
        }
        3 => {
            let (host, pattern, mask) = (text(0)?, text(1)?, text(2)?);
            let (Some(pattern), Some(mask)) =
                (helpers::dotted_quad(pattern), helpers::dotted_quad(mask))
            else {
                return Some(false);
            };
            // A host name needs the global `dnsResolve`: leave it to the library.
            let host = helpers::dotted_quad(host)?;
            Some(host & mask == pattern & mask)
        }
        _ => None,
    }
}

/// The bytes of an ASCII string argument, borrowed from the engine for the call.
struct AsciiArg {
    ctx: *mut qjs::JSContext,
    ptr: *const std::ffi::c_char,
    len: usize,
}

impl AsciiArg {
    /// `None` unless `value` is a string of ASCII characters only.
    ///
    /// # Safety
    ///
    /// `ctx` must be a live context and `value` a value of it.
    unsafe fn new(ctx: *mut qjs::JSContext, value: qjs::JSValue) -> Option<Self> {
        // SAFETY: reading the tag of a valid value.
        if !unsafe { qjs::JS_IsString(value) } {
            return None;
        }
        let mut len = 0usize;
        // SAFETY: `value` is a string, so the conversion calls no JavaScript; the result is
        // freed in `drop` (or null on allocation failure, with an exception pending, which the
        // library function will then meet again).
        let ptr = unsafe { qjs::JS_ToCStringLen(ctx, &mut len, value) };
        if ptr.is_null() {
            return None;
        }
        let arg = Self { ctx, ptr, len };
        arg.bytes().is_ascii().then_some(arg)
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `JS_ToCStringLen` returned `len` readable bytes at `ptr`, valid until
        // `JS_FreeCString` in `drop`.
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

impl Drop for AsciiArg {
    fn drop(&mut self) {
        // SAFETY: `ptr` came from `JS_ToCStringLen` on this context and is freed once.
        unsafe { qjs::JS_FreeCString(self.ctx, self.ptr) };
    }
}
