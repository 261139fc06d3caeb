//! A stored response's metadata (everything but the body), its binary encoding, and the
//! body checksum.
//!
//! An entry, on disk or in memory, is accounted as `HEADER_LEN + meta + body` bytes, so both
//! stores report the same size for the same entries. The on-disk layout is:
//!
//! ```text
//! magic "NSHC" | version 1 | 3 zero bytes | meta length u32 LE | body length u64 LE
//! | body checksum u64 LE | meta checksum u64 LE | meta | body
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};

/// Bytes before the metadata.
pub(crate) const HEADER_LEN: u64 = 36;
const MAGIC: &[u8; 4] = b"NSHC";
const FORMAT: u8 = 1;

/// What is stored about a response besides its body.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    /// The cache key: the URL without its fragment.
    pub(crate) key: String,
    pub(crate) status: StatusCode,
    pub(crate) version: Version,
    /// When the request that produced the response (or its last validation) was sent.
    pub(crate) request_time: SystemTime,
    /// When its headers arrived.
    pub(crate) response_time: SystemTime,
    /// The response headers as stored (hop-by-hop headers and `Set-Cookie` removed).
    pub(crate) headers: HeaderMap,
    /// For each header named by `Vary`, the request's value (all lines joined by `, `).
    pub(crate) vary: Vec<(HeaderName, Option<Vec<u8>>)>,
}

impl Meta {
    /// The encoded metadata.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(&self.status.as_u16().to_le_bytes());
        out.push(match self.version {
            Version::HTTP_09 => 0,
            Version::HTTP_10 => 1,
            Version::HTTP_2 => 3,
            Version::HTTP_3 => 4,
            _ => 2,
        });
        out.extend_from_slice(&millis(self.request_time).to_le_bytes());
        out.extend_from_slice(&millis(self.response_time).to_le_bytes());
        put_bytes(&mut out, self.key.as_bytes());
        put_len(&mut out, self.headers.len());
        for (name, value) in &self.headers {
            put_bytes(&mut out, name.as_str().as_bytes());
            put_bytes(&mut out, value.as_bytes());
        }
        put_len(&mut out, self.vary.len());
        for (name, value) in &self.vary {
            put_bytes(&mut out, name.as_str().as_bytes());
            match value {
                Some(value) => {
                    out.push(1);
                    put_bytes(&mut out, value);
                }
                None => out.push(0),
            }
        }
        out
    }

    /// Decodes [`Meta::encode`]'s output; `None` if it is malformed.
    pub(crate) fn decode(data: &[u8]) -> Option<Self> {
        let mut r = Reader(data);
        let status = StatusCode::from_u16(u16::from_le_bytes(r.array()?)).ok()?;
        let version = match r.array::<1>()? {
            [0] => Version::HTTP_09,
            [1] => Version::HTTP_10,
            [3] => Version::HTTP_2,
            [4] => Version::HTTP_3,
            _ => Version::HTTP_11,
        };
        let request_time = from_millis(u64::from_le_bytes(r.array()?));
        let response_time = from_millis(u64::from_le_bytes(r.array()?));
        let key = String::from_utf8(r.bytes()?.to_vec()).ok()?;
        let count = r.len()?;
        let mut headers = HeaderMap::with_capacity(count.min(256));
        for _ in 0..count {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = HeaderValue::from_bytes(r.bytes()?).ok()?;
            headers.append(name, value);
        }
        let count = r.len()?;
        let mut vary = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let name = HeaderName::from_bytes(r.bytes()?).ok()?;
            let value = match r.array::<1>()? {
                [0] => None,
                [1] => Some(r.bytes()?.to_vec()),
                _ => return None,
            };
            vary.push((name, value));
        }
        r.0.is_empty().then_some(Self {
            key,
            status,
            version,
            request_time,
            response_time,
            headers,
            vary,
        })
    }
}

/// The fixed header of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EntryHeader {
    pub(crate) meta_len: u32,
    pub(crate) body_len: u64,
    pub(crate) body_sum: u64,
    pub(crate) meta_sum: u64,
}

