//! `drivers`: the oned ↔ driver line protocol (INIT / FINALIZE, `ACTION SUCCESS|FAILURE id info`,
//! `LOG` lines, base64 XML payloads), the shipped driver binaries (dummy, exec/ssh) and the
//! `remotes/` scripts they run on hosts.
//!
//! Architecture invariant: this crate never links `oned`; a driver only speaks the line protocol
//! on its stdin/stdout. The codec and the binaries arrive with the drivers issue.
