//! Virtual-network address logic, free of I/O and locks: address arithmetic ([`addr`]) and
//! address ranges with their leases ([`ar`]).

pub mod addr;
pub mod ar;
