//! `oneimage`: register (from a template file or OpenNebula's create options), clone, list,
//! show and top images; make them persistent or not, enable and disable them, change their
//! type; snapshot revert/delete/flatten; prefetch into hosts' caches (Nephele); update,
//! rename, chown, chgrp, chmod, lock and unlock.

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use libone::template::Template;

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, ObjectsArgs, RenameArgs, UpdateArgs};
use crate::common::{self, HOST, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, One, b, i, s};
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

/// The image attributes `create` can take instead of a template file (OpenNebula's
/// `oneimage create` options; the Nephele additions say so).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct ImageOptions {
    /// Name of the new image
    #[arg(long)]
    pub name: Option<String>,
    /// Description of the new image
    #[arg(long)]
    pub description: Option<String>,
    /// Type: OS, CDROM, DATABLOCK, KERNEL, RAMDISK, CONTEXT or BACKUP (any case)
    #[arg(short = 't', long = "type", value_name = "TYPE", value_parser = parse_type)]
    pub image_type: Option<String>,
    /// Make the image persistent (used by one VM at a time, which writes to it)
    #[arg(long)]
    pub persistent: bool,
    /// Device prefix of the disks made from it: hd, sd, xvd or vd
    #[arg(long, value_name = "PREFIX", value_parser = parse_prefix)]
    pub prefix: Option<String>,
    /// Target device of the disks made from it (sda, vdb)
    #[arg(long)]
    pub target: Option<String>,
    /// Path of the file to copy into the datastore (relative to the current directory), or
    /// a URL (http://, https://...); compressed files are decompressed while copying
    #[arg(long)]
    pub path: Option<String>,
    /// Disk format (raw, qcow2...; detected from the content when not given)
    #[arg(long)]
    pub format: Option<String>,
    /// File system to format an empty image with (ext4, xfs...)
    #[arg(long, value_name = "FILESYSTEM")]
    pub fs: Option<String>,
    /// Image already in the datastore, for images that are not files
    #[arg(long)]
    pub source: Option<String>,
    /// Size in MiB, or with a unit (512M, 10G): an empty DATABLOCK, or the size of --source
    #[arg(long, value_name = "SIZE", value_parser = crate::units::parse_size_mb)]
    pub size: Option<u64>,
    /// Driver of the disks made from it (raw, qcow2)
    #[arg(long)]
    pub driver: Option<String>,
    /// MD5 the copied file must have (32 hex digits)
    #[arg(long, value_name = "MD5", value_parser = |v: &str| parse_digest(v, 32))]
    pub md5: Option<String>,
    /// SHA-1 the copied file must have (40 hex digits)
    #[arg(long, value_name = "SHA1", value_parser = |v: &str| parse_digest(v, 40))]
    pub sha1: Option<String>,
    /// SHA-256 the copied file must have (64 hex digits; Nephele)
    #[arg(long, value_name = "SHA256", value_parser = |v: &str| parse_digest(v, 64))]
    pub sha256: Option<String>,
    /// Copy a compressed file as it is, without decompressing it
    #[arg(long, alias = "no_decompress")]
    pub no_decompress: bool,
}

/// `--type`: one of OpenNebula's image types, any case.
fn parse_type(text: &str) -> std::result::Result<String, String> {
    let t = text.trim().to_ascii_uppercase();
    if states::IMAGE_TYPES.iter().any(|(long, _)| *long == t) {
        Ok(t)
    } else {
        let names: Vec<&str> = states::IMAGE_TYPES.iter().map(|(long, _)| *long).collect();
        Err(format!("type should be one of {}", names.join(", ")))
    }
}

/// `--prefix`: hd, sd, xvd or vd, any case.
fn parse_prefix(text: &str) -> std::result::Result<String, String> {
    let p = text.trim().to_ascii_lowercase();
    if ["hd", "sd", "xvd", "vd"].contains(&p.as_str()) {
        Ok(p)
    } else {
        Err("the prefix must be hd, sd, xvd or vd".into())
    }
}

