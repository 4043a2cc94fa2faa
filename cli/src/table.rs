//! `list` tables: column definitions (with the ID, NAME, USER and GROUP accessors every tool
//! uses), `--list` selection, `--filter`, and rendering as an aligned table or CSV, the way
//! OpenNebula's CLI lays them out.

use crate::error::{CliError, Result};
use crate::xmltree::Node;

/// One column: its header, width, alignment and how to compute its text from an object.
pub struct Column {
    pub name: &'static str,
    pub width: usize,
    pub left: bool,
    pub value: fn(&Node) -> String,
}

impl Column {
    /// A column whose text is aligned left (names, states).
    pub const fn left(name: &'static str, width: usize, value: fn(&Node) -> String) -> Column {
        Column { name, width, left: true, value }
    }

    /// A column whose text is aligned right (numbers, sizes, times).
    pub const fn right(name: &'static str, width: usize, value: fn(&Node) -> String) -> Column {
        Column { name, width, left: false, value }
    }
}

/// The columns a tool knows and the ones `list` shows by default.
pub struct TableSpec {
    pub columns: &'static [Column],
    pub default: &'static [&'static str],
}

/// The `ID` column's value.
pub fn col_id(n: &Node) -> String {
    n.text("ID").to_string()
}

/// The `NAME` column's value.
pub fn col_name(n: &Node) -> String {
    n.text("NAME").to_string()
}

/// The `USER` column's value: the owner's name.
pub fn col_user(n: &Node) -> String {
    n.text("UNAME").to_string()
}

/// The `GROUP` column's value: the group's name.
pub fn col_group(n: &Node) -> String {
    n.text("GNAME").to_string()
}

/// `list`'s output options (shared by `top`). `Default` matches the command line's defaults.
#[derive(clap::Args, Debug, Clone)]
pub struct ListArgs {
    /// Show the pool as XML
    #[arg(short = 'x', long)]
    pub xml: bool,
    /// Show the pool as JSON
    #[arg(short = 'j', long)]
    pub json: bool,
    /// Write the table as comma-separated values
    #[arg(long)]
    pub csv: bool,
    /// Columns to show, comma-separated (for example ID,NAME,STAT)
    #[arg(short = 'l', long = "list", value_name = "COLS", value_delimiter = ',')]
    pub list: Vec<String>,
    /// Print the rows only
    #[arg(long)]
    pub no_header: bool,
    /// Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated
    #[arg(long, value_name = "COND", value_delimiter = ',')]
    pub filter: Vec<String>,
    /// How several --filter conditions combine
    #[arg(long, value_name = "AND|OR", default_value = "AND", value_parser = ["AND", "OR", "and", "or"])]
    pub operator: String,
}

impl Default for ListArgs {
    fn default() -> Self {
        Self {
            xml: false,
            json: false,
            csv: false,
            list: Vec::new(),
            no_header: false,
            filter: Vec::new(),
            operator: "AND".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Match,
}

/// One parsed `--filter` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    column: usize,
    op: Op,
    value: String,
}

impl TableSpec {
    fn find(&self, name: &str) -> Result<usize> {
        self.columns.iter().position(|c| c.name.eq_ignore_ascii_case(name.trim())).ok_or_else(|| {
            let known: Vec<&str> = self.columns.iter().map(|c| c.name).collect();
            CliError::usage(format!("unknown column {:?}; columns: {}", name.trim(), known.join(" ")))
        })
    }

    /// The column indices `--list` asks for, or the default ones.
    pub fn select(&self, list: &[String]) -> Result<Vec<usize>> {
        let names: Vec<&str> = if list.is_empty() {
            self.default.to_vec()
        } else {
            list.iter().map(String::as_str).filter(|s| !s.trim().is_empty()).collect()
        };
        names.into_iter().map(|n| self.find(n)).collect()
    }

