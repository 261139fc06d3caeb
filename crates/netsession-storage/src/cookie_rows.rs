//! The cookie table: rows as the cookie jar persists them.

use rusqlite::{Connection, params};

use crate::{Error, Storage};

/// A cookie as stored on disk. Times are microseconds since the Unix epoch.
///
/// The primary key is `(domain, name, path)`; `domain` keeps the leading dot of a domain
/// cookie, so a host-only and a domain cookie of the same name never collide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieRecord {
    /// `example.com` for a host-only cookie, `.example.com` for a domain cookie.
    pub domain: String,
    /// The name (may be empty).
    pub name: String,
    /// The path.
    pub path: String,
    /// The value.
    pub value: String,
    /// Whether the cookie had no `Domain` attribute.
    pub host_only: bool,
    /// Creation time.
    pub creation_micros: i64,
    /// Expiry time; `None` for a session cookie.
    pub expiry_micros: Option<i64>,
    /// Last access time.
    pub last_access_micros: i64,
    /// The `Secure` attribute.
    pub secure: bool,
    /// The `HttpOnly` attribute.
    pub http_only: bool,
    /// The jar's SameSite code (opaque to this crate).
    pub same_site: i64,
    /// Whether the cookie was set from a secure origin.
    pub source_secure: bool,
}

/// A change to the cookie table.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CookieOp {
    /// Inserts or replaces the row with the same `(domain, name, path)`.
    Put(CookieRecord),
    /// Deletes the row with this key, if any.
    Delete {
        /// The domain, with the leading dot of a domain cookie.
        domain: String,
        /// The name.
        name: String,
        /// The path.
        path: String,
    },
}

impl Storage {
    /// Every stored cookie. An in-memory partition has none.
    ///
    /// # Errors
    ///
    /// The database failed ([`Error::Corrupt`], [`Error::Sqlite`]).
    pub fn load_cookies(&self) -> Result<Vec<CookieRecord>, Error> {
        self.with_db(|conn| {
            let mut stmt = conn.prepare(
                "SELECT domain, name, path, value, host_only, creation_utc, expires_utc,
                        last_access_utc, secure, http_only, same_site, source_secure
                 FROM cookies",
            )?;
            let rows = stmt.query_map([], |row| {
                Ok(CookieRecord {
                    domain: row.get(0)?,
                    name: row.get(1)?,
                    path: row.get(2)?,
                    value: row.get(3)?,
                    host_only: row.get(4)?,
                    creation_micros: row.get(5)?,
                    expiry_micros: row.get(6)?,
                    last_access_micros: row.get(7)?,
                    secure: row.get(8)?,
                    http_only: row.get(9)?,
                    same_site: row.get(10)?,
                    source_secure: row.get(11)?,
                })
            })?;
            rows.collect()
        })
        .map(Option::unwrap_or_default)
    }

    /// Applies `ops` in one transaction: after it returns `Ok`, all of them are on disk, and
    /// after a crash either all or none are. A no-op for an in-memory partition.
    ///
    /// # Errors
    ///
    /// The database failed; nothing was applied.
    pub fn commit_cookies(&self, ops: &[CookieOp]) -> Result<(), Error> {
        if ops.is_empty() {
            return Ok(());
        }
        self.with_db(|conn| transaction(conn, |conn| apply(conn, ops)))
            .map(|_| ())
    }

    /// Deletes the stored cookies that expired at or before `now_micros`; returns how many.
    ///
    /// # Errors
    ///
    /// The database failed.
    pub fn purge_expired_cookies(&self, now_micros: i64) -> Result<usize, Error> {
        self.with_db(|conn| {
            conn.execute(
                "DELETE FROM cookies WHERE expires_utc IS NOT NULL AND expires_utc <= ?1",
                params![now_micros],
            )
        })
        .map(Option::unwrap_or_default)
    }
}

fn apply(conn: &Connection, ops: &[CookieOp]) -> rusqlite::Result<()> {
    let mut put = conn.prepare(
        "INSERT OR REPLACE INTO cookies (domain, name, path, value, host_only, creation_utc,
             expires_utc, last_access_utc, secure, http_only, same_site, source_secure)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?;
    let mut delete =
        conn.prepare("DELETE FROM cookies WHERE domain = ?1 AND name = ?2 AND path = ?3")?;
    for op in ops {
        match op {
            CookieOp::Put(c) => {
                put.execute(params![
                    c.domain,
                    c.name,
                    c.path,
                    c.value,
                    c.host_only,
                    c.creation_micros,
                    c.expiry_micros,
                    c.last_access_micros,
                    c.secure,
                    c.http_only,
                    c.same_site,
                    c.source_secure
                ])?;
            }
            CookieOp::Delete { domain, name, path } => {
                delete.execute(params![domain, name, path])?;
            }
        }
    }
    Ok(())
}

/// Runs `f` inside `BEGIN IMMEDIATE` … `COMMIT`, rolling back on failure.
pub(crate) fn transaction<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    conn.execute_batch("BEGIN IMMEDIATE")?;
    match f(conn) {
        Ok(value) => {
            conn.execute_batch("COMMIT")?;
            Ok(value)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}
