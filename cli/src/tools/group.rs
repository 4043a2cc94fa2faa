//! `onegroup`: create and delete groups, their templates and administrators, and the list and
//! show pages with members and VM quota usage.

use clap::{CommandFactory, Parser, Subcommand};

use crate::args::{ObjectsArgs, UpdateArgs};
use crate::common::{self, GROUP, ShowArgs, USER};
use crate::conn::{ConnArgs, One, i, s};
use crate::error::Result;
use crate::show::Page;
use crate::table::{Column, ListArgs, TableSpec, col_id, col_name};
use crate::tools::user::{
    info_quotas, quota_cpu_group, quota_memory, quota_pci, quota_section, quota_vms, with_quotas,
};
use crate::xmltree::Node;

/// Manages OpenNebula groups
#[derive(Parser, Debug)]
#[command(name = "onegroup", version, about = "Manages OpenNebula groups")]
pub struct OneGroup {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a group (it may use the default VDC's hosts, networks and datastores)
    Create { name: String },
    /// Deletes groups (system groups, ID < 100, and groups with users cannot be deleted)
    Delete(ObjectsArgs),
    /// Lists groups
    List(ListArgs),
    /// Shows a group (the caller's group when none is given)
    Show {
        group: Option<String>,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Replaces (or with --append, merges) a group's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Makes users (members of the group) administrators of the group
    Addadmin { group: String, users: String },
    /// Removes users from the group's administrators
    Deladmin { group: String, users: String },
}

pub fn command() -> clap::Command {
    OneGroup::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneGroup) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { name } => {
            common::print_id(one.id("one.group.allocate", vec![s(name)])?);
            Ok(())
        }
        Cmd::Delete(a) => common::delete(&one, &GROUP, &a.objects),
        Cmd::List(list) => {
            let pool = common::pool(&one, &GROUP)?;
            common::out(&render_list(&pool, &list)?);
            Ok(())
        }
        Cmd::Show { group, out } => {
            let id = match group {
                Some(g) => common::resolve_one(&one, &GROUP, &g)?.to_string(),
                None => "-1".to_string(),
            };
            if let Some(g) = common::show(&one, &GROUP, &id, &out)? {
                common::out(&show_page(&g));
            }
            Ok(())
        }
        Cmd::Update(a) => common::update(&one, &GROUP, &a, "TEMPLATE"),
        Cmd::Addadmin { group, users } => admins(&one, "one.group.addadmin", &group, &users),
        Cmd::Deladmin { group, users } => admins(&one, "one.group.deladmin", &group, &users),
    }
}

/// `addadmin`/`deladmin`: `<method>(group, user)` for each user.
fn admins(one: &One, method: &str, group: &str, users: &str) -> Result<()> {
    let gid = common::resolve_one(one, &GROUP, group)?;
    common::each(one, &USER, &[users.to_string()], |uid| one.run(method, vec![i(gid), i(uid)]))
}

/// The text `onegroup list` prints for a pool document: the GROUP elements, each with the
/// QUOTAS row of the same ID for the quota columns.
pub fn render_list(pool: &Node, args: &ListArgs) -> Result<String> {
    if args.xml || args.json {
        return common::render_pool(pool, &GROUP, &TABLE, args);
    }
    let rows = with_quotas(pool, "GROUP", "DEFAULT_GROUP_QUOTAS");
    let refs: Vec<&Node> = rows.iter().collect();
    TABLE.render(&refs, args)
}

fn col_users(g: &Node) -> String {
    g.ids("USERS").len().to_string()
}
fn col_admins(g: &Node) -> String {
    g.ids("ADMINS").len().to_string()
}

/// `onegroup list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("NAME", 15, col_name),
        Column::right("USERS", 5, col_users),
        Column::right("ADMINS", 6, col_admins),
        Column::right("VMS", 9, quota_vms),
        Column::right("MEMORY", 15, quota_memory),
        Column::right("CPU", 11, quota_cpu_group),
        Column::right("PCI", 9, quota_pci),
    ],
    default: &["ID", "NAME", "USERS", "VMS", "MEMORY", "CPU"],
};