    /// Parses `--filter` conditions.
    pub fn filters(&self, conds: &[String]) -> Result<Vec<Filter>> {
        const OPS: [(&str, Op); 7] = [
            ("!=", Op::Ne),
            ("<=", Op::Le),
            (">=", Op::Ge),
            ("=", Op::Eq),
            ("<", Op::Lt),
            (">", Op::Gt),
            ("~", Op::Match),
        ];
        conds
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|cond| {
                let (pos, sym, op) = OPS
                    .iter()
                    .filter_map(|(sym, op)| cond.find(sym).map(|p| (p, *sym, *op)))
                    .min_by_key(|(p, sym, _)| (*p, usize::MAX - sym.len()))
                    .ok_or_else(|| {
                        CliError::usage(format!(
                            "bad filter {cond:?}: expected COLUMN<op>VALUE with op one of = != < > <= >= ~"
                        ))
                    })?;
                let column = self.find(&cond[..pos])?;
                Ok(Filter { column, op, value: cond[pos + sym.len()..].to_string() })
            })
            .collect()
    }

    /// Renders `items` as the table (or CSV) that `args` asks for.
    pub fn render(&self, items: &[&Node], args: &ListArgs) -> Result<String> {
        let mut r = self.renderer(args)?;
        for item in items {
            r.push(item);
        }
        Ok(r.finish())
    }

    /// `items` under the default columns and options: the tables inside `show` pages.
    pub fn render_default(&self, items: &[&Node]) -> String {
        self.render(items, &ListArgs::default()).unwrap_or_default()
    }

    /// A renderer that takes the objects one at a time (the header is already written), so a
    /// large pool can be listed without holding all of its objects.
    pub fn renderer(&self, args: &ListArgs) -> Result<Renderer<'_>> {
        let cols: Vec<&Column> = self.select(&args.list)?.into_iter().map(|c| &self.columns[c]).collect();
        let filters = self.filters(&args.filter)?;
        let mut r = Renderer {
            spec: self,
            cols,
            filters,
            any: args.operator.eq_ignore_ascii_case("OR"),
            csv: args.csv,
            out: String::with_capacity(64 * 1024),
            cells: Vec::new(),
        };
        if !args.no_header {
            let names: Vec<&str> = r.cols.iter().map(|c| c.name).collect();
            if r.csv {
                push_csv(&mut r.out, names.into_iter());
            } else {
                push_row(&mut r.out, &r.cols, names.into_iter());
            }
        }
        Ok(r)
    }
}

/// Rows written so far; see [`TableSpec::renderer`].
pub struct Renderer<'s> {
    spec: &'s TableSpec,
    cols: Vec<&'s Column>,
    filters: Vec<Filter>,
    any: bool,
    csv: bool,
    out: String,
    cells: Vec<String>,
}

impl Renderer<'_> {
    /// Adds one object's row if it passes the filters.
    pub fn push(&mut self, item: &Node) {
        if !self.filters.is_empty() {
            let mut results = self.filters.iter().map(|f| f.matches(&(self.spec.columns[f.column].value)(item)));
            let keep = if self.any { results.any(|r| r) } else { results.all(|r| r) };
            if !keep {
                return;
            }
        }
        self.cells.clear();
        self.cells.extend(self.cols.iter().map(|c| (c.value)(item)));
        if self.csv {
            push_csv(&mut self.out, self.cells.iter().map(String::as_str));
        } else {
            push_row(&mut self.out, &self.cols, self.cells.iter().map(String::as_str));
        }
    }

    /// The text: header and rows.
    pub fn finish(self) -> String {
        self.out
    }
}

impl Filter {
    fn matches(&self, cell: &str) -> bool {
        let cell = cell.trim();
        if self.op == Op::Match {
            return cell.contains(self.value.as_str());
        }
        let ord = match (cell.parse::<f64>(), self.value.trim().parse::<f64>()) {
            (Ok(a), Ok(b)) => a.partial_cmp(&b),
            _ => Some(cell.cmp(self.value.as_str())),
        };
        let Some(ord) = ord else { return false };
        use std::cmp::Ordering::*;
        match self.op {
            Op::Eq => ord == Equal,
            Op::Ne => ord != Equal,
            Op::Lt => ord == Less,
            Op::Gt => ord == Greater,
            Op::Le => ord != Greater,
            Op::Ge => ord != Less,
            Op::Match => unreachable!("handled above"),
        }
    }
}

