//! `driver-proto`: the codecs oned and its drivers share, pure (no I/O, no system libraries).
//! `oned` depends on this crate alone for talking to drivers, so it builds without what the
//! driver binaries link (`ssh2` → libssh2 → OpenSSL); the `drivers` crate re-exports both
//! modules (`drivers::proto`, `drivers::transfer`) for the driver code.
//!
//! # Modules
//!
//! - [`proto`]: the line codec of the oned ↔ driver protocol: [`proto::parse_request`] /
//!   [`proto::encode_request`] for what oned sends, [`proto::parse_reply`] /
//!   [`proto::encode_reply`] for what drivers send, base64 helpers. The wire format is
//!   `share/doc/drivers.md`. Property-tested; fuzz target `proto_line` in `drivers/fuzz/`;
//!   decode benchmark in `benches/proto_decode.rs`.
//! - [`transfer`]: transfer files (what oned writes for TM `TRANSFER`, what `one_tm` runs):
//!   typed fields per action, locations percent-encoded so no value can add a field or a line.
//!   Property-tested; fuzz target `transfer_file` in `drivers/fuzz/`.
pub mod proto;
pub mod transfer;
