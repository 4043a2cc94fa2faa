//! `oned`: the Nephele core daemon.
