//! `onevm`: create, list, show, top and every life-cycle action on virtual machines.

use clap::{CommandFactory, Parser, Subcommand};

use crate::common::{self, ShowArgs, TopArgs};
use crate::conn::ConnArgs;
use crate::error::Result;
use crate::states;
use crate::table::{Column, ListArgs, TableSpec};
use crate::units::{now, period_to_str, unit_to_str};
use crate::xmltree::Node;

pub const VM: common::Kind = common::Kind {
    noun: "VM",
    element: "VM",
    prefix: "one.vm",
    pool: "one.vmpool.info",
    pool_args: &[-2, -1, -1, -1],
};

/// Manages OpenNebula virtual machines
#[derive(Parser, Debug)]
#[command(name = "onevm", version, about = "Manages OpenNebula virtual machines")]
pub struct OneVm {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Lists virtual machines
    List(ListArgs),
    /// Shows a virtual machine
    Show {
        vm: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists virtual machines again and again
    Top(TopArgs),
}

pub fn command() -> clap::Command {
    OneVm::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneVm) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::List(list) => common::list(&one, &VM, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &VM, &TABLE, &top),
        Cmd::Show { vm, out } => {
            if let Some(node) = common::show(&one, &VM, &vm, &out)? {
                common::out(&node.to_pretty_xml());
            }
            Ok(())
        }
    }
}

/// The host of the last history record, shown while the VM is on a host.
fn col_host(vm: &Node) -> String {
    if !matches!(vm.int("STATE"), 3 | 5 | 8) {
        return String::new();
    }
    vm.get("HISTORY_RECORDS")
        .and_then(|h| h.all("HISTORY").last())
        .map(|h| h.text("HOSTNAME").to_string())
        .unwrap_or_default()
}
fn col_id(vm: &Node) -> String {
    vm.text("ID").to_string()
}
fn col_user(vm: &Node) -> String {
    vm.text("UNAME").to_string()
}
fn col_group(vm: &Node) -> String {
    vm.text("GNAME").to_string()
}
fn col_name(vm: &Node) -> String {
    vm.text("NAME").to_string()
}
fn col_stat(vm: &Node) -> String {
    states::vm_short(vm.int("STATE"), vm.int("LCM_STATE")).to_string()
}
fn col_cpu(vm: &Node) -> String {
    vm.text("TEMPLATE/CPU").to_string()
}
fn col_vcpu(vm: &Node) -> String {
    vm.text("TEMPLATE/VCPU").to_string()
}
fn col_mem(vm: &Node) -> String {
    unit_to_str(vm.float("TEMPLATE/MEMORY") * 1024.0, "K")
}
fn col_ucpu(vm: &Node) -> String {
    vm.text("MONITORING/CPU").to_string()
}
fn col_umem(vm: &Node) -> String {
    unit_to_str(vm.float("MONITORING/MEMORY"), "K")
}
fn col_time(vm: &Node) -> String {
    let (stime, etime) = (vm.int("STIME"), vm.int("ETIME"));
    let end = if etime > 0 { etime } else { now() };
    period_to_str(end - stime, false)
}
fn col_ip(vm: &Node) -> String {
    let Some(t) = vm.get("TEMPLATE") else {
        return String::new();
    };
    t.all("NIC")
        .map(|n| n.text("IP"))
        .filter(|ip| !ip.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

/// `onevm list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column {
            name: "ID",
            width: 6,
            left: false,
            value: col_id,
        },
        Column {
            name: "USER",
            width: 15,
            left: true,
            value: col_user,
        },
        Column {
            name: "GROUP",
            width: 15,
            left: true,
            value: col_group,
        },
        Column {
            name: "NAME",
            width: 15,
            left: true,
            value: col_name,
        },
        Column {
            name: "STAT",
            width: 4,
            left: true,
            value: col_stat,
        },
        Column {
            name: "UCPU",
            width: 4,
            left: false,
            value: col_ucpu,
        },
        Column {
            name: "UMEM",
            width: 7,
            left: false,
            value: col_umem,
        },
        Column {
            name: "CPU",
            width: 4,
            left: false,
            value: col_cpu,
        },
        Column {
            name: "VCPU",
            width: 4,
            left: false,
            value: col_vcpu,
        },
        Column {
            name: "MEM",
            width: 7,
            left: false,
            value: col_mem,
        },
        Column {
            name: "HOST",
            width: 15,
            left: true,
            value: col_host,
        },
        Column {
            name: "TIME",
            width: 11,
            left: false,
            value: col_time,
        },
        Column {
            name: "IP",
            width: 15,
            left: true,
            value: col_ip,
        },
    ],
    default: &[
        "ID", "USER", "GROUP", "NAME", "STAT", "CPU", "MEM", "HOST", "TIME",
    ],
};
