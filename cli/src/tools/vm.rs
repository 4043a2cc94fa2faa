//! `onevm`: create, list, show, top and every life-cycle action on virtual machines: hold and
//! release, stop/suspend/resume, reboot, poweroff, undeploy, terminate, resched, deploy,
//! migrate, recover, and rename/update/chown/chgrp/chmod/lock/unlock; the disk actions
//! (disk-saveas, disk-snapshot-create/revert/delete/rename, disk-resize).

use std::path::PathBuf;

use clap::{CommandFactory, Parser, Subcommand};
use libone::template::{Template, Vector};

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, RenameArgs, UpdateArgs};
use crate::common::{self, DATASTORE, HOST, ShowArgs, TopArgs};
use crate::conn::{ConnArgs, One, b, i, s};
use crate::error::{CliError, Result};
use crate::show::{Page, yes_no};
use crate::states;
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name, col_user};
use crate::tools::image;
use crate::units::{now, period_to_str, time_to_str, unit_to_str};
use crate::xmltree::Node;

pub const VM: common::Kind =
    common::Kind { noun: "VM", element: "VM", prefix: "one.vm", pool: "one.vmpool.info", pool_args: &[-2, -1, -1, -1] };

/// Manages OpenNebula virtual machines
#[derive(Parser, Debug)]
#[command(name = "onevm", version, about = "Manages OpenNebula virtual machines")]
pub struct OneVm {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

/// `create`'s template file and options.
#[derive(clap::Args, Debug, Default)]
pub struct CreateArgs {
    /// Template file (`-` reads standard input); the options below are merged into it
    pub file: Option<PathBuf>,
    /// Name of the new VM
    #[arg(long)]
    pub name: Option<String>,
    /// Physical CPUs (a fraction of a host CPU is allowed, for example 0.5)
    #[arg(long, value_parser = parse_cpu)]
    pub cpu: Option<f64>,
    /// Virtual CPUs the guest sees
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub vcpu: Option<u32>,
    /// Memory in MB, or with a unit: 512M, 2G
    #[arg(long, value_parser = parse_memory, value_name = "SIZE")]
    pub memory: Option<u64>,
    /// Disks: image names or IDs (`user[name]` for another user's image), comma-separated
    #[arg(long, value_delimiter = ',', value_name = "IMAGES")]
    pub disk: Vec<String>,
    /// NICs: network names or IDs (`user[name]` for another user's network), comma-separated
    #[arg(long, value_delimiter = ',', value_name = "NETWORKS")]
    pub nic: Vec<String>,
    /// Create the VM on hold: the scheduler leaves it alone until `release`
    #[arg(long)]
    pub hold: bool,
    /// Create this many VMs from the same template
    #[arg(short = 'm', long, default_value_t = 1, value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub multiple: u32,
}

/// `recover`'s operation: exactly one.
#[derive(clap::Args, Debug)]
#[group(required = true, multiple = false)]
pub struct RecoverOp {
    /// The pending driver action failed: move to the failure state
    #[arg(long)]
    pub failure: bool,
    /// The pending driver action succeeded: move on as if the driver had said so
    #[arg(long)]
    pub success: bool,
    /// Run the failed driver action again
    #[arg(long)]
    pub retry: bool,
    /// Delete the VM, cleaning up its host
    #[arg(long)]
    pub delete: bool,
    /// Delete the VM and create it again (back to PENDING with the same ID)
    #[arg(long)]
    pub recreate: bool,
    /// Remove the VM from the database without touching hosts or drivers
    #[arg(long)]
    pub delete_db: bool,
}

impl RecoverOp {
    /// OpenNebula's operation number: failure 0, success 1, retry 2, delete 3, recreate 4,
    /// delete-db 5.
    pub fn code(&self) -> i32 {
        [self.failure, self.success, self.retry, self.delete, self.recreate, self.delete_db]
            .iter()
            .position(|set| *set)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(0)
    }
}

/// The VMs of an action that needs at least one.
#[derive(clap::Args, Debug, Clone)]
pub struct VmsArgs {
    /// VMs: IDs, ranges (3..5), names, comma-separated
    #[arg(required = true)]
    pub vms: Vec<String>,
}

/// `VM DISK_ID SNAPSHOT`: one snapshot of one disk.
#[derive(clap::Args, Debug, Clone)]
pub struct DiskSnapshotArgs {
    /// VM name or ID
    pub vm: String,
    /// Disk ID
    pub disk_id: i32,
    /// Snapshot ID, or its name (`onevm show` lists them)
    pub snapshot: String,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates VMs from a template file and/or --cpu, --memory, --disk, --nic...
    Create(CreateArgs),
    /// Lists virtual machines (DONE ones are not listed)
    List(ListArgs),
    /// Shows a virtual machine
    Show {
        /// VM name or ID
        vm: String,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Lists virtual machines again and again
    Top(TopArgs),
    /// Puts PENDING VMs on hold: the scheduler does not place them until `release`
    Hold(VmsArgs),
    /// Releases VMs on hold back to PENDING
    Release(VmsArgs),
    /// Stops running VMs: saves their state and frees their host
    Stop(VmsArgs),
    /// Suspends running VMs on their host
    Suspend(VmsArgs),
    /// Resumes stopped, suspended, powered-off or undeployed VMs
    Resume(VmsArgs),
    /// Reboots running VMs (--hard: resets them)
    Reboot {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        /// Reset instead of a guest reboot
        #[arg(long)]
        hard: bool,
    },
    /// Powers VMs off, keeping them on their host
    Poweroff {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        /// Pull the plug instead of an ACPI shutdown
        #[arg(long)]
        hard: bool,
    },
    /// Shuts VMs down and frees their host, keeping their disks
    Undeploy {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        /// Destroy instead of an ACPI shutdown
        #[arg(long)]
        hard: bool,
    },
    /// Terminates VMs: shuts them down and deletes them (they end DONE)
    Terminate {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        /// Destroy instead of an ACPI shutdown
        #[arg(long)]
        hard: bool,
    },
    /// Marks running VMs to be moved by the scheduler to another host
    Resched(VmsArgs),
    /// Clears the resched mark of VMs
    Unresched(VmsArgs),
    /// Deploys PENDING or HOLD VMs on HOST (name or ID), in system DATASTORE if given
    Deploy {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        vms: String,
        /// Host name or ID
        host: String,
        /// System datastore name or ID (default: oned picks one)
        datastore: Option<String>,
        /// Refuse if the host lacks the capacity
        #[arg(long)]
        enforce: bool,
    },
    /// Moves VMs to HOST (name or ID), to system DATASTORE if given
    Migrate {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        vms: String,
        /// Host name or ID
        host: String,
        /// System datastore name or ID (default: oned picks one)
        datastore: Option<String>,
        /// Migrate while running (no save/restore)
        #[arg(long)]
        live: bool,
        /// Refuse if the host lacks the capacity
        #[arg(long)]
        enforce: bool,
        /// Power the VM off, migrate, boot it again
        #[arg(long, conflicts_with_all = ["poff_hard", "live"])]
        poff: bool,
        /// Power the VM off hard, migrate, boot it again
        #[arg(long, conflicts_with = "live")]
        poff_hard: bool,
    },
    /// Recovers VMs stuck in a transient or failure state
    Recover {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        #[command(flatten)]
        op: RecoverOp,
    },
    /// Renames a VM
    Rename(RenameArgs),
    /// Replaces (or with --append, merges) a VM's USER_TEMPLATE from FILE or $EDITOR
    Update(UpdateArgs),
    /// Changes the owner (and optionally the group) of VMs
    Chown(ChownArgs),
    /// Changes the group of VMs
    Chgrp(ChgrpArgs),
    /// Changes the permissions of VMs (octal, for example 640)
    Chmod(ChmodArgs),
    /// Locks VMs against actions of the given level and below
    Lock {
        /// VMs: IDs, ranges (3..5), names, comma-separated
        #[arg(required = true)]
        vms: Vec<String>,
        /// What the lock blocks
        #[arg(long, default_value = "use", value_parser = ["use", "manage", "admin", "all"])]
        level: String,
    },
    /// Unlocks VMs
    Unlock(VmsArgs),
    /// Saves a VM disk (or one of its snapshots) as a new image IMAGE_NAME in the disk's
    /// datastore; prints the new image's ID
    DiskSaveas {
        /// VM name or ID
        vm: String,
        /// Disk ID (`onevm show` lists them)
        disk_id: i32,
        /// Name of the new image
        image_name: String,
        /// Type of the new image (default: the disk image's type)
        #[arg(short = 't', long = "type", value_name = "TYPE")]
        image_type: Option<String>,
        /// Save this snapshot of the disk (ID or name) instead of the disk's current content
        #[arg(short = 's', long, value_name = "SNAPSHOT")]
        snapshot: Option<String>,
    },
    /// Takes a snapshot of a VM disk, called NAME
    DiskSnapshotCreate {
        /// VM name or ID
        vm: String,
        /// Disk ID
        disk_id: i32,
        /// Name of the snapshot
        name: String,
    },
    /// Reverts a VM disk to one of its snapshots
    DiskSnapshotRevert(DiskSnapshotArgs),
    /// Deletes a snapshot of a VM disk
    DiskSnapshotDelete(DiskSnapshotArgs),
    /// Renames a snapshot of a VM disk
    DiskSnapshotRename {
        #[command(flatten)]
        snap: DiskSnapshotArgs,
        /// The snapshot's new name
        new_name: String,
    },
    /// Grows a VM disk to SIZE: MiB, or with a unit (10G)
    DiskResize {
        /// VM name or ID
        vm: String,
        /// Disk ID
        disk_id: i32,
        /// New size: MiB, or with a unit (512M, 10G, 1T)
        #[arg(value_parser = crate::units::parse_size_mb)]
        size: u64,
    },
    /// Shows the recorded values of one monitoring attribute (for example CPU or MEMORY)
    Monitoring {
        /// VM name or ID
        vm: String,
        /// Attribute name, anywhere in the monitoring records
        attribute: String,
        #[command(flatten)]
        out: ShowArgs,
    },
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
        Cmd::Create(opts) => create(&one, &opts),
        Cmd::List(list) => common::list(&one, &VM, &TABLE, &list),
        Cmd::Top(top) => common::top(&one, &VM, &TABLE, &top),
        Cmd::Show { vm, out } => {
            if let Some(node) = common::show(&one, &VM, &vm, &out)? {
                common::out(&show_page(&node));
            }
            Ok(())
        }
        Cmd::Hold(a) => action(&one, &a.vms, "hold"),
        Cmd::Release(a) => action(&one, &a.vms, "release"),
        Cmd::Stop(a) => action(&one, &a.vms, "stop"),
        Cmd::Suspend(a) => action(&one, &a.vms, "suspend"),
        Cmd::Resume(a) => action(&one, &a.vms, "resume"),
        Cmd::Reboot { vms, hard } => action(&one, &vms, hard_variant("reboot", hard)),
        Cmd::Poweroff { vms, hard } => action(&one, &vms, hard_variant("poweroff", hard)),
        Cmd::Undeploy { vms, hard } => action(&one, &vms, hard_variant("undeploy", hard)),
        Cmd::Terminate { vms, hard } => action(&one, &vms, hard_variant("terminate", hard)),
        Cmd::Resched(a) => action(&one, &a.vms, "resched"),
        Cmd::Unresched(a) => action(&one, &a.vms, "unresched"),
        Cmd::Deploy { vms, host, datastore, enforce } => deploy(&one, &vms, &host, datastore.as_deref(), enforce),
        Cmd::Migrate { vms, host, datastore, live, enforce, poff, poff_hard } => {
            let kind = match (poff, poff_hard) {
                (true, _) => 1,
                (_, true) => 2,
                _ => 0,
            };
            let how = Migration { live, enforce, kind };
            migrate(&one, &vms, &host, datastore.as_deref(), &how)
        }
        Cmd::Recover { vms, op } => {
            let code = op.code();
            common::each(&one, &VM, &vms, |id| one.run("one.vm.recover", vec![i(id), i(code)]))
        }
        Cmd::Rename(a) => common::rename(&one, &VM, &a),
        Cmd::Update(a) => common::update(&one, &VM, &a, "USER_TEMPLATE"),
        Cmd::Chown(a) => common::chown(&one, &VM, &a),
        Cmd::Chgrp(a) => common::chgrp(&one, &VM, &a),
        Cmd::Chmod(a) => common::chmod(&one, &VM, &a),
        Cmd::Lock { vms, level } => common::lock(&one, &VM, &LockArgs { objects: vms, level }),
        Cmd::Unlock(a) => common::unlock(&one, &VM, &a.vms),
        Cmd::Monitoring { vm, attribute, out } => common::monitoring(&one, &VM, &vm, &attribute, &out),
        Cmd::DiskSaveas { vm, disk_id, image_name, image_type, snapshot } => {
            let id = common::resolve_one(&one, &VM, &vm)?;
            let snap = match snapshot {
                Some(spec) => snapshot_id(&one, id, disk_id, &spec)?,
                None => -1,
            };
            let t = image_type.map(|t| t.trim().to_ascii_uppercase()).unwrap_or_default();
            let image = one.id("one.vm.disksaveas", vec![i(id), i(disk_id), s(image_name), s(t), i(snap)])?;
            common::out(&format!("Image ID: {image}\n"));
            Ok(())
        }
        Cmd::DiskSnapshotCreate { vm, disk_id, name } => {
            let id = common::resolve_one(&one, &VM, &vm)?;
            one.run("one.vm.disksnapshotcreate", vec![i(id), i(disk_id), s(name)])
        }
        Cmd::DiskSnapshotRevert(a) => disk_snapshot(&one, "one.vm.disksnapshotrevert", &a, None),
        Cmd::DiskSnapshotDelete(a) => disk_snapshot(&one, "one.vm.disksnapshotdelete", &a, None),
        Cmd::DiskSnapshotRename { snap, new_name } => {
            disk_snapshot(&one, "one.vm.disksnapshotrename", &snap, Some(new_name))
        }
        Cmd::DiskResize { vm, disk_id, size } => {
            let id = common::resolve_one(&one, &VM, &vm)?;
            one.run("one.vm.diskresize", vec![i(id), i(disk_id), s(size.to_string())])
        }
    }
}

/// `<method>(vm, disk, snap[, name])`: revert, delete and rename a disk snapshot.
fn disk_snapshot(one: &One, method: &str, a: &DiskSnapshotArgs, new_name: Option<String>) -> Result<()> {
    let id = common::resolve_one(one, &VM, &a.vm)?;
    let snap = snapshot_id(one, id, a.disk_id, &a.snapshot)?;
    let mut params = vec![i(id), i(a.disk_id), i(snap)];
    params.extend(new_name.map(s));
    one.run(method, params)
}

/// A disk snapshot given by ID, or by name (looked up in the VM's `SNAPSHOTS`).
fn snapshot_id(one: &One, vm: i32, disk: i32, spec: &str) -> Result<i32> {
    match spec.trim().parse::<i32>() {
        Ok(n) => Ok(n),
        Err(_) => snapshot_by_name(&common::info(one, &VM, vm)?, disk, spec),
    }
}

/// The ID of the snapshot called `name` of disk `disk` in a VM document; exactly one must match.
pub fn snapshot_by_name(vm: &Node, disk: i32, name: &str) -> Result<i32> {
    let matches: Vec<i64> = vm
        .all("SNAPSHOTS")
        .filter(|s| s.int("DISK_ID") == i64::from(disk) && !s.text("DISK_ID").is_empty())
        .flat_map(|s| s.all("SNAPSHOT"))
        .filter(|snap| snap.text("NAME") == name)
        .map(|snap| snap.int("ID"))
        .collect();
    match matches.as_slice() {
        [id] => i32::try_from(*id).map_err(|_| CliError::usage("bad snapshot ID")),
        [] => Err(CliError::usage(format!("disk {disk} has no snapshot named {name}."))),
        _ => Err(CliError::usage(format!("disk {disk} has several snapshots named {name}; give its ID."))),
    }
}

/// `reboot-hard`, `poweroff-hard`...: the action name oned expects for `--hard`.
fn hard_variant(action: &'static str, hard: bool) -> &'static str {
    match (action, hard) {
        ("reboot", true) => "reboot-hard",
        ("poweroff", true) => "poweroff-hard",
        ("undeploy", true) => "undeploy-hard",
        ("terminate", true) => "terminate-hard",
        (a, _) => a,
    }
}

/// `one.vm.action(action, id)` on each VM.
fn action(one: &One, vms: &[String], name: &str) -> Result<()> {
    common::each(one, &VM, vms, |id| one.run("one.vm.action", vec![s(name), i(id)]))
}

/// An optional system datastore argument: its ID, or -1 to let oned choose.
fn datastore_id(one: &One, datastore: Option<&str>) -> Result<i32> {
    match datastore {
        Some(ds) => common::resolve_one(one, &DATASTORE, ds),
        None => Ok(-1),
    }
}

/// `one.vm.deploy(id, host, enforce, datastore, "", planned_state)`: the state the VM is in now
/// goes along, so oned deploys nothing that changed meanwhile (a hold acknowledged between the
/// two calls wins).
fn deploy(one: &One, vms: &str, host: &str, datastore: Option<&str>, enforce: bool) -> Result<()> {
    let hid = common::resolve_one(one, &HOST, host)?;
    let ds = datastore_id(one, datastore)?;
    common::each(one, &VM, &[vms.to_string()], |id| {
        let planned = common::info(one, &VM, id)?.int("STATE") as i32;
        one.run("one.vm.deploy", vec![i(id), i(hid), b(enforce), i(ds), s(""), i(planned)])
    })
}

/// How `migrate` moves a VM.
struct Migration {
    live: bool,
    enforce: bool,
    /// OpenNebula's migration type: 0 save, 1 poweroff, 2 poweroff-hard.
    kind: i32,
}

/// `one.vm.migrate(id, host, live, enforce, datastore, type)`.
fn migrate(one: &One, vms: &str, host: &str, datastore: Option<&str>, how: &Migration) -> Result<()> {
    let hid = common::resolve_one(one, &HOST, host)?;
    let ds = datastore_id(one, datastore)?;
    common::each(one, &VM, &[vms.to_string()], |id| {
        one.run("one.vm.migrate", vec![i(id), i(hid), b(how.live), b(how.enforce), i(ds), i(how.kind)])
    })
}

/// `--cpu`: a positive number.
fn parse_cpu(text: &str) -> std::result::Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("{text:?} is not a positive number of CPUs")),
    }
}

