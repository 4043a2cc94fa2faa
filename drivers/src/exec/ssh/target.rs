//! Host names as oned gives them (`host`, `host:port`, `[v6]:port`) → where to connect, and the
//! name the host gets in known_hosts.

/// Where an SSH session goes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    /// Name or address, without brackets.
    pub host: String,
    pub port: u16,
}

impl Target {
    /// Reads `host`, `host:port`, `[addr]`, `[addr]:port` or a bare IPv6 address (`::1`).
    /// `default_port` applies when no port is written. Refuses names that could not be a host
    /// (empty, blanks, control characters, `,` `#` `@` `/`, or a leading `-`).
    pub fn parse(name: &str, default_port: u16) -> Result<Target, String> {
        let bad = || format!("invalid host name '{name}'");
        let (host, port) = if let Some(rest) = name.strip_prefix('[') {
            let (host, after) = rest.split_once(']').ok_or_else(bad)?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(bad)?)),
            }
        } else {
            match name.matches(':').count() {
                0 => (name, None),
                1 => {
                    let (host, port) = name.split_once(':').ok_or_else(bad)?;
                    (host, Some(port))
                }
                _ => (name, None), // a bare IPv6 address
            }
        };
        let port = match port {
            None => default_port,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p > 0 => p,
                _ => return Err(format!("invalid port in host name '{name}'")),
            },
        };
        let valid = !host.is_empty()
            && !host.starts_with('-')
            && host.chars().all(|c| {
                !c.is_whitespace() && !c.is_control() && !matches!(c, ',' | '#' | '@' | '/' | '[' | ']' | '\'')
            });
        if !valid {
            return Err(bad());
        }
        Ok(Target { host: host.to_string(), port })
    }

    /// The host's name in an OpenSSH known_hosts file: `host` on port 22, `[host]:port` else.
    pub fn known_hosts_name(&self) -> String {
        if self.port == 22 { self.host.clone() } else { format!("[{}]:{}", self.host, self.port) }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.known_hosts_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(host: &str, port: u16) -> Target {
        Target { host: host.into(), port }
    }

    #[test]
    fn forms() {
        assert_eq!(Target::parse("h1", 22), Ok(t("h1", 22)));
        assert_eq!(Target::parse("h1", 2222), Ok(t("h1", 2222)));
        assert_eq!(Target::parse("127.0.0.1:2200", 22), Ok(t("127.0.0.1", 2200)));
        assert_eq!(Target::parse("[::1]:2200", 22), Ok(t("::1", 2200)));
        assert_eq!(Target::parse("[::1]", 23), Ok(t("::1", 23)));
        assert_eq!(Target::parse("fe80::1", 22), Ok(t("fe80::1", 22)));
    }

    #[test]
    fn refused() {
        for bad in
            ["", ":22", "h:0", "h:x", "h:70000", "-oProxyCommand=x", "a b", "a,b", "[::1]x", "[::1", "u@h", "a\nb"]
        {
            assert!(Target::parse(bad, 22).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn known_hosts_names() {
        assert_eq!(t("h", 22).known_hosts_name(), "h");
        assert_eq!(t("127.0.0.1", 2222).known_hosts_name(), "[127.0.0.1]:2222");
    }
}
