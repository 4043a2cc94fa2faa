//! `testkit`: what the tests of several crates share, dev-only (`publish = false`; a
//! dev-dependency of `drivers` and of the end-to-end crate `tests/`, and a build-dependency of
//! both for [`components::build_script`]).
//!
//! # Modules
//!
//! - [`driver`]: one driver binary as a child process, spoken to over its pipes: raw lines,
//!   parsed replies ([`driver::Driver::reply`]), whole actions with their `LOG` lines
//!   ([`driver::Driver::action`]); every wait is bounded, the process is stopped (by its PID)
//!   when the value is dropped.
//! - [`sshd`]: a throw-away OpenSSH `sshd` on a free 127.0.0.1 port, with a host key and a user
//!   key generated for it (key authentication only), stopped on drop.
//! - [`netns`]: a cluster of hosts (network + mount + UTS namespaces, one sshd each, a
//!   private datastores directory each) joined to the test's namespace by a bridge (root only).
//! - [`components`]: the system components tests need (sshd, netns, qemu-img, qemu), the
//!   install command named when one is missing, and the one opt-out (`NEPHELE_ALLOW_MISSING`),
//!   which compiles the tests that need a missing component as ignored so that they are
//!   reported as such, never as passed.
//! - [`guest`]: the test guest (`tests/guest/`: a Debian kernel and a busybox initramfs,
//!   built once and cached) and what runs it under plain qemu: context CDs, a serial-log
//!   follower with bounded waits, a QMP client, a daemonized qemu stopped by PID on drop, an
//!   isolated network namespace with a tap.
//! - [`tmpfs`]: a small tmpfs mounted on a directory for a test's life (root only).
//! - [`free_port`]: a loopback TCP port that was free a moment ago.
pub mod components;
pub mod driver;
pub mod guest;
pub mod netns;
pub mod sshd;
pub mod tmpfs;

use std::net::TcpListener;

/// A TCP port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port on 127.0.0.1")
}
