//! `onetemplate`: create, list, show and top VM templates; instantiate and clone them; update,
//! rename, chown, chgrp, chmod, lock and unlock.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use libone::template::{Template, Vector};

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, One, b, i, s};
use crate::error::{CliError, Result};
use crate::show::Page;
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name, col_user};
use crate::units::{date_to_str, time_to_str};
use crate::xmltree::Node;

pub const TEMPLATE: common::Kind = common::Kind {
    noun: "TEMPLATE",
    element: "VMTEMPLATE",
    prefix: "one.template",
    pool: "one.templatepool.info",
    pool_args: &[-2, -1, -1],
};

/// Manages OpenNebula VM templates
#[derive(Parser, Debug)]
#[command(name = "onetemplate", version, about = "Manages OpenNebula VM templates")]
pub struct OneTemplate {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The VM attributes `create` can take instead of a template file.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct VmOptions {
    /// Name of the new template
    #[arg(long)]
    pub name: Option<String>,
    /// Physical CPUs (a fraction of a host CPU is fine: 0.5)
    #[arg(long)]
    pub cpu: Option<String>,
    /// Virtual CPUs
    #[arg(long)]
    pub vcpu: Option<String>,
    /// Memory in MB
    #[arg(long, value_name = "MB")]
    pub memory: Option<String>,
    /// Disks: image names or IDs, comma-separated
    #[arg(long, value_name = "IMAGES", value_delimiter = ',')]
    pub disk: Vec<String>,
    /// Network interfaces: network names or IDs, comma-separated
    #[arg(long, value_name = "VNETS", value_delimiter = ',')]
    pub nic: Vec<String>,
    /// Description of the template
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a VM template from a file (`-` for stdin) or from the options
    Create {
        file: Option<PathBuf>,
        #[command(flatten)]
        vm: VmOptions,
    },
    /// Deletes VM templates
    Delete(ObjectsArgs),
    /// Lists VM templates
    List(ListArgs),
    /// Shows a VM template
    Show {
        template: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists VM templates again and again
    Top(TopArgs),
    /// Creates VMs from a template; FILE holds attributes merged into it
    Instantiate {
        template: String,
        /// Extra template attributes for the VMs (`-` for stdin)
        file: Option<PathBuf>,
        /// Name of the VM; with --multiple, `%i` is replaced by the VM's number
        #[arg(long)]
        name: Option<String>,
        /// Number of VMs to create
        #[arg(short = 'm', long, default_value_t = 1, value_name = "N")]
        multiple: u32,
        /// Create the VMs on hold: the scheduler leaves them alone until released
        #[arg(long)]
        hold: bool,
        /// Instantiate a private persistent copy of the template and its images
        #[arg(long)]
        persistent: bool,
    },
    /// Copies a template under a new name
    Clone { template: String, name: String },
    /// Replaces (or with --append, merges) a template's contents from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames a VM template
    Rename(RenameArgs),
    /// Changes the owner (and optionally the group) of VM templates
    Chown(ChownArgs),
    /// Changes the group of VM templates
    Chgrp(ChgrpArgs),
    /// Changes the permissions of VM templates (octal, for example 640)
    Chmod(ChmodArgs),
    /// Locks VM templates
    Lock(LockArgs),
    /// Unlocks VM templates
    Unlock(ObjectsArgs),
}

pub fn command() -> clap::Command {
    OneTemplate::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneTemplate) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { file, vm } => {
            let text = match file {
                Some(f) if vm.is_used() => {
                    return Err(CliError::usage(format!(
                        "give either the template file {} or the VM options, not both",
                        f.display()
                    )));
                }
                Some(f) => common::read_template(&f)?,
                None => vm.template()?,
            };
            common::print_id(one.id("one.template.allocate", vec![s(text)])?);
            Ok(())
        }
        Cmd::Delete(a) => common::delete(&one, &TEMPLATE, &a.objects),
        Cmd::List(list) => common::list(&one, &TEMPLATE, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &TEMPLATE, &TABLE, &top),
        Cmd::Show { template, out } => {
            if let Some(t) = common::show(&one, &TEMPLATE, &template, &out)? {
                common::out(&show_page(&t));
            }
            Ok(())
        }
        Cmd::Instantiate { template, file, name, multiple, hold, persistent } => {
            let extra = match file {
                Some(f) => common::read_template(&f)?,
                None => String::new(),
            };
            let request = Instantiate { name, multiple, hold, persistent, extra };
            instantiate(&one, &template, &request)
        }
        Cmd::Clone { template, name } => {
            let id = common::resolve_one(&one, &TEMPLATE, &template)?;
            common::print_id(one.id("one.template.clone", vec![i(id), s(name), b(false)])?);
            Ok(())
        }
        Cmd::Update(a) => common::update(&one, &TEMPLATE, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &TEMPLATE, &a),
        Cmd::Chown(a) => common::chown(&one, &TEMPLATE, &a),
        Cmd::Chgrp(a) => common::chgrp(&one, &TEMPLATE, &a),
        Cmd::Chmod(a) => common::chmod(&one, &TEMPLATE, &a),
        Cmd::Lock(a) => common::lock(&one, &TEMPLATE, &a),
        Cmd::Unlock(a) => common::unlock(&one, &TEMPLATE, &a.objects),
    }
}