/// `--memory`: megabytes, or a number with an `M`/`MB`/`G`/`GB` unit (any case).
fn parse_memory(text: &str) -> std::result::Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (number, factor) = if let Some(n) = lower.strip_suffix("gb").or_else(|| lower.strip_suffix('g')) {
        (n, 1024.0)
    } else if let Some(n) = lower.strip_suffix("mb").or_else(|| lower.strip_suffix('m')) {
        (n, 1.0)
    } else {
        (lower.as_str(), 1.0)
    };
    let bad = || format!("{text:?} is not a memory size (MB, or with a unit: 512M, 2G)");
    let value: f64 = number.trim().parse().map_err(|_| bad())?;
    let mb = (value * factor).round();
    if !(mb.is_finite() && mb >= 1.0 && mb <= u64::MAX as f64) {
        return Err(bad());
    }
    Ok(mb as u64)
}

/// `user[name]` → (Some(user), name); `name` → (None, name).
fn split_owner(spec: &str) -> Option<(Option<&str>, &str)> {
    let spec = spec.trim();
    match spec.split_once('[') {
        None if !spec.is_empty() && !spec.contains(']') => Some((None, spec)),
        Some((user, rest)) => {
            let name = rest.strip_suffix(']')?;
            let ok = !user.is_empty() && !name.is_empty() && !name.contains(['[', ']']);
            ok.then_some((Some(user), name))
        }
        None => None,
    }
}

