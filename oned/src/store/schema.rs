//! Schema versions and migrations.
//!
//! `schema_version` records every migration applied (version, time, description). A database
//! newer than this binary is refused rather than guessed at. Each migration runs in its own
//! transaction together with its `schema_version` row.

use super::StoreError;
use rusqlite::{Connection, params};
use std::path::Path;

/// `(version, description, SQL)`, in order. Append; never edit a released entry.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "initial schema: object pools, id counters, leases",
    "
    CREATE TABLE user_pool      (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE group_pool     (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE host_pool      (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE cluster_pool   (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE datastore_pool (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE network_pool   (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE template_pool  (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE vm_pool        (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE image_pool     (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE acl_pool       (oid INTEGER PRIMARY KEY, name TEXT NOT NULL, body TEXT NOT NULL);
    CREATE TABLE pool_control   (pool TEXT PRIMARY KEY, last_oid INTEGER NOT NULL);
    CREATE TABLE leases (
        vnet INTEGER NOT NULL, ar INTEGER NOT NULL, idx INTEGER NOT NULL, owner TEXT NOT NULL,
        PRIMARY KEY (vnet, ar, idx)
    ) WITHOUT ROWID;
    ",
)];

/// The newest schema version this binary knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

/// Brings the database to [`latest`], or refuses a newer one.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    let err = |source| StoreError::Sqlite { path: path.to_path_buf(), source };
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_version (
            version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL, description TEXT NOT NULL)",
    )
    .map_err(err)?;
    let current: i64 =
        conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0)).map_err(err)?;
    if current > latest() {
        return Err(StoreError::TooNew { path: path.to_path_buf(), found: current, known: latest() });
    }
    for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(sql).map_err(err)?;
        tx.execute(
            "INSERT INTO schema_version (version, applied_at, description) VALUES (?1, ?2, ?3)",
            params![version, crate::kind::now(), description],
        )
        .map_err(err)?;
        tx.commit().map_err(err)?;
        tracing::info!(version, "applied schema migration: {description}");
    }
    Ok(())
}

/// The schema version recorded in the database.
pub fn current_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(MAX(version), 0) FROM schema_version", [], |r| r.get(0))
}
