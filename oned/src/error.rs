//! API errors with OpenNebula's codes, and how they become XML-RPC replies.
//!
//! Every failure a request can meet is an [`ApiError`]: either one of OpenNebula's error codes
//! (sent as the 5-element failure array `[false, "[method] message", code, id, 0]`) or an XML-RPC
//! fault (argument count or type errors, as xmlrpc-c raises them in OpenNebula).

use std::fmt;

/// OpenNebula's error codes (`include/Request.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum ErrorCode {
    Authentication = 0x0100,
    Authorization = 0x0200,
    NoExists = 0x0400,
    Action = 0x0800,
    XmlRpcApi = 0x1000,
    Internal = 0x2000,
    Allocate = 0x4000,
    Locked = 0x8000,
}

/// xmlrpc-c fault codes used by OpenNebula's wire layer.
pub mod fault_code {
    /// Wrong argument type or not enough arguments (`fault::CODE_TYPE`).
    pub const TYPE: i32 = -501;
    /// The request body is not XML-RPC (`XMLRPC_PARSE_ERROR`).
    pub const PARSE: i32 = -503;
    /// No such method (`XMLRPC_NO_SUCH_METHOD_ERROR`).
    pub const NO_SUCH_METHOD: i32 = -506;
    /// A limit of the server was exceeded, e.g. the body size (`XMLRPC_LIMIT_EXCEEDED_ERROR`).
    pub const LIMIT: i32 = -509;
}

/// A failed request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// One of OpenNebula's error replies. `message` is the text after the `[method] ` prefix.
    One { code: ErrorCode, message: String, object_id: i32 },
    /// An XML-RPC fault.
    Fault { code: i32, message: String },
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::One { code, message: message.into(), object_id: -1 }
    }

    pub fn with_id(code: ErrorCode, message: impl Into<String>, object_id: i32) -> Self {
        ApiError::One { code, message: message.into(), object_id }
    }

    pub fn authentication() -> Self {
        Self::new(ErrorCode::Authentication, "User couldn't be authenticated, aborting call.")
    }

    /// `Error getting <object> [id].`
    pub fn no_exists(kind: ObjectName, id: i32) -> Self {
        Self::with_id(ErrorCode::NoExists, format!("Error getting {} [{id}].", kind.0), id)
    }

    pub fn action(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Action, message)
    }

    pub fn api(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::XmlRpcApi, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }

    /// `Error allocating a new <object>. <detail>`
    pub fn allocate(kind: ObjectName, detail: impl fmt::Display) -> Self {
        Self::new(ErrorCode::Allocate, format!("Error allocating a new {}. {detail}", kind.0))
    }

    /// `The resource <object> is locked. [id].` wait-free form used by OpenNebula.
    pub fn locked(kind: ObjectName, id: i32) -> Self {
        Self::with_id(ErrorCode::Locked, format!("The resource {} is locked. [{id}].", kind.0), id)
    }

    pub fn fault_type(message: impl Into<String>) -> Self {
        ApiError::Fault { code: fault_code::TYPE, message: message.into() }
    }

    /// The object id to report, if any.
    pub fn object_id(&self) -> i32 {
        match self {
            ApiError::One { object_id, .. } => *object_id,
            ApiError::Fault { .. } => -1,
        }
    }

    /// The same error about another object id.
    pub fn for_id(self, id: i32) -> Self {
        match self {
            ApiError::One { code, message, .. } => ApiError::One { code, message, object_id: id },
            f => f,
        }
    }

    /// Renders the reply body for `method`.
    pub fn to_response(&self, method: &str) -> String {
        match self {
            ApiError::One { code, message, object_id } => {
                libone::xmlrpc::failure(&format!("[{method}] {message}"), *code as i32, *object_id)
            }
            ApiError::Fault { code, message } => libone::xmlrpc::fault(*code, message),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::One { code, message, .. } => write!(f, "{message} (code {:#x})", *code as i32),
            ApiError::Fault { code, message } => write!(f, "fault {code}: {message}"),
        }
    }
}

impl std::error::Error for ApiError {}

/// The object names OpenNebula uses in its messages (`Request::object_name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ObjectName(pub &'static str);

pub type ApiResult<T> = Result<T, ApiError>;