/// A `DISK` or `NIC` vector for an image/network given by ID, name or `user[name]`:
/// `IMAGE_ID=3`, or `IMAGE="name"` (plus `IMAGE_UNAME="user"`).
fn device(section: &str, key: &str, spec: &str) -> Result<Vector> {
    let (user, name) = split_owner(spec).ok_or_else(|| {
        CliError::usage(format!(
            "bad --{} {spec:?}: expected a name, an ID or user[name]",
            section.to_ascii_lowercase()
        ))
    })?;
    let mut v = Vector::new();
    if let Some(user) = user {
        v.set(format!("{key}_UNAME"), user);
    }
    if name.chars().all(|c| c.is_ascii_digit()) {
        v.set(format!("{key}_ID"), name);
    } else {
        v.set(key, name);
    }
    Ok(v)
}

impl CreateArgs {
    /// True if any template option was given (besides the file).
    fn has_options(&self) -> bool {
        self.name.is_some()
            || self.cpu.is_some()
            || self.vcpu.is_some()
            || self.memory.is_some()
            || !self.disk.is_empty()
            || !self.nic.is_empty()
    }

    /// The options merged into `base`: NAME, CPU, VCPU and MEMORY replace the file's values,
    /// DISKs and NICs are added after the file's.
    fn apply(&self, mut base: Template) -> Result<Template> {
        if let Some(name) = &self.name {
            base.set("NAME", name.as_str());
        }
        if let Some(cpu) = self.cpu {
            base.set("CPU", cpu.to_string());
        }
        if let Some(vcpu) = self.vcpu {
            base.set("VCPU", vcpu.to_string());
        }
        if let Some(mem) = self.memory {
            base.set("MEMORY", mem.to_string());
        }
        for d in self.disk.iter().filter(|d| !d.trim().is_empty()) {
            base.add_vector("DISK", device("DISK", "IMAGE", d)?);
        }
        for n in self.nic.iter().filter(|n| !n.trim().is_empty()) {
            base.add_vector("NIC", device("NIC", "NETWORK", n)?);
        }
        Ok(base)
    }

