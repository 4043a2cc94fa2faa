//! `onecluster` (being written).

use clap::{CommandFactory, Parser, Subcommand};

use crate::common;
use crate::conn::ConnArgs;
use crate::error::Result;
use crate::table::ListArgs;

#[derive(Parser, Debug)]
#[command(name = "onecluster", version)]
pub struct OneCluster {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    List(ListArgs),
}

pub fn command() -> clap::Command {
    OneCluster::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneCluster) -> Result<()> {
    let _one = args.conn.connect()?;
    match args.cmd {
        Cmd::List(_) => Err(crate::error::CliError::usage("not yet")),
    }
}