/// `--md5`, `--sha1`, `--sha256`: `len` hex digits, kept in lower case.
fn parse_digest(text: &str, len: usize) -> std::result::Result<String, String> {
    let d = text.trim().to_ascii_lowercase();
    if d.len() == len && d.bytes().all(|c| c.is_ascii_hexdigit()) {
        Ok(d)
    } else {
        Err(format!("expected {len} hexadecimal digits"))
    }
}

/// URL schemes that `--path` keeps as they are (OpenNebula's `OneImageHelper::PREFIXES`).
const URL_PREFIXES: &[&str] = &["http", "https", "ssh", "s3", "rbd", "vcenter", "lxd"];

/// `--path` as OpenNebula sends it: a URL or an absolute path as given, a relative path
/// joined to `cwd`.
fn absolute_path(path: &str, cwd: &std::path::Path) -> String {
    let is_url = path.split_once("://").is_some_and(|(scheme, _)| URL_PREFIXES.contains(&scheme));
    if is_url || path.starts_with('/') { path.to_string() } else { format!("{}/{path}", cwd.display()) }
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Registers an image in a datastore from a template file (`-` for stdin) or from the
    /// options; prints its ID. The image is LOCKED while the datastore driver copies it, then
    /// READY (or ERROR, with the driver's message in `show`)
    Create {
        /// Template file (`-` reads standard input), instead of the options
        file: Option<PathBuf>,
        /// Datastore name or ID
        #[arg(short = 'd', long, required = true)]
        datastore: String,
        /// Do not check the datastore's capacity (oneadmin only)
        #[arg(long, alias = "no_check_capacity")]
        no_check_capacity: bool,
        #[command(flatten)]
        image: Box<ImageOptions>,
    },
    /// Clones an image into a new image NAME, in DATASTORE if given (default: the same one);
    /// prints the new image's ID
    Clone {
        /// Image name or ID
        image: String,
        /// Name of the new image
        name: String,
        /// Datastore name or ID
        #[arg(short = 'd', long)]
        datastore: Option<String>,
    },
    /// Deletes a snapshot of an image
    SnapshotDelete(SnapshotArgs),
    /// Reverts an image to one of its snapshots
    SnapshotRevert(SnapshotArgs),
    /// Makes a snapshot the image's content and deletes every snapshot
    SnapshotFlatten(SnapshotArgs),
    /// Sends an image to the image cache of HOSTS before VMs need it (Nephele): the front-end
    /// sends it once and the hosts relay it to each other
    Prefetch {
        /// Image name or ID
        image: String,
        /// Hosts: names or IDs, comma-separated or several arguments
        #[arg(required = true)]
        hosts: Vec<String>,
        /// System datastore (name or ID) whose directory on the hosts holds the cache
        #[arg(long = "system-ds", value_name = "DATASTORE", default_value = "0")]
        system_ds: String,
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

/// `snapshot-delete|revert|flatten IMAGE SNAP_ID`.
#[derive(clap::Args, Debug, Clone)]
pub struct SnapshotArgs {
    /// Image name or ID
    pub image: String,
    /// Snapshot ID (`oneimage show` lists them)
    #[arg(value_name = "SNAP_ID")]
    pub snapshot: i32,
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
        Cmd::Create { file, datastore, no_check_capacity, image } => {
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
            common::print_id(one.id("one.image.allocate", vec![s(text), i(ds), b(no_check_capacity)])?);
            Ok(())
        }
        Cmd::Clone { image, name, datastore } => {
            let id = common::resolve_one(&one, &IMAGE, &image)?;
            let ds = match datastore {
                Some(d) => common::resolve_one(&one, &common::DATASTORE, &d)?,
                None => -1,
            };
            common::print_id(one.id("one.image.clone", vec![i(id), s(name), i(ds)])?);
            Ok(())
        }
        Cmd::SnapshotDelete(a) => snapshot(&one, "one.image.snapshotdelete", &a),
        Cmd::SnapshotRevert(a) => snapshot(&one, "one.image.snapshotrevert", &a),
        Cmd::SnapshotFlatten(a) => snapshot(&one, "one.image.snapshotflatten", &a),
        Cmd::Prefetch { image, hosts, system_ds } => {
            let id = common::resolve_one(&one, &IMAGE, &image)?;
            let names = host_names(&common::pool(&one, &HOST)?, &hosts)?;
            let ds = common::resolve_one(&one, &common::DATASTORE, &system_ds)?;
            one.run("one.image.prefetch", vec![i(id), s(names.join(",")), i(ds)])
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

/// `<method>(image, snap_id)`: the image snapshot actions.
fn snapshot(one: &One, method: &str, a: &SnapshotArgs) -> Result<()> {
    let id = common::resolve_one(one, &IMAGE, &a.image)?;
    one.run(method, vec![i(id), i(a.snapshot)])
}

/// The names of the hosts `specs` give (names, IDs, comma-separated lists), each checked
/// against the host pool, in order and without repeats: what `one.image.prefetch` takes.
pub fn host_names(pool: &Node, specs: &[String]) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::new();
    for part in specs.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|p| !p.is_empty()) {
        let name = match part.parse::<i64>() {
            Ok(id) => pool
                .all("HOST")
                .find(|h| h.text("ID").trim() == id.to_string())
                .map(|h| h.text("NAME").to_string())
                .ok_or_else(|| CliError::usage(format!("HOST {id} not found.")))?,
            Err(_) => {
                common::by_name(pool, &HOST, part)?;
                part.to_string()
            }
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    if names.is_empty() {
        return Err(CliError::usage("no HOST given"));
    }
    Ok(names)
}

impl ImageOptions {
    /// True if any template option was given.
    pub fn is_used(&self) -> bool {
        let texts = [
            &self.name,
            &self.description,
            &self.image_type,
            &self.prefix,
            &self.target,
            &self.path,
            &self.format,
            &self.fs,
            &self.source,
            &self.driver,
            &self.md5,
            &self.sha1,
            &self.sha256,
        ];
        texts.iter().any(|o| o.is_some()) || self.size.is_some() || self.persistent || self.no_decompress
    }

    /// The image template the options describe, a relative `--path` taken from the current
    /// directory.
    pub fn template(&self) -> Result<String> {
        let cwd = std::env::current_dir().map_err(|e| CliError::usage(format!("current directory: {e}")))?;
        self.template_in(&cwd)
    }

    /// The image template the options describe, in OpenNebula's text syntax (values quoted
    /// and escaped, so quotes and newlines in them reach oned intact); `cwd` completes a
    /// relative `--path`.
    pub fn template_in(&self, cwd: &std::path::Path) -> Result<String> {
        let Some(name) = &self.name else {
            return Err(CliError::usage("an image needs a template file or at least --name"));
        };
        let mut t = Template::new();
        t.add("NAME", name.clone());
        let singles = [
            ("DESCRIPTION", self.description.clone()),
            ("TYPE", self.image_type.clone()),
            ("DEV_PREFIX", self.prefix.clone()),
            ("TARGET", self.target.clone()),
            ("PATH", self.path.as_deref().map(|p| absolute_path(p, cwd))),
            ("FORMAT", self.format.clone()),
            ("FS", self.fs.clone()),
            ("SOURCE", self.source.clone()),
            ("SIZE", self.size.map(|mb| mb.to_string())),
            ("DRIVER", self.driver.clone()),
            ("MD5", self.md5.clone()),
            ("SHA1", self.sha1.clone()),
            ("SHA256", self.sha256.clone()),
        ];
        for (key, value) in singles {
            if let Some(v) = value {
                t.add(key, v);
            }
        }
        if self.persistent {
            t.add("PERSISTENT", "YES");
        }
        if self.no_decompress {
            t.add("NO_DECOMPRESS", "YES");
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

/// The latest `TRANSFER_PROGRESS` of a template (the last one when there are several), as
/// oned records a driver's progress lines (`42% 110 MB/s`) while a copy runs.
pub fn transfer_progress(template: Option<&Node>) -> Option<&str> {
    let last = template?.all("TRANSFER_PROGRESS").last()?;
    let text = last.text.trim();
    (!text.is_empty()).then_some(text)
}

/// `=>` on the active snapshot.
pub fn snap_active(s: &Node) -> String {
    if s.text("ACTIVE").eq_ignore_ascii_case("YES") { "=>" } else { "" }.to_string()
}
pub fn snap_id(s: &Node) -> String {
    s.text("ID").to_string()
}
pub fn snap_parent(s: &Node) -> String {
    s.text("PARENT").to_string()
}
pub fn snap_children(s: &Node) -> String {
    s.text("CHILDREN").to_string()
}
pub fn snap_name(s: &Node) -> String {
    s.text("NAME").to_string()
}
pub fn snap_date(s: &Node) -> String {
    crate::units::time_to_str(s.int("DATE"))
}
fn snap_size(s: &Node) -> String {
    if s.get("SIZE").is_none() { "-".to_string() } else { unit_to_str(s.float("SIZE"), "M") }
}

/// The `IMAGE SNAPSHOTS` table of `oneimage show`: OpenNebula's columns.
const SNAPSHOT_TABLE: TableSpec = TableSpec {
    columns: &[
        Column::left("AC", 2, snap_active),
        Column::right("ID", 3, snap_id),
        Column::right("PARENT", 6, snap_parent),
        Column::right("CHILDREN", 10, snap_children),
        Column::right("DATE", 15, snap_date),
        Column::left("SIZE", 8, snap_size),
        Column::left("NAME", 37, snap_name),
    ],
    default: &["AC", "ID", "PARENT", "DATE", "SIZE", "NAME"],
};

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
    for (label, key) in [("MD5", "TEMPLATE/MD5"), ("SHA1", "TEMPLATE/SHA1"), ("SHA256", "TEMPLATE/SHA256")] {
        if !img.text(key).is_empty() {
            p.field(label, img.text(key));
        }
    }
    if !img.text("TEMPLATE/ERROR").is_empty() {
        p.field("ERROR", img.text("TEMPLATE/ERROR"));
    }
    if let Some(progress) = transfer_progress(img.get("TEMPLATE")) {
        p.field("TRANSFER PROGRESS", progress);
    }
    p.permissions(img);
    let snapshots: Vec<&Node> = img.get("SNAPSHOTS").map(|s| s.all("SNAPSHOT").collect()).unwrap_or_default();
    if !snapshots.is_empty() {
        p.header("IMAGE SNAPSHOTS").raw(&SNAPSHOT_TABLE.render_default(&snapshots));
    }
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
            image_type: Some("DATABLOCK".into()),
            size: Some(1024),
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
        assert!(ImageOptions { no_decompress: true, ..ImageOptions::default() }.is_used());
        let e = ImageOptions::default().template().expect_err("no name");
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
    }

    /// The exact template text `create` sends for every option, parsed by clap as a user types
    /// them (units, case, a relative path completed from the current directory).
    #[test]
    fn create_sends_this_template() {
        let args = [
            "oneimage",
            "create",
            "-d",
            "default",
            "--name",
            "web \"prod\"",
            "--description",
            "line 1\nline 2",
            "--type",
            "os",
            "--persistent",
            "--prefix",
            "VD",
            "--target",
            "vda",
            "--path",
            "img/web.qcow2.gz",
            "--format",
            "qcow2",
            "--fs",
            "ext4",
            "--source",
            "/ds/1/abc",
            "--size",
            "1.5G",
            "--driver",
            "qcow2",
            "--md5",
            "D41D8CD98F00B204E9800998ECF8427E",
            "--sha1",
            "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "--sha256",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "--no-decompress",
        ];
        let Cmd::Create { image, datastore, no_check_capacity, file } = OneImage::parse_from(args).cmd else {
            panic!("not create");
        };
        assert_eq!((datastore.as_str(), no_check_capacity, file), ("default", false, None));
        let text = image.template_in(std::path::Path::new("/home/u")).expect("template");
        assert_eq!(
            text,
            "NAME=\"web \\\"prod\\\"\"\n\
             DESCRIPTION=\"line 1\nline 2\"\n\
             TYPE=\"OS\"\n\
             DEV_PREFIX=\"vd\"\n\
             TARGET=\"vda\"\n\
             PATH=\"/home/u/img/web.qcow2.gz\"\n\
             FORMAT=\"qcow2\"\n\
             FS=\"ext4\"\n\
             SOURCE=\"/ds/1/abc\"\n\
             SIZE=\"1536\"\n\
             DRIVER=\"qcow2\"\n\
             MD5=\"d41d8cd98f00b204e9800998ecf8427e\"\n\
             SHA1=\"da39a3ee5e6b4b0d3255bfef95601890afd80709\"\n\
             SHA256=\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n\
             PERSISTENT=\"YES\"\n\
             NO_DECOMPRESS=\"YES\"\n"
        );
        // What oned parses is what the user typed: quotes and newlines intact.
        let t = Template::parse_text(&text).expect("parses back");
        assert_eq!(t.get("NAME"), Some("web \"prod\""));
        assert_eq!(t.get("DESCRIPTION"), Some("line 1\nline 2"));
        assert_eq!(t.len(), 16);
        // A value ending in a backslash still leaves the attributes after it alone.
        let o = ImageOptions { name: Some("a b\\".into()), target: Some("vdb".into()), ..ImageOptions::default() };
        let t = Template::parse_str_or_xml(&o.template().expect("template")).expect("parses");
        assert_eq!((t.get("NAME"), t.get("TARGET")), (Some("a b\\"), Some("vdb")));
    }

    #[test]
    fn paths_urls_and_option_checks() {
        let cwd = std::path::Path::new("/work");
        assert_eq!(absolute_path("/abs/x.img", cwd), "/abs/x.img");
        assert_eq!(absolute_path("x.img", cwd), "/work/x.img");
        assert_eq!(absolute_path("./x.img", cwd), "/work/./x.img");
        assert_eq!(absolute_path("http://127.0.0.1:8080/x.img", cwd), "http://127.0.0.1:8080/x.img");
        assert_eq!(absolute_path("https://h/x", cwd), "https://h/x");
        assert_eq!(absolute_path("ftp://h/x", cwd), "/work/ftp://h/x", "not one of OpenNebula's schemes");
        let parse = |extra: &[&str]| {
            let mut a = vec!["oneimage", "create", "--name", "x"];
            a.extend_from_slice(extra);
            OneImage::try_parse_from(a)
        };
        assert!(parse(&[]).is_err(), "the datastore is mandatory, as in OpenNebula");
        assert!(parse(&["-d", "1"]).is_ok());
        assert!(parse(&["-d", "1", "--no_decompress", "--no_check_capacity"]).is_ok(), "OpenNebula's spellings");
        for bad in [
            &["-d", "1", "--type", "disk"][..],
            &["-d", "1", "--prefix", "nvme"],
            &["-d", "1", "--size", "10K"],
            &["-d", "1", "--md5", "abc"],
            &["-d", "1", "--sha1", "d41d8cd98f00b204e9800998ecf8427e"],
            &["-d", "1", "--sha256", &"g".repeat(64)],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        assert!(OneImage::try_parse_from(["oneimage", "prefetch", "img"]).is_err(), "hosts are required");
        let Cmd::Prefetch { hosts, system_ds, .. } =
            OneImage::parse_from(["oneimage", "prefetch", "img", "h1", "h2,3"]).cmd
        else {
            panic!("not prefetch");
        };
        assert_eq!((hosts, system_ds.as_str()), (vec!["h1".to_string(), "h2,3".to_string()], "0"));
        assert!(OneImage::try_parse_from(["oneimage", "snapshot-flatten", "img", "x"]).is_err());
        OneImage::command().debug_assert();
    }

    #[test]
    fn prefetch_sends_host_names() {
        let pool = Node::parse(
            "<HOST_POOL><HOST><ID>0</ID><NAME>h1</NAME></HOST><HOST><ID>3</ID><NAME>h2</NAME></HOST>\
             <HOST><ID>4</ID><NAME>twin</NAME></HOST><HOST><ID>5</ID><NAME>twin</NAME></HOST></HOST_POOL>",
        )
        .expect("xml");
        let specs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(host_names(&pool, &specs(&["h1", "3,h1", " 0 "])).expect("ok"), vec!["h1", "h2"]);
        assert!(host_names(&pool, &specs(&["9"])).expect_err("no host 9").to_string().contains("HOST 9"));
        assert!(host_names(&pool, &specs(&["nope"])).is_err());
        assert!(host_names(&pool, &specs(&["twin"])).is_err(), "an ambiguous name is refused");
        assert!(host_names(&pool, &specs(&[","])).is_err());
    }

    #[test]
    fn show_has_checksums_errors_progress_and_snapshots() {
        let xml = IMAGE_XML.replace(
            "<TEMPLATE>",
            "<SNAPSHOTS><ALLOW_ORPHANS>NO</ALLOW_ORPHANS><CURRENT_BASE>-1</CURRENT_BASE><NEXT_SNAPSHOT>2</NEXT_SNAPSHOT>\
             <SNAPSHOT><ID>0</ID><NAME>before-upgrade</NAME><DATE>1795408927</DATE><PARENT>-1</PARENT><SIZE>2252</SIZE>\
             <CHILDREN>1</CHILDREN></SNAPSHOT><SNAPSHOT><ACTIVE>YES</ACTIVE><ID>1</ID><NAME>after</NAME>\
             <DATE>1795412527</DATE><PARENT>0</PARENT></SNAPSHOT></SNAPSHOTS>\
             <TEMPLATE><MD5><![CDATA[d41d8cd98f00b204e9800998ecf8427e]]></MD5>\
             <SHA256><![CDATA[e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855]]></SHA256>\
             <ERROR><![CDATA[Thu Nov 23 04:42:07 2026: CP: checksum mismatch]]></ERROR>\
             <TRANSFER_PROGRESS><![CDATA[10% 50 MB/s]]></TRANSFER_PROGRESS>\
             <TRANSFER_PROGRESS><![CDATA[42% 110 MB/s]]></TRANSFER_PROGRESS>",
        );
        let page = show_page(&Node::parse(&xml).expect("xml"), None);
        for needle in [
            "RUNNING_VMS           : 1\n\
             MD5                   : d41d8cd98f00b204e9800998ecf8427e\n\
             SHA256                : e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n\
             ERROR                 : Thu Nov 23 04:42:07 2026: CP: checksum mismatch\n\
             TRANSFER PROGRESS     : 42% 110 MB/s\n",
            "\nIMAGE SNAPSHOTS\nAC  ID PARENT            DATE SIZE     NAME\n     \
             0     -1  11/23 04:42:07 2.2G     before-upgrade\n\
             =>   1      0  11/23 05:42:07 -        after\n\nIMAGE TEMPLATE\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        // None of them when the image has none.
        let plain = show_page(&image(), None);
        for absent in ["MD5", "SHA256", "ERROR", "TRANSFER", "SNAPSHOTS"] {
            assert!(!plain.contains(absent), "{absent} in\n{plain}");
        }
    }
}