    /// The template text `one.vm.allocate` gets: the file as written when no option is
    /// given, else the file's template with the options merged, in OpenNebula's text syntax.
    pub fn template(&self) -> Result<String> {
        let file_text = self.file.as_deref().map(common::read_template).transpose()?;
        let base = match file_text {
            Some(text) if !self.has_options() => return Ok(text),
            Some(text) => common::check_template(&text).map_err(CliError::usage)?,
            None if self.cpu.is_none() || self.memory.is_none() => {
                return Err(CliError::usage("create needs a template file, or at least --cpu and --memory"));
            }
            None => Template::new(),
        };
        Ok(self.apply(base)?.to_text())
    }
}

/// `create`: `one.vm.allocate(template, hold)` once per `--multiple`, printing each `ID: n`.
fn create(one: &One, opts: &CreateArgs) -> Result<()> {
    let text = opts.template()?;
    for _ in 0..opts.multiple {
        common::print_id(one.id("one.vm.allocate", vec![s(text.as_str()), b(opts.hold)])?);
    }
    Ok(())
}

/// The last history record: where the VM is (or was last).
pub fn last_history(vm: &Node) -> Option<&Node> {
    vm.get("HISTORY_RECORDS")?.all("HISTORY").last()
}

/// True while the VM occupies a host (ACTIVE, SUSPENDED, POWEROFF).
pub fn on_host(vm: &Node) -> bool {
    matches!(vm.int("STATE"), 3 | 5 | 8)
}

/// The host of the last history record, shown while the VM is on a host.
fn col_host(vm: &Node) -> String {
    if !on_host(vm) {
        return String::new();
    }
    last_history(vm).map(|h| h.text("HOSTNAME").to_string()).unwrap_or_default()
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
    t.all("NIC").map(|n| n.text("IP")).filter(|ip| !ip.is_empty()).collect::<Vec<_>>().join(",")
}
fn col_resched(vm: &Node) -> String {
    if vm.text("RESCHED") == "1" { "1" } else { "0" }.to_string()
}
fn col_lock(vm: &Node) -> String {
    lock_name(vm).to_string()
}

/// `onevm list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 6, col_id),
        Column::left("USER", 15, col_user),
        Column::left("GROUP", 15, col_group),
        Column::left("NAME", 15, col_name),
        Column::left("STAT", 4, col_stat),
        Column::right("UCPU", 4, col_ucpu),
        Column::right("UMEM", 7, col_umem),
        Column::right("CPU", 4, col_cpu),
        Column::right("VCPU", 4, col_vcpu),
        Column::right("MEM", 7, col_mem),
        Column::left("HOST", 15, col_host),
        Column::right("TIME", 11, col_time),
        Column::left("IP", 15, col_ip),
        Column::right("RESCHED", 7, col_resched),
        Column::left("LOCK", 6, col_lock),
    ],
    default: &["ID", "USER", "GROUP", "NAME", "STAT", "CPU", "MEM", "HOST", "TIME"],
};

/// `LOCK/LOCKED` as OpenNebula names the levels.
fn lock_name(vm: &Node) -> &'static str {
    match vm.text("LOCK/LOCKED") {
        "1" => "Use",
        "2" => "Manage",
        "3" => "Admin",
        "4" => "All",
        _ => "None",
    }
}

/// `History::action_to_str` of OpenNebula's VMActions, by number.
const HISTORY_ACTIONS: &[&str] = &[
    "none",
    "migrate",
    "live-migrate",
    "shutdown",
    "shutdown-hard",
    "undeploy",
    "undeploy-hard",
    "hold",
    "release",
    "stop",
    "suspend",
    "resume",
    "boot",
    "delete",
    "delete-recreate",
    "reboot",
    "reboot-hard",
    "resched",
    "unresched",
    "poweroff",
    "poweroff-hard",
    "disk-attach",
    "disk-detach",
    "nic-attach",
    "nic-detach",
    "disk-snapshot-create",
    "disk-snapshot-delete",
    "terminate",
    "terminate-hard",
    "disk-resize",
    "deploy",
    "chown",
    "chmod",
    "updateconf",
    "rename",
    "resize",
    "update",
    "snapshot-create",
    "snapshot-delete",
    "snapshot-revert",
    "disk-saveas",
    "disk-snapshot-revert",
    "recover",
    "retry",
    "monitor",
    "disk-snapshot-rename",
    "alias-attach",
    "alias-detach",
    "poweroff-migrate",
    "poweroff-hard-migrate",
    "backup",
    "nic-update",
    "backup-cancel",
    "sched-add",
    "sched-update",
    "sched-delete",
    "sg-attach",
    "sg-detach",
    "pci-attach",
    "pci-detach",
    "restore",
];

fn text_or_dash(v: &str) -> String {
    if v.is_empty() { "-".to_string() } else { v.to_string() }
}

