//! The CONTEXT vector at allocation, as OpenNebula's `VirtualMachine::insert` leaves it
//! (`get_disk_images` and `parse_context`):
//!
//! 1. the context CD gets `DISK_ID` (the number of disks) and a `TARGET`: the one written, else
//!    the first free one with `DEV_PREFIX`, else with `sd` on q35/virt machines (`OS/MACHINE`)
//!    and `hd` on others (OpenNebula's CD-ROM rule);
//! 2. every value's `$VARIABLE`s are replaced (`lcm::context::substitute`; unknown ones are
//!    empty);
//! 3. `NETWORK = YES` adds the `ETH<i>_*` values of the NICs whose network is known;
//! 4. `FILES_DS = "$FILE[IMAGE_ID=n] $FILE[IMAGE=name, IMAGE_UNAME=u] ..."` names images of
//!    the files datastore: each must be of type CONTEXT, READY, and usable by the VM's owner;
//!    FILES_DS then holds `<source>:'<name>' ` per image (OpenNebula's form, trailing blank
//!    included), and only what oned wrote there ever reaches the CD;
//! 5. `TOKEN = YES` (a OneGate token) is kept as written and does nothing: Nephele has no
//!    OneGate server, so no token file and no `ONEGATE_ENDPOINT` reach the CD, and the guest's
//!    context tools skip OneGate. (OpenNebula refuses the VM when its oned.conf has no
//!    `ONEGATE_ENDPOINT`; templates from its marketplace and Sunstone often set TOKEN, and they
//!    boot here.)
//!
//! `CONTEXT/FILES` (front-end paths) is a restricted attribute; it is checked when the context
//! is generated (`lcm::context::files_problem`), as OpenNebula does.

use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::lcm::context::{self as ctxgen, CONTEXT_IMAGE_TYPE, VmFacts};
use crate::objects::image::{IMAGE_TYPES, state as img_state};
use libone::template::{Attribute, Template, Vector};
use std::collections::BTreeSet;

fn internal(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Internal, m)
}

/// OpenNebula's `test_machine_type({"q35", "virt"})`.
fn is_q35(sys: &Template) -> bool {
    sys.vector("OS").and_then(|o| o.get("MACHINE")).is_some_and(|m| m.contains("q35") || m.contains("virt"))
}

/// The first free target `<prefix>a`, `<prefix>b` … `<prefix>z`, `<prefix>aa` … (OpenNebula's
/// `assign_disk_targets`).
fn free_target(prefix: &str, used: &BTreeSet<String>) -> String {
    let mut index: usize = 0;
    loop {
        let mut letters = Vec::new();
        let mut n = index;
        loop {
            letters.push(b'a' + (n % 26) as u8);
            if n < 26 {
                break;
            }
            n = n / 26 - 1;
        }
        letters.reverse();
        let t = format!("{prefix}{}", String::from_utf8_lossy(&letters));
        if !used.contains(&t) {
            return t;
        }
        index += 1;
    }
}

fn letters_only(v: &str) -> bool {
    !v.is_empty() && v.len() <= 16 && v.bytes().all(|b| b.is_ascii_lowercase())
}

/// Step 1: DISK_ID and TARGET of the context CD.
fn place_cd(sys: &Template, ctx: &mut Vector) -> Result<(), ApiError> {
    let disks: Vec<&Vector> = sys.vectors("DISK").collect();
    let used: BTreeSet<String> = disks.iter().filter_map(|d| d.get("TARGET").map(str::to_string)).collect();
    match ctx.get("TARGET").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string) {
        Some(t) => {
            if !letters_only(&t) {
                return Err(internal(format!(
                    "CONTEXT/TARGET must be lower-case letters (like hda or sdb), not {t:?}"
                )));
            }
            if used.contains(&t) {
                return Err(internal(format!("Two disks have defined the same target {t}")));
            }
            ctx.set("TARGET", t);
        }
        None => {
            let prefix = match ctx.get("DEV_PREFIX").map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) if letters_only(p) => p.to_string(),
                Some(p) => {
                    return Err(internal(format!(
                        "CONTEXT/DEV_PREFIX must be lower-case letters (like hd or sd), not {p:?}"
                    )));
                }
                None if is_q35(sys) => "sd".to_string(),
                None => "hd".to_string(),
            };
            ctx.set("TARGET", free_target(&prefix, &used));
        }
    }
    ctx.set("DISK_ID", disks.len().to_string());
    Ok(())
}

