//! What every tool does the same way: object kinds and their methods, name/ID resolution,
//! pool listing, `show` in XML/JSON, actions over several objects, template files, chown/chmod.

use std::io::Write;
use std::path::Path;

use clap::Parser;
use libone::template::Template;

use crate::args::{ChgrpArgs, ChmodArgs, ChownArgs, LockArgs, RenameArgs, UpdateArgs};
use crate::conn::{One, b, i, s};
use crate::error::{CliError, Result};
use crate::table::{ListArgs, TableSpec};
use crate::xmltree::Node;

/// One kind of OpenNebula object and its XML-RPC methods.
pub struct Kind {
    /// The noun used in messages ("VM", "host", "image").
    pub noun: &'static str,
    /// The element of one object in pool and info documents ("VM", "HOST", "VMTEMPLATE").
    pub element: &'static str,
    /// The method prefix ("one.vm", "one.host", "one.template").
    pub prefix: &'static str,
    /// The pool listing method and its arguments after the session.
    pub pool: &'static str,
    pub pool_args: &'static [i32],
}

impl Kind {
    pub fn method(&self, name: &str) -> String {
        format!("{}.{name}", self.prefix)
    }
}

/// Writes to stdout, ending quietly when the reader went away (`onevm list | head`).
pub fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush());
}

/// Parses the command line of tool `P`, runs it and returns the exit code; errors go to stderr.
pub fn main_with<P: Parser>(run: impl FnOnce(P) -> Result<()>) -> i32 {
    let args = P::parse();
    match run(args) {
        Ok(()) => 0,
        Err(CliError::Partial) => crate::error::EXIT_ONE,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// The pool document of `kind`, as text (for streaming) ...
pub fn pool_text(one: &One, kind: &Kind) -> Result<String> {
    one.text(kind.pool, kind.pool_args.iter().map(|a| i(*a)).collect())
}

/// ... and parsed.
pub fn pool(one: &One, kind: &Kind) -> Result<Node> {
    Ok(Node::parse(&pool_text(one, kind)?)?)
}

/// `list`: the pool as a table, CSV, XML or JSON.
pub fn list(one: &One, kind: &Kind, spec: &TableSpec, args: &ListArgs) -> Result<()> {
    out(&render_pool_text(&pool_text(one, kind)?, kind, spec, args)?);
    Ok(())
}

/// The text `list` prints for a pool document given as text. Tables and CSV are built while
/// the document streams past, one object at a time.
pub fn render_pool_text(xml: &str, kind: &Kind, spec: &TableSpec, args: &ListArgs) -> Result<String> {
    if args.xml || args.json {
        return render_pool(&Node::parse(xml)?, kind, spec, args);
    }
    let mut r = spec.renderer(args)?;
    Node::for_each_item(xml, kind.element, |item| r.push(item))?;
    Ok(r.finish())
}

/// The text `list` prints for a parsed pool document.
pub fn render_pool(pool: &Node, kind: &Kind, spec: &TableSpec, args: &ListArgs) -> Result<String> {
    if args.xml {
        return Ok(pool.to_pretty_xml());
    }
    if args.json {
        return Ok(json_text(pool));
    }
    let items: Vec<&Node> = pool.all(kind.element).collect();
    spec.render(&items, args)
}

fn json_text(node: &Node) -> String {
    let mut t = serde_json::to_string_pretty(&node.to_json()).unwrap_or_default();
    t.push('\n');
    t
}

/// `top`'s options: the list options plus the refresh delay.
#[derive(clap::Args, Debug, Clone)]
pub struct TopArgs {
    #[command(flatten)]
    pub list: ListArgs,
    /// Seconds between refreshes
    #[arg(short = 'd', long, default_value_t = 1.0, value_name = "SECONDS")]
    pub delay: f64,
    /// Stop after this many refreshes (default: until interrupted)
    #[arg(short = 'n', long, value_name = "COUNT")]
    pub iterations: Option<u64>,
}

/// `top`: clears the screen and lists the pool every `--delay` seconds.
pub fn top(one: &One, kind: &Kind, spec: &TableSpec, args: &TopArgs) -> Result<()> {
    if !(args.delay.is_finite() && args.delay > 0.0) {
        return Err(CliError::usage("--delay must be a positive number of seconds"));
    }
    let mut n = 0u64;
    loop {
        let table = render_pool_text(&pool_text(one, kind)?, kind, spec, &args.list)?;
        out(&format!("\x1b[H\x1b[2J{table}"));
        n += 1;
        if args.iterations.is_some_and(|max| n >= max) {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs_f64(args.delay));
    }
}

/// The first element called `name` at any depth below `node`.
pub fn find_desc<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
    node.children.iter().find(|c| c.name == name).or_else(|| node.children.iter().find_map(|c| find_desc(c, name)))
}

/// `monitoring OBJECT ATTR` (hosts and VMs): one attribute over the monitoring records that
/// `<prefix>.monitoring(id)` returns, as `TIME VALUE` lines, or the records as XML/JSON.
pub fn monitoring(one: &One, kind: &Kind, spec: &str, attribute: &str, args: &ShowArgs) -> Result<()> {
    let id = resolve_one(one, kind, spec)?;
    let data = one.xml(&kind.method("monitoring"), vec![i(id)])?;
    if args.xml {
        out(&data.to_pretty_xml());
        return Ok(());
    }
    if args.json {
        out(&json_text(&data));
        return Ok(());
    }
    let mut text = format!("{:<16} {}\n", "TIME", attribute);
    let mut found = 0;
    for rec in data.all("MONITORING") {
        if let Some(v) = find_desc(rec, attribute) {
            text.push_str(&format!("{:<16} {}\n", crate::units::time_to_str(rec.int("TIMESTAMP")), v.text));
            found += 1;
        }
    }
    if found == 0 {
        return Err(CliError::usage(format!("no monitoring records of {attribute} for {} {id}", kind.noun)));
    }
    out(&text);
    Ok(())
}

/// `show`'s output options.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ShowArgs {
    /// Show the object as XML
    #[arg(short = 'x', long)]
    pub xml: bool,
    /// Show the object as JSON
    #[arg(short = 'j', long)]
    pub json: bool,
}

