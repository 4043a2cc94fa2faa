//! Kernel and initrd files from the files datastore: `OS = [ KERNEL_DS = "$FILE[IMAGE_ID=3]",
//! INITRD_DS = "$FILE[IMAGE=\"initrd\", IMAGE_UNAME=\"oneadmin\"]" ]`, as OpenNebula 7.
//!
//! At allocation the `$FILE[...]` variable is resolved to one image the VM's owner may use, of
//! type KERNEL (resp. RAMDISK) and READY; the OS vector then carries `<BASE>_DS_ID`,
//! `<BASE>_DS_SOURCE`, `<BASE>_DS_DSID`, `<BASE>_DS_TM` and `<BASE>_DS_CLUSTER_ID`, and loses a
//! plain `<BASE>` (a path on the front-end is never taken from a template together with a file
//! image). The prolog copies the file into the VM's directory (`CLONE <tm> fe:<source>
//! host:<dir>/kernel`), and the deploy points `OS/KERNEL` (`INITRD`) there.

use crate::access::authorize;
use crate::auth::Caller;
use crate::cloud::Cloud;
use crate::error::{ApiError, ErrorCode};
use crate::objects::PoolObject;
use crate::objects::image::{IMAGE_TYPES, state as img_state};
use crate::perms::AuthOp;
use libone::template::Vector;

/// One `$NAME[KEY = value, ...]` variable of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileVar {
    pub name: String,
    /// Keys upper-cased, values as written (quotes removed).
    pub pairs: Vec<(String, String)>,
}

/// Parses the `$FILE[...]` variables of an attribute value (one or more, blanks between them).
/// A variable holds one or two `KEY = value` pairs; values may be quoted.
pub fn parse_file_vars(text: &str) -> Result<Vec<FileVar>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        rest = rest.strip_prefix('$').ok_or("syntax error, expected a $FILE[...] variable")?;
        let name_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        if name_len == 0 {
            return Err("syntax error, expected a variable name after $".into());
        }
        let name = rest[..name_len].to_ascii_uppercase();
        rest = rest[name_len..].trim_start().strip_prefix('[').ok_or("syntax error, expected [")?;
        let mut pairs = Vec::new();
        loop {
            rest = rest.trim_start();
            let key_len = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
            if key_len == 0 {
                return Err("syntax error, expected a name inside [ ]".into());
            }
            let key = rest[..key_len].to_ascii_uppercase();
            rest = rest[key_len..].trim_start().strip_prefix('=').ok_or("syntax error, expected =")?.trim_start();
            let value;
            if let Some(q) = rest.strip_prefix('"') {
                let end = q.find('"').ok_or("syntax error, unterminated string")?;
                value = q[..end].to_string();
                rest = &q[end + 1..];
            } else {
                let end = rest.find([',', ']']).ok_or("syntax error, expected ]")?;
                value = rest[..end].trim().to_string();
                if value.is_empty() {
                    return Err("syntax error, expected a value after =".into());
                }
                rest = &rest[end..];
            }
            pairs.push((key, value));
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix(',') {
                rest = r;
                continue;
            }
            rest = rest.strip_prefix(']').ok_or("syntax error, expected , or ]")?;
            break;
        }
        if pairs.len() > 2 {
            return Err("syntax error, at most two values inside [ ]".into());
        }
        out.push(FileVar { name, pairs });
        rest = rest.trim_start();
    }
    Ok(out)
}

/// The attributes oned derives from `<BASE>_DS`.
const DERIVED: [&str; 5] = ["_DS_ID", "_DS_SOURCE", "_DS_DSID", "_DS_TM", "_DS_CLUSTER_ID"];

fn internal(m: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Internal, m)
}

/// The image a `$FILE[...]` variable names, as OpenNebula's `get_image_path`: by IMAGE_ID, or by
/// IMAGE (owned by the VM's owner unless IMAGE_UID / IMAGE_UNAME says whose), usable by `caller`.
pub fn resolve(cloud: &Cloud, caller: &Caller, var: &FileVar) -> Result<i32, String> {
    if var.name != "FILE" {
        return Err("Must use FILE variable for attribute.".into());
    }
    let (key, value) = &var.pairs[0];
    let id = match key.as_str() {
        "IMAGE" => {
            let uid = match var.pairs.get(1).map(|(k, v)| (k.as_str(), v.as_str())) {
                Some(("IMAGE_UID", v)) => v.trim().parse::<i32>().unwrap_or(-1),
                Some(("IMAGE_UNAME", v)) => cloud.users.lookup_name(-1, v).unwrap_or(-1),
                _ => caller.uid,
            };
            cloud.images.lookup_name(uid, value).ok_or_else(|| {
                format!("User {uid} does not own an image with name: {value} . Set IMAGE_UNAME or IMAGE_UID of owner.")
            })?
        }
        "IMAGE_ID" => {
            let id = value.trim().parse::<i32>().unwrap_or(-1);
            if cloud.images.get(id).is_none() {
                return Err(format!("Image with ID: {id} does not exist"));
            }
            id
        }
        _ => return Err("Cannot get image, set IMAGE_ID or IMAGE.".into()),
    };
    let img = cloud.images.get(id).ok_or_else(|| format!("Image with ID: {id} does not exist"))?;
    authorize(cloud, caller, &img.auth(), AuthOp::Use).map_err(|_| "User not authorize to use image.".to_string())?;
    Ok(id)
}

