//! `oneuser`: create and delete users, passwords and authentication drivers, login tokens,
//! primary and secondary groups, enable/disable, templates, and the list and show pages with
//! their VM quota usage.
//!
//! The quota helpers ([`with_quotas`], [`QUOTA_COLUMNS`]) are shared with `onegroup`: user and
//! group pool documents carry each object's quotas in a `<QUOTAS>` sibling that follows it.

use clap::{CommandFactory, Parser, Subcommand};

use crate::args::{ChgrpArgs, ObjectsArgs, UpdateArgs};
use crate::common::{self, GROUP, ShowArgs, USER};
use crate::conn::{ConnArgs, One, i, s};
use crate::error::{CliError, Result};
use crate::show::{Page, yes_no};
use crate::table::{Column, ListArgs, TableSpec, col_group, col_id, col_name};
use crate::units::{date_to_str, now, unit_to_str};
use crate::xmltree::Node;

/// Manages OpenNebula users
#[derive(Parser, Debug)]
#[command(name = "oneuser", version, about = "Manages OpenNebula users")]
pub struct OneUser {
    #[command(flatten)]
    pub conn: ConnArgs,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Creates a user: `oneuser create NAME PASSWORD [--driver D] [--group G,...]`
    Create {
        name: String,
        #[arg(value_name = "PASSWORD")]
        secret: String,
        /// Authentication driver (core, public, ssh, x509, ldap, server_cipher, ...)
        #[arg(long, default_value = "core", value_name = "DRIVER")]
        driver: String,
        /// Groups (names or IDs, comma-separated); the first one is the primary group
        /// [default: users, or the creator's group]
        #[arg(short = 'g', long = "group", value_name = "GROUPS", value_delimiter = ',')]
        groups: Vec<String>,
    },
    /// Deletes users
    Delete(ObjectsArgs),
    /// Lists users
    List(ListArgs),
    /// Shows a user (the caller when no user is given)
    Show {
        #[arg(value_name = "USER")]
        account: Option<String>,
        #[command(flatten)]
        out: ShowArgs,
    },
    /// Changes a user's password (this also revokes the user's login tokens)
    Passwd {
        #[arg(value_name = "USER")]
        account: String,
        #[arg(value_name = "PASSWORD")]
        secret: String,
    },
    /// Creates a login token for a user and prints it. Unlike OpenNebula's oneuser, the token is
    /// only printed: ~/.one/one_auth (or $ONE_AUTH) is never written. Use the token as the
    /// password of the user (`--user NAME --password TOKEN`, or `NAME:TOKEN` in an auth file).
    Login {
        #[arg(value_name = "USER")]
        account: String,
        /// Seconds the token is valid (-1: forever)
        #[arg(long, default_value_t = 36000, allow_negative_numbers = true, value_name = "SECONDS")]
        time: i32,
        /// Accepted for compatibility with OpenNebula (it forces rewriting the auth file there);
        /// no file is written here
        #[arg(long)]
        force: bool,
        /// Effective group of the sessions using the token (default: all the user's groups)
        #[arg(short = 'g', long, value_name = "GROUP")]
        group: Option<String>,
    },
    /// Changes the primary group of users
    Chgrp(ChgrpArgs),
    /// Adds users to a secondary group
    Addgroup { users: String, group: String },
    /// Removes users from a secondary group
    Delgroup { users: String, group: String },
    /// Changes a user's authentication driver, and its password when one is given
    Chauth {
        #[arg(value_name = "USER")]
        account: String,
        driver: String,
        #[arg(value_name = "PASSWORD")]
        secret: Option<String>,
    },
    /// Enables users
    Enable(ObjectsArgs),
    /// Disables users (they can no longer authenticate)
    Disable(ObjectsArgs),
    /// Replaces (or with --append, merges) a user's template from FILE or $EDITOR
    Update(UpdateArgs),
}

pub fn command() -> clap::Command {
    OneUser::command()
}

pub fn main() -> i32 {
    common::main_with(run)
}

