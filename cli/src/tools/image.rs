//! `oneimage`: register, list, show and top images; make them persistent or not, enable and
//! disable them, change their type; update, rename, chown, chgrp, chmod, lock and unlock.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use libone::template::Template;

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, b, i, s};
use crate::error::{CliError, Result};
use crate::show::{Page, yes_no};
use crate::states;
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name, col_user};
use crate::tools::vm::VM;
use crate::units::{date_to_str, unit_to_str};
use crate::xmltree::Node;

pub const IMAGE: common::Kind = common::Kind {
    noun: "IMAGE",
    element: "IMAGE",
    prefix: "one.image",
    pool: "one.imagepool.info",
    pool_args: &[-2, -1, -1],
};

/// Manages OpenNebula images
#[derive(Parser, Debug)]
#[command(name = "oneimage", version, about = "Manages OpenNebula images")]
pub struct OneImage {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// The image attributes `create` can take instead of a template file.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ImageOptions {
    /// Name of the new image
    #[arg(long)]
    pub name: Option<String>,
    /// Type: OS, CDROM, DATABLOCK, KERNEL, RAMDISK or CONTEXT
    #[arg(short = 't', long = "type", value_name = "TYPE")]
    pub image_type: Option<String>,
    /// Size in MB (an empty DATABLOCK, or the size of SOURCE)
    #[arg(long, value_name = "MB")]
    pub size: Option<String>,
    /// Path (or URL) of the file to copy into the datastore
    #[arg(long)]
    pub path: Option<String>,
    /// Image already in the datastore (needs --format)
    #[arg(long)]
    pub source: Option<String>,
    /// Disk format (raw, qcow2)
    #[arg(long)]
    pub format: Option<String>,
    /// Make the image persistent
    #[arg(long)]
    pub persistent: bool,
    /// Description of the image
    #[arg(long)]
    pub description: Option<String>,
    /// Device prefix of the disks made from it (hd, sd, vd)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,
    /// Target device of the disks made from it (sda, vdb)
    #[arg(long)]
    pub target: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Registers an image from a template file (`-` for stdin) or from the options
    Create {
        file: Option<PathBuf>,
        /// Datastore name or ID
        #[arg(short = 'd', long, default_value = "default")]
        datastore: String,
        #[command(flatten)]
        image: ImageOptions,
    },
    /// Deletes images
    Delete {
        images: Vec<String>,
        /// Delete even a locked image
        #[arg(short = 'f', long)]
        force: bool,
    },
    /// Lists images
    List(ListArgs),
    /// Shows an image
    Show {
        image: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists images again and again
    Top(TopArgs),
    /// Makes images persistent: VMs write to the image itself
    Persistent(ObjectsArgs),
    /// Makes images non-persistent: VMs get a copy
    Nonpersistent(ObjectsArgs),
    /// Enables images
    Enable(ObjectsArgs),
    /// Disables images: no new VM can use them
    Disable(ObjectsArgs),
    /// Changes the type of an image (OS, CDROM, DATABLOCK, ...)
    Chtype {
        images: String,
        #[arg(value_name = "TYPE")]
        image_type: String,
    },
    /// Replaces (or with --append, merges) an image's template from FILE or $EDITOR
    Update(UpdateArgs),
    /// Renames an image
    Rename(RenameArgs),
    /// Changes the owner (and optionally the group) of images
    Chown(ChownArgs),
    /// Changes the group of images
    Chgrp(ChgrpArgs),
    /// Changes the permissions of images (octal, for example 640)
    Chmod(ChmodArgs),
    /// Locks images
    Lock(LockArgs),
    /// Unlocks images
    Unlock(ObjectsArgs),
}

pub fn command() -> clap::Command {
    OneImage::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneImage) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { file, datastore, image } => {
            let text = match file {
                Some(f) if image.is_used() => {
                    return Err(CliError::usage(format!(
                        "give either the template file {} or the image options, not both",
                        f.display()
                    )));
                }
                Some(f) => common::read_template(&f)?,
                None => image.template()?,
            };
            let ds = common::resolve_one(&one, &common::DATASTORE, &datastore)?;
            common::print_id(one.id("one.image.allocate", vec![s(text), i(ds), b(false)])?);
            Ok(())
        }
        Cmd::Delete { images, force } => {
            common::each(&one, &IMAGE, &images, |id| one.run("one.image.delete", vec![i(id), b(force)]))
        }
        Cmd::List(list) => common::list(&one, &IMAGE, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &IMAGE, &TABLE, &top),
        Cmd::Show { image, out } => {
            if let Some(img) = common::show(&one, &IMAGE, &image, &out)? {
                let vms = if img.ids("VMS").is_empty() { None } else { Some(common::pool(&one, &VM)?) };
                common::out(&show_page(&img, vms.as_ref()));
            }
            Ok(())
        }
        Cmd::Persistent(a) => common::flag(&one, &IMAGE, "persistent", &a.objects, true),
        Cmd::Nonpersistent(a) => common::flag(&one, &IMAGE, "persistent", &a.objects, false),
        Cmd::Enable(a) => common::flag(&one, &IMAGE, "enable", &a.objects, true),
        Cmd::Disable(a) => common::flag(&one, &IMAGE, "enable", &a.objects, false),
        Cmd::Chtype { images, image_type } => {
            let t = image_type.trim().to_ascii_uppercase();
            common::each(&one, &IMAGE, &[images], |id| one.run("one.image.chtype", vec![i(id), s(t.clone())]))
        }
        Cmd::Update(a) => common::update(&one, &IMAGE, &a, "TEMPLATE"),
        Cmd::Rename(a) => common::rename(&one, &IMAGE, &a),
        Cmd::Chown(a) => common::chown(&one, &IMAGE, &a),
        Cmd::Chgrp(a) => common::chgrp(&one, &IMAGE, &a),
        Cmd::Chmod(a) => common::chmod(&one, &IMAGE, &a),
        Cmd::Lock(a) => common::lock(&one, &IMAGE, &a),
        Cmd::Unlock(a) => common::unlock(&one, &IMAGE, &a.objects),
    }
}