/// `show`: fetches one object; prints it as XML/JSON and returns `None`, or returns it for the
/// tool's own layout.
pub fn show(one: &One, kind: &Kind, spec: &str, args: &ShowArgs) -> Result<Option<Node>> {
    let id = resolve_one(one, kind, spec)?;
    let node = info(one, kind, id)?;
    if args.xml {
        out(&node.to_pretty_xml());
        return Ok(None);
    }
    if args.json {
        out(&json_text(&node));
        return Ok(None);
    }
    Ok(Some(node))
}

/// `<prefix>.info(id)`.
pub fn info(one: &One, kind: &Kind, id: i32) -> Result<Node> {
    one.xml(&kind.method("info"), vec![i(id)])
}

/// Parses one ID range element: `7`, `3..5`.
fn parse_ids(part: &str) -> Option<Vec<i32>> {
    if let Ok(n) = part.parse::<i32>() {
        return Some(vec![n]);
    }
    let (a, z) = part.split_once("..")?;
    let (a, z) = (a.parse::<i32>().ok()?, z.parse::<i32>().ok()?);
    if a > z || z - a > 100_000 {
        return None;
    }
    Some((a..=z).collect())
}

/// Turns the command line's object arguments into IDs: numbers, `a..b` ranges, comma lists and
/// names (looked up in the pool; a name must match exactly one object).
pub fn resolve(one: &One, kind: &Kind, specs: &[String]) -> Result<Vec<i32>> {
    let mut ids = Vec::new();
    let mut pool_doc: Option<Node> = None;
    for spec in specs {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            if let Some(found) = parse_ids(part) {
                ids.extend(found);
                continue;
            }
            if part.contains("..") {
                return Err(CliError::usage(format!("bad {} range {part:?}", kind.noun)));
            }
            if pool_doc.is_none() {
                pool_doc = Some(pool(one, kind)?);
            }
            let doc = pool_doc.as_ref().ok_or_else(|| CliError::usage("no pool"))?;
            ids.push(by_name(doc, kind, part)?);
        }
    }
    if ids.is_empty() {
        return Err(CliError::usage(format!("no {} given", kind.noun)));
    }
    Ok(ids)
}

