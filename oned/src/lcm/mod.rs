//! The life-cycle manager: VM state changes driven by user actions and driver replies, and host
//! monitoring.
//! - [`machine`]: the pure state machine (which transition, which driver step).
//! - [`apply`]: applying a transition to the cloud under the write lock (journal, effects).
//! - [`manager`]: the task that sends committed actions, matches replies and resolves lost ones.
//! - [`payload`]: what drivers receive (VMM documents, transfer files).
//! - [`deployment`]: the QEMU deployment file; [`context`]: the context CD's `context.sh`.
//! - [`monitor`]: host probes and VM state reconciliation.
//! - [`disks`]: VM disk operations (snapshots, resize, save-as) settled by their transfers.
//! - [`images`]: images' datastore actions (CP, MKFS, RM, CLONE, snapshots), datastore monitoring.
//! - [`release`]: giving back what a VM holds (images, leases, host share), and the way to DONE.

pub mod apply;
pub mod context;
pub mod deployment;
pub mod disks;
pub mod images;
pub mod machine;
pub mod manager;
pub mod monitor;
pub mod payload;
pub mod release;

pub use manager::{LcmEvent, LcmSettings};
