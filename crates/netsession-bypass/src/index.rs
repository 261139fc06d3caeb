//! The compiled matcher: rules sorted into hash tables at parse time.
//!
//! Every rule except `<-loopback>` can only include a URL, so evaluating the rules last to
//! first comes down to one question: does some including rule match, and is it after the last
//! `<-loopback>`? Let `L` be the position of the last `<-loopback>`. If the URL matches the
//! implicit rules and `L` exists, the URL bypasses iff an including rule after `L` matches;
//! otherwise it bypasses iff any including rule matches, or none does and the implicit rules
//! match. The index answers "does an including rule at position `min` or later match" with a
//! handful of hash probes whose number depends on the host, not on the number of rules:
//!
//! * exact host names and IP host rules: one probe of the whole host;
//! * `*.suffix` patterns: one probe per `.` in the host;
//! * other `*suffix` and `prefix*` patterns: one probe per distinct literal length;
//! * ranges: one probe per distinct prefix length;
//! * `*` and `<local>`: no probe;
//! * only true wildcard patterns (`a*b`, `?`, several `*`) are scanned one by one.
//!
//! Each table entry lists its rules by position, highest first, with their scheme and port
//! constraints, so a probe stops at the first rule that applies.

use std::borrow::Cow;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

use foldhash::HashMap;

use crate::glob::{Glob, Shape};
use crate::ip;
use crate::rule::{self, Rule};
use crate::target::Target;

/// End of an entry chain (never a valid index).
const NIL: usize = usize::MAX;

/// How far down a chain building looks for an identical earlier rule to replace.
const DEDUP_DEPTH: usize = 8;

/// A table from the hash of a key to the head of its entry chain. Keys live in one byte arena
/// (no allocation per rule); entries carry their key so a probe verifies it, which also sorts
/// out the rare hash collision.
type Table = std::collections::HashMap<u64, usize, BuildHasherDefault<PreHashed>>;

#[derive(Clone, Debug, Default)]
pub(crate) struct Index {
    /// Position of the last `<-loopback>`.
    last_subtract: Option<usize>,
    /// Position of the last `<local>`.
    local: Option<usize>,
    /// Schemes named by rules; an entry's `scheme` is an index into this plus one.
    schemes: Vec<Box<str>>,
    /// Hashes keys for the tables.
    hasher: foldhash::fast::RandomState,
    /// The bytes of every key, back to back.
    keys: Vec<u8>,
    /// Constraint chains; each table value is the head of a chain, highest position first.
    entries: Vec<Entry>,
    exact: Table,
    any: Option<usize>,
    /// `*X` with `X` starting with `.`, keyed by `X`.
    dot_suffix: Table,
    /// `*X` with `X` not starting with `.`, keyed by `X`, and the distinct lengths of `X`.
    suffix: Table,
    suffix_lens: Vec<usize>,
    /// `X*`, keyed by `X`, and the distinct lengths of `X`.
    prefix: Table,
    prefix_lens: Vec<usize>,
    /// Ranges by mapped prefix length (ascending): masked mapped address to highest position.
    cidr: Vec<(u8, HashMap<u128, usize>)>,
    /// Wildcard patterns, highest position first.
    globs: Vec<GlobEntry>,
}

#[derive(Clone, Debug)]
struct Entry {
    pos: usize,
    next: usize,
    scheme: usize,
    port: Option<u16>,
    /// The key's range in `Index::keys`.
    key_start: usize,
    key_end: usize,
}

#[derive(Clone, Debug)]
struct GlobEntry {
    pos: usize,
    scheme: usize,
    port: Option<u16>,
    glob: Glob,
}

