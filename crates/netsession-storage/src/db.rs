//! The SQLite database of a persistent partition: opening, locking, schema migrations.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use crate::Error;

/// The file name of a partition's database inside its directory.
pub(crate) const DB_FILE: &str = "netsession.sqlite";

/// The schema version this build writes; `PRAGMA user_version` holds it in the file.
pub(crate) const SCHEMA_VERSION: i64 = 1;

/// The migrations, in order: entry `n` takes a database from version `n` to `n + 1`. A new
/// schema appends an entry; existing entries never change, because databases in the field
/// were built by them.
const MIGRATIONS: &[&str] = &[
    // 0 -> 1: DOM storage and cookies.
    "CREATE TABLE dom_storage (
         origin TEXT NOT NULL,
         key TEXT NOT NULL,
         value TEXT NOT NULL,
         PRIMARY KEY (origin, key)
     ) WITHOUT ROWID;
     CREATE TABLE cookies (
         domain TEXT NOT NULL,
         name TEXT NOT NULL,
         path TEXT NOT NULL,
         value TEXT NOT NULL,
         host_only INTEGER NOT NULL,
         creation_utc INTEGER NOT NULL,
         expires_utc INTEGER,
         last_access_utc INTEGER NOT NULL,
         secure INTEGER NOT NULL,
         http_only INTEGER NOT NULL,
         same_site INTEGER NOT NULL,
         source_secure INTEGER NOT NULL,
         PRIMARY KEY (domain, name, path)
     ) WITHOUT ROWID;",
];

/// Opens (creating if needed) the database at `path`, takes the partition's lock, and brings
/// the schema up to [`SCHEMA_VERSION`].
pub(crate) fn open(path: &Path, busy_timeout: Duration) -> Result<Connection, Error> {
    let err = |e| Error::sqlite(path, e);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    conn.busy_timeout(busy_timeout).map_err(err)?;
    // One process owns a partition at a time, as Chromium's profile lock ensures: in
    // exclusive locking mode the connection keeps its file lock until it closes, and WAL
    // needs no shared-memory file. The operating system drops the lock when the process
    // dies, however it dies.
    let _: String = conn
        .query_row("PRAGMA locking_mode = EXCLUSIVE", [], |row| row.get(0))
        .map_err(err)?;
    let _: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .map_err(err)?;
    // FULL: a committed transaction is on disk when COMMIT returns, which is what
    // `flush_storage_data` and `flush_store` promise. Writes are batched, so the fsync is rare.
    conn.execute_batch("PRAGMA synchronous = FULL")
        .map_err(err)?;
    migrate(&conn, path)?;
    Ok(conn)
}

fn migrate(conn: &Connection, path: &Path) -> Result<(), Error> {
    let err = |e| Error::sqlite(path, e);
    conn.execute_batch("BEGIN IMMEDIATE").map_err(err)?;
    let result = (|| {
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .map_err(err)?;
        if found > SCHEMA_VERSION {
            return Err(Error::NewerVersion {
                path: path.to_path_buf(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let done = usize::try_from(found).map_err(|_| Error::Corrupt {
            path: path.to_path_buf(),
            source: None,
        })?;
        for migration in MIGRATIONS.iter().skip(done) {
            conn.execute_batch(migration).map_err(err)?;
        }
        conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}"))
            .map_err(err)?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(err),
        Err(e) => {
            // The transaction changed nothing that must survive; a failed rollback leaves
            // the file as it was on disk.
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// Runs SQLite's full integrity check.
pub(crate) fn integrity_check(conn: &Connection, path: &Path) -> Result<(), Error> {
    let mut stmt = conn
        .prepare("PRAGMA integrity_check")
        .map_err(|e| Error::sqlite(path, e))?;
    let rows: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .map_err(|e| Error::sqlite(path, e))?
        .collect::<Result<_, _>>()
        .map_err(|e| Error::sqlite(path, e))?;
    if rows.len() == 1 && rows.first().is_some_and(|r| r == "ok") {
        Ok(())
    } else {
        Err(Error::Corrupt {
            path: path.to_path_buf(),
            source: None,
        })
    }
}