/// What `instantiate` asks for.
struct Instantiate {
    name: Option<String>,
    multiple: u32,
    hold: bool,
    persistent: bool,
    extra: String,
}

/// The name of VM number `n`: `%i` replaced by `n`.
pub fn vm_name(name: Option<&str>, n: u32) -> String {
    name.map(|x| x.replace("%i", &n.to_string())).unwrap_or_default()
}

/// `one.template.instantiate` once per VM; prints `VM ID: n` for each.
fn instantiate(one: &One, template: &str, req: &Instantiate) -> Result<()> {
    if req.multiple == 0 {
        return Err(CliError::usage("--multiple must be at least 1"));
    }
    let id = common::resolve_one(one, &TEMPLATE, template)?;
    for n in 0..req.multiple {
        let vid = one.id(
            "one.template.instantiate",
            vec![i(id), s(vm_name(req.name.as_deref(), n)), b(req.hold), s(req.extra.clone()), b(req.persistent)],
        )?;
        common::out(&format!("VM ID: {vid}\n"));
    }
    Ok(())
}

/// `IMAGE_ID`/`NETWORK_ID` for a number, `IMAGE`/`NETWORK` for a name.
fn by_id_or_name(spec: &str, id_key: &str, name_key: &str) -> Vector {
    let spec = spec.trim();
    let key = if spec.parse::<i32>().is_ok() { id_key } else { name_key };
    Vector::from_pairs([(key, spec)])
}

impl VmOptions {
    /// True if any template option was given.
    pub fn is_used(&self) -> bool {
        self.name.is_some()
            || self.cpu.is_some()
            || self.vcpu.is_some()
            || self.memory.is_some()
            || !self.disk.is_empty()
            || !self.nic.is_empty()
            || self.description.is_some()
    }

    /// The VM template the options describe.
    pub fn template(&self) -> Result<String> {
        let Some(name) = &self.name else {
            return Err(CliError::usage("a template needs a file or at least --name"));
        };
        let mut t = Template::new();
        t.add("NAME", name.clone());
        let singles =
            [("CPU", &self.cpu), ("VCPU", &self.vcpu), ("MEMORY", &self.memory), ("DESCRIPTION", &self.description)];
        for (key, value) in singles {
            if let Some(v) = value {
                t.add(key, v.clone());
            }
        }
        for d in self.disk.iter().filter(|d| !d.trim().is_empty()) {
            t.add_vector("DISK", by_id_or_name(d, "IMAGE_ID", "IMAGE"));
        }
        for n in self.nic.iter().filter(|n| !n.trim().is_empty()) {
            t.add_vector("NIC", by_id_or_name(n, "NETWORK_ID", "NETWORK"));
        }
        Ok(t.to_text())
    }
}

// ------------------------------------------------------------------------------- columns

