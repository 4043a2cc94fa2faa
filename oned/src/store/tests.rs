use super::*;

fn opts(dir: &tempfile::TempDir) -> StoreOptions {
    StoreOptions { path: dir.path().join("one.db"), timeout_ms: 1000, sync_full: true, max_batch_ops: 100 }
}

fn put(oid: i32, body: &str) -> DbOp {
    DbOp::Put { kind: ObjectKind::Vm, oid, name: format!("vm{oid}"), body: body.to_string() }
}

#[test]
fn new_database_is_fresh_and_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (_s, snap) = Store::open(&opts(&dir)).unwrap();
    assert!(snap.fresh);
    assert!(snap.objects.is_empty());
    assert!(snap.counters.is_empty());
}

#[test]
fn committed_rows_and_counters_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (s, _) = Store::open(&opts(&dir)).unwrap();
        s.submit(vec![put(0, "{a}"), put(1, "{b}"), DbOp::Counter { kind: ObjectKind::Vm, last_oid: 1 }])
            .wait_blocking()
            .unwrap();
        s.submit(vec![DbOp::Delete { kind: ObjectKind::Vm, oid: 0 }, put(1, "{b2}")]).wait_blocking().unwrap();
        s.submit(vec![DbOp::PutLease { vnet: 3, ar: 0, index: 7, owner: "68719476741".into() }])
            .wait_blocking()
            .unwrap();
    }
    let (_s, snap) = Store::open(&opts(&dir)).unwrap();
    assert!(!snap.fresh);
    assert_eq!(snap.objects, vec![(ObjectKind::Vm, 1, "{b2}".to_string())]);
    assert_eq!(snap.counters, vec![(ObjectKind::Vm, 1)]);
    assert_eq!(snap.leases, vec![(3, 0, 7, "68719476741".to_string())]);
}

#[test]
fn counters_never_go_down() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Store::open(&opts(&dir)).unwrap();
    s.submit(vec![DbOp::Counter { kind: ObjectKind::Host, last_oid: 9 }]).wait_blocking().unwrap();
    s.submit(vec![DbOp::Counter { kind: ObjectKind::Host, last_oid: 4 }]).wait_blocking().unwrap();
    drop(s);
    let (_s, snap) = Store::open(&opts(&dir)).unwrap();
    assert_eq!(snap.counters, vec![(ObjectKind::Host, 9)]);
}

#[test]
fn lease_range_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Store::open(&opts(&dir)).unwrap();
    let lease = |vnet, ar, index| DbOp::PutLease { vnet, ar, index, owner: "1".into() };
    s.submit(vec![lease(1, 0, 0), lease(1, 1, 0), lease(2, 0, 0)]).wait_blocking().unwrap();
    s.submit(vec![DbOp::DeleteLeases { vnet: 1, ar: Some(1) }]).wait_blocking().unwrap();
    drop(s);
    let (s, snap) = Store::open(&opts(&dir)).unwrap();
    assert_eq!(snap.leases.len(), 2);
    s.submit(vec![DbOp::DeleteLeases { vnet: 1, ar: None }]).wait_blocking().unwrap();
    drop(s);
    let (_s, snap) = Store::open(&opts(&dir)).unwrap();
    assert_eq!(snap.leases, vec![(2, 0, 0, "1".to_string())]);
}

#[test]
fn many_concurrent_submissions_are_all_committed() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _) = Store::open(&opts(&dir)).unwrap();
    let s = std::sync::Arc::new(s);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..50 {
                    s.submit(vec![put(t * 1000 + i, "{}")]).wait_blocking().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    drop(s);
    let (_s, snap) = Store::open(&opts(&dir)).unwrap();
    assert_eq!(snap.objects.len(), 400);
}

#[test]
fn schema_version_is_recorded_and_newer_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(&dir);
    drop(Store::open(&o).unwrap());
    let conn = rusqlite::Connection::open(&o.path).unwrap();
    assert_eq!(schema::current_version(&conn).unwrap(), schema::latest());
    conn.execute("INSERT INTO schema_version (version, applied_at, description) VALUES (999, 0, 'future')", [])
        .unwrap();
    drop(conn);
    match Store::open(&o) {
        Err(StoreError::TooNew { found: 999, .. }) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

#[test]
fn reopening_does_not_reapply_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let o = opts(&dir);
    drop(Store::open(&o).unwrap());
    drop(Store::open(&o).unwrap());
    let conn = rusqlite::Connection::open(&o.path).unwrap();
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM schema_version", [], |r| r.get(0)).unwrap();
    assert_eq!(n, schema::latest());
}

#[test]
fn a_ticket_after_close_reports_the_writer_gone() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _) = Store::open(&opts(&dir)).unwrap();
    s.close();
    assert!(matches!(s.submit(vec![put(1, "{}")]).wait_blocking(), Err(StoreError::WriterGone)));
}
