//! `onehost`: register, enable/disable/offline, list, show, top, sync, flush and monitoring
//! of hosts.

use clap::{CommandFactory, Parser, Subcommand};

use crate::args::{ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, HOST, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, One, i, s};
use crate::error::{CliError, Result};
use crate::show::Page;
use crate::states;
use crate::table::{Column, ListArgs, TableSpec, col_id, col_name};
use crate::tools::vm::VM;
use crate::units::{time_to_str, unit_to_str};
use crate::xmltree::Node;

/// Manages OpenNebula hosts
#[derive(Parser, Debug)]
#[command(name = "onehost", version, about = "Manages OpenNebula hosts")]
pub struct OneHost {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Registers a host: `onehost create NAME -i IM_MAD -v VM_MAD [--cluster C]`
    Create {
        name: String,
        /// Information (monitoring) driver
        #[arg(short = 'i', long = "im", value_name = "IM_MAD")]
        im: String,
        /// Virtualization driver
        #[arg(short = 'v', long = "vm", value_name = "VMM_MAD")]
        vm: String,
        /// Cluster name or ID (default: the default cluster)
        #[arg(short = 'c', long)]
        cluster: Option<String>,
    },
    /// Deletes hosts
    Delete(ObjectsArgs),
    /// Enables hosts
    Enable(ObjectsArgs),
    /// Disables hosts (monitored, but nothing new is placed on them)
    Disable(ObjectsArgs),
    /// Takes hosts offline (not monitored, nothing placed)
    Offline(ObjectsArgs),
    /// Lists hosts
    List(ListArgs),
    /// Shows a host
    Show {
        host: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists hosts again and again
    Top(TopArgs),
    /// Copies the driver scripts to hosts again at their next probe (all hosts by default)
    Sync(ObjectsArgs),
    /// Disables hosts and reschedules their VMs elsewhere
    Flush(ObjectsArgs),
    /// Replaces (or with --append, merges) a host's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames a host
    Rename(RenameArgs),
    /// Shows the recorded values of one monitoring attribute (for example FREE_CPU)
    Monitoring {
        host: String,
        /// Attribute name, anywhere in the monitoring records (FREE_CPU, USED_MEMORY, ...)
        attribute: String,
        #[command(flatten)]
        out: ShowArgs,
    },
}

pub fn command() -> clap::Command {
    OneHost::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneHost) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { name, im, vm, cluster } => {
            let cid = match cluster {
                Some(c) => common::resolve_one(&one, &common::CLUSTER, &c)?,
                None => -1,
            };
            common::print_id(one.id("one.host.allocate", vec![s(name), s(im), s(vm), i(cid)])?);
            Ok(())
        }
        Cmd::Delete(a) => common::delete(&one, &HOST, &a.objects),
        Cmd::Enable(a) => status(&one, &a.objects, 0),
        Cmd::Disable(a) => status(&one, &a.objects, 1),
        Cmd::Offline(a) => status(&one, &a.objects, 2),
        Cmd::List(list) => common::list(&one, &HOST, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &HOST, &TABLE, &top),
        Cmd::Show { host, out } => {
            if let Some(h) = common::show(&one, &HOST, &host, &out)? {
                let vms = common::pool(&one, &VM)?;
                common::out(&show_page(&h, &vms));
            }
            Ok(())
        }
        Cmd::Sync(a) => {
            let hosts = if a.objects.is_empty() { all_ids(&one)? } else { a.objects };
            common::each(&one, &HOST, &hosts, |id| one.run("one.host.sync", vec![i(id)]))
        }
        Cmd::Flush(a) => flush(&one, &a.objects),
        Cmd::Update(a) => common::update(&one, &HOST, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &HOST, &a),
        Cmd::Monitoring { host, attribute, out } => common::monitoring(&one, &HOST, &host, &attribute, &out),
    }
}

