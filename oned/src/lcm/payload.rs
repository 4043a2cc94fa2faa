//! What is sent to drivers: the VMM action document (`VMM_DRIVER_ACTION_DATA`, base64) and
//! the transfer files of the TM driver (one transfer per line, see `share/doc/drivers.md`).

use crate::cloud::Cloud;
use crate::objects::PoolObject;
use crate::objects::vm::{History, LcmState, PendingAction, Stage, Verb, VirtualMachine};
use crate::xml;
use driver_proto::transfer::{Transfer, TransferAction, TransferError};
use std::path::{Path, PathBuf};

/// The history record an action runs against: the previous host for the steps that leave it
/// (the save of a cold migration, the source of a live one), else the current one.
fn host_record(vm: &VirtualMachine, verb: Verb) -> Option<&History> {
    let n = vm.history.len();
    let on_source = (verb == Verb::Save && vm.lcm_state == LcmState::SaveMigrate) || verb == Verb::Migrate;
    if on_source && n >= 2 { vm.history.get(n - 2) } else { vm.history.last() }
}

/// The VMM driver for an action: the VM_MAD of the host the action runs on.
pub fn vmm_driver(vm: &VirtualMachine, verb: Verb) -> Option<String> {
    host_record(vm, verb).map(|h| h.vm_mad.clone())
}

/// The system datastore's TM_MAD for the VM's current stay ("" when unknown).
pub fn system_tm_mad(cloud: &Cloud, vm: &VirtualMachine) -> String {
    vm.history
        .last()
        .map(|h| cloud.datastores.get(h.ds_id).map(|d| d.tm_mad.clone()).unwrap_or_else(|| h.tm_mad.clone()))
        .unwrap_or_default()
}

/// The VM's directory in its system datastore.
fn vm_dir(cloud: &Cloud, vm: &VirtualMachine, h: Option<&History>) -> String {
    let base = h
        .and_then(|h| cloud.datastores.get(h.ds_id))
        .map(|d| d.base_path.clone())
        .unwrap_or_else(|| cloud.settings.datastore_location.join("0").display().to_string());
    format!("{base}/{}", vm.oid)
}

/// Base64 of `<VMM_DRIVER_ACTION_DATA>` for `verb`; `local_deployment` is the deployment file
/// oned wrote for it on the front-end, if any.
pub fn vmm_payload(cloud: &Cloud, vm: &VirtualMachine, verb: Verb, local_deployment: Option<&Path>) -> String {
    let n = vm.history.len();
    let cur = vm.history.last();
    let (host, migr_host) = match verb {
        Verb::Migrate if n >= 2 => {
            (vm.history[n - 2].hostname.clone(), cur.map(|h| h.hostname.clone()).unwrap_or_default())
        }
        _ => (host_record(vm, verb).map(|h| h.hostname.clone()).unwrap_or_default(), String::new()),
    };
    let dir = vm_dir(cloud, vm, host_record(vm, verb));
    let mut out = String::with_capacity(4096);
    out.push_str("<VMM_DRIVER_ACTION_DATA>");
    xml::text(&mut out, "HOST", &host);
    xml::text(&mut out, "MIGR_HOST", &migr_host);
    xml::text(&mut out, "DEPLOY_ID", &vm.deploy_id);
    xml::text(
        &mut out,
        "LOCAL_DEPLOYMENT_FILE",
        &local_deployment.map(|p| p.display().to_string()).unwrap_or_default(),
    );
    xml::text(&mut out, "REMOTE_DEPLOYMENT_FILE", &format!("{dir}/deployment.{}", n.saturating_sub(1)));
    xml::text(&mut out, "CHECKPOINT_FILE", &format!("{dir}/checkpoint"));
    vm.write_xml(&mut out);
    out.push_str("</VMM_DRIVER_ACTION_DATA>");
    driver_proto::proto::b64_encode(out.as_bytes())
}

/// The front-end's host name, as transfer lines name it.
fn frontend() -> String {
    nix::unistd::gethostname().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "localhost".to_string())
}

