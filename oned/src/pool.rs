//! `Pool<T>`: the in-memory authority for one kind of object.
//!
//! Reads never touch the database: `info` and `pool.info` are served from here. Every change goes
//! through [`Pool::get_mut`], [`Pool::allocate`] or [`Pool::remove`], which record the object as
//! dirty; [`Pool::take_changes`] turns the dirty set into store operations at the end of each
//! request, while the caller still holds the cloud's write lock, so the store sees changes in
//! exactly the order they were made.
//!
//! Each entry caches its pool-listing XML, already escaped for an XML-RPC `<string>`, so that
//! `one.vmpool.info` over 50,000 VMs is a concatenation of cached pieces. `get_mut` drops the
//! cache.
//!
//! Architecture invariant: object ids come from `last_oid`, which only grows and is persisted with
//! the object that used it; ids are never reused, even after deletions.

use crate::objects::{NameKey, ObjectKind, PoolObject};
use crate::store::DbOp;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, OnceLock};

struct Entry<T> {
    obj: T,
    /// The pool-listing XML of `obj`, escaped for an XML-RPC string.
    cache: OnceLock<Arc<str>>,
}

pub struct Pool<T: PoolObject> {
    entries: BTreeMap<i32, Entry<T>>,
    /// The highest id ever handed out (-1: none yet).
    last_oid: i32,
    counter_dirty: bool,
    dirty: BTreeSet<i32>,
    /// name key → oid, for kinds whose names are unique.
    names: HashMap<NameKey, i32>,
    /// oid → its current name key, to move index entries when names or owners change.
    key_of: HashMap<i32, NameKey>,
}

impl<T: PoolObject> Default for Pool<T> {
    fn default() -> Self {
        Self::new(-1)
    }
}

impl<T: PoolObject> Pool<T> {
    /// An empty pool whose first id will be `last_oid + 1`.
    pub fn new(last_oid: i32) -> Self {
        Pool {
            entries: BTreeMap::new(),
            last_oid,
            counter_dirty: false,
            dirty: BTreeSet::new(),
            names: HashMap::new(),
            key_of: HashMap::new(),
        }
    }

    pub fn kind(&self) -> ObjectKind {
        T::KIND
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn last_oid(&self) -> i32 {
        self.last_oid
    }

    pub fn get(&self, oid: i32) -> Option<&T> {
        self.entries.get(&oid).map(|e| &e.obj)
    }

    pub fn contains(&self, oid: i32) -> bool {
        self.entries.contains_key(&oid)
    }

    /// Mutable access; the object is recorded as changed and its cached XML dropped.
    pub fn get_mut(&mut self, oid: i32) -> Option<&mut T> {
        let e = self.entries.get_mut(&oid)?;
        e.cache = OnceLock::new();
        self.dirty.insert(oid);
        Some(&mut e.obj)
    }

    /// Objects in id order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> {
        self.entries.values().map(|e| &e.obj)
    }

    /// Objects with id >= `start`, in id order.
    pub fn range_from(&self, start: i32) -> impl DoubleEndedIterator<Item = &T> {
        self.entries.range(start..).map(|(_, e)| &e.obj)
    }

    /// Objects with `lo <= id <= hi`, in id order (reversible).
    pub fn range(&self, lo: i32, hi: i32) -> impl DoubleEndedIterator<Item = &T> {
        let hi = hi.max(lo);
        self.entries.range(lo..=hi).map(|(_, e)| &e.obj)
    }

    /// Renders the missing cached pool XML of up to `max` objects with id >= `from`. Returns
    /// where to continue, or `None` when the end of the pool was reached.
    pub fn warm(&self, from: i32, max: usize) -> Option<i32> {
        let mut n = 0;
        for (&oid, e) in self.entries.range(from..) {
            if n >= max {
                return Some(oid);
            }
            if e.cache.get().is_none() {
                let _ = self.pool_xml_escaped(oid);
                n += 1;
            }
        }
        None
    }

