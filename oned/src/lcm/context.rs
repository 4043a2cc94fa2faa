//! Contextualization, as OpenNebula does it (`VirtualMachineContext.cc`): what guests with
//! OpenNebula's context packages read from the context CD.
//!
//! - [`vars`]: the `$VARIABLE` grammar of CONTEXT values (pure).

pub mod vars;
