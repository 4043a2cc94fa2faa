//! `oned`: the Nephele core daemon.
//!
//! It owns the cloud's state and its durability, and serves OpenNebula's XML-RPC API. Its
//! modules form layers, and a module names only modules of lower layers (checked by
//! `tests/layers.rs`, which prints the graph; ARCHITECTURE.md, "Layers"), top to bottom:
//!
//! - [`startup`]: the `oned` process: flags, daemonizing, bootstrap, serving, shutdown.
//! - [`rm`]: the request manager: the HTTP server and the XML-RPC methods (decode, argument
//!   reading, replies); [`sched_proc`]: the scheduler process oned supervises.
//! - [`dm`]: the dispatch manager: what the API's VM operations do (create, actions, deploy,
//!   migrate, recover).
//! - [`lcm`]: the life cycle: the state machine, driver actions, monitoring, releasing.
//! - [`core`]: the shared service: the cloud under its lock, `Core::apply`, authentication,
//!   epochs.
//! - [`access`]: looking objects up and authorizing operations on them.
//! - [`cloud`] (all pools), [`authz`] (the authorization rule); [`acl`] (ACL rules), [`auth`]
//!   (passwords, tokens, the verification pool, throttling, the scheduler session).
//! - [`pool`]: one kind's objects in memory; [`objects`]: the objects and their XML;
//!   [`log`]; [`mad`]: driver processes.
//! - [`config`] (`oned.conf`, the file layout), [`vnet`] (address ranges), [`store`] (SQLite
//!   behind one group-committing writer thread).
//! - [`kind`]: object kinds and the clock; [`error`], [`xml`], [`perms`], [`shutdown`],
//!   [`remotes`] (the driver scripts embedded at build time).
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
