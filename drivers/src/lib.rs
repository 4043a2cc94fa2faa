//! `drivers`: the shipped driver binaries (dummy, exec/ssh), the runtime they share, and the
//! `remotes/` scripts they run on hosts. They speak the oned ↔ driver line protocol (INIT /
//! FINALIZE, `ACTION SUCCESS|FAILURE id info`, `LOG` lines, base64 XML payloads) on their
//! stdin/stdout.
//!
//! Architecture invariant: this crate never links `oned`; a driver only speaks the line protocol
//! on its stdin/stdout. The codecs both sides share live in the pure `driver-proto` crate
//! (`drivers/proto/`), which `oned` depends on instead of this crate: oned never links `ssh2`
//! (libssh2, OpenSSL).
//!
//! # Modules
//!
//! - [`proto`], [`transfer`]: re-exported from `driver-proto` (so driver code names them
//!   `crate::proto`, `crate::transfer`): the line codec ([`proto::parse_request`],
//!   [`proto::encode_reply`], base64 helpers; wire format in `share/doc/drivers.md`) and
//!   transfer files (what oned writes for TM `TRANSFER`, what `one_tm` runs). Their tests,
//!   fuzz targets (`fuzz/`) and the decode benchmark are in `drivers/proto/`.
//! - [`runtime`]: what every Rust driver binary runs: OpenNebula's driver flags
//!   ([`runtime::DriverOptions`]: `-t`, `-w`, `-r`, `-l`), the stdin → bounded worker pool →
//!   stdout loop ([`runtime::run`]), one reply per action, `-w` timeouts, `DRIVER_CANCEL`,
//!   `FINALIZE`, panics turned into `FAILURE` replies. A driver implements [`runtime::Driver`].
//! - [`xml`]: a tiny helper to read one element (or every element) at a path of a (base64) XML
//!   payload; [`xpath`]: the `one_xpath` helper built on it, which the datastore scripts call.
//! - [`dummy`]: the dummy drivers behind `one_vmm_dummy`, `one_im_dummy` and `one_tm_dummy`
//!   (`src/bin/`): no hypervisor, optional delays, injected failures, cancellation, and a state
//!   directory so a domain survives a driver restart (for oned's crash reconciliation tests).
//! - [`exec`]: the exec drivers behind `one_vmm_exec`, `one_im_exec` and `one_tm`: they run the
//!   `remotes/` scripts on the hosts over SSH (one pooled session per host, host-key policy,
//!   remotes copied on first use) or on the front-end (`-l`), with argv quoting and OpenNebula's
//!   exit-code and stderr conventions.
//! - [`qmp`]: the QMP codec and client behind `one_qmp`, the helper the `kvm` scripts use to talk
//!   to QEMU (shipped with the remotes; `share/doc/kvm.md`).
pub use driver_proto::{proto, transfer};
pub mod dummy;
pub mod exec;
pub mod qmp;
pub mod runtime;
pub mod xml;
pub mod xpath;
