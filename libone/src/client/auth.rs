//! Where a client finds oned and its credentials, as OpenNebula's clients do.
//!
//! - Endpoint: `$ONE_XMLRPC`, else the first line of `~/.one/one_endpoint`, else
//!   [`DEFAULT_ENDPOINT`].
//! - Credentials: the first line of the file named by `$ONE_AUTH`, else `~/.one/one_auth`,
//!   else `/var/lib/one/.one/one_auth`; it must read `user:password`.

use std::path::{Path, PathBuf};

/// oned's default XML-RPC endpoint.
pub const DEFAULT_ENDPOINT: &str = "http://localhost:2633/RPC2";

/// Why no credentials could be read.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the credentials file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}: expected one line \"user:password\"")]
    Format { path: String },
    #[error("no credentials: ONE_AUTH is not set and there is no ~/.one/one_auth")]
    NotFound,
}

/// The endpoint from the environment and `~/.one/one_endpoint`, or the default.
pub fn endpoint_from_env() -> String {
    if let Ok(e) = std::env::var("ONE_XMLRPC")
        && !e.trim().is_empty()
    {
        return e.trim().to_string();
    }
    if let Some(home) = std::env::var_os("HOME")
        && let Ok(text) = std::fs::read_to_string(PathBuf::from(home).join(".one/one_endpoint"))
        && let Some(line) = text.lines().next().map(str::trim).filter(|l| !l.is_empty())
    {
        return line.to_string();
    }
    DEFAULT_ENDPOINT.to_string()
}

/// The credentials file that applies: `$ONE_AUTH`, else the first existing of
/// `~/.one/one_auth` and `/var/lib/one/.one/one_auth`.
pub fn auth_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("ONE_AUTH").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".one/one_auth"));
    let system = PathBuf::from("/var/lib/one/.one/one_auth");
    home.into_iter().chain(std::iter::once(system)).find(|p| p.exists())
}

/// Reads `user:password` from `path`: the first line, trimmed.
pub fn read_session(path: &Path) -> Result<String, AuthError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| AuthError::Read { path: path.display().to_string(), source })?;
    parse_session(&text).ok_or_else(|| AuthError::Format { path: path.display().to_string() })
}

/// The session string in the text of a credentials file, if it has the right shape.
pub fn parse_session(text: &str) -> Option<String> {
    let line = text.lines().next()?.trim();
    match line.split_once(':') {
        Some((user, _)) if !user.is_empty() => Some(line.to_string()),
        _ => None,
    }
}

/// The session from [`auth_file`].
pub fn session_from_env() -> Result<String, AuthError> {
    read_session(&auth_file().ok_or(AuthError::NotFound)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_need_a_user_and_a_colon() {
        assert_eq!(parse_session("oneadmin:secret\nignored").as_deref(), Some("oneadmin:secret"));
        assert_eq!(parse_session("  a:b  ").as_deref(), Some("a:b"));
        assert_eq!(parse_session("a:").as_deref(), Some("a:"));
        assert_eq!(parse_session("nocolon"), None);
        assert_eq!(parse_session(":pw"), None);
        assert_eq!(parse_session(""), None);
    }

    #[test]
    fn read_session_names_the_file() {
        let dir = std::env::temp_dir().join(format!("libone-auth-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let f = dir.join("one_auth");
        std::fs::write(&f, "bad").expect("write");
        let e = read_session(&f).expect_err("no colon");
        assert!(e.to_string().contains("one_auth"), "{e}");
        std::fs::write(&f, "u:p\n").expect("write");
        assert_eq!(read_session(&f).expect("ok"), "u:p");
        let missing = read_session(&dir.join("nope")).expect_err("missing");
        assert!(matches!(missing, AuthError::Read { .. }));
        let _ = std::fs::remove_dir_all(dir);
    }
}