/// Where a rule goes, decided in a first pass so the tables can be sized once.
enum Slot<'a> {
    Exact(Cow<'a, [u8]>),
    Any,
    DotSuffix(Cow<'a, [u8]>),
    Suffix(Cow<'a, [u8]>),
    Prefix(Cow<'a, [u8]>),
    Glob(Glob),
    Cidr,
    Special,
}

impl Index {
    pub(crate) fn build(rules: &[Rule]) -> Self {
        let slots: Vec<Slot<'_>> = rules.iter().map(slot).collect();
        let mut index = Self::default();
        let (mut exact, mut dot_suffix, mut suffix, mut prefix, mut key_bytes) = (0, 0, 0, 0, 0);
        for slot in &slots {
            match slot {
                Slot::Exact(key) => (exact, key_bytes) = (exact + 1, key_bytes + key.len()),
                Slot::DotSuffix(key) => {
                    (dot_suffix, key_bytes) = (dot_suffix + 1, key_bytes + key.len())
                }
                Slot::Suffix(key) => (suffix, key_bytes) = (suffix + 1, key_bytes + key.len()),
                Slot::Prefix(key) => (prefix, key_bytes) = (prefix + 1, key_bytes + key.len()),
                Slot::Any | Slot::Glob(_) | Slot::Cidr | Slot::Special => {}
            }
        }
        index.exact.reserve(exact);
        index.dot_suffix.reserve(dot_suffix);
        index.suffix.reserve(suffix);
        index.prefix.reserve(prefix);
        index.keys.reserve(key_bytes);
        index.entries.reserve(exact + dot_suffix + suffix + prefix);

        let mut scheme_ids: HashMap<&str, usize> = HashMap::default();
        for (pos, (rule, slot)) in rules.iter().zip(slots).enumerate() {
            let (scheme, port) = constraints(rule);
            let scheme = scheme_id(&mut scheme_ids, &mut index.schemes, scheme);
            match slot {
                Slot::Special => match rule {
                    Rule::Local => index.local = Some(pos),
                    Rule::SubtractImplicit => index.last_subtract = Some(pos),
                    Rule::Hostname(_) | Rule::IpHost(_) | Rule::Cidr(_) => {}
                },
                Slot::Cidr => {
                    if let Rule::Cidr(cidr) = rule {
                        index.add_cidr(cidr.addr, cidr.prefix_len, pos);
                    }
                }
                Slot::Exact(key) => index.link(Which::Exact, &key, pos, scheme, port),
                Slot::DotSuffix(key) => index.link(Which::DotSuffix, &key, pos, scheme, port),
                Slot::Suffix(key) => {
                    add_len(&mut index.suffix_lens, key.len());
                    index.link(Which::Suffix, &key, pos, scheme, port);
                }
                Slot::Prefix(key) => {
                    add_len(&mut index.prefix_lens, key.len());
                    index.link(Which::Prefix, &key, pos, scheme, port);
                }
                Slot::Any => {
                    let head = index.any.unwrap_or(NIL);
                    index.any = Some(index.entries.len());
                    let at = index.keys.len();
                    index.entries.push(Entry {
                        pos,
                        next: head,
                        scheme,
                        port,
                        key_start: at,
                        key_end: at,
                    });
                }
                Slot::Glob(glob) => index.globs.push(GlobEntry {
                    pos,
                    scheme,
                    port,
                    glob,
                }),
            }
        }
        index.globs.reverse();
        index
    }

    fn add_cidr(&mut self, addr: std::net::IpAddr, prefix_len: u8, pos: usize) {
        let len = ip::mapped_prefix_len(addr, prefix_len);
        let key = ip::mask(ip::to_mapped(addr), len);
        let table = match self.cidr.binary_search_by_key(&len, |(l, _)| *l) {
            Ok(at) => self.cidr.get_mut(at),
            Err(at) => {
                self.cidr.insert(at, (len, HashMap::default()));
                self.cidr.get_mut(at)
            }
        };
        if let Some((_, table)) = table {
            table.insert(key, pos);
        }
    }

    /// Adds a rule at the head of the chain for `key` (rules arrive in position order, so
    /// chains stay sorted highest first).
    fn link(&mut self, which: Which, key: &[u8], pos: usize, scheme: usize, port: Option<u16>) {
        let hash = self.hasher.hash_one(key);
        let table = match which {
            Which::Exact => &mut self.exact,
            Which::DotSuffix => &mut self.dot_suffix,
            Which::Suffix => &mut self.suffix,
            Which::Prefix => &mut self.prefix,
        };
        let head = table.entry(hash).or_insert(NIL);
        // An earlier rule with the same key, scheme and port is redundant: rules only ever
        // include, so this later one answers every question the earlier one could. Moving
        // that entry to the head with this position (instead of adding one) keeps a list
        // that repeats one host 100,000 times from becoming a 100,000-step walk on a miss.
        // Only the first few entries are searched, so building stays linear.
        let (mut previous, mut at) = (NIL, *head);
        for _ in 0..DEDUP_DEPTH {
            let Some(entry) = self.entries.get(at) else {
                break;
            };
            let next = entry.next;
            let same = entry.scheme == scheme
                && entry.port == port
                && self.keys.get(entry.key_start..entry.key_end) == Some(key);
            if same {
                if let Some(before) = self.entries.get_mut(previous) {
                    before.next = next;
                    let old_head = *head;
                    if let Some(entry) = self.entries.get_mut(at) {
                        entry.pos = pos;
                        entry.next = old_head;
                    }
                    *head = at;
                } else if let Some(entry) = self.entries.get_mut(at) {
                    // Already the head: it only takes the new position.
                    entry.pos = pos;
                }
                return;
            }
            (previous, at) = (at, next);
        }
        let key_start = self.keys.len();
        self.keys.extend_from_slice(key);
        let key_end = self.keys.len();
        let new = self.entries.len();
        self.entries.push(Entry {
            pos,
            next: *head,
            scheme,
            port,
            key_start,
            key_end,
        });
        *head = new;
    }

    /// How many keyed entries the tables hold (for tests).
    #[cfg(test)]
    pub(crate) fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// `ProxyBypassRules::Matches` for the rules this index was built from.
    pub(crate) fn matches(&self, target: &Target<'_>) -> bool {
        match self.last_subtract {
            None => self.includes(target, 0) || target.matches_implicit(),
            Some(last) => {
                let min = if target.matches_implicit() {
                    last + 1
                } else {
                    0
                };
                self.includes(target, min)
            }
        }
    }

    /// Whether an including rule at position `min` or later matches.
    fn includes(&self, target: &Target<'_>, min: usize) -> bool {
        let host = target.host.as_bytes();
        if self.local.is_some_and(|pos| pos >= min) && target.is_simple_hostname() {
            return true;
        }
        if self.probe(&self.exact, host, target, min) {
            return true;
        }
        if self.chain(self.any, None, target, min) {
            return true;
        }
        if !self.dot_suffix.is_empty() {
            for (at, &b) in host.iter().enumerate() {
                if b == b'.' {
                    let tail = host.get(at..).unwrap_or_default();
                    if self.probe(&self.dot_suffix, tail, target, min) {
                        return true;
                    }
                }
            }
        }
        for &len in &self.suffix_lens {
            let Some(start) = host.len().checked_sub(len) else {
                break;
            };
            let tail = host.get(start..).unwrap_or_default();
            if self.probe(&self.suffix, tail, target, min) {
                return true;
            }
        }
        for &len in &self.prefix_lens {
            let Some(front) = host.get(..len) else { break };
            if self.probe(&self.prefix, front, target, min) {
                return true;
            }
        }
        if let Some(addr) = target.ip {
            let value = ip::to_mapped(addr);
            for (len, table) in &self.cidr {
                if table
                    .get(&ip::mask(value, *len))
                    .is_some_and(|&pos| pos >= min)
                {
                    return true;
                }
            }
        }
        for entry in &self.globs {
            if entry.pos < min {
                break;
            }
            if self.allows(entry.scheme, entry.port, target) && entry.glob.matches(host) {
                return true;
            }
        }
        false
    }

    /// Looks `key` up in `table` and walks its chain.
    fn probe(&self, table: &Table, key: &[u8], target: &Target<'_>, min: usize) -> bool {
        if table.is_empty() {
            return false;
        }
        let head = table.get(&self.hasher.hash_one(key)).copied();
        self.chain(head, Some(key), target, min)
    }

    /// Walks a chain (highest position first) for a rule at `min` or later with this key (if
    /// given) whose scheme and port constraints the target meets.
    fn chain(
        &self,
        head: Option<usize>,
        key: Option<&[u8]>,
        target: &Target<'_>,
        min: usize,
    ) -> bool {
        let mut at = head.unwrap_or(NIL);
        while let Some(entry) = self.entries.get(at) {
            if entry.pos < min {
                return false;
            }
            let key_matches =
                key.is_none_or(|key| self.keys.get(entry.key_start..entry.key_end) == Some(key));
            if key_matches && self.allows(entry.scheme, entry.port, target) {
                return true;
            }
            at = entry.next;
        }
        false
    }

    fn allows(&self, scheme: usize, port: Option<u16>, target: &Target<'_>) -> bool {
        port.is_none_or(|port| target.port == Some(port))
            && (scheme == 0
                || scheme
                    .checked_sub(1)
                    .and_then(|id| self.schemes.get(id))
                    .is_some_and(|s| **s == *target.scheme))
    }
}

/// A rule's scheme and port constraints.
fn constraints(rule: &Rule) -> (Option<&str>, Option<u16>) {
    match rule {
        Rule::Hostname(host) => (host.scheme(), host.port),
        Rule::IpHost(host) => (host.scheme(), host.port),
        Rule::Cidr(_) | Rule::Local | Rule::SubtractImplicit => (None, None),
    }
}

/// The table a keyed entry goes to.
#[derive(Clone, Copy)]
enum Which {
    Exact,
    DotSuffix,
    Suffix,
    Prefix,
}

/// Sorts a rule into its table.
fn slot(rule: &Rule) -> Slot<'_> {
    match rule {
        Rule::Local | Rule::SubtractImplicit => Slot::Special,
        Rule::Cidr(_) => Slot::Cidr,
        // Chromium compares the canonical host string, so an IP host rule is an exact name.
        Rule::IpHost(host) => {
            let mut key = String::new();
            match rule::write_host(&mut key, host.addr) {
                Ok(()) => Slot::Exact(Cow::Owned(key.into_bytes())),
                // Writing to a `String` cannot fail; this arm only keeps the code panic-free.
                Err(_) => Slot::Special,
            }
        }
        Rule::Hostname(host) => match Shape::of(&host.pattern) {
            Shape::Exact(key) => Slot::Exact(key),
            Shape::Any => Slot::Any,
            Shape::Suffix(key) if key.starts_with(b".") => Slot::DotSuffix(key),
            Shape::Suffix(key) => Slot::Suffix(key),
            Shape::Prefix(key) => Slot::Prefix(key),
            Shape::General(glob) => Slot::Glob(glob),
        },
    }
}

/// The id of `scheme` in `schemes` plus one, adding it if new; 0 for no scheme.
fn scheme_id<'r>(
    ids: &mut HashMap<&'r str, usize>,
    schemes: &mut Vec<Box<str>>,
    scheme: Option<&'r str>,
) -> usize {
    let Some(scheme) = scheme else { return 0 };
    *ids.entry(scheme).or_insert_with(|| {
        schemes.push(scheme.into());
        schemes.len()
    })
}

fn add_len(lens: &mut Vec<usize>, len: usize) {
    if let Err(at) = lens.binary_search(&len) {
        lens.insert(at, len);
    }
}

/// A hasher for keys that are already good 64-bit hashes.
#[derive(Clone, Copy, Debug, Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `u64` keys are hashed; mix anything else in rather than drop it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}
