//! `oneuser` (being written).

use clap::{CommandFactory, Parser, Subcommand};

use crate::common;
use crate::conn::ConnArgs;
use crate::error::Result;
use crate::table::ListArgs;

#[derive(Parser, Debug)]
#[command(name = "oneuser", version)]
pub struct OneUser {
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
    OneUser::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneUser) -> Result<()> {
    let _one = args.conn.connect()?;
    match args.cmd {
        Cmd::List(_) => Err(crate::error::CliError::usage("not yet")),
    }
}