/// The members table: `USER ID` and a `*` under `ADMIN` for administrators.
fn members_text(g: &Node) -> String {
    let admins = g.ids("ADMINS");
    let mut text = format!("{:>7} {}\n", "USER ID", "ADMIN");
    for uid in g.ids("USERS") {
        let mark = if admins.contains(&uid) { "*" } else { "" };
        text.push_str(format!("{uid:>7} {mark}").trim_end());
        text.push('\n');
    }
    text
}

/// The `onegroup show` page of a `one.group.info` document.
pub fn show_page(g: &Node) -> String {
    let mut p = Page::new();
    p.header(&format!("GROUP {} INFORMATION", g.text("ID"))).field("ID", g.text("ID")).field("NAME", g.text("NAME"));
    p.template("GROUP TEMPLATE", g.get("TEMPLATE"));
    p.header("USERS").raw(&members_text(g));
    p.header("ADMINS").raw(&g.ids("ADMINS").join("\n"));
    quota_section(&mut p, &info_quotas(g, "DEFAULT_GROUP_QUOTAS"));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POOL: &str = "<GROUP_POOL>\
        <GROUP><ID>100</ID><NAME>devs</NAME><TEMPLATE/><USERS><ID>2</ID><ID>3</ID></USERS><ADMINS><ID>3</ID></ADMINS></GROUP>\
        <QUOTAS><ID>100</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA><VM><CPU>4</CPU><CPU_USED>0.5</CPU_USED>\
        <MEMORY>-1</MEMORY><MEMORY_USED>128</MEMORY_USED><VMS>-1</VMS><VMS_USED>1</VMS_USED></VM></VM_QUOTA><IMAGE_QUOTA/></QUOTAS>\
        <GROUP><ID>1</ID><NAME>users</NAME><TEMPLATE/><USERS><ID>2</ID></USERS><ADMINS/></GROUP>\
        <QUOTAS><ID>1</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></QUOTAS>\
        <GROUP><ID>0</ID><NAME>oneadmin</NAME><TEMPLATE/><USERS><ID>0</ID><ID>1</ID></USERS><ADMINS/></GROUP>\
        <QUOTAS><ID>0</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></QUOTAS>\
        <DEFAULT_GROUP_QUOTAS><VM_QUOTA><VM><VMS>20</VMS></VM></VM_QUOTA></DEFAULT_GROUP_QUOTAS>\
        </GROUP_POOL>";

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let pool = Node::parse(POOL).expect("xml");
        let out = render_list(&pool, &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID NAME            USERS       VMS          MEMORY         CPU\n \
             100 devs                2   1 /  20   128M /      -   0.5 / 4.0\n   \
             1 users               1   0 /  20     0M /      -  0.0 /    -\n   \
             0 oneadmin            2         -               -           -\n"
        );
        let csv = render_list(
            &pool,
            &ListArgs {
                csv: true,
                list: vec!["NAME".into(), "ADMINS".into(), "PCI".into()],
                filter: vec!["USERS>1".into()],
                ..ListArgs::default()
            },
        )
        .expect("renders");
        assert_eq!(csv, "NAME,ADMINS,PCI\ndevs,1,0 /   -\noneadmin,0,-\n");
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let g = Node::parse(
            "<GROUP><ID>100</ID><NAME>devs</NAME><TEMPLATE><SUNSTONE><VIEWS><![CDATA[cloud]]></VIEWS></SUNSTONE></TEMPLATE>\
             <USERS><ID>2</ID><ID>3</ID></USERS><ADMINS><ID>3</ID></ADMINS>\
             <DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/><VLAN_RULES/>\
             <DEFAULT_GROUP_QUOTAS><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></DEFAULT_GROUP_QUOTAS></GROUP>",
        )
        .expect("xml");
        let page = show_page(&g);
        for needle in [
            "GROUP 100 INFORMATION\nID                    : 100\nNAME                  : devs\n",
            "\nGROUP TEMPLATE\nSUNSTONE=[\n  VIEWS=\"cloud\" ]\n",
            "\nUSERS\nUSER ID ADMIN\n      2\n      3 *\n",
            "\nADMINS\n3\n",
            "\nVMS USAGE & QUOTAS\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
    }
}
