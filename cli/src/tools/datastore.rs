//! `onedatastore`: create datastores from templates, enable/disable, rename, update, ownership
//! and permissions, and the list and show pages.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, CLUSTER, DATASTORE, ShowArgs};
use crate::conn::{ConnArgs, One, i, s};
use crate::error::Result;
use crate::show::Page;
use crate::states;
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name, col_user};
use crate::units::unit_to_str;
use crate::xmltree::Node;

/// Manages OpenNebula datastores
#[derive(Parser, Debug)]
#[command(name = "onedatastore", version, about = "Manages OpenNebula datastores")]
pub struct OneDatastore {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a datastore from a template file (`-` for stdin) with NAME, TYPE (IMAGE_DS,
    /// SYSTEM_DS, FILE_DS, BACKUP_DS), DS_MAD and TM_MAD
    Create {
        file: PathBuf,
        /// Cluster name or ID (default: the default cluster)
        #[arg(short = 'c', long)]
        cluster: Option<String>,
    },
    /// Deletes datastores (only ones without images)
    Delete(ObjectsArgs),
    /// Lists datastores
    List(ListArgs),
    /// Shows a datastore
    Show {
        datastore: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Enables datastores
    Enable(ObjectsArgs),
    /// Disables datastores (no new images or VMs are placed on them)
    Disable(ObjectsArgs),
    /// Replaces (or with --append, merges) a datastore's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames a datastore
    Rename(RenameArgs),
    /// Changes the owner (and optionally the group) of datastores
    Chown(ChownArgs),
    /// Changes the group of datastores
    Chgrp(ChgrpArgs),
    /// Changes the permissions of datastores (octal, for example 640)
    Chmod(ChmodArgs),
}

pub fn command() -> clap::Command {
    OneDatastore::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneDatastore) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { file, cluster } => create(&one, &file, cluster.as_deref()),
        Cmd::Delete(a) => common::delete(&one, &DATASTORE, &a.objects),
        Cmd::List(list) => common::list(&one, &DATASTORE, &TABLE, &list),
        Cmd::Show { datastore, out } => {
            if let Some(ds) = common::show(&one, &DATASTORE, &datastore, &out)? {
                common::out(&show_page(&ds));
            }
            Ok(())
        }
        Cmd::Enable(a) => common::flag(&one, &DATASTORE, "enable", &a.objects, true),
        Cmd::Disable(a) => common::flag(&one, &DATASTORE, "enable", &a.objects, false),
        Cmd::Update(a) => common::update(&one, &DATASTORE, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &DATASTORE, &a),
        Cmd::Chown(a) => common::chown(&one, &DATASTORE, &a),
        Cmd::Chgrp(a) => common::chgrp(&one, &DATASTORE, &a),
        Cmd::Chmod(a) => common::chmod(&one, &DATASTORE, &a),
    }
}

/// `one.datastore.allocate(template, cluster)`.
fn create(one: &One, file: &std::path::Path, cluster: Option<&str>) -> Result<()> {
    let template = common::read_template(file)?;
    let cid = match cluster {
        Some(c) => common::resolve_one(one, &CLUSTER, c)?,
        None => -1,
    };
    common::print_id(one.id("one.datastore.allocate", vec![s(template), i(cid)])?);
    Ok(())
}

/// Disk types (`DISK_TYPE`), as OpenNebula's `Image::DiskType` numbers them.
const DISK_TYPES: &[&str] = &[
    "FILE",
    "CD_ROM",
    "BLOCK",
    "RBD",
    "RBD_CDROM",
    "GLUSTER",
    "GLUSTER_CDROM",
    "SHEEPDOG",
    "SHEEPDOG_CDROM",
    "ISCSI",
    "FILE_SYSTEM",
];

fn disk_type(t: i64) -> &'static str {
    usize::try_from(t).ok().and_then(|i| DISK_TYPES.get(i)).copied().unwrap_or("-")
}

/// Local datastores (`SHARED = NO`) have no single capacity.
fn is_local(d: &Node) -> bool {
    d.text("TEMPLATE/SHARED").eq_ignore_ascii_case("NO")
}

/// A size in MB, or `-` for a local datastore.
fn capacity(d: &Node, path: &str) -> String {
    if is_local(d) { "-".into() } else { unit_to_str(d.float(path), "M") }
}

/// Comma-separated IDs, `-` for none.
fn ids_str(d: &Node, path: &str) -> String {
    let ids = d.ids(path);
    if ids.is_empty() { "-".into() } else { ids.join(",") }
}

fn col_size(d: &Node) -> String {
    capacity(d, "TOTAL_MB")
}
fn col_avail(d: &Node) -> String {
    let total = d.float("TOTAL_MB");
    if total == 0.0 { "-".into() } else { format!("{}%", (d.float("FREE_MB") / total * 100.0).round() as i64) }
}
fn col_clusters(d: &Node) -> String {
    ids_str(d, "CLUSTERS")
}
fn col_images(d: &Node) -> String {
    d.ids("IMAGES").len().to_string()
}
fn col_type(d: &Node) -> String {
    states::ds_type_short(d.int("TYPE")).to_string()
}
fn col_ds(d: &Node) -> String {
    d.text("DS_MAD").to_string()
}
fn col_tm(d: &Node) -> String {
    d.text("TM_MAD").to_string()
}
fn col_stat(d: &Node) -> String {
    states::ds_state_short(d.int("STATE")).to_string()
}

