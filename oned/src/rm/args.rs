//! Positional arguments, read the way xmlrpc-c's `paramList` reads them in OpenNebula: a missing
//! argument or a value of the wrong XML-RPC type is a fault (`CODE_TYPE`), never a guess.
//! Optional trailing arguments take their default when absent; extra arguments are ignored.

use crate::error::{ApiError, ApiResult};
use libone::xmlrpc::Value;

#[derive(Clone, Copy)]
pub struct Args<'a>(pub &'a [Value]);

fn missing() -> ApiError {
    ApiError::fault_type("Not enough parameters")
}

impl<'a> Args<'a> {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn has(&self, i: usize) -> bool {
        i < self.0.len()
    }

    /// An `<int>`/`<i4>` (an `<i8>` is a type error, as in OpenNebula).
    pub fn int(&self, i: usize) -> ApiResult<i32> {
        match self.0.get(i) {
            None => Err(missing()),
            Some(Value::Integer(v)) => Ok(*v),
            Some(_) => Err(ApiError::fault_type("Parameter that is supposed to be integer is not")),
        }
    }

    pub fn string(&self, i: usize) -> ApiResult<&'a str> {
        match self.0.get(i) {
            None => Err(missing()),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(ApiError::fault_type("Parameter that is supposed to be a string is not")),
        }
    }

    pub fn bool(&self, i: usize) -> ApiResult<bool> {
        match self.0.get(i) {
            None => Err(missing()),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(_) => Err(ApiError::fault_type("Parameter that is supposed to be boolean is not")),
        }
    }

    pub fn array(&self, i: usize) -> ApiResult<&'a [Value]> {
        match self.0.get(i) {
            None => Err(missing()),
            Some(Value::Array(a)) => Ok(a.as_slice()),
            Some(_) => Err(ApiError::fault_type("Parameter that is supposed to be an array is not")),
        }
    }

    pub fn opt_int(&self, i: usize, default: i32) -> ApiResult<i32> {
        if self.has(i) { self.int(i) } else { Ok(default) }
    }

    pub fn opt_bool(&self, i: usize, default: bool) -> ApiResult<bool> {
        if self.has(i) { self.bool(i) } else { Ok(default) }
    }

    pub fn opt_string(&self, i: usize, default: &'a str) -> ApiResult<&'a str> {
        if self.has(i) { self.string(i) } else { Ok(default) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::fault_code;

    #[test]
    fn types_and_defaults() {
        let v = vec![Value::String("s".into()), Value::Integer(4), Value::Boolean(true), Value::Long(5)];
        let a = Args(&v);
        assert_eq!(a.string(0).unwrap(), "s");
        assert_eq!(a.int(1).unwrap(), 4);
        assert!(a.bool(2).unwrap());
        assert_eq!(a.opt_int(9, -1).unwrap(), -1);
        for e in [
            a.int(0).unwrap_err(),
            a.int(3).unwrap_err(),
            a.string(1).unwrap_err(),
            a.bool(1).unwrap_err(),
            a.int(4).unwrap_err(),
        ] {
            assert!(matches!(e, ApiError::Fault { code, .. } if code == fault_code::TYPE), "{e:?}");
        }
        assert_eq!(a.int(4).unwrap_err(), ApiError::fault_type("Not enough parameters"));
        assert!(a.opt_int(0, 1).is_err(), "a present optional argument must still have the right type");
    }
}
