//! One module per tool. Each exposes `command()` (its clap command, used for man pages and
//! completions) and `main()` (the process: parse, run, exit code).

pub mod cluster;
pub mod datastore;
pub mod group;
pub mod host;
pub mod image;
pub mod template;
pub mod user;
pub mod vm;
pub mod vnet;

/// A tool's name, its clap command and its entry point.
pub struct Tool {
    pub name: &'static str,
    pub command: fn() -> clap::Command,
    pub main: fn() -> i32,
}

/// Every tool, in the order the docs list them.
pub const TOOLS: &[Tool] = &[
    Tool { name: "onevm", command: vm::command, main: vm::main },
    Tool { name: "onehost", command: host::command, main: host::main },
    Tool { name: "onevnet", command: vnet::command, main: vnet::main },
    Tool { name: "oneimage", command: image::command, main: image::main },
    Tool { name: "onetemplate", command: template::command, main: template::main },
    Tool { name: "oneuser", command: user::command, main: user::main },
    Tool { name: "onegroup", command: group::command, main: group::main },
    Tool { name: "onecluster", command: cluster::command, main: cluster::main },
    Tool { name: "onedatastore", command: datastore::command, main: datastore::main },
];
