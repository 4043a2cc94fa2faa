//! `drivers`: the oned ↔ driver line protocol (INIT / FINALIZE, `ACTION SUCCESS|FAILURE id info`,
//! `LOG` lines, base64 XML payloads), the shipped driver binaries (dummy, exec/ssh) and the
//! `remotes/` scripts they run on hosts.
//!
//! Architecture invariant: this crate never links `oned`; a driver only speaks the line protocol
//! on its stdin/stdout. `oned` depends on this crate for the codec ([`proto`]), never the other
//! way round.
//!
//! # Modules
//!
//! - [`proto`]: the line codec, pure (no I/O): [`proto::parse_request`] / [`proto::encode_request`]
//!   for what oned sends, [`proto::parse_reply`] / [`proto::encode_reply`] for what drivers send,
//!   base64 helpers. oned uses this module to talk to its drivers; the wire format is
//!   `share/doc/drivers.md`. Property-tested; fuzz target in `fuzz/`; decode benchmark in
//!   `benches/proto_decode.rs`.
//! - [`transfer`]: transfer files (what oned writes for TM `TRANSFER`, what `one_tm` runs),
//!   pure: typed fields per action, locations percent-encoded so no value can add a field or a
//!   line; property-tested; fuzz target in `fuzz/`.
//! - [`runtime`]: what every Rust driver binary runs: OpenNebula's driver flags
//!   ([`runtime::DriverOptions`]: `-t`, `-w`, `-r`, `-l`), the stdin → bounded worker pool →
//!   stdout loop ([`runtime::run`]), one reply per action, `-w` timeouts, `DRIVER_CANCEL`,
//!   `FINALIZE`, panics turned into `FAILURE` replies. A driver implements [`runtime::Driver`].
//! - [`xml`]: a tiny helper to read one element of a (base64) XML payload.
//! - [`dummy`]: the dummy drivers behind `one_vmm_dummy`, `one_im_dummy` and `one_tm_dummy`
//!   (`src/bin/`): no hypervisor, optional delays, injected failures, cancellation, and a state
//!   directory so a domain survives a driver restart (for oned's crash reconciliation tests).
pub mod proto;
pub mod transfer;
pub mod runtime;
pub mod xml;
pub mod dummy;
pub mod exec;