/// `onedatastore list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("USER", 8, col_user),
        Column::left("GROUP", 8, col_group),
        Column::left("NAME", 15, col_name),
        Column::right("SIZE", 6, col_size),
        Column::left("AVAIL", 3, col_avail),
        Column::left("CLUSTERS", 8, col_clusters),
        Column::right("IMAGES", 6, col_images),
        Column::left("TYPE", 4, col_type),
        Column::left("DS", 7, col_ds),
        Column::left("TM", 7, col_tm),
        Column::left("STAT", 4, col_stat),
    ],
    default: &["ID", "NAME", "SIZE", "AVAIL", "CLUSTERS", "IMAGES", "TYPE", "DS", "TM", "STAT"],
};

/// The `onedatastore show` page of a `one.datastore.info` document.
pub fn show_page(d: &Node) -> String {
    let mut p = Page::new();
    p.header(&format!("DATASTORE {} INFORMATION", d.text("ID")))
        .field("ID", d.text("ID"))
        .field("NAME", d.text("NAME"))
        .field("USER", d.text("UNAME"))
        .field("GROUP", d.text("GNAME"))
        .field("CLUSTERS", ids_str(d, "CLUSTERS"))
        .field("TYPE", states::ds_type(d.int("TYPE")))
        .field("DS_MAD", d.text("DS_MAD"))
        .field("TM_MAD", d.text("TM_MAD"))
        .field("BASE PATH", d.text("BASE_PATH"))
        .field("DISK_TYPE", disk_type(d.int("DISK_TYPE")))
        .field("STATE", states::ds_state(d.int("STATE")));
    let limit = if is_local(d) || d.get("TEMPLATE/LIMIT_MB").is_none() {
        "-".to_string()
    } else {
        capacity(d, "TEMPLATE/LIMIT_MB")
    };
    p.header("DATASTORE CAPACITY")
        .field("TOTAL", capacity(d, "TOTAL_MB"))
        .field("FREE", capacity(d, "FREE_MB"))
        .field("USED", capacity(d, "USED_MB"))
        .field("LIMIT", limit);
    p.permissions(d);
    p.template("DATASTORE TEMPLATE", d.get("TEMPLATE"));
    p.header("IMAGES").raw(&d.ids("IMAGES").join("\n"));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DS_XML: &str = "<DATASTORE><ID>100</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
        <NAME>ds1</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U>\
        <GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>\
        <DS_MAD>fs</DS_MAD><TM_MAD>local</TM_MAD><BASE_PATH>/var/lib/one/datastores/100</BASE_PATH><TYPE>0</TYPE>\
        <DISK_TYPE>2</DISK_TYPE><STATE>1</STATE><CLUSTERS><ID>0</ID><ID>100</ID></CLUSTERS><TOTAL_MB>20480</TOTAL_MB>\
        <FREE_MB>16794</FREE_MB><USED_MB>3686</USED_MB><IMAGES><ID>4</ID><ID>7</ID></IMAGES>\
        <TEMPLATE><DS_MAD><![CDATA[fs]]></DS_MAD><LIMIT_MB><![CDATA[10240]]></LIMIT_MB><TM_MAD><![CDATA[local]]></TM_MAD>\
        <TYPE><![CDATA[IMAGE_DS]]></TYPE></TEMPLATE></DATASTORE>";

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let pool = Node::parse(&format!(
            "<DATASTORE_POOL>{DS_XML}<DATASTORE><ID>0</ID><NAME>system</NAME><DS_MAD>-</DS_MAD><TM_MAD>local</TM_MAD>\
             <TYPE>1</TYPE><STATE>0</STATE><CLUSTERS><ID>0</ID></CLUSTERS><TOTAL_MB>0</TOTAL_MB><FREE_MB>0</FREE_MB>\
             <IMAGES/><TEMPLATE><SHARED><![CDATA[NO]]></SHARED></TEMPLATE></DATASTORE></DATASTORE_POOL>"
        ))
        .expect("xml");
        let out = common::render_pool(&pool, &DATASTORE, &TABLE, &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID NAME              SIZE AVA CLUSTERS IMAGES TYPE DS      TM      STAT\n \
             100 ds1                20G 82% 0,100         2 img  fs      local   off\n   \
             0 system               - -   0             0 sys  -       local   on\n"
        );
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let d = Node::parse(DS_XML).expect("xml");
        let page = show_page(&d);
        for needle in [
            "DATASTORE 100 INFORMATION\nID                    : 100\nNAME                  : ds1\n",
            "USER                  : oneadmin\nGROUP                 : oneadmin\nCLUSTERS              : 0,100\n",
            "TYPE                  : IMAGE\nDS_MAD                : fs\nTM_MAD                : local\n",
            "BASE PATH             : /var/lib/one/datastores/100\nDISK_TYPE             : BLOCK\nSTATE                 : DISABLED\n",
            "\nDATASTORE CAPACITY\nTOTAL                 : 20G\nFREE                  : 16.4G\nUSED                  : 3.6G\nLIMIT                 : 10G\n",
            "\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n",
            "\nDATASTORE TEMPLATE\nDS_MAD=\"fs\"\nLIMIT_MB=\"10240\"\n",
            "\nIMAGES\n4\n7\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
    }
}
