//! Chromium's `StringTokenizer` (empty tokens skipped), and the collector of rejections that
//! the strict parsers return.

use crate::error::{Error, ErrorKind, Rejection};

/// Splits `text` on `delim`, skipping empty pieces, yielding each piece with its byte offset
/// (`base` added, for pieces of a larger input).
pub(crate) fn tokens(text: &str, delim: char, base: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut offset = base;
    text.split(delim).filter_map(move |piece| {
        let start = offset;
        offset += piece.len() + delim.len_utf8();
        (!piece.is_empty()).then_some((start, piece))
    })
}

/// Receives rejected entries: drops them (lenient parsing) or keeps them (strict parsing).
///
/// Line numbers are counted incrementally, so reporting many rejections stays linear.
#[derive(Debug)]
pub(crate) struct Reporter<'a> {
    input: &'a str,
    collected: Option<Vec<Rejection>>,
    cursor: usize,
    line: usize,
}

impl<'a> Reporter<'a> {
    pub(crate) fn silent(input: &'a str) -> Self {
        Self {
            input,
            collected: None,
            cursor: 0,
            line: 1,
        }
    }

    pub(crate) fn collecting(input: &'a str) -> Self {
        Self {
            collected: Some(Vec::new()),
            ..Self::silent(input)
        }
    }

    pub(crate) fn is_collecting(&self) -> bool {
        self.collected.is_some()
    }

    /// Records `entry` (a token found at `offset`), reported without surrounding white space.
    pub(crate) fn reject(&mut self, kind: ErrorKind, offset: usize, entry: &str) {
        if self.collected.is_none() {
            return;
        }
        let leading = entry.len() - entry.trim_ascii_start().len();
        let offset = offset + leading;
        if offset < self.cursor {
            (self.cursor, self.line) = (0, 1);
        }
        let skipped = self.input.get(self.cursor..offset).unwrap_or_default();
        self.line += skipped.bytes().filter(|&b| b == b'\n').count();
        self.cursor = offset;
        let rejection = Rejection::new(kind, offset, self.line, entry.trim_ascii());
        if let Some(collected) = &mut self.collected {
            collected.push(rejection);
        }
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, Error> {
        match self.collected.and_then(Error::from_rejections) {
            Some(error) => Err(error),
            None => Ok(value),
        }
    }
}