fn status(one: &One, hosts: &[String], st: i32) -> Result<()> {
    common::each(one, &HOST, hosts, |id| one.run("one.host.status", vec![i(id), i(st)]))
}

fn all_ids(one: &One) -> Result<Vec<String>> {
    Ok(common::pool(one, &HOST)?.all("HOST").map(|h| h.text("ID").to_string()).collect())
}

/// `flush`: disable, then ask the scheduler to move every VM running there.
fn flush(one: &One, hosts: &[String]) -> Result<()> {
    let vms = common::pool(one, &VM)?;
    common::each(one, &HOST, hosts, |id| {
        one.run("one.host.status", vec![i(id), i(1)])?;
        for vm in vms.all("VM").filter(|vm| vm_host_id(vm) == Some(i64::from(id))) {
            let state = (vm.int("STATE"), vm.int("LCM_STATE"));
            // resched applies to RUNNING, UNKNOWN and POWEROFF VMs.
            if matches!(state, (3, 3) | (3, 16) | (8, _)) {
                let vid = i32::try_from(vm.int("ID")).map_err(|_| CliError::usage("bad VM ID"))?;
                one.run("one.vm.action", vec![s("resched"), i(vid)])?;
            }
        }
        Ok(())
    })
}

/// The host of a VM's last history record.
pub fn vm_host_id(vm: &Node) -> Option<i64> {
    crate::tools::vm::last_history(vm)?.text("HID").trim().parse().ok()
}

fn allocated(used: f64, max: f64, mem: bool) -> String {
    let pct = if max > 0.0 { (used * 100.0 / max).round() as i64 } else { 0 };
    if mem {
        format!("{} / {} ({pct}%)", unit_to_str(used, "K"), unit_to_str(max, "K"))
    } else {
        format!("{} / {} ({pct}%)", used as i64, max as i64)
    }
}

fn col_cluster(h: &Node) -> String {
    h.text("CLUSTER").to_string()
}
fn col_rvm(h: &Node) -> String {
    h.text("HOST_SHARE/RUNNING_VMS").to_string()
}
fn col_zvm(h: &Node) -> String {
    h.get("VMS").map(|v| v.all("ID").count()).unwrap_or(0).to_string()
}
fn col_alloc_cpu(h: &Node) -> String {
    allocated(h.float("HOST_SHARE/CPU_USAGE"), h.float("HOST_SHARE/MAX_CPU"), false)
}
fn col_alloc_mem(h: &Node) -> String {
    allocated(h.float("HOST_SHARE/MEM_USAGE"), h.float("HOST_SHARE/MAX_MEM"), true)
}
fn col_real_cpu(h: &Node) -> String {
    allocated(h.float("MONITORING/CAPACITY/USED_CPU"), h.float("HOST_SHARE/TOTAL_CPU"), false)
}
fn col_real_mem(h: &Node) -> String {
    allocated(h.float("MONITORING/CAPACITY/USED_MEMORY"), h.float("HOST_SHARE/TOTAL_MEM"), true)
}
fn col_tcpu(h: &Node) -> String {
    h.text("HOST_SHARE/TOTAL_CPU").to_string()
}
fn col_fcpu(h: &Node) -> String {
    h.text("MONITORING/CAPACITY/FREE_CPU").to_string()
}
fn col_acpu(h: &Node) -> String {
    (h.int("HOST_SHARE/MAX_CPU") - h.int("HOST_SHARE/CPU_USAGE")).to_string()
}
fn col_tmem(h: &Node) -> String {
    unit_to_str(h.float("HOST_SHARE/TOTAL_MEM"), "K")
}
fn col_fmem(h: &Node) -> String {
    unit_to_str(h.float("MONITORING/CAPACITY/FREE_MEMORY"), "K")
}
fn col_amem(h: &Node) -> String {
    unit_to_str(h.float("HOST_SHARE/MAX_MEM") - h.float("HOST_SHARE/MEM_USAGE"), "K")
}
fn col_stat(h: &Node) -> String {
    states::host_short(h.int("STATE")).to_string()
}
fn col_im(h: &Node) -> String {
    h.text("IM_MAD").to_string()
}
fn col_vm(h: &Node) -> String {
    h.text("VM_MAD").to_string()
}

