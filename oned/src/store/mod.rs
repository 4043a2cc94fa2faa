//! The durable store: SQLite (WAL) behind one writer thread that commits in groups.
//!
//! - [`Store::open`] opens or creates the database, applies the schema migrations
//!   ([`schema`]) and returns every stored row so the pools can be rebuilt in memory.
//! - [`Store::submit`] queues the operations of one request and returns a [`Ticket`]; the
//!   writer drains everything queued, applies it in one transaction, commits (fsync with
//!   `synchronous = FULL`), and only then completes the tickets. The request manager replies to
//!   the client after its ticket completes, so an acknowledged change is on disk.
//!
//! Architecture invariant: only this module opens the database file, and only its writer thread
//! writes to it after start-up.

pub mod schema;

use crate::kind::ObjectKind;
use rusqlite::{Connection, OpenFlags, params};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// One change to persist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbOp {
    /// Insert or replace an object's row.
    Put { kind: ObjectKind, oid: i32, name: String, body: String },
    /// Delete an object's row.
    Delete { kind: ObjectKind, oid: i32 },
    /// The highest id handed out in a pool.
    Counter { kind: ObjectKind, last_oid: i32 },
    /// Insert or replace a lease (`owner` as stored by the vnet module).
    PutLease { vnet: i32, ar: i32, index: i64, owner: String },
    /// Free a lease.
    DeleteLease { vnet: i32, ar: i32, index: i64 },
    /// Delete all leases of an address range (or of a vnet when `ar` is None).
    DeleteLeases { vnet: i32, ar: Option<i32> },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {path}: {source}")]
    Sqlite { path: PathBuf, source: rusqlite::Error },
    #[error("database {path} has schema version {found}, newer than this oned understands ({known})")]
    TooNew { path: PathBuf, found: i64, known: i64 },
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("commit failed: {0}")]
    Commit(String),
}

/// Settings from oned.conf's `DB` attribute.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub path: PathBuf,
    /// `busy_timeout` in milliseconds.
    pub timeout_ms: u64,
    /// `synchronous = FULL` when true (durable against power loss), `NORMAL` otherwise
    /// (durable against process crashes only).
    pub sync_full: bool,
    /// Upper bound of operations in one transaction.
    pub max_batch_ops: usize,
}

/// Everything read back at start-up.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// `(kind, oid, body)` for every object row.
    pub objects: Vec<(ObjectKind, i32, String)>,
    /// `(kind, last_oid)` counters.
    pub counters: Vec<(ObjectKind, i32)>,
    /// `(vnet, ar, index, owner)` leases.
    pub leases: Vec<(i32, i32, i64, String)>,
    /// True if the database was created just now.
    pub fresh: bool,
}

struct Batch {
    ops: Vec<DbOp>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// A queued change; await it to know it is durable.
pub struct Ticket(tokio::sync::oneshot::Receiver<Result<(), String>>);

impl Ticket {
    pub async fn wait(self) -> Result<(), StoreError> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Commit(e)),
            Err(_) => Err(StoreError::WriterGone),
        }
    }

    /// Blocking wait, for code outside the async runtime (bootstrap, tests).
    pub fn wait_blocking(self) -> Result<(), StoreError> {
        match self.0.blocking_recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(StoreError::Commit(e)),
            Err(_) => Err(StoreError::WriterGone),
        }
    }
}

/// Handle to the writer thread.
pub struct Store {
    tx: Option<mpsc::Sender<Batch>>,
    writer: Option<thread::JoinHandle<()>>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database, migrates it and reads every row.
    pub fn open(opts: &StoreOptions) -> Result<(Store, Snapshot), StoreError> {
        let err = |source| StoreError::Sqlite { path: opts.path.clone(), source };
        let fresh = !opts.path.exists();
        let mut conn = Connection::open_with_flags(
            &opts.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(err)?;
        conn.busy_timeout(Duration::from_millis(opts.timeout_ms)).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(err)?;
        conn.pragma_update(None, "synchronous", if opts.sync_full { "FULL" } else { "NORMAL" }).map_err(err)?;
        schema::migrate(&mut conn, &opts.path)?;
        let mut snap = read_all(&conn).map_err(err)?;
        snap.fresh = fresh;

        let (tx, rx) = mpsc::channel::<Batch>();
        let path = opts.path.clone();
        let max = opts.max_batch_ops.max(1);
        let writer = thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || writer_loop(conn, rx, max, path))
            .map_err(|e| StoreError::Commit(format!("cannot start the writer thread: {e}")))?;
        Ok((Store { tx: Some(tx), writer: Some(writer), path: opts.path.clone() }, snap))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Queues `ops` to be committed; never blocks.
    pub fn submit(&self, ops: Vec<DbOp>) -> Ticket {
        let (done, rx) = tokio::sync::oneshot::channel();
        if let Some(tx) = &self.tx {
            // If the writer is gone the ticket resolves to WriterGone.
            let _ = tx.send(Batch { ops, done });
        }
        Ticket(rx)
    }

    /// Stops the writer after it has committed everything queued.
    pub fn close(&mut self) {
        self.tx.take();
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

fn read_all(conn: &Connection) -> rusqlite::Result<Snapshot> {
    let mut snap = Snapshot::default();
    for kind in ObjectKind::ALL {
        let mut stmt = conn.prepare(&format!("SELECT oid, body FROM {} ORDER BY oid", kind.table()))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i32>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (oid, body) = row?;
            snap.objects.push((kind, oid, body));
        }
    }
    let mut stmt = conn.prepare("SELECT pool, last_oid FROM pool_control")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i32>(1)?)))?;
    for row in rows {
        let (table, last) = row?;
        if let Some(kind) = ObjectKind::from_table(&table) {
            snap.counters.push((kind, last));
        }
    }
    let mut stmt = conn.prepare("SELECT vnet, ar, idx, owner FROM leases ORDER BY vnet, ar, idx")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    for row in rows {
        snap.leases.push(row?);
    }
    Ok(snap)
}