/// `host:path` as transfer lines name locations.
fn at(host: &str, path: &str) -> String {
    format!("{host}:{path}")
}

/// The transfers of a stage, typed: every value is checked against its field's kind when the
/// transfer is built ([`Transfer::new`]), and locations are encoded when written, so no value a
/// template holds can add a field or a line. An `Err` says which value did not fit.
pub fn transfers(cloud: &Cloud, vm: &VirtualMachine, stage: Stage) -> Result<Vec<Transfer>, TransferError> {
    let fe = frontend();
    let n = vm.history.len();
    let cur = vm.history.last();
    let host = cur.map(|h| h.hostname.clone()).unwrap_or_default();
    let dir = vm_dir(cloud, vm, cur);
    let tm = system_tm_mad(cloud, vm);
    let ds = cur.map(|h| h.ds_id).unwrap_or(0).to_string();
    let id = vm.oid.to_string();
    let t = |action, tm_mad: &str, args: Vec<String>| Transfer::new(action, None, tm_mad, args);
    match stage {
        Stage::Prolog => {
            let mut out = Vec::new();
            // Kernel and initrd from the files datastore, into the VM's directory.
            if let Some(os) = vm.template.vector("OS") {
                for (base, file) in crate::objects::vm::OS_FILES {
                    let get = |k: &str| os.get(&format!("{base}_DS_{k}")).map(str::to_string);
                    if let (Some(src), Some(dsid), Some(ftm)) = (get("SOURCE"), get("DSID"), get("TM")) {
                        let target = at(&host, &format!("{dir}/{file}"));
                        out.push(t(TransferAction::Clone, &ftm, vec![at(&fe, &src), target, id.clone(), dsid])?);
                    }
                }
            }
            for d in vm.template.vectors("DISK") {
                let i = d.get("DISK_ID").unwrap_or("0");
                let target = at(&host, &format!("{dir}/disk.{i}"));
                match (d.get("SOURCE"), d.get("IMAGE_ID")) {
                    (Some(src), Some(_)) => {
                        let op = if d.get("CLONE").is_some_and(|c| c == "NO") {
                            TransferAction::Ln
                        } else {
                            TransferAction::Clone
                        };
                        let dtm = d.get("TM_MAD").unwrap_or(&tm);
                        let dsid = d.get("DATASTORE_ID").unwrap_or("0").to_string();
                        let src = if src.contains(':') { src.to_string() } else { at(&fe, src) };
                        out.push(t(op, dtm, vec![src, target, id.clone(), dsid])?);
                    }
                    _ if d.get("TYPE").is_some_and(|t| t.eq_ignore_ascii_case("swap")) => {
                        let size = d.get("SIZE").unwrap_or("0").to_string();
                        out.push(t(TransferAction::Mkswap, &tm, vec![size, target, id.clone(), ds.clone()])?);
                    }
                    _ => {
                        let size = d.get("SIZE").unwrap_or("0").to_string();
                        let format = d.get("FORMAT").unwrap_or("raw").to_string();
                        out.push(t(TransferAction::Mkimage, &tm, vec![size, format, target, id.clone(), ds.clone()])?);
                    }
                }
            }
            Ok(out)
        }
        Stage::Epilog => {
            // Persistent disks go back to their image's datastore before the VM's files go.
            let mut out = Vec::new();
            for d in vm.template.vectors("DISK") {
                let persistent = d.get("PERSISTENT").is_some_and(|p| p.eq_ignore_ascii_case("YES"));
                if let (true, Some(src), Some(_)) = (persistent, d.get("SOURCE"), d.get("IMAGE_ID")) {
                    let i = d.get("DISK_ID").unwrap_or("0");
                    let dtm = d.get("TM_MAD").unwrap_or(&tm);
                    let dsid = d.get("DATASTORE_ID").unwrap_or("0").to_string();
                    let from = at(&host, &format!("{dir}/disk.{i}"));
                    out.push(t(TransferAction::Mvds, dtm, vec![from, src.to_string(), id.clone(), dsid])?);
                }
            }
            out.push(t(TransferAction::Delete, &tm, vec![at(&host, &dir), id, ds])?);
            Ok(out)
        }
        Stage::Delete => Ok(vec![t(TransferAction::Delete, &tm, vec![at(&host, &dir), id, ds])?]),
        Stage::EpilogLocal => Ok(vec![t(TransferAction::Delete, &tm, vec![at(&fe, &dir), id, ds])?]),
        Stage::EpilogStop => Ok(vec![t(TransferAction::Mv, &tm, vec![at(&host, &dir), at(&fe, &dir), id, ds])?]),
        Stage::PrologResume | Stage::PrologUndeploy => {
            Ok(vec![t(TransferAction::Mv, &tm, vec![at(&fe, &dir), at(&host, &dir), id, ds])?])
        }
        Stage::Migrate => {
            let from = if n >= 2 { vm.history[n - 2].hostname.clone() } else { host.clone() };
            Ok(vec![t(TransferAction::Mv, &tm, vec![at(&from, &dir), at(&host, &dir), id, ds])?])
        }
        Stage::SnapCreate | Stage::SnapRevert | Stage::SnapDelete | Stage::Resize | Stage::Saveas => {
            let Some(op) = vm.disk_op.as_ref() else { return Ok(Vec::new()) };
            let disk_id = op.disk();
            let disk = vm.template.vectors("DISK").find(|d| d.get("DISK_ID") == Some(disk_id.to_string().as_str()));
            // Image disks use their datastore's TM_MAD; volatile disks the system datastore's.
            let dtm = disk.and_then(|d| d.get("TM_MAD")).unwrap_or(&tm).to_string();
            let ddsid = disk.and_then(|d| d.get("DATASTORE_ID")).map(str::to_string).unwrap_or_else(|| ds.clone());
            let path = at(&host, &format!("{dir}/disk.{disk_id}"));
            use crate::objects::vm::DiskOp;
            let line = match op {
                DiskOp::SnapCreate { snap, .. } => {
                    t(TransferAction::SnapCreate, &dtm, vec![path, snap.to_string(), id, ddsid])?
                }
                DiskOp::SnapRevert { snap, .. } => {
                    t(TransferAction::SnapRevert, &dtm, vec![path, snap.to_string(), id, ddsid])?
                }
                DiskOp::SnapDelete { snap, .. } => {
                    t(TransferAction::SnapDelete, &dtm, vec![path, snap.to_string(), id, ddsid])?
                }
                DiskOp::Resize { size, .. } => {
                    t(TransferAction::Resize, &dtm, vec![path, size.to_string(), id, ddsid])?
                }
                DiskOp::Saveas { snap, image, source, .. } => {
                    let img_ds =
                        cloud.images.get(*image).map(|i| i.datastore_id.to_string()).unwrap_or_else(|| ddsid.clone());
                    t(TransferAction::Cpds, &dtm, vec![path, source.clone(), snap.to_string(), id, img_ds])?
                }
            };
            Ok(vec![line])
        }
        Stage::None => Ok(Vec::new()),
    }
}