/// `<method>(id, on)` on each image (persistent, enable).
impl ImageOptions {
    /// True if any template option was given.
    pub fn is_used(&self) -> bool {
        self.name.is_some()
            || self.image_type.is_some()
            || self.size.is_some()
            || self.path.is_some()
            || self.source.is_some()
            || self.format.is_some()
            || self.persistent
            || self.description.is_some()
            || self.prefix.is_some()
            || self.target.is_some()
    }

    /// The image template the options describe.
    pub fn template(&self) -> Result<String> {
        let Some(name) = &self.name else {
            return Err(CliError::usage("an image needs a template file or at least --name"));
        };
        let mut t = Template::new();
        t.add("NAME", name.clone());
        let singles = [
            ("TYPE", self.image_type.as_ref().map(|x| x.to_ascii_uppercase())),
            ("SIZE", self.size.clone()),
            ("PATH", self.path.clone()),
            ("SOURCE", self.source.clone()),
            ("FORMAT", self.format.clone()),
            ("DESCRIPTION", self.description.clone()),
            ("DEV_PREFIX", self.prefix.clone()),
            ("TARGET", self.target.clone()),
        ];
        for (key, value) in singles {
            if let Some(v) = value {
                t.add(key, v);
            }
        }
        if self.persistent {
            t.add("PERSISTENT", "YES");
        }
        Ok(t.to_text())
    }
}

// ------------------------------------------------------------------------------- columns

fn col_datastore(m: &Node) -> String {
    m.text("DATASTORE").to_string()
}
fn col_size(m: &Node) -> String {
    unit_to_str(m.float("SIZE"), "M")
}
fn col_type(m: &Node) -> String {
    states::image_type_short(m.int("TYPE")).to_string()
}
fn col_persistent(m: &Node) -> String {
    yes_no(m.text("PERSISTENT")).to_string()
}
fn col_stat(m: &Node) -> String {
    states::image_short(m.int("STATE")).to_string()
}
fn col_rvms(m: &Node) -> String {
    m.text("RUNNING_VMS").to_string()
}
fn col_regtime(m: &Node) -> String {
    crate::units::time_to_str(m.int("REGTIME"))
}

/// `oneimage list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("USER", 10, col_user),
        Column::left("GROUP", 10, col_group),
        Column::left("NAME", 15, col_name),
        Column::left("DATASTORE", 10, col_datastore),
        Column::right("SIZE", 7, col_size),
        Column::left("TYPE", 4, col_type),
        Column::right("PERSISTENT", 3, col_persistent),
        Column::left("STAT", 4, col_stat),
        Column::right("RVMS", 4, col_rvms),
        Column::right("REGTIME", 15, col_regtime),
    ],
    default: &["ID", "USER", "GROUP", "NAME", "DATASTORE", "SIZE", "TYPE", "PERSISTENT", "STAT", "RVMS"],
};

// ---------------------------------------------------------------------------------- show

