//! `http://host:port/path` endpoints.

/// Where oned listens: host, port and request path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Host name or IP address (IPv6 without brackets).
    pub(crate) host: String,
    pub(crate) port: u16,
    /// Request target, starting with `/` (`/RPC2` when the URL has no path).
    pub(crate) path: String,
    /// The `Host` header value (`host:port`, IPv6 in brackets).
    pub(crate) authority: String,
}

impl Endpoint {
    /// Parses `http://host[:port][/path]`. Port 80 and path `/RPC2` by default. The error is a
    /// complete sentence naming the endpoint.
    pub(crate) fn parse(url: &str) -> Result<Endpoint, String> {
        let expected = "expected http://host:port/path";
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(format!("{url:?}: no scheme; {expected}"));
        };
        if scheme.eq_ignore_ascii_case("https") {
            return Err(format!(
                "{url:?}: TLS (https) is not supported by this client; use http://host:port/path, \
                 or put a TLS-terminating proxy on the client side"
            ));
        }
        if !scheme.eq_ignore_ascii_case("http") {
            return Err(format!("{url:?}: unsupported scheme {scheme:?}; {expected}"));
        }
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let path = if path.is_empty() {
            "/RPC2".to_owned()
        } else if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        if path.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'#') {
            return Err(format!("{url:?}: the path may not contain spaces, control characters or '#'; {expected}"));
        }
        if authority.contains('@') {
            return Err(format!(
                "{url:?}: user information in the URL is not supported (the session is passed separately)"
            ));
        }
        let (host, port) = if let Some(after) = authority.strip_prefix('[') {
            // [v6]:port
            let Some((h, tail)) = after.split_once(']') else {
                return Err(format!("{url:?}: unterminated IPv6 address; {expected}"));
            };
            let port = match tail {
                "" => None,
                t => match t.strip_prefix(':') {
                    Some(p) => Some(p),
                    None => {
                        return Err(format!("{url:?}: garbage after the IPv6 address; {expected}"));
                    }
                },
            };
            (h, port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err(format!("{url:?}: no host; {expected}"));
        }
        if host.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control() || b == b'/') {
            return Err(format!("{url:?}: bad host name; {expected}"));
        }
        let port = match port {
            None | Some("") => 80,
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p != 0 => p,
                _ => return Err(format!("{url:?}: bad port {p:?}; {expected}")),
            },
        };
        let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        Ok(Endpoint { host: host.to_owned(), port, path, authority })
    }
}

#[cfg(test)]
mod tests {
    use super::Endpoint;

    fn ok(url: &str) -> (String, u16, String, String) {
        let e = Endpoint::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        (e.host, e.port, e.path, e.authority)
    }

    #[test]
    fn full_url() {
        assert_eq!(
            ok("http://localhost:2633/RPC2"),
            ("localhost".into(), 2633, "/RPC2".into(), "localhost:2633".into())
        );
        assert_eq!(
            ok("HTTP://10.0.0.1:8080/a/b?x=1"),
            ("10.0.0.1".into(), 8080, "/a/b?x=1".into(), "10.0.0.1:8080".into())
        );
    }

    #[test]
    fn defaults() {
        assert_eq!(ok("http://one"), ("one".into(), 80, "/RPC2".into(), "one:80".into()));
        assert_eq!(ok("http://one:2633"), ("one".into(), 2633, "/RPC2".into(), "one:2633".into()));
        assert_eq!(ok("http://one:2633/"), ("one".into(), 2633, "/".into(), "one:2633".into()));
        assert_eq!(ok("http://one:/x"), ("one".into(), 80, "/x".into(), "one:80".into()));
    }

    #[test]
    fn ipv6() {
        assert_eq!(ok("http://[::1]:2633/RPC2"), ("::1".into(), 2633, "/RPC2".into(), "[::1]:2633".into()));
        assert_eq!(ok("http://[fe80::1]"), ("fe80::1".into(), 80, "/RPC2".into(), "[fe80::1]:80".into()));
    }

    #[test]
    fn https_is_refused_with_a_clear_message() {
        let e = Endpoint::parse("https://one:2633/RPC2").unwrap_err();
        assert!(e.contains("TLS (https) is not supported"), "{e}");
    }

    #[test]
    fn bad_endpoints() {
        for url in [
            "one:2633/RPC2",
            "ftp://one/",
            "http://",
            "http://:2633/RPC2",
            "http://one:port/RPC2",
            "http://one:0/",
            "http://one:70000/",
            "http://user:pw@one:2633/",
            "http://[::1/",
            "http://[::1]x/",
            "http://one:2633/a b",
        ] {
            assert!(Endpoint::parse(url).is_err(), "{url} should be refused");
        }
    }
}
