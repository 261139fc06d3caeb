//! Where the last exception was thrown, also when the thrown value is not an `Error`.
//!
//! QuickJS gives an `Error` object a `stack` property, but a thrown string or number carries
//! no position. The engine still records a backtrace for the first exception it sees after the
//! last one was caught, whatever its value, and hands it out through `js_std_cmd` (the hook
//! its own standard library uses to print uncaught exceptions).
#![allow(
    unsafe_code,
    reason = "QuickJS keeps the backtrace of a thrown non-Error value only in its context; \
              the safe binding layer has no accessor for it"
)]

use rquickjs::{Ctx, Value, qjs};

/// `js_std_cmd` command that moves the recorded backtrace out of the context.
const ERROR_BACK_TRACE: std::ffi::c_int = 2;

/// Takes the backtrace recorded for the last uncaught exception (a string of `at NAME
/// (FILE:LINE:COLUMN)` lines), leaving none behind.
///
/// Call it before a run to drop a backtrace left by an exception nobody caught in JavaScript
/// (QuickJS only records a new one when none is pending), and after a failed run to read it.
pub(crate) fn take(ctx: &Ctx<'_>) -> Option<String> {
    let mut raw = qjs::JS_UNDEFINED;
    // SAFETY: `ctx` is a live context; command 2 reads the context from the first variadic
    // argument and a `JSValue *` from the second, stores the context's backtrace there
    // (ownership passes to us) and resets it to `undefined`.
    unsafe {
        qjs::js_std_cmd(
            ERROR_BACK_TRACE,
            ctx.as_raw().as_ptr(),
            std::ptr::from_mut(&mut raw),
        );
    }
    // SAFETY: `raw` is owned by us and belongs to this context (or is `undefined`).
    let value = unsafe { Value::from_raw(ctx.clone(), raw) };
    value.as_string().and_then(|text| text.to_string().ok())
}