/// The `oneimage show` page; `vms` is the VM pool when the image is in use.
pub fn show_page(img: &Node, vms: Option<&Node>) -> String {
    let mut p = Page::new();
    p.header(&format!("IMAGE {} INFORMATION", img.text("ID")))
        .field("ID", img.text("ID"))
        .field("NAME", img.text("NAME"))
        .field("USER", img.text("UNAME"))
        .field("GROUP", img.text("GNAME"))
        .field("LOCK", crate::tools::vnet::lock_str(img))
        .field("DATASTORE", img.text("DATASTORE"))
        .field("TYPE", states::image_type(img.int("TYPE")))
        .field("REGISTER TIME", date_to_str(img.int("REGTIME")))
        .field("PERSISTENT", yes_no(img.text("PERSISTENT")))
        .field("SOURCE", img.text("SOURCE"));
    for (label, key) in [("PATH", "PATH"), ("FORMAT", "FORMAT")] {
        if !img.text(key).is_empty() {
            p.field(label, img.text(key));
        }
    }
    p.field("SIZE", col_size(img))
        .field("STATE", states::image_short(img.int("STATE")))
        .field("RUNNING_VMS", img.text("RUNNING_VMS"));
    p.permissions(img);
    p.template("IMAGE TEMPLATE", img.get("TEMPLATE"));
    let ids = img.ids("VMS");
    if !ids.is_empty() {
        p.header("VIRTUAL MACHINES");
        let using: Vec<&Node> = vms
            .map(|pool| pool.all("VM").filter(|vm| ids.iter().any(|id| id == vm.text("ID"))).collect())
            .unwrap_or_default();
        p.raw(&crate::tools::vm::TABLE.render_default(&using));
    }
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE_XML: &str = "<IMAGE><ID>4</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
        <NAME>ubuntu-24.04</NAME><LOCK><LOCKED>2</LOCKED><OWNER>0</OWNER><TIME>1</TIME><REQ_ID>-1</REQ_ID></LOCK>\
        <PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U>\
        <GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS>\
        <TYPE>0</TYPE><DISK_TYPE>0</DISK_TYPE><PERSISTENT>1</PERSISTENT><REGTIME>1795408927</REGTIME><MODTIME>0</MODTIME>\
        <SOURCE><![CDATA[/var/lib/one/datastores/1/abc]]></SOURCE><PATH><![CDATA[]]></PATH><FORMAT><![CDATA[qcow2]]></FORMAT>\
        <FS><![CDATA[]]></FS><SIZE>2252</SIZE><STATE>2</STATE><PREV_STATE>1</PREV_STATE><RUNNING_VMS>1</RUNNING_VMS>\
        <DATASTORE_ID>1</DATASTORE_ID><DATASTORE>default</DATASTORE><VMS><ID>7</ID></VMS><CLONES/><APP_CLONES/>\
        <TEMPLATE><DEV_PREFIX><![CDATA[vd]]></DEV_PREFIX><DESCRIPTION><![CDATA[base]]></DESCRIPTION></TEMPLATE></IMAGE>";

    fn image() -> Node {
        Node::parse(IMAGE_XML).expect("xml")
    }

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let out = TABLE.render(&[&image()], &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID USER       GROUP      NAME            DATASTORE     SIZE TYPE PER STAT RVMS\n   \
             4 oneadmin   oneadmin   ubuntu-24.04    default       2.2G OS   Yes used    1\n"
        );
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let vms = Node::parse(
            "<VM_POOL><VM><ID>7</ID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>web</NAME>\
             <STATE>1</STATE><LCM_STATE>0</LCM_STATE></VM><VM><ID>8</ID><NAME>other</NAME></VM></VM_POOL>",
        )
        .expect("xml");
        let page = show_page(&image(), Some(&vms));
        for needle in [
            "IMAGE 4 INFORMATION\n",
            "NAME                  : ubuntu-24.04\n",
            "LOCK                  : Manage\n",
            "DATASTORE             : default\n",
            "TYPE                  : OS\n",
            "REGISTER TIME         : 11/23/26 04:42:07\n",
            "PERSISTENT            : Yes\n",
            "SOURCE                : /var/lib/one/datastores/1/abc\n",
            "FORMAT                : qcow2\n",
            "SIZE                  : 2.2G\n",
            "STATE                 : used\n",
            "RUNNING_VMS           : 1\n",
            "\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : ---\n",
            "\nIMAGE TEMPLATE\nDEV_PREFIX=\"vd\"\nDESCRIPTION=\"base\"\n",
            "\nVIRTUAL MACHINES\n",
            " web ",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        assert!(!page.contains("PATH "), "empty PATH is left out:\n{page}");
        assert!(!page.contains("other"), "only the VMs using the image:\n{page}");
    }

    #[test]
    fn options_make_a_template() {
        let o = ImageOptions {
            name: Some("blank".into()),
            image_type: Some("datablock".into()),
            size: Some("1024".into()),
            persistent: true,
            description: Some("a \"quoted\" text".into()),
            ..ImageOptions::default()
        };
        assert!(o.is_used());
        let t = Template::parse_text(&o.template().expect("ok")).expect("parses");
        assert_eq!(t.get("NAME"), Some("blank"));
        assert_eq!(t.get("TYPE"), Some("DATABLOCK"));
        assert_eq!(t.get("SIZE"), Some("1024"));
        assert_eq!(t.get("PERSISTENT"), Some("YES"));
        assert_eq!(t.get("DESCRIPTION"), Some("a \"quoted\" text"));
        assert!(!ImageOptions::default().is_used());
        let e = ImageOptions::default().template().expect_err("no name");
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
    }
}