/// The ID of the object called `name` in a pool document.
pub fn by_name(pool: &Node, kind: &Kind, name: &str) -> Result<i32> {
    let matches: Vec<&Node> = pool.all(kind.element).filter(|n| n.text("NAME") == name).collect();
    match matches.as_slice() {
        [one] => i32::try_from(one.int("ID")).map_err(|_| CliError::usage(format!("bad {} ID", kind.noun))),
        [] => Err(CliError::usage(format!("{} named {name} not found.", kind.noun))),
        _ => Err(CliError::usage(format!("There are multiple {}s with name {name}.", kind.noun))),
    }
}

/// Exactly one object from one argument.
pub fn resolve_one(one: &One, kind: &Kind, spec: &str) -> Result<i32> {
    let ids = resolve(one, kind, &[spec.to_string()])?;
    match ids.as_slice() {
        [id] => Ok(*id),
        _ => Err(CliError::usage(format!("expected one {}, got {spec:?}", kind.noun))),
    }
}

/// Runs `action` on each object; with several objects a failure is printed as `NOUN ID: msg`
/// and the others still run.
pub fn each(one: &One, kind: &Kind, specs: &[String], mut action: impl FnMut(i32) -> Result<()>) -> Result<()> {
    let ids = resolve(one, kind, specs)?;
    if let [id] = ids.as_slice() {
        return action(*id);
    }
    let mut failed = false;
    for id in ids {
        if let Err(e) = action(id) {
            eprintln!("{} {id}: {e}", kind.noun);
            failed = true;
        }
    }
    if failed { Err(CliError::Partial) } else { Ok(()) }
}

/// Reads a template file (`-` for stdin) and checks its syntax, so that a typo is reported
/// with its line and column before anything is sent.
pub fn read_template(path: &Path) -> Result<String> {
    let text = if path == Path::new("-") {
        let mut t = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut t)
            .map_err(|e| CliError::usage(format!("stdin: {e}")))?;
        t
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?
    };
    check_template(&text).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    Ok(text)
}

/// Parses a template's text (OpenNebula's syntax or XML).
pub fn check_template(text: &str) -> std::result::Result<Template, String> {
    if text.trim_start().starts_with('<') {
        Template::parse_xml(text).map_err(|e| e.to_string())
    } else {
        Template::parse_text(text).map_err(|e| e.to_string())
    }
}

/// `allocate`-style creation: prints `ID: n` as OpenNebula's CLI does.
pub fn print_id(id: i32) {
    out(&format!("ID: {id}\n"));
}

