//! Host patterns as Chromium's `base::MatchPattern` reads them, compiled for the index.
//!
//! Semantics (checked against Chromium 156): `*` matches any sequence, `?` matches **zero or
//! one** character, `\` makes the next character literal (so `\*` is a literal star), a lone
//! `\` at the very end is ignored, and everything else matches itself, byte for byte. The whole
//! host must match. There is no recursion limit.
//!
//! Most patterns are a literal, `*literal`, `literal*` or `*`; [`Shape`] sorts them so the index
//! can hash them. What remains is matched in `O(host × pattern)` time without backtracking:
//! star-only patterns by the classic leftmost-greedy walk, patterns with `?` by a set of host
//! positions.

use std::borrow::Cow;

/// A pattern piece after escapes are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    /// A byte that must match itself.
    Byte(u8),
    /// `?`: zero or one byte.
    Optional,
    /// `*`: any number of bytes.
    Star,
}

/// How a hostname pattern is indexed. Keys borrow from the pattern unless escapes had to be
/// resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape<'a> {
    /// The host must equal these bytes.
    Exact(Cow<'a, [u8]>),
    /// `*`: every host matches.
    Any,
    /// `*X`: the host must end with `X` (not empty).
    Suffix(Cow<'a, [u8]>),
    /// `X*`: the host must start with `X` (not empty).
    Prefix(Cow<'a, [u8]>),
    /// Anything else.
    General(Glob),
}

impl<'a> Shape<'a> {
    /// Sorts `pattern` into the shape the index stores it under.
    pub(crate) fn of(pattern: &'a str) -> Self {
        let bytes = pattern.as_bytes();
        // Fast path for the common forms, which have no escape and no `?`.
        if !bytes.iter().any(|&b| b == b'\\' || b == b'?') {
            let stars = bytes.iter().filter(|&&b| b == b'*').count();
            if stars == 0 {
                return Self::Exact(Cow::Borrowed(bytes));
            }
            if stars == bytes.len() {
                return Self::Any;
            }
            if stars == 1 {
                if let Some(rest) = bytes.strip_prefix(b"*") {
                    return Self::Suffix(Cow::Borrowed(rest));
                }
                if let Some(rest) = bytes.strip_suffix(b"*") {
                    return Self::Prefix(Cow::Borrowed(rest));
                }
            }
        }
        let pieces = pieces(bytes);
        let wildcards = pieces
            .iter()
            .filter(|p| !matches!(p, Piece::Byte(_)))
            .count();
        let literal = |ps: &[Piece]| -> Cow<'a, [u8]> {
            Cow::Owned(
                ps.iter()
                    .filter_map(|p| match p {
                        Piece::Byte(b) => Some(*b),
                        Piece::Optional | Piece::Star => None,
                    })
                    .collect(),
            )
        };
        match (pieces.first(), pieces.last(), wildcards) {
            (_, _, 0) => Self::Exact(literal(&pieces)),
            (Some(Piece::Star), _, 1) if pieces.len() == 1 => Self::Any,
            (Some(Piece::Star), _, 1) => Self::Suffix(literal(&pieces)),
            (_, Some(Piece::Star), 1) => Self::Prefix(literal(&pieces)),
            _ => Self::General(Glob::from_pieces(&pieces)),
        }
    }
}

/// Resolves escapes and collapses every run of wildcards that holds a `*` into one `*` (a `?`
/// next to a `*` adds nothing).
fn pieces(pattern: &[u8]) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pattern.len());
    let mut bytes = pattern.iter();
    while let Some(&b) = bytes.next() {
        let piece = match b {
            // A trailing lone backslash escapes nothing and is dropped.
            b'\\' => match bytes.next() {
                Some(&escaped) => Piece::Byte(escaped),
                None => break,
            },
            b'*' => Piece::Star,
            b'?' => Piece::Optional,
            other => Piece::Byte(other),
        };
        out.push(piece);
    }
    // Collapse wildcard runs: within a run that contains a star, keep one star. Whether the
    // current run has a star is remembered, not searched for: a search would make a long run
    // of `?` quadratic.
    let mut collapsed: Vec<Piece> = Vec::with_capacity(out.len());
    let mut run_start = 0;
    let mut run_has_star = false;
    for piece in out {
        match piece {
            Piece::Byte(_) => {
                collapsed.push(piece);
                run_start = collapsed.len();
                run_has_star = false;
            }
            Piece::Optional | Piece::Star => {
                if run_has_star {
                    continue;
                }
                if piece == Piece::Star {
                    collapsed.truncate(run_start);
                    run_has_star = true;
                }
                collapsed.push(piece);
            }
        }
    }
    collapsed
}

/// A pattern that needs real glob matching.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    /// Literal runs and wildcards, in order; literal runs are never empty and never adjacent.
    segments: Box<[Segment]>,
    /// Whether any `?` is present (otherwise the greedy star walk applies).
    has_optional: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(Box<[u8]>),
    Optional,
    Star,
}

