//! Ownership permission bits: owner / group / other × use / manage / admin, as OpenNebula
//! stores them, with the octal form used by `DEFAULT_UMASK` and `chmod`.

use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// The three kinds of access an operation can need on an object (plus CREATE, which only ACL
/// rules grant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AuthOp {
    Use,
    Manage,
    Admin,
    Create,
}

impl AuthOp {
    pub fn name(self) -> &'static str {
        match self {
            AuthOp::Use => "USE",
            AuthOp::Manage => "MANAGE",
            AuthOp::Admin => "ADMIN",
            AuthOp::Create => "CREATE",
        }
    }

    /// The ACL rights bit for this operation.
    pub fn acl_bit(self) -> u64 {
        match self {
            AuthOp::Use => 0x1,
            AuthOp::Manage => 0x2,
            AuthOp::Admin => 0x4,
            AuthOp::Create => 0x8,
        }
    }
}

/// One triple of bits (use, manage, admin).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Triple {
    pub u: bool,
    pub m: bool,
    pub a: bool,
}

impl Triple {
    /// From one octal digit: 4 = use, 2 = manage, 1 = admin.
    pub fn from_octal(d: u32) -> Self {
        Triple { u: d & 4 != 0, m: d & 2 != 0, a: d & 1 != 0 }
    }

    pub fn octal(self) -> u32 {
        (self.u as u32) * 4 + (self.m as u32) * 2 + (self.a as u32)
    }

    pub fn allows(self, op: AuthOp) -> bool {
        match op {
            AuthOp::Use => self.u,
            AuthOp::Manage => self.m,
            AuthOp::Admin => self.a,
            AuthOp::Create => false,
        }
    }
}

/// The nine permission bits of an object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Permissions {
    pub owner: Triple,
    pub group: Triple,
    pub other: Triple,
}

impl Permissions {
    /// From a 3-digit octal mode such as `0o640`.
    pub fn from_mode(mode: u32) -> Self {
        Permissions {
            owner: Triple::from_octal((mode >> 6) & 7),
            group: Triple::from_octal((mode >> 3) & 7),
            other: Triple::from_octal(mode & 7),
        }
    }

    /// What a new object gets under `umask` (`0777 & !umask`; umask 177 gives 600).
    pub fn from_umask(umask: u32) -> Self {
        Self::from_mode(0o777 & !umask)
    }

    pub fn mode(self) -> u32 {
        (self.owner.octal() << 6) | (self.group.octal() << 3) | self.other.octal()
    }

    /// Applies `one.*.chmod`'s nine values: -1 leaves a bit unchanged, 0 clears, 1 sets.
    pub fn apply_chmod(&mut self, bits: [i32; 9]) {
        let slots: [&mut bool; 9] = [
            &mut self.owner.u,
            &mut self.owner.m,
            &mut self.owner.a,
            &mut self.group.u,
            &mut self.group.m,
            &mut self.group.a,
            &mut self.other.u,
            &mut self.other.m,
            &mut self.other.a,
        ];
        for (slot, bit) in slots.into_iter().zip(bits) {
            if bit != -1 {
                *slot = bit != 0;
            }
        }
    }

    /// Appends the `<PERMISSIONS>` element.
    pub fn write_xml(&self, out: &mut String) {
        let b = |x: bool| x as u8;
        let _ = write!(
            out,
            "<PERMISSIONS><OWNER_U>{}</OWNER_U><OWNER_M>{}</OWNER_M><OWNER_A>{}</OWNER_A>\
             <GROUP_U>{}</GROUP_U><GROUP_M>{}</GROUP_M><GROUP_A>{}</GROUP_A>\
             <OTHER_U>{}</OTHER_U><OTHER_M>{}</OTHER_M><OTHER_A>{}</OTHER_A></PERMISSIONS>",
            b(self.owner.u),
            b(self.owner.m),
            b(self.owner.a),
            b(self.group.u),
            b(self.group.m),
            b(self.group.a),
            b(self.other.u),
            b(self.other.m),
            b(self.other.a),
        );
    }

    /// `um- u-- ---` style, as the CLI shows it.
    pub fn to_string_short(self) -> String {
        let t = |t: Triple| {
            format!("{}{}{}", if t.u { 'u' } else { '-' }, if t.m { 'm' } else { '-' }, if t.a { 'a' } else { '-' })
        };
        format!("{}{}{}", t(self.owner), t(self.group), t(self.other))
    }
}

/// Parses a `DEFAULT_UMASK` / `UMASK` value: three octal digits.
pub fn parse_umask(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 3 || !s.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umask_177_gives_600() {
        let p = Permissions::from_umask(0o177);
        assert_eq!(p.mode(), 0o600);
        assert!(p.owner.u && p.owner.m && !p.owner.a);
        assert!(!p.group.u && !p.other.u);
        assert_eq!(p.to_string_short(), "um-------");
    }

    #[test]
    fn chmod_keeps_minus_one_bits() {
        let mut p = Permissions::from_mode(0o600);
        p.apply_chmod([-1, 0, -1, 1, -1, -1, -1, -1, 1]);
        assert_eq!(p.mode(), 0o441);
    }

    #[test]
    fn xml_order_and_values() {
        let mut s = String::new();
        Permissions::from_mode(0o640).write_xml(&mut s);
        assert!(s.starts_with(
            "<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>1</GROUP_U>"
        ));
    }

    #[test]
    fn umask_parse() {
        assert_eq!(parse_umask("177"), Some(0o177));
        assert_eq!(parse_umask("007"), Some(0o7));
        assert_eq!(parse_umask("8"), None);
        assert_eq!(parse_umask("1777"), None);
        assert_eq!(parse_umask(""), None);
    }
}
