//! Tests of the template grammar across modules: text, XML, round trips.

mod props;
mod text;
mod xml;
