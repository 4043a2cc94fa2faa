//! Connection options shared by every tool and the client they build.

use libone::client::{Client, auth};
use libone::xmlrpc::Value;

use crate::error::{CliError, Result};
use crate::xmltree::Node;

/// `--endpoint`, `--user`, `--password`: accepted before or after the subcommand.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConnArgs {
    /// oned's XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,
    /// Password (or login token) for --user
    #[arg(long, global = true, value_name = "PASSWORD")]
    pub password: Option<String>,
}

impl ConnArgs {
    /// The session string `user:password`.
    pub fn session(&self) -> Result<String> {
        match (&self.user, &self.password) {
            (Some(u), Some(p)) => Ok(format!("{u}:{p}")),
            (Some(_), None) => Err(CliError::usage("--user needs --password")),
            (None, Some(_)) => Err(CliError::usage("--password needs --user")),
            (None, None) => Ok(auth::session_from_env()?),
        }
    }

    pub fn endpoint(&self) -> String {
        self.endpoint.clone().unwrap_or_else(auth::endpoint_from_env)
    }

    /// A client for oned with these options.
    pub fn connect(&self) -> Result<One> {
        let session = self.session()?;
        let endpoint = self.endpoint();
        let mut client = Client::new(&endpoint, session).map_err(|e| CliError::Connect(e.to_string()))?;
        if let Some(t) = timeout(std::env::var("ONE_XMLRPC_TIMEOUT").ok().as_deref())? {
            client = client.with_timeout(t);
        }
        Ok(One { client })
    }
}

/// `ONE_XMLRPC_TIMEOUT` (seconds, as OpenNebula's clients read it): how long a call may wait
/// for oned without progress. Unset or empty: the client's default (60 s).
pub fn timeout(value: Option<&str>) -> Result<Option<std::time::Duration>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => match v.parse::<f64>() {
            Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => {
                Ok(Some(std::time::Duration::from_secs_f64(secs)))
            }
            _ => Err(CliError::usage(format!("ONE_XMLRPC_TIMEOUT={v:?}: expected a positive number of seconds"))),
        },
    }
}

/// A connected client with helpers for OpenNebula's reply shapes.
pub struct One {
    pub client: Client,
}

impl One {
    /// Calls `method` (the session is added) and returns the reply's value.
    pub fn call(&self, method: &str, params: Vec<Value>) -> Result<Value> {
        Ok(self.client.call(method, params)?)
    }

    /// A call whose reply is an XML document.
    pub fn xml(&self, method: &str, params: Vec<Value>) -> Result<Node> {
        Ok(Node::parse(&self.text(method, params)?)?)
    }

    /// A call whose reply is a string (an XML document kept as text).
    pub fn text(&self, method: &str, params: Vec<Value>) -> Result<String> {
        match self.call(method, params)? {
            Value::String(s) => Ok(s),
            other => Err(CliError::One { message: format!("[{method}] unexpected reply {other:?}") }),
        }
    }

    /// A call whose reply is an object id.
    pub fn id(&self, method: &str, params: Vec<Value>) -> Result<i32> {
        match self.call(method, params)? {
            Value::Integer(i) => Ok(i),
            other => Err(CliError::One { message: format!("[{method}] unexpected reply {other:?}") }),
        }
    }

    /// A call whose reply value does not matter.
    pub fn run(&self, method: &str, params: Vec<Value>) -> Result<()> {
        self.call(method, params).map(|_| ())
    }
}

/// XML-RPC value helpers.
pub fn s(v: impl Into<String>) -> Value {
    Value::String(v.into())
}

pub fn i(v: i32) -> Value {
    Value::Integer(v)
}

pub fn b(v: bool) -> Value {
    Value::Boolean(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_positive_seconds() {
        assert_eq!(timeout(None).expect("unset"), None);
        assert_eq!(timeout(Some(" ")).expect("empty"), None);
        assert_eq!(timeout(Some("2.5")).expect("ok"), Some(std::time::Duration::from_millis(2500)));
        for bad in ["0", "-1", "soon", "inf", "NaN"] {
            assert!(timeout(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn user_and_password_go_together() {
        let a = ConnArgs { user: Some("u".into()), password: Some("p".into()), endpoint: None };
        assert_eq!(a.session().expect("both"), "u:p");
        assert!(ConnArgs { user: Some("u".into()), ..ConnArgs::default() }.session().is_err());
        assert!(ConnArgs { password: Some("p".into()), ..ConnArgs::default() }.session().is_err());
    }
}