    pub fn ids(&self) -> impl Iterator<Item = i32> + '_ {
        self.entries.keys().copied()
    }

    /// Marks every object dirty-free but drops all cached XML (after a change that shows in
    /// every object's XML, e.g. a cluster rename in hosts).
    pub fn invalidate_cache(&mut self, oid: i32) {
        if let Some(e) = self.entries.get_mut(&oid) {
            e.cache = OnceLock::new();
        }
    }

    /// The oid holding `name` in `scope` (-1 = pool-wide), for kinds with unique names.
    pub fn lookup_name(&self, scope: i32, name: &str) -> Option<i32> {
        // Avoid allocating for the lookup key in the common case.
        self.names.get(&(scope, name.to_string())).copied()
    }

    /// Gives the next id to a new object built by `make`, and inserts it.
    pub fn allocate(&mut self, make: impl FnOnce(i32) -> T) -> i32 {
        let oid = self.last_oid + 1;
        self.last_oid = oid;
        self.counter_dirty = true;
        self.insert(make(oid));
        oid
    }

    /// Inserts an object with a fixed id (bootstrap objects, loading from the store). Keeps
    /// `last_oid` at least as high as the id.
    pub fn insert(&mut self, obj: T) {
        let oid = obj.oid();
        if oid > self.last_oid {
            self.last_oid = oid;
            self.counter_dirty = true;
        }
        if let Some(key) = obj.name_key() {
            self.names.insert(key.clone(), oid);
            self.key_of.insert(oid, key);
        }
        self.entries.insert(oid, Entry { obj, cache: OnceLock::new() });
        self.dirty.insert(oid);
    }

    /// Inserts an object read from the store: not dirty.
    pub fn load(&mut self, obj: T) {
        let oid = obj.oid();
        self.insert(obj);
        self.dirty.remove(&oid);
    }

    /// Sets the counter read from the store (never lowers it).
    pub fn load_counter(&mut self, last_oid: i32) {
        if last_oid > self.last_oid {
            self.last_oid = last_oid;
        }
    }

    /// Clears the dirty marks after loading.
    pub fn mark_clean(&mut self) {
        self.dirty.clear();
        self.counter_dirty = false;
    }

    pub fn remove(&mut self, oid: i32) -> Option<T> {
        let e = self.entries.remove(&oid)?;
        if let Some(key) = self.key_of.remove(&oid) {
            self.names.remove(&key);
        }
        self.dirty.insert(oid);
        Some(e.obj)
    }

    /// The pool-listing XML of one object, escaped for an XML-RPC string (cached).
    pub fn pool_xml_escaped(&self, oid: i32) -> Option<Arc<str>> {
        let e = self.entries.get(&oid)?;
        Some(
            e.cache
                .get_or_init(|| {
                    let mut xml = String::with_capacity(1024);
                    e.obj.write_pool_xml(&mut xml);
                    let mut esc = String::with_capacity(xml.len() + xml.len() / 4);
                    libone::xmlrpc::escape_string(&xml, &mut esc);
                    Arc::from(esc)
                })
                .clone(),
        )
    }

    /// True if some change is waiting for [`Pool::take_changes`].
    pub fn has_changes(&self) -> bool {
        self.counter_dirty || !self.dirty.is_empty()
    }

    /// Turns the changes since the last call into store operations and re-syncs the name index.
    pub fn take_changes(&mut self, ops: &mut Vec<DbOp>) {
        if self.counter_dirty {
            ops.push(DbOp::Counter { kind: T::KIND, last_oid: self.last_oid });
            self.counter_dirty = false;
        }
        for oid in std::mem::take(&mut self.dirty) {
            match self.entries.get(&oid) {
                Some(e) => {
                    let new_key = e.obj.name_key();
                    if self.key_of.get(&oid) != new_key.as_ref() {
                        if let Some(old) = self.key_of.remove(&oid)
                            && self.names.get(&old) == Some(&oid)
                        {
                            self.names.remove(&old);
                        }
                        if let Some(k) = new_key {
                            self.names.insert(k.clone(), oid);
                            self.key_of.insert(oid, k);
                        }
                    }
                    match serde_json::to_string(&e.obj) {
                        Ok(body) => ops.push(DbOp::Put { kind: T::KIND, oid, name: e.obj.name().to_string(), body }),
                        Err(err) => {
                            // Serialising our own structs cannot fail short of a bug; keep the
                            // old row rather than writing garbage.
                            tracing::error!(kind = T::KIND.table(), oid, "cannot serialise object: {err}");
                        }
                    }
                }
                None => ops.push(DbOp::Delete { kind: T::KIND, oid }),
            }
        }
    }
}
