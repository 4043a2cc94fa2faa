//! `oned`: the Nephele core daemon.
//!
//! It owns the cloud's state and its durability, and serves OpenNebula's XML-RPC API:
//! - [`config`]: `oned.conf` (OpenNebula syntax) and the file layout (`ONE_LOCATION`).
//! - [`store`]: SQLite (WAL) behind one group-committing writer thread.
//! - [`pool`], [`objects`], [`cloud`]: the in-memory pools that answer every read.
//! - [`auth`], [`authz`], [`acl`], [`perms`]: who is calling and what they may do.
//! - [`rm`]: the request manager (the HTTP server and the XML-RPC methods), [`dm`]: what VM
//!   actions do, [`lcm`]: driver actions and monitoring, [`mad`]: driver processes,
//!   [`sched_proc`]: the scheduler process.
//! - [`vnet`]: address ranges and leases of virtual networks.
//! - [`startup`]: the `oned` process: flags, daemonizing, bootstrap, serving, shutdown.
//!
//! Architecture invariant: only [`store`] touches the database file, and only at start-up
//! (reading) and from its writer thread (writing).

pub mod access;
pub mod acl;
pub mod auth;
pub mod authz;
pub mod cloud;
pub mod config;
pub mod core;
pub mod dm;
pub mod error;
pub mod kind;
pub mod lcm;
pub mod log;
pub mod mad;
pub mod objects;
pub mod perms;
pub mod pool;
pub mod remotes;
pub mod rm;
pub mod sched_proc;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod vnet;
pub mod xml;
