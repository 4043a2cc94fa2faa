//! Driver rc files (`etc/mad/defaultrc`, `etc/mad/<name>rc`): `KEY=VALUE` lines that set the
//! driver's environment, as OpenNebula's wrapper scripts source them. `export` is allowed, `#`
//! starts a comment, quotes around the value are removed; nothing is executed.

use std::path::Path;

/// The variables of an rc file (none if it does not exist or cannot be read).
pub fn load(path: &Path) -> Vec<(String, String)> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(&text),
        Err(_) => Vec::new(),
    }
}

/// Parses rc text; lines that are not assignments are skipped.
pub fn parse(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map(str::trim_start).unwrap_or(line);
        let Some((k, v)) = line.split_once('=') else { continue };
        let k = k.trim();
        if k.is_empty()
            || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || k.starts_with(|c: char| c.is_ascii_digit())
        {
            continue;
        }
        let v = v.trim();
        let v = if v.len() >= 2
            && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\'')))
        {
            &v[1..v.len() - 1]
        } else {
            v.split(" #").next().unwrap_or(v).trim()
        };
        out.push((k.to_string(), v.to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rc_lines() {
        let vars =
            parse("# comment\nONE_MAD_DEBUG=1\nexport PRIORITY = 19\nX=\"a b\"\nY='c'\nbad line\n1X=2\nZ=v # note\n");
        assert_eq!(
            vars,
            vec![
                ("ONE_MAD_DEBUG".into(), "1".into()),
                ("PRIORITY".into(), "19".into()),
                ("X".into(), "a b".into()),
                ("Y".into(), "c".into()),
                ("Z".into(), "v".into()),
            ]
        );
    }
}