/// Cuts `text` to `width` characters.
fn fit(text: &str, width: usize) -> &str {
    match text.char_indices().nth(width) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

fn push_row<'a>(out: &mut String, cols: &[&Column], cells: impl Iterator<Item = &'a str>) {
    let start = out.len();
    for (n, (col, cell)) in cols.iter().zip(cells).enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let cell = fit(cell, col.width);
        let pad = col.width.saturating_sub(cell.chars().count());
        if col.left {
            out.push_str(cell);
            out.extend(std::iter::repeat_n(' ', pad));
        } else {
            out.extend(std::iter::repeat_n(' ', pad));
            out.push_str(cell);
        }
    }
    let trimmed = out[start..].trim_end().len();
    out.truncate(start + trimmed);
    out.push('\n');
}

fn push_csv<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (n, cell) in cells.enumerate() {
        if n > 0 {
            out.push(',');
        }
        let cell = cell.trim();
        if cell.contains([',', '"', '\n']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: TableSpec = TableSpec {
        columns: &[Column::right("ID", 4, col_id), Column::left("NAME", 6, col_name)],
        default: &["ID", "NAME"],
    };

    fn items() -> Vec<Node> {
        [
            "<X><ID>1</ID><NAME>alpha</NAME></X>",
            "<X><ID>12</ID><NAME>a,b \"c\"</NAME></X>",
            "<X><ID>3</ID><NAME>gamma-long</NAME></X>",
        ]
        .iter()
        .map(|x| Node::parse(x).expect("xml"))
        .collect()
    }

    fn render(args: ListArgs) -> Result<String> {
        let owned = items();
        let refs: Vec<&Node> = owned.iter().collect();
        SPEC.render(&refs, &args)
    }

    #[test]
    fn default_is_the_command_lines_default() {
        #[derive(clap::Parser)]
        struct P {
            #[command(flatten)]
            list: ListArgs,
        }
        let parsed = <P as clap::Parser>::try_parse_from(["p"]).expect("parses");
        assert_eq!(format!("{:?}", parsed.list), format!("{:?}", ListArgs::default()));
    }

    #[test]
    fn aligns_truncates_and_trims() {
        let out = render(ListArgs::default()).expect("renders");
        assert_eq!(out, "  ID NAME\n   1 alpha\n  12 a,b \"c\n   3 gamma-\n");
    }

    #[test]
    fn list_filter_csv_and_no_header() {
        let args = ListArgs {
            csv: true,
            list: vec!["name".into(), "id".into()],
            filter: vec!["ID>1".into()],
            ..ListArgs::default()
        };
        assert_eq!(render(args).expect("renders"), "NAME,ID\n\"a,b \"\"c\"\"\",12\ngamma-long,3\n");
        let args = ListArgs {
            no_header: true,
            filter: vec!["NAME~amm".into(), "ID=1".into()],
            operator: "OR".into(),
            ..ListArgs::default()
        };
        assert_eq!(render(args).expect("renders"), "   1 alpha\n   3 gamma-\n");
        let args = ListArgs { filter: vec!["ID!=12".into(), "ID<=3".into()], no_header: true, ..ListArgs::default() };
        assert_eq!(render(args).expect("renders"), "   1 alpha\n   3 gamma-\n");
    }

    #[test]
    fn bad_columns_and_filters_are_usage_errors() {
        let e = render(ListArgs { list: vec!["NOPE".into()], ..ListArgs::default() }).expect_err("unknown");
        assert!(e.to_string().contains("unknown column \"NOPE\"; columns: ID NAME"), "{e}");
        assert_eq!(e.exit_code(), crate::error::EXIT_USAGE);
        let e = render(ListArgs { filter: vec!["ID".into()], ..ListArgs::default() }).expect_err("no op");
        assert!(e.to_string().contains("bad filter"), "{e}");
    }
}