fn writer_loop(mut conn: Connection, rx: mpsc::Receiver<Batch>, max_ops: usize, path: PathBuf) {
    while let Ok(first) = rx.recv() {
        let mut batches = vec![first];
        let mut n_ops = batches[0].ops.len();
        while n_ops < max_ops {
            match rx.try_recv() {
                Ok(b) => {
                    n_ops += b.ops.len();
                    batches.push(b);
                }
                Err(_) => break,
            }
        }
        let result = commit(&mut conn, &batches).map_err(|e| e.to_string());
        match &result {
            Ok(()) => tracing::trace!(batches = batches.len(), ops = n_ops, "group commit"),
            Err(e) => tracing::error!(path = %path.display(), "group commit of {} requests failed: {e}", batches.len()),
        }
        let failed = result.is_err();
        for b in batches {
            let _ = b.done.send(result.clone());
        }
        if failed {
            // Memory is now ahead of the disk: stop accepting work so nothing else is
            // acknowledged; oned shuts down and the next start reloads the durable state.
            tracing::error!("stopping the store writer after a failed commit");
            crate::shutdown::request_fatal("the database commit failed");
            // Fail every later request instead of committing on top of an unknown state.
            while let Ok(b) = rx.recv() {
                let _ = b.done.send(Err("the store is stopped after a failed commit".into()));
            }
            return;
        }
    }
}

fn commit(conn: &mut Connection, batches: &[Batch]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    for b in batches {
        for op in &b.ops {
            apply(&tx, op)?;
        }
    }
    tx.commit()
}

fn apply(tx: &rusqlite::Transaction, op: &DbOp) -> rusqlite::Result<()> {
    match op {
        DbOp::Put { kind, oid, name, body } => {
            let sql = put_sql(*kind);
            tx.prepare_cached(sql)?.execute(params![oid, name, body])?;
        }
        DbOp::Delete { kind, oid } => {
            let sql = delete_sql(*kind);
            tx.prepare_cached(sql)?.execute(params![oid])?;
        }
        DbOp::Counter { kind, last_oid } => {
            tx.prepare_cached("INSERT INTO pool_control (pool, last_oid) VALUES (?1, ?2) ON CONFLICT(pool) DO UPDATE SET last_oid = MAX(last_oid, excluded.last_oid)")?
                .execute(params![kind.table(), last_oid])?;
        }
        DbOp::PutLease { vnet, ar, index, owner } => {
            tx.prepare_cached("INSERT OR REPLACE INTO leases (vnet, ar, idx, owner) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![vnet, ar, index, owner])?;
        }
        DbOp::DeleteLease { vnet, ar, index } => {
            tx.prepare_cached("DELETE FROM leases WHERE vnet = ?1 AND ar = ?2 AND idx = ?3")?
                .execute(params![vnet, ar, index])?;
        }
        DbOp::DeleteLeases { vnet, ar: Some(ar) } => {
            tx.prepare_cached("DELETE FROM leases WHERE vnet = ?1 AND ar = ?2")?.execute(params![vnet, ar])?;
        }
        DbOp::DeleteLeases { vnet, ar: None } => {
            tx.prepare_cached("DELETE FROM leases WHERE vnet = ?1")?.execute(params![vnet])?;
        }
    }
    Ok(())
}

fn put_sql(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::User => "INSERT OR REPLACE INTO user_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Group => "INSERT OR REPLACE INTO group_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Host => "INSERT OR REPLACE INTO host_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Cluster => "INSERT OR REPLACE INTO cluster_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Datastore => "INSERT OR REPLACE INTO datastore_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Vnet => "INSERT OR REPLACE INTO network_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Template => "INSERT OR REPLACE INTO template_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Vm => "INSERT OR REPLACE INTO vm_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Image => "INSERT OR REPLACE INTO image_pool (oid, name, body) VALUES (?1, ?2, ?3)",
        ObjectKind::Acl => "INSERT OR REPLACE INTO acl_pool (oid, name, body) VALUES (?1, ?2, ?3)",
    }
}

fn delete_sql(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::User => "DELETE FROM user_pool WHERE oid = ?1",
        ObjectKind::Group => "DELETE FROM group_pool WHERE oid = ?1",
        ObjectKind::Host => "DELETE FROM host_pool WHERE oid = ?1",
        ObjectKind::Cluster => "DELETE FROM cluster_pool WHERE oid = ?1",
        ObjectKind::Datastore => "DELETE FROM datastore_pool WHERE oid = ?1",
        ObjectKind::Vnet => "DELETE FROM network_pool WHERE oid = ?1",
        ObjectKind::Template => "DELETE FROM template_pool WHERE oid = ?1",
        ObjectKind::Vm => "DELETE FROM vm_pool WHERE oid = ?1",
        ObjectKind::Image => "DELETE FROM image_pool WHERE oid = ?1",
        ObjectKind::Acl => "DELETE FROM acl_pool WHERE oid = ?1",
    }
}

#[cfg(test)]
mod tests;
