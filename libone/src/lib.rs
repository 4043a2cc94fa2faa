//! `libone`: the code that `oned`, `mm_sched` and the `one*` tools share.
//!
//! It owns these, all free of async runtimes and databases:
//! - [`template`]: OpenNebula's template language, in its text form (`KEY = "v"`,
//!   `VEC = [ A = "x" ]`, also the grammar of `oned.conf` and `sched.conf`) and its XML form
//!   (`<TEMPLATE>` with CDATA values): one parser and one printer for each.
//! - [`xmlrpc`]: the XML-RPC wire codec (method calls, responses, faults) with OpenNebula's
//!   reply convention `[ok, body, code, ...]`.
//! - [`xmlchar`]: which characters XML 1.0 can carry ([`xmlchar::is_xml_char`]), for every
//!   reader that must refuse the others and every writer that must never emit them.
//! - [`states`]: OpenNebula's VM, LCM and host states, numbered and named once.
//! - [`client`]: a small blocking XML-RPC client with keep-alive, used by the scheduler, the CLI,
//!   the benchmarks and the end-to-end tests.

pub mod client;
pub mod states;
pub mod template;
pub mod xmlchar;
pub mod xmlrpc;
