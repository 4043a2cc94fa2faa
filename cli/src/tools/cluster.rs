//! `onecluster`: create, delete, rename and update clusters, move hosts, virtual networks and
//! datastores in and out of them, and the list and show pages.

use clap::{CommandFactory, Parser, Subcommand};

use crate::args::{ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, CLUSTER, DATASTORE, HOST, Kind, ShowArgs};
use crate::conn::{ConnArgs, One, i, s};
use crate::error::Result;
use crate::show::Page;
use crate::table::{Column, ListArgs, TableSpec, col_id, col_name};
use crate::xmltree::Node;

/// Virtual networks, as `onecluster addvnet`/`delvnet` resolve them.
const VNET: Kind =
    Kind { noun: "VNET", element: "VNET", prefix: "one.vn", pool: "one.vnpool.info", pool_args: &[-2, -1, -1] };

/// Manages OpenNebula clusters
#[derive(Parser, Debug)]
#[command(name = "onecluster", version, about = "Manages OpenNebula clusters")]
pub struct OneCluster {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a cluster
    Create { name: String },
    /// Deletes clusters (only empty ones, and not the default cluster)
    Delete(ObjectsArgs),
    /// Lists clusters
    List(ListArgs),
    /// Shows a cluster
    Show {
        cluster: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Moves hosts into a cluster (a host is in exactly one cluster)
    Addhost { cluster: String, hosts: String },
    /// Moves hosts out of a cluster, back to the default cluster
    Delhost { cluster: String, hosts: String },
    /// Adds virtual networks to a cluster
    Addvnet { cluster: String, vnets: String },
    /// Removes virtual networks from a cluster
    Delvnet { cluster: String, vnets: String },
    /// Adds datastores to a cluster
    Adddatastore { cluster: String, datastores: String },
    /// Removes datastores from a cluster
    Deldatastore { cluster: String, datastores: String },
    /// Replaces (or with --append, merges) a cluster's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames a cluster
    Rename(RenameArgs),
}

pub fn command() -> clap::Command {
    OneCluster::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneCluster) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { name } => {
            common::print_id(one.id("one.cluster.allocate", vec![s(name)])?);
            Ok(())
        }
        Cmd::Delete(a) => common::delete(&one, &CLUSTER, &a.objects),
        Cmd::List(list) => common::list(&one, &CLUSTER, &TABLE, &list),
        Cmd::Show { cluster, out } => {
            if let Some(c) = common::show(&one, &CLUSTER, &cluster, &out)? {
                let hosts = if c.ids("HOSTS").is_empty() { None } else { Some(common::pool(&one, &HOST)?) };
                common::out(&show_page(&c, hosts.as_ref()));
            }
            Ok(())
        }
        Cmd::Addhost { cluster, hosts } => members(&one, "addhost", &cluster, &HOST, &hosts),
        Cmd::Delhost { cluster, hosts } => members(&one, "delhost", &cluster, &HOST, &hosts),
        Cmd::Addvnet { cluster, vnets } => members(&one, "addvnet", &cluster, &VNET, &vnets),
        Cmd::Delvnet { cluster, vnets } => members(&one, "delvnet", &cluster, &VNET, &vnets),
        Cmd::Adddatastore { cluster, datastores } => members(&one, "adddatastore", &cluster, &DATASTORE, &datastores),
        Cmd::Deldatastore { cluster, datastores } => members(&one, "deldatastore", &cluster, &DATASTORE, &datastores),
        Cmd::Update(a) => common::update(&one, &CLUSTER, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &CLUSTER, &a),
    }
}

/// `one.cluster.<action>(cluster, object)` for each object of `kind`.
fn members(one: &One, action: &str, cluster: &str, kind: &Kind, objects: &str) -> Result<()> {
    let cid = common::resolve_one(one, &CLUSTER, cluster)?;
    let method = CLUSTER.method(action);
    common::each(one, kind, &[objects.to_string()], |oid| one.run(&method, vec![i(cid), i(oid)]))
}

fn col_hosts(c: &Node) -> String {
    c.ids("HOSTS").len().to_string()
}
fn col_vnets(c: &Node) -> String {
    c.ids("VNETS").len().to_string()
}
fn col_datastores(c: &Node) -> String {
    c.ids("DATASTORES").len().to_string()
}

/// `onecluster list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("NAME", 15, col_name),
        Column::right("HOSTS", 10, col_hosts),
        Column::right("VNETS", 10, col_vnets),
        Column::right("DATASTORES", 10, col_datastores),
    ],
    default: &["ID", "NAME", "HOSTS", "VNETS", "DATASTORES"],
};

