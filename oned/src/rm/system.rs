//! `one.system.*`: the API level and the configuration.

use super::{Core, Handler, Reply, Request};
use crate::error::ApiResult;
use libone::template::{Attribute, Template, Vector};
use std::collections::HashMap;

/// The OpenNebula API level Nephele speaks (what `one.system.version` reports).
pub const API_VERSION: &str = "7.4.0";

/// Nephele's own version (in `one.system.config` as `NEPHELE_VERSION`).
pub const NEPHELE_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `DB` sub-attributes shown as `***` to callers whose primary group is not oneadmin.
const HIDDEN_DB: &[&str] = &["BACKEND", "SERVER", "PORT", "USER", "PASSWD", "DB_NAME", "PATH"];

pub fn register(m: &mut HashMap<&'static str, Handler>) {
    m.insert("one.system.version", version);
    m.insert("one.system.config", config);
}

fn version(_core: &Core, _req: &mut Request) -> ApiResult<Reply> {
    Ok(Reply::Str(API_VERSION.to_string()))
}

/// The whole configuration with defaults, as `<OPENNEBULA_CONFIGURATION>`. Only callers whose
/// primary group is oneadmin see the database settings (OpenNebula's rule).
fn config(core: &Core, req: &mut Request) -> ApiResult<Reply> {
    let mut t = core.config.raw.clone();
    t.set("NEPHELE_VERSION", NEPHELE_VERSION);
    let mut xml = t.to_xml("OPENNEBULA_CONFIGURATION");
    if req.caller.gid != 0 {
        xml = hide_db(&t);
    }
    Ok(Reply::Str(xml))
}

/// The configuration XML with the DB settings replaced by `***`.
fn hide_db(t: &Template) -> String {
    let mut shown = Template::new();
    for a in t.iter() {
        match a {
            Attribute::Vector { name, vector } if name == "DB" => {
                let mut v = Vector::new();
                for (k, val) in vector.iter() {
                    v.set(k, if HIDDEN_DB.contains(&k) { "***" } else { val });
                }
                shown.add_vector("DB", v);
            }
            other => shown.push(other.clone()),
        }
    }
    shown.to_xml("OPENNEBULA_CONFIGURATION")
}
