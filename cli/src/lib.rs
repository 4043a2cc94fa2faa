//! `cli`: the `one*` command-line tools (`onevm`, `onehost`, `onevnet`, `oneimage`,
//! `onetemplate`, `oneuser`, `onegroup`, `onecluster`, `onedatastore`). They talk to `oned`
//! only over XML-RPC through [`libone::client`], with OpenNebula's connection rules
//! ([`libone::client::auth`]).
//!
//! Layout:
//! - [`conn`]: `--endpoint/--user/--password` and the connected client.
//! - [`xmltree`]: oned's XML documents as a tree (paths, pretty XML, OpenNebula-style JSON).
//! - [`table`]: list columns, `--list`, `--filter`, table and CSV rendering.
//! - [`show`]: `show` pages (sections, fields, permissions, templates).
//! - [`args`]: the arguments of the subcommands most tools share (update, rename, chown, chgrp,
//!   chmod, lock, and the ones that only take objects).
//! - [`common`]: object kinds, name/ID resolution, list/top/show/delete/chown/chmod/lock/update.
//! - [`states`], [`units`]: state names and human-readable sizes and times.
//! - [`tools`]: one module per tool with its clap command and its column table; the binaries in
//!   `src/bin/` are one-line wrappers.
//! - [`docs`]: man pages and shell completions generated into `share/`.
//! - [`error`]: the tools' errors and their exit codes (below).
//!
//! Exit codes: 0 success, 1 oned refused the request (its message printed as-is on stderr),
//! 2 usage error (bad arguments, template syntax, unknown name or column), 3 oned unreachable or
//! no credentials.

pub mod args;
pub mod common;
pub mod conn;
pub mod docs;
pub mod error;
pub mod show;
pub mod states;
pub mod table;
pub mod tools;
pub mod units;
pub mod xmltree;