pub fn run(args: OneUser) -> Result<()> {
    let one = args.conn.connect()?;
    match args.cmd {
        Cmd::Create { name, secret, driver, groups } => create(&one, &name, &secret, &driver, &groups),
        Cmd::Delete(a) => common::delete(&one, &USER, &a.objects),
        Cmd::List(list) => list_users(&one, &list),
        Cmd::Show { account, out } => show(&one, account.as_deref(), &out),
        Cmd::Passwd { account, secret } => {
            let id = common::resolve_one(&one, &USER, &account)?;
            one.run("one.user.passwd", vec![i(id), s(secret)])
        }
        Cmd::Login { account, time, group, .. } => login(&one, &account, time, group.as_deref()),
        Cmd::Chgrp(a) => group_action(&one, "one.user.chgrp", &a.objects, &a.group),
        Cmd::Addgroup { users, group } => group_action(&one, "one.user.addgroup", &users, &group),
        Cmd::Delgroup { users, group } => group_action(&one, "one.user.delgroup", &users, &group),
        Cmd::Chauth { account, driver, secret } => {
            let id = common::resolve_one(&one, &USER, &account)?;
            one.run("one.user.chauth", vec![i(id), s(driver), s(secret.unwrap_or_default())])
        }
        Cmd::Enable(a) => common::flag(&one, &USER, "enable", &a.objects, true),
        Cmd::Disable(a) => common::flag(&one, &USER, "enable", &a.objects, false),
        Cmd::Update(a) => common::update(&one, &USER, &a, "TEMPLATE"),
    }
}

/// `one.user.allocate(name, password, driver, [gids])`.
fn create(one: &One, name: &str, password: &str, driver: &str, groups: &[String]) -> Result<()> {
    let mut gids = Vec::new();
    if !groups.is_empty() {
        for gid in common::resolve(one, &GROUP, groups)? {
            if !gids.contains(&i(gid)) {
                gids.push(i(gid));
            }
        }
    }
    let id = one.id("one.user.allocate", vec![s(name), s(password), s(driver), libone::xmlrpc::Value::Array(gids)])?;
    common::print_id(id);
    Ok(())
}

/// `list`: the pool with each user's quota row attached, so the quota columns can read it.
fn list_users(one: &One, args: &ListArgs) -> Result<()> {
    let pool = common::pool(one, &USER)?;
    common::out(&render_list(&pool, args)?);
    Ok(())
}

/// The text `oneuser list` prints for a pool document.
pub fn render_list(pool: &Node, args: &ListArgs) -> Result<String> {
    if args.xml || args.json {
        return common::render_pool(pool, &USER, &TABLE, args);
    }
    let rows = with_quotas(pool, "USER", "DEFAULT_USER_QUOTAS");
    let refs: Vec<&Node> = rows.iter().collect();
    TABLE.render(&refs, args)
}

fn show(one: &One, user: Option<&str>, out: &ShowArgs) -> Result<()> {
    let id = match user {
        Some(u) => common::resolve_one(one, &USER, u)?.to_string(),
        None => "-1".to_string(),
    };
    if let Some(u) = common::show(one, &USER, &id, out)? {
        common::out(&show_page(&u));
    }
    Ok(())
}

fn login(one: &One, user: &str, time: i32, group: Option<&str>) -> Result<()> {
    let egid = match group {
        Some(g) => common::resolve_one(one, &GROUP, g)?,
        None => -1,
    };
    match one.call("one.user.login", vec![s(user), s(""), i(time), i(egid)])? {
        libone::xmlrpc::Value::String(token) => {
            common::out(&format!("{token}\n"));
            Ok(())
        }
        other => Err(CliError::One { message: format!("[one.user.login] unexpected reply {other:?}") }),
    }
}

/// `chgrp`, `addgroup`, `delgroup`: `<method>(user, group)` on each user.
fn group_action(one: &One, method: &str, users: &str, group: &str) -> Result<()> {
    let gid = common::resolve_one(one, &GROUP, group)?;
    common::each(one, &USER, &[users.to_string()], |id| one.run(method, vec![i(id), i(gid)]))
}

// ---------------------------------------------------------------------------------------------
// Quotas (shared with onegroup)