/// Step 4: `FILES_DS` resolved to `<source>:'<name>' ...`.
fn files_ds(cloud: &Cloud, caller: &Caller, text: &str) -> Result<String, ApiError> {
    let vars = super::osfile::parse_file_vars(text).map_err(|e| internal(format!("Error parsing: {text}. {e}")))?;
    let mut out = String::new();
    for v in &vars {
        let id =
            super::osfile::resolve(cloud, caller, v).map_err(|e| internal(format!("Error parsing: {text}. {e}")))?;
        let img = cloud.images.get(id).ok_or_else(|| internal(format!("Image with ID: {id} does not exist")))?;
        if img.image_type != CONTEXT_IMAGE_TYPE {
            return Err(internal("Only images of type CONTEXT can be used in FILE_DS attribute."));
        }
        if img.state != img_state::READY {
            let ty = IMAGE_TYPES.get(img.image_type as usize).copied().unwrap_or("UNKNOWN");
            return Err(internal(format!("{ty} Image '{id}' not in READY state.")));
        }
        // The image's name names the file on the CD (Nephele: it must be a plain file name).
        if !ctxgen::is_file_name(&img.name) {
            return Err(internal(format!(
                "Image {id} cannot be a file of the context CD: its name {:?} has '/', a quote or a line break",
                img.name
            )));
        }
        if img.source.is_empty() || img.source.contains(char::is_whitespace) {
            return Err(internal(format!("Image {id} has no file the context CD can hold (SOURCE {:?})", img.source)));
        }
        out.push_str(&format!("{}:'{}' ", img.source, img.name));
    }
    Ok(out)
}

/// Prepares the CONTEXT of VM `vmid` (named `name`, owned by `caller`) in its system template,
/// once its disks and NICs are in place. `xml` builds the VM's XML for `$TEMPLATE`.
pub fn prepare(
    cloud: &Cloud,
    caller: &Caller,
    vmid: i32,
    name: &str,
    sys: &mut Template,
    user: &Template,
    xml: &dyn Fn(&Template) -> String,
) -> Result<(), ApiError> {
    let Some(mut ctx) = sys.vector("CONTEXT").cloned() else { return Ok(()) };
    // One context: OpenNebula keeps the first CONTEXT vector.
    sys.retain(|a| !(a.name() == "CONTEXT" && a.as_vector().is_some()));
    place_cd(sys, &mut ctx)?;
    let files_ds_text = ctx.remove("FILES_DS");

    // Variables, resolved against the template as it is now (disks and NICs in place).
    let snapshot = sys.clone();
    let vm_xml = || xml(&snapshot);
    let facts = VmFacts {
        vmid,
        name,
        uid: caller.uid,
        gid: caller.gid,
        uname: &caller.uname,
        gname: &caller.gname,
        template: &snapshot,
        user_template: user,
        xml: &vm_xml,
    };
    let mut parsed = Vector::new();
    for (k, v) in ctx.iter() {
        let value = ctxgen::substitute(cloud, &facts, v).map_err(|e| internal(format!("Error parsing: {v}. {e}")))?;
        parsed.set(k, value);
    }
    ctxgen::network_context(cloud, &snapshot, &mut parsed, false);

    if let Some(text) = files_ds_text.filter(|t| !t.trim().is_empty()) {
        let resolved = files_ds(cloud, caller, &text)?;
        if !resolved.is_empty() {
            parsed.set("FILES_DS", resolved);
        }
    }
    if ctxgen::is_yes(parsed.get("TOKEN")) {
        tracing::info!(vm_id = vmid, "CONTEXT/TOKEN = YES is ignored: there is no OneGate server");
    }
    sys.push(Attribute::Vector { name: "CONTEXT".into(), vector: parsed });
    Ok(())
}

#[cfg(test)]
mod tests;
