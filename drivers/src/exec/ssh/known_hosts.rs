//! Host key checking: accept-and-remember, refuse a changed key.
//!
//! The file is in OpenSSH's known_hosts format (`<hosts> <key type> <base64 key>`), so admins
//! can fill it with `ssh-keyscan` and the tm/ssh scripts use it with
//! `StrictHostKeyChecking=accept-new`. A host seen for the first time is appended; a host that
//! has entries, none of which is the key it now shows, is refused. Plain host patterns only:
//! hashed names (`|1|…`), wildcards and `@cert-authority` / `@revoked` lines are ignored.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::Path;

/// What the file says about a host's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The key is known for this host.
    Match,
    /// The host has no entry.
    NotFound,
    /// The host has entries, but not this key (types of the known keys given).
    Mismatch { known_types: Vec<String> },
}

/// One usable line: the host names and the key.
fn entries(contents: &str) -> impl Iterator<Item = (Vec<&str>, &str, &str)> {
    contents.lines().filter_map(|line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('@') {
            return None;
        }
        let mut fields = line.split_whitespace();
        let hosts = fields.next()?;
        let key_type = fields.next()?;
        let key = fields.next()?;
        Some((hosts.split(',').collect(), key_type, key))
    })
}

/// Looks `host` (a [`super::target::Target::known_hosts_name`]) up with the key it showed.
pub fn check(contents: &str, host: &str, key_type: &str, key_b64: &str) -> Check {
    let mut known_types = Vec::new();
    for (hosts, known_type, known_key) in entries(contents) {
        if !hosts.contains(&host) {
            continue;
        }
        if known_type == key_type && known_key == key_b64 {
            return Check::Match;
        }
        if !known_types.iter().any(|t| t == known_type) {
            known_types.push(known_type.to_string());
        }
    }
    if known_types.is_empty() { Check::NotFound } else { Check::Mismatch { known_types } }
}

/// The key types the file knows for `host`, to ask the server for one of those first.
pub fn known_types(contents: &str, host: &str) -> Vec<String> {
    let mut types: Vec<String> = Vec::new();
    for (hosts, key_type, _) in entries(contents) {
        if hosts.contains(&host) && !types.iter().any(|t| t == key_type) {
            types.push(key_type.to_string());
        }
    }
    types
}

/// The line remembering a host's key.
pub fn entry_line(host: &str, key_type: &str, key_b64: &str) -> String {
    format!("{host} {key_type} {key_b64}\n")
}

/// The key type written inside an SSH public key blob (its first string), e.g. `ssh-ed25519`.
pub fn blob_key_type(blob: &[u8]) -> Option<String> {
    let len_bytes: [u8; 4] = blob.get(..4)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    let name = std::str::from_utf8(name).ok()?;
    (!name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic())).then(|| name.to_string())
}

/// The file's text; a missing file is empty.
pub fn read(path: &Path) -> io::Result<String> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

/// Appends one line (one write, O_APPEND), creating the file (0600) and its directory (0700).
pub fn append(path: &Path, line: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    }
    let mut file = OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    file.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# comment\n\
        h1 ssh-ed25519 AAAAkey1\n\
        [127.0.0.1]:2222,other ssh-ed25519 AAAAkey2\n\
        @cert-authority * ssh-rsa AAAAca\n\
        |1|hashed|hash= ssh-rsa AAAAx\n\
        broken-line\n\
        h1 ssh-rsa AAAArsa1\n";

    #[test]
    fn checks() {
        assert_eq!(check(FILE, "h1", "ssh-ed25519", "AAAAkey1"), Check::Match);
        assert_eq!(check(FILE, "h1", "ssh-rsa", "AAAArsa1"), Check::Match);
        assert_eq!(check(FILE, "[127.0.0.1]:2222", "ssh-ed25519", "AAAAkey2"), Check::Match);
        assert_eq!(check(FILE, "other", "ssh-ed25519", "AAAAkey2"), Check::Match);
        assert_eq!(check(FILE, "127.0.0.1", "ssh-ed25519", "AAAAkey2"), Check::NotFound);
        assert_eq!(
            check(FILE, "h1", "ssh-ed25519", "AAAAchanged"),
            Check::Mismatch { known_types: vec!["ssh-ed25519".into(), "ssh-rsa".into()] }
        );
        assert_eq!(check(FILE, "h2", "ssh-ed25519", "AAAAkey1"), Check::NotFound);
        assert_eq!(check("", "h1", "ssh-ed25519", "k"), Check::NotFound);
        assert_eq!(known_types(FILE, "h1"), vec!["ssh-ed25519".to_string(), "ssh-rsa".to_string()]);
    }

    #[test]
    fn blob_types() {
        let mut blob = vec![0, 0, 0, 11];
        blob.extend_from_slice(b"ssh-ed25519");
        blob.extend_from_slice(&[0, 0, 0, 32]);
        assert_eq!(blob_key_type(&blob), Some("ssh-ed25519".to_string()));
        assert_eq!(blob_key_type(&[0, 0, 0, 20, b'a']), None);
        assert_eq!(blob_key_type(&[0, 0]), None);
        assert_eq!(blob_key_type(&[0, 0, 0, 0]), None);
    }

    #[test]
    fn append_creates_and_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.ssh/known_hosts");
        assert_eq!(read(&path).unwrap(), "");
        append(&path, &entry_line("h1", "ssh-ed25519", "AAAA1")).unwrap();
        append(&path, &entry_line("[h2]:2200", "ssh-rsa", "AAAA2")).unwrap();
        let text = read(&path).unwrap();
        assert_eq!(text, "h1 ssh-ed25519 AAAA1\n[h2]:2200 ssh-rsa AAAA2\n");
        assert_eq!(check(&text, "[h2]:2200", "ssh-rsa", "AAAA2"), Check::Match);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