/// The objects called `element` of a user or group pool document, each with the `<QUOTAS>` row
/// of the same ID and the pool's default quotas (`defaults`, renamed `DEFAULT_QUOTAS`) added
/// as children, for the quota columns.
pub fn with_quotas(pool: &Node, element: &str, defaults: &str) -> Vec<Node> {
    let default_quotas = pool.child(defaults);
    pool.all(element)
        .map(|obj| {
            let mut row = obj.clone();
            if let Some(q) = pool.all("QUOTAS").find(|q| q.text("ID") == obj.text("ID")) {
                row.children.push(q.clone());
            }
            if let Some(d) = default_quotas {
                let mut d = d.clone();
                d.name = "DEFAULT_QUOTAS".into();
                row.children.push(d);
            }
            row
        })
        .collect()
}

/// The same shape as [`with_quotas`] for a `one.user.info`/`one.group.info` document, which
/// holds its quota blocks and `defaults` directly.
pub fn info_quotas(obj: &Node, defaults: &str) -> Node {
    let quotas = Node {
        name: "QUOTAS".into(),
        text: String::new(),
        children: obj.children.iter().filter(|c| c.name.ends_with("_QUOTA")).cloned().collect(),
    };
    let mut row = Node {
        name: obj.name.clone(),
        text: String::new(),
        children: vec![Node { name: "ID".into(), text: obj.text("ID").to_string(), children: Vec::new() }, quotas],
    };
    if let Some(d) = obj.child(defaults) {
        let mut d = d.clone();
        d.name = "DEFAULT_QUOTAS".into();
        row.children.push(d);
    }
    row
}

/// One object's VM quota entry as OpenNebula's CLI reads it: `None` prints `-` (no quota row,
/// or oneadmin without a quota); an object without VM usage yet gets the default entry.
struct VmQuota<'a> {
    entry: Option<&'a Node>,
    defaults: Option<&'a Node>,
}

