//! Transfer files (what oned writes for `TRANSFER`): one `ACTION[.<sys>] tm_mad args…` per
//! line; blank and `#` lines skipped.

use super::config::is_driver_name;

/// One transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferLine {
    /// 1-based, for messages.
    pub line: usize,
    /// `CLONE`, `LN`, … as written (without the suffix).
    pub action: String,
    /// The `.<sys>` suffix (`TM_MAD_SYSTEM`), if any.
    pub system: Option<String>,
    pub tm_mad: String,
    pub args: Vec<String>,
}

impl TransferLine {
    /// The script names to try in `tm/<tm_mad>/`, best first: `clone.ssh` then `clone`.
    pub fn script_names(&self) -> Vec<String> {
        let base = self.action.to_lowercase();
        match &self.system {
            Some(system) => vec![format!("{base}.{system}"), base],
            None => vec![base],
        }
    }
}

/// Reads a transfer file's text.
pub fn parse(text: &str) -> Result<Vec<TransferLine>, String> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let (Some(first), Some(tm_mad)) = (words.next(), words.next()) else {
            return Err(format!("transfer line {}: no driver in '{line}'", index + 1));
        };
        let (action, system) = match first.split_once('.') {
            Some((action, system)) => (action, Some(system.to_string())),
            None => (first, None),
        };
        if !is_driver_name(action) || !system.as_deref().is_none_or(is_driver_name) {
            return Err(format!("transfer line {}: invalid action '{first}'", index + 1));
        }
        if !is_driver_name(tm_mad) {
            return Err(format!("transfer line {}: invalid driver name '{tm_mad}'", index + 1));
        }
        lines.push(TransferLine {
            line: index + 1,
            action: action.to_string(),
            system,
            tm_mad: tm_mad.to_string(),
            args: words.map(String::from).collect(),
        });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lines() {
        let text = "# prolog\n\nCLONE.ssh shared fe:/img/a h1:/ds/0/5/disk.0 5 1\n  MKIMAGE ssh 10 raw h1:/ds/0/5/disk.1 5 0  \nDELETE shared h1:/ds/0/5 5 0\n";
        let lines = parse(text).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0].line, 3);
        assert_eq!(lines[0].action, "CLONE");
        assert_eq!(lines[0].system.as_deref(), Some("ssh"));
        assert_eq!(lines[0].script_names(), vec!["clone.ssh".to_string(), "clone".to_string()]);
        assert_eq!(lines[0].args, vec!["fe:/img/a", "h1:/ds/0/5/disk.0", "5", "1"]);
        assert_eq!(lines[1].tm_mad, "ssh");
        assert_eq!(lines[1].script_names(), vec!["mkimage".to_string()]);
        assert_eq!(lines[2].args, vec!["h1:/ds/0/5", "5", "0"]);
    }

    #[test]
    fn refuses_odd_names() {
        assert!(parse("CLONE").is_err());
        assert!(parse("CLONE ../x a b").is_err());
        assert!(parse("../CLONE ssh a").is_err());
        assert!(parse("CLONE.a/b ssh a").is_err());
        assert!(parse("CLONE. ssh a").is_err());
        assert!(parse("").unwrap().is_empty());
    }
}
