//! Chromium's NetLog numbering, read from the vendored `chromium-constants.json`.
//!
//! The file holds the static tables of the `constants` object of a log written by a real
//! Chromium (see `record-constants.sh`). It is parsed once, at first use; the typed names
//! below ([`EventType`], [`SourceType`], [`Phase`]) get their numbers from it, so the numbers
//! in our logs are always the ones of the vendored Chromium.

use std::fmt;
use std::sync::OnceLock;

use super::params::push_json_string;

/// The vendored tables: every member of Chromium's `constants` that maps names to numbers.
const VENDORED: &str = include_str!("chromium-constants.json");

/// One vendored table: its key in `constants`, its entries and their compact JSON.
#[derive(Debug)]
struct Table {
    key: String,
    entries: Vec<(String, i64)>,
    json: String,
}

/// The parsed vendored tables, in the file's (sorted) order.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    tables: Vec<Table>,
}

impl Tables {
    /// The tables, parsed at first use. If the vendored file cannot be parsed (the unit
    /// tests rule that out) the tables are empty: every lookup fails and no event is written.
    pub(crate) fn get() -> &'static Self {
        static TABLES: OnceLock<Tables> = OnceLock::new();
        TABLES.get_or_init(|| match parse_tables(VENDORED) {
            Ok(tables) => tables,
            Err(error) => {
                tracing::warn!(%error, "the vendored Chromium NetLog constants do not parse");
                Self::default()
            }
        })
    }

    /// The number of `name` in the table `key` (`logEventTypes`, `logSourceType`, ...).
    pub(crate) fn lookup(&self, key: &str, name: &str) -> Option<i64> {
        self.entries(key)?
            .iter()
            .find(|(entry, _)| entry == name)
            .map(|&(_, value)| value)
    }

    /// Chromium's name of a net error code (`net::ERR_ACCESS_DENIED` for -10), from the
    /// vendored `netError` table (every code Chromium 156 knows); `net::OK` for 0 and
    /// `net::ERR_<unknown>` for a code it does not know, as `net::ErrorToString` prints them.
    pub(crate) fn net_error_name(code: i32) -> &'static str {
        static NAMES: OnceLock<Vec<(i64, String)>> = OnceLock::new();
        if code == 0 {
            return "net::OK";
        }
        let names = NAMES.get_or_init(|| {
            Self::get()
                .entries("netError")
                .unwrap_or_default()
                .iter()
                .map(|(name, value)| (*value, format!("net::{name}")))
                .collect()
        });
        names
            .iter()
            .find(|(value, _)| *value == i64::from(code))
            .map_or("net::ERR_<unknown>", |(_, name)| name.as_str())
    }

    /// The entries of the table `key`.
    pub(crate) fn entries(&self, key: &str) -> Option<&[(String, i64)]> {
        self.tables
            .iter()
            .find(|table| table.key == key)
            .map(|table| table.entries.as_slice())
    }

    /// `(key, compact JSON object)` for every table, for the `constants` line.
    pub(crate) fn json_members(&self) -> impl Iterator<Item = (&str, &str)> {
        self.tables
            .iter()
            .map(|table| (table.key.as_str(), table.json.as_str()))
    }
}

/// Parses `{"key": {"NAME": integer, ...}, ...}` (the only shape the vendored file has).
fn parse_tables(text: &str) -> Result<Tables, String> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let members = cursor.object(|cursor| cursor.object(Cursor::integer))?;
    cursor.skip_whitespace();
    if cursor.peek().is_some() {
        return Err(cursor.error("trailing data"));
    }
    let tables = members
        .into_iter()
        .map(|(key, entries)| {
            let mut json = String::with_capacity(entries.len() * 24);
            json.push('{');
            for (index, (name, value)) in entries.iter().enumerate() {
                if index > 0 {
                    json.push(',');
                }
                push_json_string(&mut json, name);
                json.push(':');
                json.push_str(&value.to_string());
            }
            json.push('}');
            Table { key, entries, json }
        })
        .collect();
    Ok(Tables { tables })
}