fn hist_seq(h: &Node) -> String {
    h.text("SEQ").to_string()
}
fn hist_uid(h: &Node) -> String {
    text_or_dash(h.text("UID"))
}
fn hist_req(h: &Node) -> String {
    text_or_dash(h.text("REQUEST_ID"))
}
fn hist_host(h: &Node) -> String {
    h.text("HOSTNAME").to_string()
}
fn hist_action(h: &Node) -> String {
    usize::try_from(h.int("ACTION")).ok().and_then(|n| HISTORY_ACTIONS.get(n)).copied().unwrap_or("-").to_string()
}
fn hist_ds(h: &Node) -> String {
    h.text("DS_ID").to_string()
}
fn hist_start(h: &Node) -> String {
    time_to_str(h.int("STIME"))
}
fn hist_time(h: &Node) -> String {
    let (stime, etime) = (h.int("STIME"), h.int("ETIME"));
    if stime <= 0 {
        return "-".to_string();
    }
    let end = if etime > 0 { etime } else { now() };
    period_to_str(end - stime, false)
}
/// Prolog duration as `%3dh%02dm%02ds` (OpenNebula's short period).
fn hist_prolog(h: &Node) -> String {
    let (start, end) = (h.int("PSTIME"), h.int("PETIME"));
    let secs = if start <= 0 {
        0
    } else if end > 0 {
        end - start
    } else {
        now() - start
    }
    .max(0);
    format!("{:3}h{:02}m{:02}s", secs / 3600, (secs % 3600) / 60, secs % 60)
}

const HISTORY_TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("SEQ", 4, hist_seq),
        Column::right("UID", 4, hist_uid),
        Column::right("REQ", 5, hist_req),
        Column::left("HOST", 15, hist_host),
        Column::left("ACTION", 16, hist_action),
        Column::right("DS", 3, hist_ds),
        Column::right("START", 14, hist_start),
        Column::right("TIME", 11, hist_time),
        Column::right("PROLOG", 10, hist_prolog),
    ],
    default: &["SEQ", "UID", "REQ", "HOST", "ACTION", "DS", "START", "TIME", "PROLOG"],
};

fn disk_id(d: &Node) -> String {
    d.text("DISK_ID").to_string()
}
fn disk_ds(d: &Node) -> String {
    text_or_dash(d.text("DATASTORE"))
}
fn disk_target(d: &Node) -> String {
    text_or_dash(d.text("TARGET"))
}
fn disk_image(d: &Node) -> String {
    let image = d.text("IMAGE");
    if !image.is_empty() {
        return image.to_string();
    }
    match d.text("TYPE").to_ascii_lowercase().as_str() {
        "swap" => "- swap -".to_string(),
        "fs" => "- volatile -".to_string(),
        _ => "-".to_string(),
    }
}
fn disk_size(d: &Node) -> String {
    if d.text("SIZE").is_empty() {
        return "-".to_string();
    }
    unit_to_str(d.float("SIZE"), "M")
}
fn disk_type(d: &Node) -> String {
    text_or_dash(&d.text("TYPE").to_ascii_lowercase())
}
fn disk_save(d: &Node) -> String {
    let save = d.text("SAVE");
    if save.is_empty() { "NO".to_string() } else { save.to_ascii_uppercase() }
}

const DISK_TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 3, disk_id),
        Column::left("DATASTORE", 10, disk_ds),
        Column::left("TARGET", 6, disk_target),
        Column::left("IMAGE", 35, disk_image),
        Column::right("SIZE", 9, disk_size),
        Column::left("TYPE", 4, disk_type),
        Column::left("SAVE", 4, disk_save),
    ],
    default: &["ID", "DATASTORE", "TARGET", "IMAGE", "SIZE", "TYPE", "SAVE"],
};

/// One row per disk snapshot: each `SNAPSHOTS/SNAPSHOT` with its disk's `DISK_ID` and the
/// size monitoring measured (`MONITORING/SNAPSHOT_SIZE`) as `MONITOR_SIZE`, as OpenNebula's
/// `onevm show` builds them.
fn disk_snapshots(vm: &Node) -> Vec<Node> {
    let measured = |disk: &str, id: &str| {
        vm.get("MONITORING")?
            .all("SNAPSHOT_SIZE")
            .find(|m| m.text("DISK_ID") == disk && m.text("ID") == id)
            .and_then(|m| m.get("SIZE"))
            .cloned()
    };
    let leaf = |name: &str, text: &str| Node { name: name.into(), text: text.into(), children: Vec::new() };
    let mut rows = Vec::new();
    for disk in vm.all("SNAPSHOTS") {
        let disk_id = disk.text("DISK_ID");
        for snap in disk.all("SNAPSHOT") {
            let mut row = snap.clone();
            row.children.retain(|c| c.name != "DISK_ID" && c.name != "MONITOR_SIZE");
            row.children.push(leaf("DISK_ID", disk_id));
            if let Some(size) = measured(disk_id, snap.text("ID")) {
                row.children.push(leaf("MONITOR_SIZE", &size.text));
            }
            rows.push(row);
        }
    }
    rows
}

fn dsnap_disk(s: &Node) -> String {
    s.text("DISK_ID").to_string()
}
/// `measured/size`, `-` for either one unknown.
fn dsnap_size(s: &Node) -> String {
    let size = |path: &str| if s.get(path).is_none() { "-".to_string() } else { unit_to_str(s.float(path), "M") };
    format!("{}/{}", size("MONITOR_SIZE"), size("SIZE"))
}

const DISK_SNAPSHOT_TABLE: TableSpec = TableSpec {
    columns: &[
        Column::left("AC", 2, image::snap_active),
        Column::right("ID", 3, image::snap_id),
        Column::right("DISK", 4, dsnap_disk),
        Column::right("PARENT", 6, image::snap_parent),
        Column::right("CHILDREN", 10, image::snap_children),
        Column::right("DATE", 15, image::snap_date),
        Column::left("SIZE", 12, dsnap_size),
        Column::left("NAME", 32, image::snap_name),
    ],
    default: &["AC", "ID", "DISK", "PARENT", "DATE", "SIZE", "NAME"],
};

fn nic_id(n: &Node) -> String {
    n.text("NIC_ID").to_string()
}
fn nic_network(n: &Node) -> String {
    text_or_dash(n.text("NETWORK"))
}
fn nic_bridge(n: &Node) -> String {
    text_or_dash(n.text("BRIDGE"))
}
fn nic_ip(n: &Node) -> String {
    text_or_dash(n.text("IP"))
}
fn nic_mac(n: &Node) -> String {
    text_or_dash(n.text("MAC"))
}

const NIC_TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 3, nic_id),
        Column::left("NETWORK", 20, nic_network),
        Column::left("BRIDGE", 12, nic_bridge),
        Column::left("IP", 15, nic_ip),
        Column::left("MAC", 17, nic_mac),
    ],
    default: &["ID", "NETWORK", "BRIDGE", "IP", "MAC"],
};