/// `onehost list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("NAME", 15, col_name),
        Column::left("CLUSTER", 9, col_cluster),
        Column::right("TVM", 3, col_zvm),
        Column::right("RVM", 3, col_rvm),
        Column::right("ALLOCATED_CPU", 18, col_alloc_cpu),
        Column::right("ALLOCATED_MEM", 22, col_alloc_mem),
        Column::right("REAL_CPU", 18, col_real_cpu),
        Column::right("REAL_MEM", 22, col_real_mem),
        Column::right("TCPU", 6, col_tcpu),
        Column::right("FCPU", 6, col_fcpu),
        Column::right("ACPU", 6, col_acpu),
        Column::right("TMEM", 7, col_tmem),
        Column::right("FMEM", 7, col_fmem),
        Column::right("AMEM", 7, col_amem),
        Column::left("IM_MAD", 8, col_im),
        Column::left("VM_MAD", 8, col_vm),
        Column::left("STAT", 6, col_stat),
    ],
    default: &["ID", "NAME", "CLUSTER", "TVM", "ALLOCATED_CPU", "ALLOCATED_MEM", "STAT"],
};

/// The `onehost show` page; `vms` is the VM pool, whose VMs on this host are listed.
pub fn show_page(h: &Node, vms: &Node) -> String {
    let mut p = Page::new();
    let k = |v: f64| unit_to_str(v, "K");
    p.header(&format!("HOST {} INFORMATION", h.text("ID")))
        .field("ID", h.text("ID"))
        .field("NAME", h.text("NAME"))
        .field("CLUSTER", h.text("CLUSTER"))
        .field("STATE", states::host_state(h.int("STATE")))
        .field("IM_MAD", h.text("IM_MAD"))
        .field("VM_MAD", h.text("VM_MAD"))
        .field("LAST MONITORING TIME", time_to_str(h.int("MONITORING/TIMESTAMP")));
    p.header("HOST SHARES")
        .field("RUNNING VMS", h.text("HOST_SHARE/RUNNING_VMS"))
        .raw("MEMORY")
        .field("  TOTAL", k(h.float("HOST_SHARE/TOTAL_MEM")))
        .field("  TOTAL +/- RESERVED", k(h.float("HOST_SHARE/MAX_MEM")))
        .field("  USED (REAL)", k(h.float("MONITORING/CAPACITY/USED_MEMORY")))
        .field("  USED (ALLOCATED)", k(h.float("HOST_SHARE/MEM_USAGE")))
        .raw("CPU")
        .field("  TOTAL", h.text("HOST_SHARE/TOTAL_CPU"))
        .field("  TOTAL +/- RESERVED", h.text("HOST_SHARE/MAX_CPU"))
        .field("  USED (REAL)", h.text("MONITORING/CAPACITY/USED_CPU"))
        .field("  USED (ALLOCATED)", h.text("HOST_SHARE/CPU_USAGE"));
    // The system datastores the host reports (HOST_SHARE/DATASTORES/DS), sizes in MB.
    let m = |v: f64| unit_to_str(v, "M");
    for ds in h.get("HOST_SHARE/DATASTORES").into_iter().flat_map(|d| d.all("DS")) {
        p.header(&format!("LOCAL SYSTEM DATASTORE #{} CAPACITY", ds.text("ID")))
            .field("TOTAL:", m(ds.float("TOTAL_MB")))
            .field("USED: ", m(ds.float("USED_MB")))
            .field("FREE:", m(ds.float("FREE_MB")));
    }
    p.template("MONITORING INFORMATION", h.get("TEMPLATE"));
    let id = h.int("ID");
    let on_host: Vec<&Node> =
        vms.all("VM").filter(|vm| vm_host_id(vm) == Some(id) && crate::tools::vm::on_host(vm)).collect();
    p.header("VIRTUAL MACHINES");
    p.raw(&crate::tools::vm::TABLE.render_default(&on_host));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST_XML: &str = "<HOST><ID>0</ID><NAME>h1</NAME><STATE>2</STATE><IM_MAD>dummy</IM_MAD><VM_MAD>dummy</VM_MAD>\
        <CLUSTER_ID>0</CLUSTER_ID><CLUSTER>default</CLUSTER><HOST_SHARE><MEM_USAGE>131072</MEM_USAGE><CPU_USAGE>100</CPU_USAGE>\
        <TOTAL_MEM>16777216</TOTAL_MEM><TOTAL_CPU>800</TOTAL_CPU><MAX_MEM>16777216</MAX_MEM><MAX_CPU>800</MAX_CPU>\
        <RUNNING_VMS>1</RUNNING_VMS></HOST_SHARE><VMS><ID>0</ID></VMS><TEMPLATE><HYPERVISOR><![CDATA[dummy]]></HYPERVISOR></TEMPLATE>\
        <MONITORING><CAPACITY><FREE_CPU><![CDATA[760]]></FREE_CPU><USED_CPU><![CDATA[40]]></USED_CPU>\
        <USED_MEMORY><![CDATA[1048576]]></USED_MEMORY></CAPACITY><TIMESTAMP><![CDATA[1795408984]]></TIMESTAMP></MONITORING></HOST>";

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let h = Node::parse(HOST_XML).expect("xml");
        let out = TABLE.render(&[&h], &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID NAME            CLUSTER   TVM      ALLOCATED_CPU          ALLOCATED_MEM STAT\n   \
             0 h1              default     1    100 / 800 (13%)        128M / 16G (1%) on\n"
        );
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let h = Node::parse(HOST_XML).expect("xml");
        let vms = Node::parse("<VM_POOL/>").expect("xml");
        let page = show_page(&h, &vms);
        for needle in [
            "HOST 0 INFORMATION",
            "STATE                 : MONITORED",
            "HOST SHARES",
            "  USED (REAL)         : 1024M",
            "MONITORING INFORMATION",
            "HYPERVISOR=\"dummy\"",
            "VIRTUAL MACHINES",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        assert!(!page.contains("LOCAL SYSTEM DATASTORE"), "a host that reports no datastore has no such section");
    }

    #[test]
    fn show_has_a_section_per_local_system_datastore() {
        let xml = HOST_XML.replace(
            "<RUNNING_VMS>1</RUNNING_VMS>",
            "<RUNNING_VMS>1</RUNNING_VMS><DATASTORES><DISK_USAGE>0</DISK_USAGE>\
             <DS><FREE_MB>983040</FREE_MB><ID>0</ID><TOTAL_MB>1048576</TOTAL_MB><USED_MB>65536</USED_MB></DS>\
             <DS><FREE_MB>60</FREE_MB><ID>104</ID><TOTAL_MB>100</TOTAL_MB><USED_MB>40</USED_MB></DS>\
             <FREE_DISK>983040</FREE_DISK><MAX_DISK>1048576</MAX_DISK><USED_DISK>65536</USED_DISK></DATASTORES>",
        );
        let h = Node::parse(&xml).expect("xml");
        let page = show_page(&h, &Node::parse("<VM_POOL/>").expect("xml"));
        assert!(
            page.contains(
                "  USED (ALLOCATED)    : 100\n\nLOCAL SYSTEM DATASTORE #0 CAPACITY\nTOTAL:                : 1024G\n\
                 USED:                 : 64G\nFREE:                 : 960G\n\nLOCAL SYSTEM DATASTORE #104 CAPACITY\n\
                 TOTAL:                : 100M\nUSED:                 : 40M\nFREE:                 : 60M\n\n\
                 MONITORING INFORMATION\n"
            ),
            "{page}"
        );
    }
}
