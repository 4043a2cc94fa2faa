//! The arguments of the subcommands that most tools share: `update`, `rename`, `chown`,
//! `chgrp`, `chmod`, `lock` and the ones that only take objects (`delete`, `unlock`,
//! `enable`...). A tool uses them as tuple variants (`Chown(ChownArgs)`); the variant's doc
//! comment, not the struct's, is the subcommand's help. [`crate::common`] has the matching
//! actions.
//!
//! Objects are given as IDs, ranges (`3..5`), names, or comma-separated lists of them.

use std::path::PathBuf;

/// `update OBJECT [FILE] [--append]`.
#[derive(clap::Args, Debug, Clone)]
pub struct UpdateArgs {
    /// Name or ID
    pub object: String,
    /// Template file (`-` reads standard input; default: edit the current one in $EDITOR)
    pub file: Option<PathBuf>,
    /// Merge into the current template instead of replacing it
    #[arg(short = 'a', long)]
    pub append: bool,
}

/// `rename OBJECT NAME`.
#[derive(clap::Args, Debug, Clone)]
pub struct RenameArgs {
    /// Name or ID
    pub object: String,
    /// The new name
    pub name: String,
}

/// `chown OBJECTS USER [GROUP]`.
#[derive(clap::Args, Debug, Clone)]
pub struct ChownArgs {
    /// IDs, ranges (3..5), names, comma-separated
    pub objects: String,
    /// New owner: user name or ID
    // Not called `user`: that id is taken by the global --user option.
    #[arg(value_name = "USER")]
    pub owner: String,
    /// New group: name or ID (default: unchanged)
    pub group: Option<String>,
}

/// `chgrp OBJECTS GROUP`.
#[derive(clap::Args, Debug, Clone)]
pub struct ChgrpArgs {
    /// IDs, ranges (3..5), names, comma-separated
    pub objects: String,
    /// New group: name or ID
    pub group: String,
}

/// `chmod OBJECTS MODE`.
#[derive(clap::Args, Debug, Clone)]
pub struct ChmodArgs {
    /// IDs, ranges (3..5), names, comma-separated
    pub objects: String,
    /// Three octal digits: owner, group, others (use 4, manage 2, admin 1)
    pub mode: String,
}

/// `lock OBJECTS... [--level L]`.
#[derive(clap::Args, Debug, Clone)]
pub struct LockArgs {
    /// IDs, ranges (3..5), names, comma-separated
    pub objects: Vec<String>,
    /// use, manage, admin or all
    #[arg(long, default_value = "use")]
    pub level: String,
}

/// `delete OBJECTS...`, `unlock OBJECTS...`, `enable OBJECTS...`...
#[derive(clap::Args, Debug, Clone)]
pub struct ObjectsArgs {
    /// IDs, ranges (3..5), names, comma-separated
    pub objects: Vec<String>,
}