impl EntryHeader {
    pub(crate) fn encode(&self) -> [u8; 36] {
        let mut out = [0u8; 36];
        let fields: [&[u8]; 6] = [
            MAGIC,
            &[FORMAT, 0, 0, 0],
            &self.meta_len.to_le_bytes(),
            &self.body_len.to_le_bytes(),
            &self.body_sum.to_le_bytes(),
            &self.meta_sum.to_le_bytes(),
        ];
        let mut at = out.iter_mut();
        for byte in fields.iter().flat_map(|f| f.iter()) {
            if let Some(slot) = at.next() {
                *slot = *byte;
            }
        }
        out
    }

    pub(crate) fn decode(data: &[u8]) -> Option<Self> {
        let mut r = Reader(data);
        if &r.array::<4>()? != MAGIC || r.array::<4>()? != [FORMAT, 0, 0, 0] {
            return None;
        }
        Some(Self {
            meta_len: u32::from_le_bytes(r.array()?),
            body_len: u64::from_le_bytes(r.array()?),
            body_sum: u64::from_le_bytes(r.array()?),
            meta_sum: u64::from_le_bytes(r.array()?),
        })
    }

    /// The whole entry's size in bytes.
    pub(crate) fn entry_len(&self) -> u64 {
        HEADER_LEN
            .saturating_add(u64::from(self.meta_len))
            .saturating_add(self.body_len)
    }
}

/// A fast streaming 64-bit checksum, used to detect damaged entry files: Fletcher-style
/// running sums over 8-byte words in four independent lanes (so it runs near memory speed),
/// folded with the length through a multiply-rotate mix at the end. Any single changed word,
/// reordered words and a changed length alter the result. It is not cryptographic; it only has
/// to notice torn or damaged bytes, and it must cost far less than reading the body.
#[derive(Clone, Debug)]
pub(crate) struct Checksum {
    sums: [u64; 4],
    sums_of_sums: [u64; 4],
    pending: Vec<u8>,
    total: u64,
}

const PRIME_1: u64 = 0x9E37_79B1_85EB_CA87;
const PRIME_2: u64 = 0xC2B2_AE3D_27D4_EB4F;

impl Default for Checksum {
    fn default() -> Self {
        Self {
            sums: [PRIME_1, PRIME_2, !PRIME_1, !PRIME_2],
            sums_of_sums: [0; 4],
            pending: Vec::with_capacity(32),
            total: 0,
        }
    }
}

impl Checksum {
    pub(crate) fn of(data: &[u8]) -> u64 {
        let mut sum = Self::default();
        sum.update(data);
        sum.finish()
    }

    pub(crate) fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if !self.pending.is_empty() {
            let take = (32 - self.pending.len()).min(data.len());
            let (head, rest) = data.split_at(take);
            self.pending.extend_from_slice(head);
            data = rest;
            if self.pending.len() < 32 {
                return;
            }
            let block = std::mem::take(&mut self.pending);
            self.block(&block);
            self.pending = block;
            self.pending.clear();
        }
        let mut blocks = data.chunks_exact(32);
        for block in &mut blocks {
            self.block(block);
        }
        self.pending.extend_from_slice(blocks.remainder());
    }

    #[inline]
    fn block(&mut self, block: &[u8]) {
        let lanes = self.sums.iter_mut().zip(self.sums_of_sums.iter_mut());
        for ((sum, sum_of_sums), word) in lanes.zip(block.chunks_exact(8)) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            *sum = sum.wrapping_add(word);
            *sum_of_sums = sum_of_sums.wrapping_add(*sum);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        let mut hash = self.total.wrapping_mul(PRIME_2);
        for lane in self.sums.iter().chain(&self.sums_of_sums) {
            hash = (hash ^ lane).wrapping_mul(PRIME_1).rotate_left(31);
        }
        for byte in &self.pending {
            hash = (hash ^ u64::from(*byte))
                .wrapping_mul(PRIME_2)
                .rotate_left(11);
        }
        hash ^= hash >> 33;
        hash = hash.wrapping_mul(PRIME_2);
        hash ^ (hash >> 29)
    }
}

/// FNV-1a of the key: the entry's file name.
pub(crate) fn key_hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn from_millis(millis: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(millis))
        .unwrap_or(UNIX_EPOCH)
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn len(&mut self) -> Option<usize> {
        usize::try_from(u32::from_le_bytes(self.array()?)).ok()
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let len = self.len()?;
        self.take(len)
    }
}