/// A small table of `items` with `spec`'s default columns.
/// A monitoring value as `show` prints it: sizes with units, times as dates.
fn monitoring_value(name: &str, value: &Node) -> String {
    match name {
        "MEMORY" => unit_to_str(value.float(""), "K"),
        "NETTX" | "NETRX" | "DISKRDBYTES" | "DISKWRBYTES" => unit_to_str(value.float("") / 1024.0, "K"),
        "TIMESTAMP" => time_to_str(value.int("")),
        _ => value.text.clone(),
    }
}

/// The `onevm show` page, laid out as OpenNebula's CLI does.
pub fn show_page(vm: &Node) -> String {
    let mut p = Page::new();
    let placed = on_host(vm).then(|| last_history(vm)).flatten();
    let deploy_id = vm.text("DEPLOY_ID");
    p.header(&format!("VIRTUAL MACHINE {} INFORMATION", vm.text("ID")))
        .field("ID", vm.text("ID"))
        .field("NAME", vm.text("NAME"))
        .field("USER", vm.text("UNAME"))
        .field("GROUP", vm.text("GNAME"))
        .field("STATE", states::vm_state(vm.int("STATE")))
        .field("LCM_STATE", states::lcm_state(vm.int("LCM_STATE")))
        .field("LOCK", lock_name(vm))
        .field("RESCHED", yes_no(vm.text("RESCHED")))
        .field("HOST", placed.map_or("-".to_string(), |h| h.text("HOSTNAME").to_string()))
        .field("CLUSTER ID", placed.map_or("-".to_string(), |h| h.text("CID").to_string()))
        .field("START TIME", time_to_str(vm.int("STIME")))
        .field("END TIME", time_to_str(vm.int("ETIME")))
        .field("DEPLOY ID", text_or_dash(deploy_id));
    let progress = crate::tools::image::transfer_progress(vm.get("TEMPLATE"))
        .or_else(|| crate::tools::image::transfer_progress(vm.get("USER_TEMPLATE")));
    if let Some(progress) = progress {
        p.field("TRANSFER PROGRESS", progress);
    }

    p.header("VIRTUAL MACHINE MONITORING");
    if let Some(m) = vm.get("MONITORING") {
        for v in m.children.iter().filter(|c| c.is_leaf()) {
            p.field(&v.name, monitoring_value(&v.name, v));
        }
    }

    p.permissions(vm);

    if let Some(t) = vm.get("TEMPLATE") {
        let disks: Vec<&Node> = t.all("DISK").collect();
        if !disks.is_empty() {
            p.header("VM DISKS").raw(&DISK_TABLE.render_default(&disks));
        }
        let snapshots = disk_snapshots(vm);
        if !snapshots.is_empty() {
            p.header("VM DISK SNAPSHOTS")
                .raw(&DISK_SNAPSHOT_TABLE.render_default(&snapshots.iter().collect::<Vec<_>>()));
        }
        let nics: Vec<&Node> = t.all("NIC").collect();
        if !nics.is_empty() {
            p.header("VM NICS").raw(&NIC_TABLE.render_default(&nics));
        }
    }

    let history: Vec<&Node> = vm.get("HISTORY_RECORDS").map(|h| h.all("HISTORY").collect()).unwrap_or_default();
    if !history.is_empty() {
        p.header("VIRTUAL MACHINE HISTORY").raw(&HISTORY_TABLE.render_default(&history));
    }

    p.template("USER TEMPLATE", vm.get("USER_TEMPLATE"));
    p.template("VIRTUAL MACHINE TEMPLATE", vm.get("TEMPLATE"));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VM_XML: &str = "<VM><ID>7</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
        <NAME>web</NAME><PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A>\
        <GROUP_U>1</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A><OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M>\
        <OTHER_A>0</OTHER_A></PERMISSIONS><LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>3</LCM_STATE>\
        <RESCHED>1</RESCHED><STIME>1795408927</STIME><ETIME>1795412527</ETIME><DEPLOY_ID>dummy-7</DEPLOY_ID>\
        <LOCK><LOCKED>2</LOCKED><OWNER>0</OWNER><TIME>1795408927</TIME><REQ_ID>-1</REQ_ID></LOCK>\
        <MONITORING><CPU><![CDATA[12]]></CPU><MEMORY><![CDATA[131072]]></MEMORY></MONITORING>\
        <TEMPLATE><CPU><![CDATA[0.5]]></CPU><MEMORY><![CDATA[128]]></MEMORY>\
        <DISK><DISK_ID><![CDATA[0]]></DISK_ID><DATASTORE><![CDATA[default]]></DATASTORE><IMAGE><![CDATA[ttylinux]]></IMAGE>\
        <SIZE><![CDATA[200]]></SIZE><TARGET><![CDATA[sda]]></TARGET><TYPE><![CDATA[FILE]]></TYPE></DISK>\
        <NIC><NIC_ID><![CDATA[0]]></NIC_ID><NETWORK><![CDATA[net1]]></NETWORK><BRIDGE><![CDATA[br0]]></BRIDGE>\
        <IP><![CDATA[10.0.0.1]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC></NIC><VMID><![CDATA[7]]></VMID></TEMPLATE>\
        <USER_TEMPLATE><NOTE><![CDATA[hi]]></NOTE></USER_TEMPLATE><HISTORY_RECORDS><HISTORY><OID>7</OID><SEQ>0</SEQ>\
        <HOSTNAME>h1</HOSTNAME><HID>0</HID><CID>0</CID><STIME>1795408930</STIME><ETIME>0</ETIME><VM_MAD>dummy</VM_MAD>\
        <TM_MAD>dummy</TM_MAD><DS_ID>0</DS_ID><PSTIME>1795408930</PSTIME><PETIME>1795408931</PETIME>\
        <ACTION>0</ACTION><UID>0</UID><GID>0</GID><REQUEST_ID>-1</REQUEST_ID></HISTORY></HISTORY_RECORDS></VM>";

    fn vm() -> Node {
        Node::parse(VM_XML).expect("xml")
    }

    /// Golden layout of the default columns.
    #[test]
    fn default_list_layout() {
        let vm = vm();
        let out = TABLE.render(&[&vm], &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "    ID USER            GROUP           NAME            STAT  CPU     MEM HOST                   TIME\n     \
             7 oneadmin        oneadmin        web             runn  0.5    128M h1                0d 01h00m\n"
        );
        let args = ListArgs {
            list: vec!["ID".into(), "IP".into(), "RESCHED".into(), "LOCK".into()],
            csv: true,
            ..ListArgs::default()
        };
        assert_eq!(TABLE.render(&[&vm], &args).expect("renders"), "ID,IP,RESCHED,LOCK\n7,10.0.0.1,1,Manage\n");
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let page = show_page(&vm());
        for needle in [
            "VIRTUAL MACHINE 7 INFORMATION\n",
            "NAME                  : web\n",
            "STATE                 : ACTIVE\n",
            "LCM_STATE             : RUNNING\n",
            "LOCK                  : Manage\n",
            "RESCHED               : Yes\n",
            "HOST                  : h1\n",
            "CLUSTER ID            : 0\n",
            "START TIME            : 11/23 04:42:07\n",
            "DEPLOY ID             : dummy-7\n",
            "\nVIRTUAL MACHINE MONITORING\nCPU                   : 12\nMEMORY                : 128M\n",
            "\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n",
            "\nVM DISKS\n ID DATASTORE  TARGET IMAGE                                    SIZE TYPE SAVE\n  \
             0 default    sda    ttylinux                                 200M file NO\n",
            "\nVM NICS\n ID NETWORK              BRIDGE       IP              MAC\n  \
             0 net1                 br0          10.0.0.1        02:00:0a:00:00:01\n",
            "\nVIRTUAL MACHINE HISTORY\n SEQ  UID   REQ HOST            ACTION            DS          START        TIME     PROLOG\n   \
             0    0    -1 h1              none               0 11/23 04:42:10",
            "   0h00m01s\n",
            "\nUSER TEMPLATE\nNOTE=\"hi\"\n",
            "\nVIRTUAL MACHINE TEMPLATE\nCPU=\"0.5\"\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        // A VM that never ran: no host, no history, no device tables.
        let pending = Node::parse(
            "<VM><ID>1</ID><NAME>p</NAME><STATE>1</STATE><LCM_STATE>0</LCM_STATE><RESCHED>0</RESCHED>\
             <STIME>1</STIME><ETIME>0</ETIME><DEPLOY_ID/><TEMPLATE/><USER_TEMPLATE/><HISTORY_RECORDS/></VM>",
        )
        .expect("xml");
        let page = show_page(&pending);
        assert!(page.contains("STATE                 : PENDING\n"), "{page}");
        assert!(page.contains("HOST                  : -\n"), "{page}");
        assert!(page.contains("LOCK                  : None\n"), "{page}");
        assert!(page.contains("DEPLOY ID             : -\n"), "{page}");
        for absent in ["VM DISKS", "VM NICS", "VIRTUAL MACHINE HISTORY", "PERMISSIONS"] {
            assert!(!page.contains(absent), "{absent} in\n{page}");
        }
    }

    #[test]
    fn memory_sizes() {
        assert_eq!(parse_memory("512"), Ok(512));
        assert_eq!(parse_memory("512M"), Ok(512));
        assert_eq!(parse_memory("512mb"), Ok(512));
        assert_eq!(parse_memory("2G"), Ok(2048));
        assert_eq!(parse_memory("1.5gb"), Ok(1536));
        assert!(parse_memory("12X").is_err());
        assert!(parse_memory("0").is_err());
        assert!(parse_memory("-5").is_err());
        assert!(parse_memory("").is_err());
        assert_eq!(parse_cpu("0.5"), Ok(0.5));
        assert!(parse_cpu("0").is_err());
        assert!(parse_cpu("x").is_err());
    }

    #[test]
    fn create_template_from_options() {
        let opts = CreateArgs {
            name: Some("a \"b\" \\c".into()),
            cpu: Some(0.5),
            vcpu: Some(2),
            memory: Some(1024),
            disk: vec!["ttylinux".into(), "3".into()],
            nic: vec!["bob[net]".into(), "0".into()],
            multiple: 1,
            ..CreateArgs::default()
        };
        let text = opts.template().expect("template");
        let t = Template::parse_text(&text).expect("parses back");
        assert_eq!(t.get("NAME"), Some("a \"b\" \\c"));
        assert_eq!(t.get("CPU"), Some("0.5"));
        assert_eq!(t.get("VCPU"), Some("2"));
        assert_eq!(t.get("MEMORY"), Some("1024"));
        let disks: Vec<&Vector> = t.vectors("DISK").collect();
        assert_eq!(disks[0].get("IMAGE"), Some("ttylinux"));
        assert_eq!(disks[1].get("IMAGE_ID"), Some("3"));
        let nics: Vec<&Vector> = t.vectors("NIC").collect();
        assert_eq!(nics[0].get("NETWORK"), Some("net"));
        assert_eq!(nics[0].get("NETWORK_UNAME"), Some("bob"));
        assert_eq!(nics[1].get("NETWORK_ID"), Some("0"));
        assert!(text.contains("NAME=\"a \\\"b\\\" \\c\"\n"), "{text}");
    }

    #[test]
    fn create_merges_options_into_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("vm.tmpl");
        std::fs::write(&path, "NAME = web\nCPU = 1\nMEMORY = 128\nDISK = [ IMAGE_ID = 0 ]\n").expect("write");
        // No option: the file goes as written.
        let plain = CreateArgs { file: Some(path.clone()), multiple: 1, ..CreateArgs::default() };
        assert!(plain.template().expect("file").starts_with("NAME = web\n"));
        let merged = CreateArgs {
            file: Some(path.clone()),
            memory: Some(256),
            disk: vec!["data".into()],
            multiple: 1,
            ..CreateArgs::default()
        };
        let t = Template::parse_text(&merged.template().expect("merged")).expect("parses");
        assert_eq!(t.get("NAME"), Some("web"));
        assert_eq!(t.get("MEMORY"), Some("256"));
        assert_eq!(t.get_all("MEMORY").count(), 1);
        assert_eq!(t.vectors("DISK").count(), 2);
        // Neither a file nor CPU and MEMORY; a bad device spec; a bad file.
        let none = CreateArgs { name: Some("x".into()), memory: Some(1), multiple: 1, ..CreateArgs::default() };
        assert_eq!(none.template().expect_err("no cpu").exit_code(), crate::error::EXIT_USAGE);
        let bad = CreateArgs {
            cpu: Some(1.0),
            memory: Some(1),
            nic: vec!["a[b".into()],
            multiple: 1,
            ..CreateArgs::default()
        };
        assert!(bad.template().expect_err("bad nic").to_string().contains("bad --nic"));
        std::fs::write(&path, "CPU = 1\nNIC = [ NETWORK = \"a\"\n").expect("write");
        let e = plain.template().expect_err("syntax");
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
    }

    #[test]
    fn recover_codes_and_hard_actions() {
        let op = |f: fn(&mut RecoverOp)| {
            let mut o = RecoverOp {
                failure: false,
                success: false,
                retry: false,
                delete: false,
                recreate: false,
                delete_db: false,
            };
            f(&mut o);
            o.code()
        };
        assert_eq!(op(|o| o.failure = true), 0);
        assert_eq!(op(|o| o.success = true), 1);
        assert_eq!(op(|o| o.retry = true), 2);
        assert_eq!(op(|o| o.delete = true), 3);
        assert_eq!(op(|o| o.recreate = true), 4);
        assert_eq!(op(|o| o.delete_db = true), 5);
        assert_eq!(hard_variant("terminate", true), "terminate-hard");
        assert_eq!(hard_variant("reboot", false), "reboot");
        // clap: exactly one recover operation.
        assert!(OneVm::try_parse_from(["onevm", "recover", "1"]).is_err());
        assert!(OneVm::try_parse_from(["onevm", "recover", "1", "--success", "--retry"]).is_err());
        assert!(OneVm::try_parse_from(["onevm", "recover", "1", "--delete-db"]).is_ok());
        OneVm::command().debug_assert();
    }

    const SNAPSHOTS_XML: &str = "<SNAPSHOTS><ALLOW_ORPHANS>NO</ALLOW_ORPHANS><CURRENT_BASE>-1</CURRENT_BASE>\
        <DISK_ID>0</DISK_ID><NEXT_SNAPSHOT>2</NEXT_SNAPSHOT>\
        <SNAPSHOT><CHILDREN>1</CHILDREN><DATE>1795408927</DATE><ID>0</ID><NAME>clean</NAME><PARENT>-1</PARENT>\
        <SIZE>200</SIZE></SNAPSHOT><SNAPSHOT><ACTIVE>YES</ACTIVE><DATE>1795412527</DATE><ID>1</ID>\
        <NAME>configured</NAME><PARENT>0</PARENT><SIZE>200</SIZE></SNAPSHOT></SNAPSHOTS>\
        <SNAPSHOTS><DISK_ID>2</DISK_ID><SNAPSHOT><DATE>1795412527</DATE><ID>0</ID><NAME>clean</NAME>\
        <PARENT>-1</PARENT></SNAPSHOT><SNAPSHOT><DATE>1795412527</DATE><ID>1</ID><NAME>twice</NAME>\
        <PARENT>-1</PARENT></SNAPSHOT><SNAPSHOT><DATE>1795412527</DATE><ID>2</ID><NAME>twice</NAME>\
        <PARENT>-1</PARENT></SNAPSHOT></SNAPSHOTS>";

    /// A VM with disk snapshots (OpenNebula 7's body: one `SNAPSHOTS` per disk), a measured
    /// snapshot size and a copy in progress.
    fn vm_with_snapshots() -> Node {
        let xml = VM_XML
            .replace("<USER_TEMPLATE>", &format!("{SNAPSHOTS_XML}<USER_TEMPLATE>"))
            .replace(
                "<MEMORY><![CDATA[131072]]></MEMORY></MONITORING>",
                "<MEMORY><![CDATA[131072]]></MEMORY><SNAPSHOT_SIZE><DISK_ID>0</DISK_ID><ID>1</ID><SIZE>37</SIZE>\
                 </SNAPSHOT_SIZE></MONITORING>",
            )
            .replace(
                "<VMID><![CDATA[7]]></VMID>",
                "<VMID><![CDATA[7]]></VMID><TRANSFER_PROGRESS><![CDATA[disk.0 42% 110 MB/s]]></TRANSFER_PROGRESS>",
            );
        Node::parse(&xml).expect("xml")
    }

    #[test]
    fn show_lists_disk_snapshots_and_transfer_progress() {
        let page = show_page(&vm_with_snapshots());
        for needle in [
            "DEPLOY ID             : dummy-7\nTRANSFER PROGRESS     : disk.0 42% 110 MB/s\n",
            "file NO\n\nVM DISK SNAPSHOTS\n\
             AC  ID DISK PARENT            DATE SIZE         NAME\n     \
             0    0     -1  11/23 04:42:07 -/200M       clean\n\
             =>   1    0      0  11/23 05:42:07 37M/200M     configured\n     \
             0    2     -1  11/23 05:42:07 -/-          clean\n",
            "\nVM NICS\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        let plain = show_page(&vm());
        assert!(!plain.contains("SNAPSHOTS") && !plain.contains("TRANSFER"), "{plain}");
        // The progress may also be in the USER_TEMPLATE.
        let user = Node::parse(
            &VM_XML.replace("<NOTE><![CDATA[hi]]></NOTE>", "<TRANSFER_PROGRESS><![CDATA[7%]]></TRANSFER_PROGRESS>"),
        )
        .expect("xml");
        assert!(show_page(&user).contains("TRANSFER PROGRESS     : 7%\n"));
    }

    #[test]
    fn disk_snapshots_by_name() {
        let vm = vm_with_snapshots();
        assert_eq!(snapshot_by_name(&vm, 0, "configured").expect("found"), 1);
        assert_eq!(snapshot_by_name(&vm, 2, "clean").expect("found"), 0);
        assert!(snapshot_by_name(&vm, 1, "clean").is_err(), "disk 1 has no snapshots");
        assert!(snapshot_by_name(&vm, 0, "nope").expect_err("absent").to_string().contains("no snapshot named nope"));
        assert!(snapshot_by_name(&vm, 2, "twice").expect_err("ambiguous").to_string().contains("several"));
    }

    #[test]
    fn disk_commands_parse_as_opennebulas() {
        let cmd = |args: &[&str]| {
            let mut a = vec!["onevm"];
            a.extend_from_slice(args);
            OneVm::try_parse_from(a).map(|o| o.cmd)
        };
        let Ok(Cmd::DiskResize { vm, disk_id, size }) = cmd(&["disk-resize", "web", "1", "10G"]) else {
            panic!("disk-resize");
        };
        assert_eq!((vm.as_str(), disk_id, size), ("web", 1, 10240));
        assert!(matches!(cmd(&["disk-resize", "web", "1", "2048"]), Ok(Cmd::DiskResize { size: 2048, .. })));
        assert!(cmd(&["disk-resize", "web", "1", "10K"]).is_err());
        assert!(cmd(&["disk-resize", "web", "x", "10G"]).is_err(), "a disk is given by ID");
        let Ok(Cmd::DiskSaveas { image_type, snapshot, image_name, .. }) =
            cmd(&["disk-saveas", "7", "0", "golden", "--type", "os", "-s", "configured"])
        else {
            panic!("disk-saveas");
        };
        assert_eq!(
            (image_name.as_str(), image_type.as_deref(), snapshot.as_deref()),
            ("golden", Some("os"), Some("configured"))
        );
        assert!(matches!(
            cmd(&["disk-snapshot-rename", "7", "0", "1", "new name"]),
            Ok(Cmd::DiskSnapshotRename { snap: DiskSnapshotArgs { disk_id: 0, .. }, new_name }) if new_name == "new name"
        ));
        assert!(matches!(cmd(&["disk-snapshot-create", "7", "0", "s1"]), Ok(Cmd::DiskSnapshotCreate { .. })));
        assert!(matches!(cmd(&["disk-snapshot-revert", "7", "0", "1"]), Ok(Cmd::DiskSnapshotRevert(_))));
        assert!(matches!(cmd(&["disk-snapshot-delete", "7", "0", "clean"]), Ok(Cmd::DiskSnapshotDelete(_))));
        assert!(cmd(&["disk-snapshot-create", "7", "0"]).is_err(), "a snapshot needs a name");
    }
}