/// OpenNebula's `MM/DD HH:MM:SS` (the column is 15 wide; `show` prints the year too).
fn col_regtime(t: &Node) -> String {
    time_to_str(t.int("REGTIME"))
}

/// `onetemplate list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("USER", 15, col_user),
        Column::left("GROUP", 15, col_group),
        Column::left("NAME", 27, col_name),
        Column::right("REGTIME", 15, col_regtime),
    ],
    default: &["ID", "USER", "GROUP", "NAME", "REGTIME"],
};

// ---------------------------------------------------------------------------------- show

/// The `onetemplate show` page.
pub fn show_page(t: &Node) -> String {
    let mut p = Page::new();
    p.header(&format!("TEMPLATE {} INFORMATION", t.text("ID")))
        .field("ID", t.text("ID"))
        .field("NAME", t.text("NAME"))
        .field("USER", t.text("UNAME"))
        .field("GROUP", t.text("GNAME"))
        .field("LOCK", crate::tools::vnet::lock_str(t))
        .field("REGISTER TIME", date_to_str(t.int("REGTIME")));
    p.permissions(t);
    p.template("TEMPLATE CONTENTS", t.get("TEMPLATE"));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE_XML: &str = "<VMTEMPLATE><ID>2</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME>\
        <GNAME>oneadmin</GNAME><NAME>small</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M>\
        <OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U>\
        <OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS><REGTIME>1795408927</REGTIME><TEMPLATE>\
        <CPU><![CDATA[0.5]]></CPU><MEMORY><![CDATA[128]]></MEMORY><NIC><NETWORK><![CDATA[net]]></NETWORK></NIC>\
        </TEMPLATE></VMTEMPLATE>";

    fn template() -> Node {
        Node::parse(TEMPLATE_XML).expect("xml")
    }

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let out = TABLE.render(&[&template()], &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID USER            GROUP           NAME                                REGTIME\n   \
             2 oneadmin        oneadmin        small                        11/23 04:42:07\n"
        );
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let page = show_page(&template());
        assert_eq!(
            page,
            "TEMPLATE 2 INFORMATION\n\
             ID                    : 2\n\
             NAME                  : small\n\
             USER                  : oneadmin\n\
             GROUP                 : oneadmin\n\
             LOCK                  : None\n\
             REGISTER TIME         : 11/23/26 04:42:07\n\
             \n\
             PERMISSIONS\n\
             OWNER                 : um-\n\
             GROUP                 : ---\n\
             OTHER                 : ---\n\
             \n\
             TEMPLATE CONTENTS\n\
             CPU=\"0.5\"\n\
             MEMORY=\"128\"\n\
             NIC=[\n  NETWORK=\"net\" ]\n"
        );
    }

    #[test]
    fn options_make_a_template() {
        let o = VmOptions {
            name: Some("web".into()),
            cpu: Some("0.5".into()),
            memory: Some("256".into()),
            disk: vec!["ubuntu".into(), "3".into()],
            nic: vec!["net".into()],
            ..VmOptions::default()
        };
        assert!(o.is_used());
        let t = Template::parse_text(&o.template().expect("ok")).expect("parses");
        assert_eq!((t.get("NAME"), t.get("CPU"), t.get("MEMORY")), (Some("web"), Some("0.5"), Some("256")));
        let disks: Vec<&Vector> = t.vectors("DISK").collect();
        assert_eq!(disks.len(), 2);
        assert_eq!(disks[0].get("IMAGE"), Some("ubuntu"));
        assert_eq!(disks[1].get("IMAGE_ID"), Some("3"));
        assert_eq!(t.vector("NIC").and_then(|v| v.get("NETWORK")), Some("net"));
        assert!(!VmOptions::default().is_used());
        assert!(VmOptions::default().template().is_err());
    }

    #[test]
    fn vm_names() {
        assert_eq!(vm_name(Some("web-%i"), 3), "web-3");
        assert_eq!(vm_name(Some("web"), 3), "web");
        assert_eq!(vm_name(None, 0), "");
    }
}