/// `CLUSTER RESOURCES`: CPUs and RAM (GB) of the cluster's hosts, total and allocated.
fn resources_text(c: &Node, hosts: &Node) -> String {
    let ids = c.ids("HOSTS");
    let (mut total_cpu, mut used_cpu, mut total_ram, mut used_ram) = (0, 0, 0, 0);
    for h in hosts.all("HOST").filter(|h| ids.iter().any(|id| id == h.text("ID"))) {
        total_cpu += h.int("HOST_SHARE/TOTAL_CPU") / 100;
        used_cpu += h.int("HOST_SHARE/CPU_USAGE") / 100;
        total_ram += h.int("HOST_SHARE/TOTAL_MEM") / 1024 / 1024;
        used_ram += h.int("HOST_SHARE/MEM_USAGE") / 1024 / 1024;
    }
    format!(
        "TOTAL CPUs: {total_cpu}\nOCCUPIED CPUs: {used_cpu}\nAVAILABLE CPUs: {}\n\n\
         TOTAL RAM: {total_ram}\nOCCUPIED RAM: {used_ram}\nAVAILABLE RAM: {}\n",
        total_cpu - used_cpu,
        total_ram - used_ram
    )
}

/// The `onecluster show` page; `hosts` is the host pool when the cluster has hosts.
pub fn show_page(c: &Node, hosts: Option<&Node>) -> String {
    let mut p = Page::new();
    p.header(&format!("CLUSTER {} INFORMATION", c.text("ID"))).field("ID", c.text("ID")).field("NAME", c.text("NAME"));
    p.header("CLUSTER RESOURCES");
    if let Some(hosts) = hosts {
        p.raw(&resources_text(c, hosts));
    }
    p.template("CLUSTER TEMPLATE", c.get("TEMPLATE"));
    for section in ["HOSTS", "VNETS", "DATASTORES"] {
        p.header(section).raw(&c.ids(section).join("\n"));
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLUSTER_XML: &str = "<CLUSTER><ID>100</ID><NAME>rack1</NAME><HOSTS><ID>0</ID><ID>3</ID></HOSTS>\
        <DATASTORES><ID>0</ID><ID>1</ID><ID>2</ID></DATASTORES><VNETS><ID>5</ID></VNETS>\
        <TEMPLATE><RESERVED_CPU><![CDATA[]]></RESERVED_CPU><RESERVED_MEM><![CDATA[]]></RESERVED_MEM></TEMPLATE></CLUSTER>";

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let pool = Node::parse(&format!(
            "<CLUSTER_POOL>{CLUSTER_XML}<CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS/><DATASTORES/><VNETS/><TEMPLATE/></CLUSTER></CLUSTER_POOL>"
        ))
        .expect("xml");
        let out = common::render_pool(&pool, &CLUSTER, &TABLE, &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID NAME                 HOSTS      VNETS DATASTORES\n \
             100 rack1                    2          1          3\n   \
             0 default                  0          0          0\n"
        );
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let c = Node::parse(CLUSTER_XML).expect("xml");
        let hosts = Node::parse(
            "<HOST_POOL><HOST><ID>3</ID><HOST_SHARE><TOTAL_CPU>800</TOTAL_CPU><CPU_USAGE>200</CPU_USAGE>\
             <TOTAL_MEM>16777216</TOTAL_MEM><MEM_USAGE>2097152</MEM_USAGE></HOST_SHARE></HOST>\
             <HOST><ID>0</ID><HOST_SHARE><TOTAL_CPU>400</TOTAL_CPU><CPU_USAGE>0</CPU_USAGE>\
             <TOTAL_MEM>8388608</TOTAL_MEM><MEM_USAGE>0</MEM_USAGE></HOST_SHARE></HOST>\
             <HOST><ID>9</ID><HOST_SHARE><TOTAL_CPU>9900</TOTAL_CPU></HOST_SHARE></HOST></HOST_POOL>",
        )
        .expect("xml");
        let page = show_page(&c, Some(&hosts));
        for needle in [
            "CLUSTER 100 INFORMATION\nID                    : 100\nNAME                  : rack1\n",
            "\nCLUSTER RESOURCES\nTOTAL CPUs: 12\nOCCUPIED CPUs: 2\nAVAILABLE CPUs: 10\n\nTOTAL RAM: 24\nOCCUPIED RAM: 2\nAVAILABLE RAM: 22\n",
            "\nCLUSTER TEMPLATE\nRESERVED_CPU=\"\"\nRESERVED_MEM=\"\"\n",
            "\nHOSTS\n0\n3\n\nVNETS\n5\n\nDATASTORES\n0\n1\n2\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        let empty = show_page(
            &Node::parse("<CLUSTER><ID>0</ID><NAME>default</NAME><HOSTS/><TEMPLATE/></CLUSTER>").expect("xml"),
            None,
        );
        assert!(empty.contains("\nCLUSTER RESOURCES\n\nCLUSTER TEMPLATE\n\nHOSTS\n\nVNETS\n\nDATASTORES\n"), "{empty}");
    }
}
