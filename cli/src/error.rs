//! The tools' error type and the exit codes it maps to.

use libone::client::ClientError;
use libone::client::auth::AuthError;

use crate::xmltree::XmlError;

/// Exit code of a failed request: oned answered with an error (its message is printed as-is).
pub const EXIT_ONE: i32 = 1;
/// Exit code of a usage error: bad arguments, an unreadable or malformed template file, an
/// unknown column or object name.
pub const EXIT_USAGE: i32 = 2;
/// Exit code when oned cannot be reached or no credentials can be read.
pub const EXIT_CONNECT: i32 = 3;

/// Everything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// oned refused the request: the text is oned's message.
    #[error("{message}")]
    One { message: String },
    #[error("{0}")]
    Connect(String),
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("{0}")]
    Usage(String),
    /// Several objects were acted on and at least one failed (each failure was already printed).
    #[error("")]
    Partial,
}

impl From<ClientError> for CliError {
    fn from(e: ClientError) -> Self {
        match e {
            ClientError::One { message, .. } => CliError::One { message },
            ClientError::Fault { code, message } => {
                CliError::One { message: format!("XML-RPC fault {code}: {message}") }
            }
            other => CliError::Connect(other.to_string()),
        }
    }
}

impl CliError {
    pub fn usage(msg: impl Into<String>) -> Self {
        CliError::Usage(msg.into())
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::One { .. } | CliError::Xml(_) | CliError::Partial => EXIT_ONE,
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Connect(_) | CliError::Auth(_) => EXIT_CONNECT,
        }
    }
}

pub type Result<T> = std::result::Result<T, CliError>;