impl Glob {
    fn from_pieces(pieces: &[Piece]) -> Self {
        let mut segments = Vec::new();
        let mut literal = Vec::new();
        let mut has_optional = false;
        for piece in pieces {
            match piece {
                Piece::Byte(b) => literal.push(*b),
                Piece::Optional | Piece::Star => {
                    if !literal.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut literal).into()));
                    }
                    if *piece == Piece::Optional {
                        has_optional = true;
                        segments.push(Segment::Optional);
                    } else {
                        segments.push(Segment::Star);
                    }
                }
            }
        }
        if !literal.is_empty() {
            segments.push(Segment::Literal(literal.into()));
        }
        Self {
            segments: segments.into(),
            has_optional,
        }
    }

    /// Whether `host` matches the whole pattern.
    pub(crate) fn matches(&self, host: &[u8]) -> bool {
        if self.has_optional {
            self.matches_with_positions(host)
        } else {
            self.matches_greedy(host)
        }
    }

    /// Star-only patterns: the head literal must be a prefix, the tail literal a suffix, and
    /// the literals between stars are taken leftmost-first, which is optimal for `*`.
    fn matches_greedy(&self, host: &[u8]) -> bool {
        let mut segments: &[Segment] = &self.segments;
        let mut rest = host;
        if let Some((Segment::Literal(head), tail)) = segments.split_first() {
            match rest.strip_prefix(&**head) {
                Some(after) => rest = after,
                None => return false,
            }
            segments = tail;
        }
        if segments.is_empty() {
            return rest.is_empty();
        }
        if let Some((Segment::Literal(last), init)) = segments.split_last() {
            match rest.strip_suffix(&**last) {
                Some(before) => rest = before,
                None => return false,
            }
            segments = init;
        }
        // What is left starts and ends with a star; place each inner literal leftmost.
        for segment in segments {
            if let Segment::Literal(literal) = segment {
                match find(rest, literal) {
                    Some(at) => rest = rest.get(at + literal.len()..).unwrap_or_default(),
                    None => return false,
                }
            }
        }
        true
    }

    /// General case: track every host position the pattern prefix can end at. Hosts up to
    /// 255 bytes use stack space; longer ones (never a DNS name) take one allocation.
    fn matches_with_positions(&self, host: &[u8]) -> bool {
        let words = host.len() / 64 + 1;
        let mut inline = [0u64; 8];
        if let Some(both) = inline.get_mut(..words * 2) {
            let (current, next) = both.split_at_mut(words);
            return self.run_positions(host, current, next);
        }
        let mut heap = vec![0u64; words * 2];
        let (current, next) = heap.split_at_mut(words);
        self.run_positions(host, current, next)
    }

    fn run_positions(&self, host: &[u8], current: &mut [u64], next: &mut [u64]) -> bool {
        let mut set = Positions {
            words: current,
            len: host.len(),
        };
        let mut scratch = Positions {
            words: next,
            len: host.len(),
        };
        set.insert(0);
        for segment in &self.segments {
            match segment {
                Segment::Literal(literal) => {
                    scratch.clear();
                    let mut any = false;
                    for start in set.iter() {
                        if host.get(start..).is_some_and(|h| h.starts_with(literal)) {
                            scratch.insert(start + literal.len());
                            any = true;
                        }
                    }
                    if !any {
                        return false;
                    }
                    std::mem::swap(&mut set, &mut scratch);
                }
                Segment::Optional => set.extend_by_one(),
                Segment::Star => {
                    let first = set.iter().next();
                    match first {
                        Some(first) => set.fill_from(first),
                        None => return false,
                    }
                }
            }
        }
        set.contains(host.len())
    }
}

/// The first position of `needle` (not empty) in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + offset;
        if haystack.get(at..)?.starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A set of positions `0..=len` as a bit set.
struct Positions<'a> {
    words: &'a mut [u64],
    len: usize,
}

impl Positions<'_> {
    fn insert(&mut self, at: usize) {
        if at <= self.len {
            if let Some(word) = self.words.get_mut(at / 64) {
                *word |= 1 << (at % 64);
            }
        }
    }

    fn contains(&self, at: usize) -> bool {
        self.words
            .get(at / 64)
            .is_some_and(|word| word & (1 << (at % 64)) != 0)
    }

    fn clear(&mut self) {
        self.words.fill(0);
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(index, &word)| {
            let mut bits = word;
            std::iter::from_fn(move || {
                if bits == 0 {
                    return None;
                }
                let bit = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(index * 64 + bit)
            })
        })
    }

    /// `self ∪ (self + 1)`, within `0..=len`: the effect of a `?`.
    fn extend_by_one(&mut self) {
        let mut carry = 0;
        for word in self.words.iter_mut() {
            let shifted = (*word << 1) | carry;
            carry = *word >> 63;
            *word |= shifted;
        }
        self.trim();
    }

    /// Every position from `first` to `len`: the effect of a `*`.
    fn fill_from(&mut self, first: usize) {
        for (index, word) in self.words.iter_mut().enumerate() {
            let low = index * 64;
            *word = if first <= low {
                u64::MAX
            } else if first < low + 64 {
                u64::MAX << (first - low)
            } else {
                0
            };
        }
        self.trim();
    }

    /// Clears bits above `len`.
    fn trim(&mut self) {
        let last = self.len / 64;
        let keep = self.len % 64;
        for (index, word) in self.words.iter_mut().enumerate() {
            if index > last {
                *word = 0;
            } else if index == last && keep < 63 {
                *word &= (1 << (keep + 1)) - 1;
            }
        }
    }
}