/// Resolves `OS/<base>_DS` (base `KERNEL` with image type 3, `INITRD` with type 4) into the
/// `<base>_DS_*` attributes; nothing to do without `<base>_DS`.
pub fn set_os_file(cloud: &Cloud, caller: &Caller, os: &mut Vector, base: &str, want: i32) -> Result<(), ApiError> {
    // Only oned writes these: a SOURCE given in a template would have the prolog copy any file
    // of the front-end to the host.
    for k in DERIVED {
        os.remove(&format!("{base}{k}"));
    }
    let Some(attr) = os.get(&format!("{base}_DS")).map(str::to_string) else { return Ok(()) };
    let vars = parse_file_vars(&attr).map_err(|e| internal(format!("Error parsing: {attr}. {e}")))?;
    let mut ids = Vec::new();
    for v in &vars {
        ids.push(resolve(cloud, caller, v).map_err(|e| internal(format!("Error parsing: {attr}. {e}")))?);
    }
    let [id] = ids[..] else {
        return Err(internal(format!("Only one FILE variable can be used in: {attr}")));
    };
    let img = cloud.images.get(id).ok_or_else(|| internal(format!("Image no longer exists in attribute: {attr}")))?;
    let type_name = |t: i32| IMAGE_TYPES.get(t as usize).copied().unwrap_or("UNKNOWN");
    if img.image_type != want {
        return Err(internal(format!(
            "{base} needs an image of type {} and not {}",
            type_name(want),
            type_name(img.image_type)
        )));
    }
    if img.state != img_state::READY {
        return Err(internal(format!("{} Image '{id} 'not in READY state.", type_name(img.image_type))));
    }
    let ds = cloud
        .datastores
        .get(img.datastore_id)
        .ok_or_else(|| internal("Associated datastore for image does not exist"))?;
    os.remove(base);
    os.set(format!("{base}_DS_ID"), id.to_string());
    os.set(format!("{base}_DS_SOURCE"), img.source.clone());
    os.set(format!("{base}_DS_DSID"), img.datastore_id.to_string());
    os.set(format!("{base}_DS_TM"), ds.tm_mad.clone());
    if !ds.clusters.is_empty() {
        let ids: Vec<String> = ds.clusters.iter().map(i32::to_string).collect();
        os.set(format!("{base}_DS_CLUSTER_ID"), ids.join(","));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &FileVar) -> Vec<(&str, &str)> {
        v.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn file_variables_parse() {
        let v = parse_file_vars("$FILE[IMAGE_ID=3]").unwrap();
        assert_eq!((v[0].name.as_str(), pairs(&v[0])), ("FILE", vec![("IMAGE_ID", "3")]));
        let v = parse_file_vars("  $FILE[ IMAGE = \"my kernel\" , image_uname = oneadmin ]").unwrap();
        assert_eq!(pairs(&v[0]), vec![("IMAGE", "my kernel"), ("IMAGE_UNAME", "oneadmin")]);
        let v = parse_file_vars("$FILE[IMAGE_ID=3] $FILE[IMAGE_ID=4]").unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(parse_file_vars("$file[image_id=1]").unwrap()[0].name, "FILE");
    }

    #[test]
    fn malformed_variables_are_refused() {
        for bad in [
            "/boot/vmlinuz",
            "$FILE",
            "$FILE[",
            "$FILE[IMAGE_ID]",
            "$FILE[IMAGE_ID=]",
            "$FILE[IMAGE=\"x]",
            "$FILE[A=1,B=2,C=3]",
            "$[IMAGE_ID=1]",
            "$FILE[IMAGE_ID=1] /etc",
        ] {
            assert!(parse_file_vars(bad).is_err(), "{bad:?} accepted");
        }
    }
}