/// A minimal JSON reader for the vendored file: objects, plain strings, integers.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.pos)
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {:?}", char::from(byte))))
        }
    }

    /// `{ "name": value, ... }`, with `value` read by `read_value`.
    fn object<T>(
        &mut self,
        mut read_value: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<(String, T)>, String> {
        self.expect(b'{')?;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(members);
        }
        loop {
            let name = self.string()?;
            self.expect(b':')?;
            let value = read_value(self)?;
            members.push((name, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(members);
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    /// A string without escapes (Chromium's constant names are plain ASCII).
    fn string(&mut self) -> Result<String, String> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => return Err(self.error("unsupported string escape")),
                Some(_) => self.pos += 1,
                None => return Err(self.error("unterminated string")),
            }
        }
        let text = self
            .bytes
            .get(start..self.pos)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .ok_or_else(|| self.error("invalid string"))?;
        self.pos += 1;
        Ok(text.to_owned())
    }

    fn integer(&mut self) -> Result<i64, String> {
        self.skip_whitespace();
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        self.bytes
            .get(start..self.pos)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .and_then(|digits| digits.parse().ok())
            .ok_or_else(|| self.error("expected an integer"))
    }
}

/// Declares an enum of Chromium names whose numbers are looked up in a vendored table.
macro_rules! chromium_names {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $table:literal {
            $( $(#[$variant_meta:meta])* $variant:ident = $chromium:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The `constants` table the numbers come from.
            pub const TABLE: &'static str = $table;

            /// Chromium's name, the key in the `constants` table.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $chromium,)+
                }
            }

            /// Chromium's number, from the vendored table (looked up once, at first use).
            ///
            /// `None` only if the vendored table lacks the name; the unit tests check that
            /// every name exists.
            pub fn id(self) -> Option<i64> {
                static IDS: OnceLock<Vec<Option<i64>>> = OnceLock::new();
                let ids = IDS.get_or_init(|| {
                    let tables = Tables::get();
                    Self::ALL
                        .iter()
                        .map(|value| tables.lookup($table, value.name()))
                        .collect()
                });
                ids.get(self as usize).copied().flatten()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

chromium_names! {
    /// The NetLog event types netsession writes (Chromium's `NetLogEventType`).
    pub enum EventType in "logEventTypes" {
        /// `CANCELLED`: the operation was cancelled.
        Cancelled = "CANCELLED",
        /// `FAILED`: something failed (`params.net_error`).
        Failed = "FAILED",
        /// `REQUEST_ALIVE`: the lifetime of a request (BEGIN/END on its `URL_REQUEST`).
        RequestAlive = "REQUEST_ALIVE",
        /// `URL_REQUEST_START_JOB`: a job starts (`method`, `url`, `load_flags`, ...).
        UrlRequestStartJob = "URL_REQUEST_START_JOB",
        /// `URL_REQUEST_REDIRECTED`: the request follows a redirect (`location`).
        UrlRequestRedirected = "URL_REQUEST_REDIRECTED",
        /// `URL_REQUEST_DELEGATE_RESPONSE_STARTED`: the response reaches the caller.
        UrlRequestDelegateResponseStarted = "URL_REQUEST_DELEGATE_RESPONSE_STARTED",
        /// `URL_REQUEST_JOB_BYTES_READ`: body bytes read before content decoding.
        UrlRequestJobBytesRead = "URL_REQUEST_JOB_BYTES_READ",
        /// `URL_REQUEST_JOB_FILTERED_BYTES_READ`: body bytes after content decoding.
        UrlRequestJobFilteredBytesRead = "URL_REQUEST_JOB_FILTERED_BYTES_READ",
        /// `PROXY_RESOLUTION_SERVICE`: resolving the proxy list for a URL.
        ProxyResolutionService = "PROXY_RESOLUTION_SERVICE",
        /// `PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST`: the list (`proxy_info`).
        ProxyResolutionServiceResolvedProxyList = "PROXY_RESOLUTION_SERVICE_RESOLVED_PROXY_LIST",
        /// `PAC_FILE_DECIDER`: fetching and choosing the PAC script.
        PacFileDecider = "PAC_FILE_DECIDER",
        /// `PAC_JAVASCRIPT_ALERT`: a PAC script called `alert()` (`message`).
        PacJavascriptAlert = "PAC_JAVASCRIPT_ALERT",
        /// `PAC_JAVASCRIPT_ERROR`: a PAC script threw (`line_number`, `message`).
        PacJavascriptError = "PAC_JAVASCRIPT_ERROR",
        /// `HOST_RESOLVER_MANAGER_REQUEST`: a request's host resolution (on the request).
        HostResolverManagerRequest = "HOST_RESOLVER_MANAGER_REQUEST",
        /// `HOST_RESOLVER_MANAGER_CACHE_HIT`: the host cache answered.
        HostResolverManagerCacheHit = "HOST_RESOLVER_MANAGER_CACHE_HIT",
        /// `HOST_RESOLVER_MANAGER_JOB`: a resolution job (on `HOST_RESOLVER_IMPL_JOB`).
        HostResolverManagerJob = "HOST_RESOLVER_MANAGER_JOB",
        /// `SOCKET_ALIVE`: the lifetime of a socket.
        SocketAlive = "SOCKET_ALIVE",
        /// `TCP_CONNECT`: connecting a TCP socket (`address_list`).
        TcpConnect = "TCP_CONNECT",
        /// `TCP_CONNECT_ATTEMPT`: one address tried (`address`).
        TcpConnectAttempt = "TCP_CONNECT_ATTEMPT",
        /// `SSL_CONNECT`: the TLS handshake.
        SslConnect = "SSL_CONNECT",
        /// `SOCKET_BYTES_SENT`: bytes written (`byte_count`, `bytes` in Everything mode).
        SocketBytesSent = "SOCKET_BYTES_SENT",
        /// `SOCKET_BYTES_RECEIVED`: bytes read (`byte_count`, `bytes` in Everything mode).
        SocketBytesReceived = "SOCKET_BYTES_RECEIVED",
        /// `CERT_VERIFIER_REQUEST`: a request waits for a verification.
        CertVerifierRequest = "CERT_VERIFIER_REQUEST",
        /// `CERT_VERIFIER_JOB`: a certificate verification (on `CERT_VERIFIER_JOB`).
        CertVerifierJob = "CERT_VERIFIER_JOB",
        /// `HTTP_TRANSACTION_SEND_REQUEST`: sending the request.
        HttpTransactionSendRequest = "HTTP_TRANSACTION_SEND_REQUEST",
        /// `HTTP_TRANSACTION_SEND_REQUEST_HEADERS`: the request headers (`line`, `headers`).
        HttpTransactionSendRequestHeaders = "HTTP_TRANSACTION_SEND_REQUEST_HEADERS",
        /// `HTTP_TRANSACTION_SEND_REQUEST_BODY`: the request body.
        HttpTransactionSendRequestBody = "HTTP_TRANSACTION_SEND_REQUEST_BODY",
        /// `HTTP_TRANSACTION_READ_HEADERS`: waiting for the response headers.
        HttpTransactionReadHeaders = "HTTP_TRANSACTION_READ_HEADERS",
        /// `HTTP_TRANSACTION_READ_RESPONSE_HEADERS`: the response headers (`headers`).
        HttpTransactionReadResponseHeaders = "HTTP_TRANSACTION_READ_RESPONSE_HEADERS",
        /// `HTTP_TRANSACTION_READ_BODY`: reading the response body.
        HttpTransactionReadBody = "HTTP_TRANSACTION_READ_BODY",
        /// `HTTP_CACHE_GET_BACKEND`: opening the cache.
        HttpCacheGetBackend = "HTTP_CACHE_GET_BACKEND",
        /// `HTTP_CACHE_OPEN_OR_CREATE_ENTRY`: finding or creating the entry (`result`).
        HttpCacheOpenOrCreateEntry = "HTTP_CACHE_OPEN_OR_CREATE_ENTRY",
        /// `HTTP_CACHE_OPEN_ENTRY`: opening an existing entry.
        HttpCacheOpenEntry = "HTTP_CACHE_OPEN_ENTRY",
        /// `HTTP_CACHE_CREATE_ENTRY`: creating an entry.
        HttpCacheCreateEntry = "HTTP_CACHE_CREATE_ENTRY",
        /// `HTTP_CACHE_DOOM_ENTRY`: removing an entry.
        HttpCacheDoomEntry = "HTTP_CACHE_DOOM_ENTRY",
        /// `HTTP_CACHE_READ_INFO`: reading the stored response headers.
        HttpCacheReadInfo = "HTTP_CACHE_READ_INFO",
        /// `HTTP_CACHE_WRITE_INFO`: storing the response headers.
        HttpCacheWriteInfo = "HTTP_CACHE_WRITE_INFO",
        /// `HTTP_CACHE_READ_DATA`: reading a stored body.
        HttpCacheReadData = "HTTP_CACHE_READ_DATA",
        /// `HTTP_CACHE_WRITE_DATA`: storing a body.
        HttpCacheWriteData = "HTTP_CACHE_WRITE_DATA",
        /// `DISK_CACHE_ENTRY_IMPL`: the lifetime of a cache entry (on `DISK_CACHE_ENTRY`).
        DiskCacheEntryImpl = "DISK_CACHE_ENTRY_IMPL",
        /// `ENTRY_READ_DATA`: a read from a cache entry.
        EntryReadData = "ENTRY_READ_DATA",
        /// `ENTRY_WRITE_DATA`: a write to a cache entry.
        EntryWriteData = "ENTRY_WRITE_DATA",
        /// `COOKIE_STORE_ALIVE`: the lifetime of a cookie store (on `COOKIE_STORE`).
        CookieStoreAlive = "COOKIE_STORE_ALIVE",
        /// `COOKIE_STORE_COOKIE_ADDED`: a cookie was stored.
        CookieStoreCookieAdded = "COOKIE_STORE_COOKIE_ADDED",
        /// `COOKIE_STORE_COOKIE_DELETED`: a cookie was removed.
        CookieStoreCookieDeleted = "COOKIE_STORE_COOKIE_DELETED",
        /// `COOKIE_INCLUSION_STATUS`: why a cookie was sent, stored or not (on the request).
        CookieInclusionStatus = "COOKIE_INCLUSION_STATUS",
    }
}

chromium_names! {
    /// The NetLog source types netsession writes (Chromium's `NetLogSourceType`).
    pub enum SourceType in "logSourceType" {
        /// `NONE`: events not tied to a source.
        None = "NONE",
        /// `URL_REQUEST`: a request (each hop of a fetch, with its redirects).
        UrlRequest = "URL_REQUEST",
        /// `PAC_FILE_DECIDER`: the PAC script fetch and choice.
        PacFileDecider = "PAC_FILE_DECIDER",
        /// `SOCKET`: a connection.
        Socket = "SOCKET",
        /// `HOST_RESOLVER_IMPL_JOB`: a host resolution job.
        HostResolverImplJob = "HOST_RESOLVER_IMPL_JOB",
        /// `DISK_CACHE_ENTRY`: an HTTP cache entry.
        DiskCacheEntry = "DISK_CACHE_ENTRY",
        /// `CERT_VERIFIER_JOB`: a certificate verification.
        CertVerifierJob = "CERT_VERIFIER_JOB",
        /// `COOKIE_STORE`: a session's cookie store.
        CookieStore = "COOKIE_STORE",
    }
}

chromium_names! {
    /// The phase of an event: a point event, or the begin or end of an interval.
    pub enum Phase in "logEventPhase" {
        /// `PHASE_NONE`: a point event.
        None = "PHASE_NONE",
        /// `PHASE_BEGIN`: the start of an interval.
        Begin = "PHASE_BEGIN",
        /// `PHASE_END`: the end of an interval.
        End = "PHASE_END",
    }
}