impl<'a> VmQuota<'a> {
    fn of(row: &'a Node) -> Option<VmQuota<'a>> {
        let q = row.get("QUOTAS")?;
        let entries: Vec<&Node> = q.get("VM_QUOTA").map(|v| v.all("VM").collect()).unwrap_or_default();
        // Several entries: the global one (no CLUSTER_IDS), else the first.
        let entry = entries.iter().find(|e| e.text("CLUSTER_IDS").trim().is_empty()).or(entries.first()).copied();
        if entry.is_none() && row.int("ID") == 0 {
            return None;
        }
        Some(VmQuota { entry, defaults: row.get("DEFAULT_QUOTAS/VM_QUOTA/VM") })
    }

    fn used(&self, attr: &str) -> String {
        let used = self.entry.map(|e| e.text(&format!("{attr}_USED")).trim()).unwrap_or("");
        if used.is_empty() { "0".into() } else { used.into() }
    }

    /// The limit, `None` when unlimited (`-2`, or the default `-1` without a default quota).
    fn limit(&self, attr: &str) -> Option<String> {
        let own = self.entry.map(|e| e.text(attr).trim()).unwrap_or("");
        let mut limit = if own.is_empty() { "-1" } else { own };
        if limit == "-1" {
            limit = self.defaults.map(|d| d.text(attr).trim()).unwrap_or("");
            if limit.is_empty() {
                limit = "-2";
            }
        }
        (limit != "-2").then(|| limit.to_string())
    }
}

fn int_of(v: &str) -> i64 {
    v.parse::<i64>().ok().or_else(|| v.parse::<f64>().ok().map(|f| f as i64)).unwrap_or(0)
}

fn float_of(v: &str) -> f64 {
    v.parse::<f64>().unwrap_or(0.0)
}

fn mem(v: &str) -> String {
    unit_to_str(int_of(v) as f64, "M")
}

/// `VMS`: `  1 /   -` or `  1 /  10`.
pub fn quota_vms(row: &Node) -> String {
    let Some(q) = VmQuota::of(row) else {
        return "-".into();
    };
    let used = int_of(&q.used("VMS"));
    match q.limit("VMS") {
        Some(l) => format!("{used:>3} / {:>3}", int_of(&l)),
        None => format!("{used:>3} /   -"),
    }
}

/// `MEMORY`: `  128M /      -` or `  128M /     1G`.
pub fn quota_memory(row: &Node) -> String {
    let Some(q) = VmQuota::of(row) else {
        return "-".into();
    };
    let used = mem(&q.used("MEMORY"));
    match q.limit("MEMORY") {
        Some(l) => format!("{used:>6} / {:>6}", mem(&l)),
        None => format!("{used:>6} /      -"),
    }
}

fn cpu(row: &Node, unlimited_pad: &str) -> String {
    let Some(q) = VmQuota::of(row) else {
        return "-".into();
    };
    let used = float_of(&q.used("CPU"));
    match q.limit("CPU") {
        Some(l) => format!("{used:>3.1} / {:>3.1}", float_of(&l)),
        None => format!("{used:>3.1} /{unlimited_pad}-"),
    }
}

/// `CPU` of `oneuser list`: `0.5 /   -`.
pub fn quota_cpu(row: &Node) -> String {
    cpu(row, "   ")
}

/// `CPU` of `onegroup list` (one more space before an unlimited `-`, as OpenNebula).
pub fn quota_cpu_group(row: &Node) -> String {
    cpu(row, "    ")
}

/// `PCI`: `  0 /   -`.
pub fn quota_pci(row: &Node) -> String {
    let Some(q) = VmQuota::of(row) else {
        return "-".into();
    };
    let used = q.used("PCI_DEV");
    match q.limit("PCI_DEV") {
        Some(l) => format!("{used:>3} / {l:>3}"),
        None => format!("{used:>3} /   -"),
    }
}

/// The quota columns of `oneuser show`'s usage table.
pub const QUOTA_COLUMNS: &[Column] = &[
    Column::right("VMS", 9, quota_vms),
    Column::right("MEMORY", 15, quota_memory),
    Column::right("CPU", 10, quota_cpu),
    Column::right("PCI", 9, quota_pci),
];

const QUOTA_TABLE: TableSpec = TableSpec { columns: QUOTA_COLUMNS, default: &["VMS", "MEMORY", "CPU", "PCI"] };

/// The `VMS USAGE & QUOTAS` section of a show page (`row` from [`info_quotas`]); nothing for
/// an object without VM quota (oneadmin).
pub fn quota_section(p: &mut Page, row: &Node) {
    if VmQuota::of(row).is_none() {
        return;
    }
    p.header("VMS USAGE & QUOTAS");
    p.raw(&QUOTA_TABLE.render_default(&[row]));
}

// ---------------------------------------------------------------------------------------------
// Columns

fn col_enabled(u: &Node) -> String {
    if u.text("ENABLED") == "1" { "yes" } else { "no" }.to_string()
}
fn col_auth(u: &Node) -> String {
    u.text("AUTH_DRIVER").to_string()
}
fn col_password(u: &Node) -> String {
    u.text("PASSWORD").to_string()
}

/// `oneuser list` columns; the default ones are OpenNebula 7's.
pub const TABLE: TableSpec = TableSpec {
    columns: &[
        Column::right("ID", 4, col_id),
        Column::left("NAME", 15, col_name),
        Column::left("ENABLED", 4, col_enabled),
        Column::left("GROUP", 8, col_group),
        Column::left("AUTH", 8, col_auth),
        Column::right("VMS", 9, quota_vms),
        Column::right("MEMORY", 15, quota_memory),
        Column::right("CPU", 10, quota_cpu),
        Column::right("PCI", 9, quota_pci),
        Column::left("PASSWORD", 50, col_password),
    ],
    default: &["ID", "NAME", "ENABLED", "GROUP", "AUTH", "VMS", "MEMORY", "CPU", "PCI"],
};

// ---------------------------------------------------------------------------------------------
// Show

/// The `TOKENS` table: token hash (cut), effective group, expiration.
fn tokens_text(u: &Node) -> String {
    let gid = u.text("GID");
    let t = now();
    let mut text = String::new();
    for tk in u.all("LOGIN_TOKEN") {
        let egid = match tk.text("EGID") {
            "-1" | "" => format!("*{gid}"),
            g => g.to_string(),
        };
        let exp = match tk.int("EXPIRATION_TIME") {
            -1 => "forever".to_string(),
            e if e <= t => "expired".to_string(),
            e => date_to_str(e),
        };
        let id: String = tk.text("TOKEN").chars().take(7).collect();
        text.push_str(&format!("{id:>7} {egid:<5} {exp}\n"));
    }
    if !text.is_empty() {
        text.insert_str(0, &format!("{:>7} {:<5} {}\n", "ID", "EGID", "EXPIRATION"));
    }
    text
}

/// The `oneuser show` page of a `one.user.info` document.
pub fn show_page(u: &Node) -> String {
    let mut p = Page::new();
    p.header(&format!("USER {} INFORMATION", u.text("ID")))
        .field("ID", u.text("ID"))
        .field("NAME", u.text("NAME"))
        .field("GROUP", u.text("GNAME"));
    let groups = u.ids("GROUPS");
    if groups.len() > 1 {
        p.field("SECONDARY GROUPS", groups.join(","));
    }
    p.field("PASSWORD", u.text("PASSWORD"))
        .field("AUTH_DRIVER", u.text("AUTH_DRIVER"))
        .field("ENABLED", yes_no(u.text("ENABLED")));
    p.header("TOKENS").raw(&tokens_text(u));
    p.template("USER TEMPLATE", u.get("TEMPLATE"));
    quota_section(&mut p, &info_quotas(u, "DEFAULT_USER_QUOTAS"));
    p.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pool as oned sends it: each USER followed by its QUOTAS row, newest first.
    const POOL: &str = "<USER_POOL>\
        <USER><ID>3</ID><GID>100</GID><GROUPS><ID>100</ID></GROUPS><GNAME>devs</GNAME><NAME>bob</NAME>\
        <PASSWORD>x</PASSWORD><AUTH_DRIVER>ldap</AUTH_DRIVER><ENABLED>0</ENABLED><TEMPLATE/></USER>\
        <QUOTAS><ID>3</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA><VM><CPU>-1</CPU><CPU_USED>1.5</CPU_USED>\
        <MEMORY>2048</MEMORY><MEMORY_USED>1536</MEMORY_USED><VMS>10</VMS><VMS_USED>3</VMS_USED>\
        <PCI_DEV>-2</PCI_DEV><PCI_DEV_USED>0</PCI_DEV_USED></VM></VM_QUOTA><IMAGE_QUOTA/></QUOTAS>\
        <USER><ID>2</ID><GID>1</GID><GROUPS><ID>1</ID></GROUPS><GNAME>users</GNAME><NAME>alice</NAME>\
        <PASSWORD>x</PASSWORD><AUTH_DRIVER>core</AUTH_DRIVER><ENABLED>1</ENABLED><TEMPLATE/></USER>\
        <QUOTAS><ID>2</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></QUOTAS>\
        <USER><ID>0</ID><GID>0</GID><GROUPS><ID>0</ID></GROUPS><GNAME>oneadmin</GNAME><NAME>oneadmin</NAME>\
        <PASSWORD>x</PASSWORD><AUTH_DRIVER>core</AUTH_DRIVER><ENABLED>1</ENABLED><TEMPLATE/></USER>\
        <QUOTAS><ID>0</ID><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></QUOTAS>\
        <USER><ID>7</ID><GID>1</GID><GROUPS><ID>1</ID></GROUPS><GNAME>users</GNAME><NAME>noquota</NAME>\
        <PASSWORD>x</PASSWORD><AUTH_DRIVER>core</AUTH_DRIVER><ENABLED>1</ENABLED><TEMPLATE/></USER>\
        <DEFAULT_USER_QUOTAS><VM_QUOTA><VM><CPU>8</CPU></VM></VM_QUOTA></DEFAULT_USER_QUOTAS>\
        </USER_POOL>";

    /// Golden layout of the default columns: rows are the USER elements only, quota columns
    /// come from the QUOTAS sibling with the same ID and the pool's default quotas.
    #[test]
    fn default_list_layout() {
        let pool = Node::parse(POOL).expect("xml");
        let out = render_list(&pool, &ListArgs::default()).expect("renders");
        assert_eq!(
            out,
            "  ID NAME            ENAB GROUP    AUTH           VMS          MEMORY        CPU       PCI\n   \
             3 bob             no   devs     ldap       3 /  10   1.5G /     2G  1.5 / 8.0   0 /   -\n   \
             2 alice           yes  users    core       0 /   -     0M /      -  0.0 / 8.0   0 /   -\n   \
             0 oneadmin        yes  oneadmin core             -               -          -         -\n   \
             7 noquota         yes  users    core             -               -          -         -\n"
        );
    }

    #[test]
    fn quota_columns_without_defaults_are_unlimited() {
        let pool = Node::parse(
            "<USER_POOL><USER><ID>2</ID><NAME>a</NAME></USER>\
             <QUOTAS><ID>2</ID><VM_QUOTA/></QUOTAS></USER_POOL>",
        )
        .expect("xml");
        let rows = with_quotas(&pool, "USER", "DEFAULT_USER_QUOTAS");
        assert_eq!(rows.len(), 1);
        assert_eq!(quota_cpu(&rows[0]), "0.0 /   -");
        assert_eq!(quota_cpu_group(&rows[0]), "0.0 /    -");
        assert_eq!(quota_memory(&rows[0]), "    0M /      -");
        let csv =
            render_list(&pool, &ListArgs { csv: true, list: vec!["NAME".into(), "VMS".into()], ..ListArgs::default() })
                .expect("renders");
        assert_eq!(csv, "NAME,VMS\na,0 /   -\n");
    }

    #[test]
    fn show_has_opennebulas_sections() {
        let u = Node::parse(
            "<USER><ID>2</ID><GID>1</GID><GROUPS><ID>1</ID><ID>100</ID></GROUPS><GNAME>users</GNAME>\
             <NAME>alice</NAME><PASSWORD>$argon2id$abc</PASSWORD><AUTH_DRIVER>core</AUTH_DRIVER><ENABLED>0</ENABLED>\
             <LOGIN_TOKEN><TOKEN>0123456789abcdef</TOKEN><EXPIRATION_TIME>-1</EXPIRATION_TIME><EGID>-1</EGID></LOGIN_TOKEN>\
             <TEMPLATE><EMAIL><![CDATA[a@example.org]]></EMAIL></TEMPLATE>\
             <DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/>\
             <DEFAULT_USER_QUOTAS><DATASTORE_QUOTA/><NETWORK_QUOTA/><VM_QUOTA/><IMAGE_QUOTA/></DEFAULT_USER_QUOTAS></USER>",
        )
        .expect("xml");
        let page = show_page(&u);
        for needle in [
            "USER 2 INFORMATION\n",
            "ID                    : 2\n",
            "NAME                  : alice\n",
            "GROUP                 : users\n",
            "SECONDARY GROUPS      : 1,100\n",
            "PASSWORD              : $argon2id$abc\n",
            "AUTH_DRIVER           : core\n",
            "ENABLED               : No\n",
            "\nTOKENS\n     ID EGID  EXPIRATION\n0123456 *1    forever\n",
            "\nUSER TEMPLATE\nEMAIL=\"a@example.org\"\n",
            "\nVMS USAGE & QUOTAS\n      VMS          MEMORY        CPU       PCI\n  0 /   -     0M /      -  0.0 /   -   0 /   -\n",
        ] {
            assert!(page.contains(needle), "{needle:?} missing in\n{page}");
        }
        // oneadmin has no quota section and no secondary groups line.
        let admin = Node::parse(
            "<USER><ID>0</ID><GROUPS><ID>0</ID></GROUPS><NAME>oneadmin</NAME><ENABLED>1</ENABLED><TEMPLATE/><VM_QUOTA/></USER>",
        )
        .expect("xml");
        let page = show_page(&admin);
        assert!(!page.contains("QUOTAS") && !page.contains("SECONDARY"), "{page}");
        assert!(page.contains("ENABLED               : Yes"), "{page}");
    }
}
