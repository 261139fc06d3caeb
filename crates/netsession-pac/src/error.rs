//! The crate's error type: what went wrong in a PAC script, where, and Chromium's message.

use std::fmt;

/// Why loading or running a PAC script failed.
///
/// Chromium treats every one of these the same way (the script failed); the kinds let an app
/// tell its users what to fix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The script text is empty.
    EmptyScript,
    /// The script is larger than the configured maximum (1 MiB by default).
    ScriptTooLarge,
    /// The script does not compile.
    Syntax,
    /// Neither `FindProxyForURLEx` nor `FindProxyForURL` is a function.
    MissingFunction,
    /// The script threw (at load time or during `FindProxyForURL`).
    Exception,
    /// `FindProxyForURL` returned something other than a string; the error's line is where
    /// the function is defined.
    NotAString,
    /// `FindProxyForURL` returned a string with a non-ASCII character; the error's line is
    /// where the function is defined.
    NonAscii,
    /// The script ran past its deadline and was stopped.
    ///
    /// The error's line is the last position QuickJS recorded in the function that was
    /// running: the line of its last call (to a helper or another function), else the line
    /// where the function is defined (line 1 for the top level). A loop that calls nothing
    /// is therefore placed at its function, not at the loop itself.
    Timeout,
    /// The script ran out of its memory budget.
    OutOfMemory,
    /// The JavaScript engine could not be set up (for example, no memory for a new runtime).
    Engine,
}

impl ErrorKind {
    fn describe(self) -> &'static str {
        match self {
            Self::EmptyScript => "empty pac script",
            Self::ScriptTooLarge => "pac script too large",
            Self::Syntax => "syntax error in pac script",
            Self::MissingFunction => "pac script defines no FindProxyForURL function",
            Self::Exception => "pac script threw",
            Self::NotAString => "pac script returned a non-string",
            Self::NonAscii => "pac script returned a non-ascii string",
            Self::Timeout => "pac script timed out",
            Self::OutOfMemory => "pac script ran out of memory",
            Self::Engine => "javascript engine failure",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A PAC script failed to load or to answer.
///
/// [`Error::message`] is the text Chromium would log for the same failure (for example
/// `FindProxyForURL() did not return a string.` or `Uncaught ReferenceError: x is not
/// defined`); [`Error::line`] is the 1-based line of the script where it happened, when the
/// engine knows it: where the exception was thrown (also for a thrown value that is not an
/// `Error`), where the syntax error is, near where the script was running when it was stopped
/// (see [`ErrorKind::Timeout`]), or, for a result that is not a usable string, where the
/// function that returned it is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Error {
    kind: ErrorKind,
    line: Option<u32>,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, line: Option<u32>, message: impl Into<String>) -> Self {
        Self {
            kind,
            line,
            message: message.into(),
        }
    }

    /// The same error, placed at `line`.
    pub(crate) fn at_line(self, line: Option<u32>) -> Self {
        Self { line, ..self }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The 1-based line of the script where the error happened, if known.
    pub fn line(&self) -> Option<u32> {
        self.line
    }

    /// The engine's message, worded as Chromium words it where Chromium has a fixed text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.describe())?;
        if let Some(line) = self.line {
            write!(f, " at line {line}")?;
        }
        if !self.message.is_empty() {
            write!(f, ": {}", self.message.replace('\n', "\\n"))?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