/// Opens `current` (a template element) in `$EDITOR` (then `$VISUAL`, then `vi`) and returns
/// the edited text once the editor exits successfully and the text parses. The file is
/// created privately (`tempfile`), never at a predictable path.
pub fn edit_template(current: &Node) -> Result<String> {
    let editor = std::env::var("EDITOR").or_else(|_| std::env::var("VISUAL")).unwrap_or_else(|_| "vi".to_string());
    let mut words = editor.split_whitespace();
    let program = words.next().ok_or_else(|| CliError::usage("EDITOR is empty"))?;
    let file = tempfile::Builder::new()
        .prefix("one-update-")
        .suffix(".tmpl")
        .tempfile()
        .map_err(|e| CliError::usage(format!("cannot create a file to edit: {e}")))?;
    let path = file.path().to_path_buf();
    std::fs::write(&path, crate::show::template_text(current))
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    let status = std::process::Command::new(program)
        .args(words)
        .arg(&path)
        .status()
        .map_err(|e| CliError::usage(format!("cannot run the editor {program}: {e}")))?;
    if !status.success() {
        return Err(CliError::usage(format!("the editor {program} failed ({status}); nothing was changed")));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    check_template(&text).map_err(CliError::usage)?;
    Ok(text)
}

/// `<prefix>.update(id, template, append)`; `template_path` is the element `$EDITOR` starts
/// from (`TEMPLATE`, or `USER_TEMPLATE` for VMs).
pub fn update(one: &One, kind: &Kind, args: &UpdateArgs, template_path: &str) -> Result<()> {
    let id = resolve_one(one, kind, &args.object)?;
    let text = match args.file.as_deref() {
        Some(file) => read_template(file)?,
        None => {
            let obj = info(one, kind, id)?;
            edit_template(obj.get(template_path).unwrap_or(&Node::default()))?
        }
    };
    one.run(&kind.method("update"), vec![i(id), s(text), i(i32::from(args.append))])
}

/// `<prefix>.rename(id, name)`.
pub fn rename(one: &One, kind: &Kind, args: &RenameArgs) -> Result<()> {
    let id = resolve_one(one, kind, &args.object)?;
    one.run(&kind.method("rename"), vec![i(id), s(&args.name)])
}

/// `<prefix>.<method>(id, on)` on each object: enable/disable, persistent/nonpersistent.
pub fn flag(one: &One, kind: &Kind, method: &str, specs: &[String], on: bool) -> Result<()> {
    each(one, kind, specs, |id| one.run(&kind.method(method), vec![i(id), b(on)]))
}

/// `<prefix>.delete(id)` on each object.
pub fn delete(one: &One, kind: &Kind, specs: &[String]) -> Result<()> {
    each(one, kind, specs, |id| one.run(&kind.method("delete"), vec![i(id)]))
}

pub const USER: Kind =
    Kind { noun: "USER", element: "USER", prefix: "one.user", pool: "one.userpool.info", pool_args: &[] };
pub const GROUP: Kind =
    Kind { noun: "GROUP", element: "GROUP", prefix: "one.group", pool: "one.grouppool.info", pool_args: &[] };
pub const CLUSTER: Kind =
    Kind { noun: "CLUSTER", element: "CLUSTER", prefix: "one.cluster", pool: "one.clusterpool.info", pool_args: &[] };
pub const DATASTORE: Kind = Kind {
    noun: "DATASTORE",
    element: "DATASTORE",
    prefix: "one.datastore",
    pool: "one.datastorepool.info",
    pool_args: &[],
};
pub const HOST: Kind =
    Kind { noun: "HOST", element: "HOST", prefix: "one.host", pool: "one.hostpool.info", pool_args: &[] };

/// `chown`: new owner (user name or ID) and optional group; `-1` keeps the current one.
pub fn chown(one: &One, kind: &Kind, args: &ChownArgs) -> Result<()> {
    let uid = resolve_one(one, &USER, &args.owner)?;
    let gid = match &args.group {
        Some(g) => resolve_one(one, &GROUP, g)?,
        None => -1,
    };
    each(one, kind, std::slice::from_ref(&args.objects), |id| {
        one.run(&kind.method("chown"), vec![i(id), i(uid), i(gid)])
    })
}

/// `chgrp`: new group only.
pub fn chgrp(one: &One, kind: &Kind, args: &ChgrpArgs) -> Result<()> {
    let gid = resolve_one(one, &GROUP, &args.group)?;
    each(one, kind, std::slice::from_ref(&args.objects), |id| {
        one.run(&kind.method("chown"), vec![i(id), i(-1), i(gid)])
    })
}

/// Parses an octal mode like `640` into the nine permission bits OpenNebula's chmod takes.
pub fn parse_mode(mode: &str) -> Result<[i32; 9]> {
    let digits: Vec<u32> = mode.chars().map(|c| c.to_digit(8)).collect::<Option<_>>().unwrap_or_default();
    if digits.len() != 3 {
        return Err(CliError::usage(format!("bad mode {mode:?}: expected three octal digits like 640")));
    }
    let mut bits = [0; 9];
    for (n, d) in digits.iter().enumerate() {
        bits[n * 3] = ((d >> 2) & 1) as i32; // use
        bits[n * 3 + 1] = ((d >> 1) & 1) as i32; // manage
        bits[n * 3 + 2] = (d & 1) as i32; // admin
    }
    Ok(bits)
}

/// `chmod` with an octal mode.
pub fn chmod(one: &One, kind: &Kind, args: &ChmodArgs) -> Result<()> {
    let bits = parse_mode(&args.mode)?;
    each(one, kind, std::slice::from_ref(&args.objects), |id| {
        let mut params = vec![i(id)];
        params.extend(bits.iter().map(|b| i(*b)));
        one.run(&kind.method("chmod"), params)
    })
}

/// Lock levels of `lock --level`.
pub fn lock_level(level: &str) -> Result<i32> {
    match level.to_ascii_lowercase().as_str() {
        "use" => Ok(1),
        "manage" => Ok(2),
        "admin" => Ok(3),
        "all" => Ok(4),
        other => Err(CliError::usage(format!("bad lock level {other:?}: use, manage, admin or all"))),
    }
}

/// `lock` (`<prefix>.lock(id, level, test)`) and `unlock`.
pub fn lock(one: &One, kind: &Kind, args: &LockArgs) -> Result<()> {
    let level = lock_level(&args.level)?;
    each(one, kind, &args.objects, |id| one.run(&kind.method("lock"), vec![i(id), i(level), b(false)]))
}

/// `<prefix>.unlock(id)` on each object.
pub fn unlock(one: &One, kind: &Kind, specs: &[String]) -> Result<()> {
    each(one, kind, specs, |id| one.run(&kind.method("unlock"), vec![i(id)]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges() {
        assert_eq!(parse_ids("7"), Some(vec![7]));
        assert_eq!(parse_ids("3..5"), Some(vec![3, 4, 5]));
        assert_eq!(parse_ids("5..3"), None);
        assert_eq!(parse_ids("web"), None);
    }

    #[test]
    fn names_resolve_to_exactly_one_object() {
        let pool = Node::parse("<P><VM><ID>1</ID><NAME>a</NAME></VM><VM><ID>2</ID><NAME>b</NAME></VM><VM><ID>3</ID><NAME>b</NAME></VM></P>")
            .expect("xml");
        let vm = Kind { noun: "VM", element: "VM", prefix: "one.vm", pool: "", pool_args: &[] };
        assert_eq!(by_name(&pool, &vm, "a").expect("found"), 1);
        assert!(by_name(&pool, &vm, "b").expect_err("two").to_string().contains("multiple VMs"));
        assert!(by_name(&pool, &vm, "c").expect_err("none").to_string().contains("VM named c not found."));
    }

    #[test]
    fn modes() {
        assert_eq!(parse_mode("640").expect("ok"), [1, 1, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(parse_mode("777").expect("ok"), [1; 9]);
        assert!(parse_mode("6400").is_err());
        assert!(parse_mode("68").is_err());
        assert!(parse_mode("abc").is_err());
    }

    #[test]
    fn template_syntax_is_checked_locally() {
        assert!(check_template("CPU = 1\nMEMORY = 128").is_ok());
        let e = check_template("CPU = 1\nNIC = [ NETWORK = \"a\"").expect_err("unclosed");
        assert!(e.contains('2') || e.contains("line"), "{e}");
        assert!(check_template("<TEMPLATE><CPU>1</CPU></TEMPLATE>").is_ok());
    }
}