/// Why a deployment file was not written.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentFileError {
    #[error("the VM cannot be deployed: {0}")]
    Value(#[from] super::deployment::DeploymentError),
    #[error("the VM has no host to deploy to")]
    NoHost,
    #[error("cannot write the deployment file: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `<vms_dir>/<vmid>/deployment.<n>` (the QEMU deployment of the VM's current stay, for
/// the host's acceleration) and returns its path.
pub fn write_deployment(cloud: &Cloud, vm: &VirtualMachine, vms_dir: &Path) -> Result<PathBuf, DeploymentFileError> {
    let h = vm.history.last().ok_or(DeploymentFileError::NoHost)?;
    let accel =
        super::deployment::Accel::from_host(cloud.hosts.get(h.hid).and_then(|host| host.template.get("KVM_ACCEL")));
    let facts = super::deployment::HostFacts { accel, vm_dir: vm_dir(cloud, vm, Some(h)) };
    let d = super::deployment::build(vm.oid, &vm.template, &facts)?;
    let dir = vms_dir.join(vm.oid.to_string());
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("deployment.{}", vm.history.len() - 1));
    // The file may hold the VNC password: readable by oned's user only, written whole.
    let tmp = dir.join(format!(".deployment.{}.tmp", vm.history.len() - 1));
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(d.encode().as_bytes())?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Whether the context CD is made (again) at the end of `stage`: the transfers after which
/// the VM is deployed or restored on a host (OpenNebula regenerates it at every deploy and
/// restore; between a power-off and its resume nothing changes it).
pub fn makes_context(stage: Stage) -> bool {
    matches!(stage, Stage::Prolog | Stage::PrologResume | Stage::PrologUndeploy | Stage::Migrate)
}

/// The `CONTEXT` transfer: `CONTEXT <system tm> <context.sh> [files...] <host>:<dir>/disk.<id>
/// <vmid> <dsid>` (OpenNebula's `prolog_context_command`; `context.sh` and the files are paths
/// on the front-end, a FILES_DS file as `<source>:'<name>'`).
pub fn context_transfer(
    cloud: &Cloud,
    vm: &VirtualMachine,
    context_sh: &Path,
    g: &super::context::Generated,
) -> Result<Transfer, TransferError> {
    let cur = vm.history.last();
    let host = cur.map(|h| h.hostname.clone()).unwrap_or_default();
    let dir = vm_dir(cloud, vm, cur);
    let ds = cur.map(|h| h.ds_id).unwrap_or(0).to_string();
    let mut args = vec![context_sh.display().to_string()];
    args.extend(g.files.iter().cloned());
    args.extend([at(&host, &format!("{dir}/disk.{}", g.disk_id)), vm.oid.to_string(), ds]);
    Transfer::new(TransferAction::Context, None, &system_tm_mad(cloud, vm), args)
}

/// Writes `<vms_dir>/<vmid>/context.sh` (readable by oned's user only: it may hold a
/// password) and returns its path.
fn write_context_sh(dir: &Path, text: &str) -> std::io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join("context.sh");
    let tmp = dir.join(".context.sh.tmp");
    {
        let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&tmp)?;
        f.write_all(text.as_bytes())?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

/// Why a transfer file was not written.
#[derive(Debug, thiserror::Error)]
pub enum TransferFileError {
    #[error("the VM's disks or placement cannot be written as a transfer: {0}")]
    Value(#[from] TransferError),
    #[error("cannot generate the context: {0}")]
    Context(String),
    #[error("cannot write the transfer file: {0}")]
    Io(#[from] std::io::Error),
}

/// Writes `<vms_dir>/<vmid>/transfer.<seq>.<stage>` (and, for the stages that make the
/// context CD, `<vms_dir>/<vmid>/context.sh`) and returns its path.
pub fn write_transfer(
    cloud: &Cloud,
    vm: &VirtualMachine,
    p: &PendingAction,
    vms_dir: &Path,
) -> Result<PathBuf, TransferFileError> {
    let mut list = transfers(cloud, vm, p.stage)?;
    let dir = vms_dir.join(vm.oid.to_string());
    std::fs::create_dir_all(&dir)?;
    if makes_context(p.stage) {
        let dirs = super::context::FileDirs {
            safe: &cloud.settings.context_safe_dirs,
            restricted: &cloud.settings.context_restricted_dirs,
        };
        if let Some(g) = super::context::generate(cloud, vm, &dirs).map_err(TransferFileError::Context)? {
            let path = write_context_sh(&dir, &g.text)?;
            list.push(context_transfer(cloud, vm, &path, &g)?);
        }
    }
    let path = dir.join(format!("transfer.{}.{}", p.seq, p.stage));
    let text = driver_proto::transfer::encode_file(&format!("{} transfer of VM {}", p.stage, vm.oid), &list);
    std::fs::write(&path, text)?;
    Ok(path)
}

#[cfg(test)]
mod tests;
