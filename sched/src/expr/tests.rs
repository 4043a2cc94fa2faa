//! Table tests: every grammar rule, the reference's examples, precedence, missing attributes,
//! globs, `@>`, syntax errors and their columns, canonical printing.

use std::collections::HashMap;

use super::{ExprError, Lookup, MAX_DEPTH, Rank, Requirements};

/// A host as a map from (already prefix-resolved) names to their values in document order.
#[derive(Debug, Default)]
pub(crate) struct MapLookup(pub HashMap<String, Vec<String>>);

impl MapLookup {
    pub fn new(pairs: &[(&str, &[&str])]) -> MapLookup {
        MapLookup(pairs.iter().map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect())).collect())
    }
}

impl Lookup for MapLookup {
    fn values(&self, name: &str) -> Vec<String> {
        self.0.get(name).cloned().unwrap_or_default()
    }
}

/// A typical KVM host.
fn node12() -> MapLookup {
    MapLookup::new(&[
        ("ID", &["5"]),
        ("NAME", &["node12"]),
        ("STATE", &["2"]),
        ("CLUSTER_ID", &["100"]),
        ("HYPERVISOR", &["kvm"]),
        ("ARCH", &["x86_64"]),
        ("FREE_CPU", &["350"]),
        ("USED_CPU", &["50"]),
        ("FREE_MEMORY", &["16252928"]),
        ("RUNNING_VMS", &["3"]),
        ("CPUSPEED", &["2400.5"]),
        ("PRIORITY", &["7"]),
        ("PIN_POLICY", &["NONE"]),
        ("KVM_CPU_FEATURES", &["vmx,svm,avx2"]),
        ("VMS/ID", &["40", "42", "44"]),
        ("CLUSTERS/ID", &["0", "100"]),
        ("TM_MAD", &["ssh"]),
        ("CURRENT_VMS", &["40", "42", "44"]),
    ])
}

/// A database host in the public cloud, without monitoring yet.
fn db1() -> MapLookup {
    MapLookup::new(&[
        ("ID", &["3"]),
        ("NAME", &["db1"]),
        ("CLUSTER_ID", &["101"]),
        ("HYPERVISOR", &["kvm"]),
        ("ARCH", &["aarch64"]),
        ("RUNNING_VMS", &["12"]),
        ("PUBLIC_CLOUD", &["YES"]),
        ("PIN_POLICY", &["PINNED"]),
    ])
}

fn req(s: &str) -> Requirements {
    match Requirements::parse(s) {
        Ok(r) => r,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

fn rank(s: &str) -> Rank {
    match Rank::parse(s) {
        Ok(r) => r,
        Err(e) => panic!("{s:?} should parse: {e}"),
    }
}

fn check_table(host: &MapLookup, table: &[(&str, bool)]) {
    for (expr, want) in table {
        let r = req(expr);
        assert_eq!(r.eval(host), *want, "{expr:?} (canonical {r})");
        // The canonical form means the same.
        assert_eq!(req(&r.to_string()).eval(host), *want, "canonical form of {expr:?}: {r}");
    }
}

// ------------------------------------------------------------------------------------------------
// Grammar rules

#[test]
fn every_boolean_rule() {
    check_table(
        &node12(),
        &[
            // requirements = [ bexpr ]
            ("", true),
            ("  \t ", true),
            // name = INTEGER / != / ! = / > / <
            ("ID = 5", true),
            ("ID = 6", false),
            ("ID != 5", false),
            ("ID != 6", true),
            ("ID ! = 6", true),
            ("ID !=6", true),
            ("ID>4", true),
            ("ID > 5", false),
            ("ID < 6", true),
            ("ID < 5", false),
            ("ID = -5", false),
            ("ID > -1", true),
            // name = FLOAT and friends
            ("CPUSPEED = 2400.5", true),
            ("CPUSPEED != 2400.5", false),
            ("CPUSPEED > 2400.4", true),
            ("CPUSPEED < 2400.6", true),
            ("CPUSPEED > 2400.5", false),
            ("FREE_CPU = 350.0", true),
            // an INTEGER literal reads the value as an integer: "2400.5" reads 2400
            ("CPUSPEED = 2400", true),
            // name = text / != text, text = IDENT | QSTRING
            ("HYPERVISOR = kvm", true),
            ("HYPERVISOR = \"kvm\"", true),
            ("HYPERVISOR = xen", false),
            ("HYPERVISOR != xen", true),
            ("HYPERVISOR != \"kvm\"", false),
            ("HYPERVISOR ! = xen", true),
            // name = QSTRING on the left
            ("\"HYPERVISOR\" = kvm", true),
            // @> number | text
            ("\"VMS/ID\" @> 42", true),
            ("\"VMS/ID\" @ > 42", true),
            ("\"VMS/ID\" @> 43", false),
            ("\"VMS/ID\" @> 42.0", true),
            ("\"VMS/ID\" @> \"4?\"", true),
            ("\"VMS/ID\" @> \"5*\"", false),
            ("HYPERVISOR @> kvm", true),
            // bterm = "!" bterm | "(" bexpr ")"
            ("!(ID = 5)", false),
            ("!ID = 5", false),
            ("!!(ID = 5)", true),
            ("((ID = 5))", true),
            ("!(ID = 5 & ARCH = x86_64)", false),
            // bexpr = bterm { (& | |) bterm }
            ("ID = 5 & ARCH = x86_64", true),
            ("ID = 5 & ARCH = aarch64", false),
            ("ID = 6 | ARCH = x86_64", true),
            ("ID = 6 | ARCH = aarch64", false),
            ("ID=5&ARCH=x86_64&HYPERVISOR=kvm&FREE_CPU>100", true),
            // blanks of every kind between tokens, line breaks included
            ("ID = 5\n& ARCH = x86_64\r\n", true),
        ],
    );
}

#[test]
fn every_rank_rule() {
    let host = node12();
    let table: &[(&str, f64)] = &[
        ("", 0.0),
        ("   ", 0.0),
        ("7", 7.0),
        ("-7", -7.0),
        ("2.5", 2.5),
        ("-2.5", -2.5),
        ("FREE_CPU", 350.0),
        ("\"FREE_CPU\"", 350.0),
        ("- FREE_CPU", -350.0),
        ("- -3", 3.0),
        ("--3", 3.0),
        ("- - 3", 3.0),
        ("1 + 2 * 3", 7.0),
        ("(1 + 2) * 3", 9.0),
        ("10 - 2 - 3", 5.0),
        ("10 - (2 - 3)", 11.0),
        ("8 / 2 / 2", 2.0),
        ("8 / (2 / 2)", 8.0),
        ("- 2 * 3", -6.0),
        ("-(2 + 3) * 2", -10.0),
        ("2 * - 3", -6.0),
        ("1 - -1", 2.0),
        ("FREE_CPU / RUNNING_VMS", f64::from(350.0_f32 / 3.0)),
        ("CPUSPEED * 2", 4801.0),
        ("MISSING + 1", 1.0),
        ("ARCH + 1", 1.0),
    ];
    for (expr, want) in table {
        let r = rank(expr);
        assert_eq!(r.eval(&host), *want, "{expr:?} (canonical {r})");
        assert_eq!(rank(&r.to_string()).eval(&host), *want, "canonical form of {expr:?}: {r}");
    }
}

#[test]
fn rank_computes_in_single_precision() {
    let host = MapLookup::new(&[("BIG", &["16777217"]), ("TENTH", &["0.1"])]);
    // 2^24 + 1 has no f32: both the literal and the value round to 2^24.
    assert_eq!(rank("16777217").eval(&host), 16777216.0);
    assert_eq!(rank("BIG").eval(&host), 16777216.0);
    assert_eq!(rank("0.1 + 0.2").eval(&host), f64::from(0.1_f32 + 0.2_f32));
    assert_eq!(rank("TENTH * 3").eval(&host), f64::from(0.1_f32 * 3.0));
    assert_ne!(rank("0.1 + 0.2").eval(&host), 0.1_f64 + 0.2_f64);
}

#[test]
fn rank_division_by_zero_and_overflow_do_not_panic() {
    let host = MapLookup::new(&[("ZERO", &["0"]), ("HUGE", &["1e20"]), ("RUNNING_VMS", &["0"])]);
    // Division by zero is 0 (documented on Rank::eval).
    assert_eq!(rank("5 / 0").eval(&host), 0.0);
    assert_eq!(rank("0 / 0").eval(&host), 0.0);
    assert_eq!(rank("- 5 / ZERO").eval(&host), 0.0);
    assert_eq!(rank("1 + 5 / 0.0").eval(&host), 1.0);
    assert_eq!(rank("FREE_CPU / RUNNING_VMS").eval(&host), 0.0);
    // f32 overflow gives inf; inf - inf (NaN) is reported as 0.
    assert_eq!(rank("HUGE * HUGE").eval(&host), f64::INFINITY);
    assert_eq!(rank("- HUGE * HUGE").eval(&host), f64::NEG_INFINITY);
    assert_eq!(rank("HUGE * HUGE - HUGE * HUGE").eval(&host), 0.0);
}

// ------------------------------------------------------------------------------------------------
// The reference's examples (§3.5 AUTOMATIC_* and §3.6)

#[test]
fn reference_examples_requirements() {
    let table: &[(&str, bool, bool)] = &[
        // expression, on node12, on db1
        ("NAME = \"node*\"", true, false),
        ("HYPERVISOR = kvm & FREE_CPU > 200", true, false),
        ("!(NAME = \"db?\") & RUNNING_VMS < 10", true, false),
        ("ID != 3 & (ARCH = \"x86_64\")", true, false),
        ("\"VMS/ID\" @> 42", true, false),
        ("\"CLUSTERS/ID\" @> 100", true, false),
        ("CURRENT_VMS != 7", true, true),
        ("CURRENT_VMS != 42", false, true),
        ("CURRENT_VMS = 42", true, false),
        ("CURRENT_VMS = 7", false, false),
        ("FREECPU > 50 & HOSTNAME = \"aquila*\"", false, false), // 1.4 names: absent today
        ("CLUSTER_ID = 100 | CLUSTER_ID = 101", true, true),
        ("(CLUSTER_ID = 0 | CLUSTER_ID = 100) & !(PUBLIC_CLOUD = YES)", true, false),
        ("(CLUSTER_ID = 0 | CLUSTER_ID = 101) & !(PUBLIC_CLOUD = YES)", false, false),
        ("(CLUSTER_ID = 100 | CLUSTER_ID = 101) & (PIN_POLICY = PINNED)", false, true),
        ("(CLUSTER_ID = 100 | CLUSTER_ID = 101) & !(PIN_POLICY = PINNED)", true, false),
        ("(CLUSTER_ID = 100) & (KVM_CPU_FEATURES = \"*vmx*\")", true, false),
        ("(\"CLUSTERS/ID\" @> 0 | \"CLUSTERS/ID\" @> 100) & (TM_MAD = \"ssh\")", true, false),
        ("(\"CLUSTERS/ID\" @> 0)", true, false),
    ];
    let (a, b) = (node12(), db1());
    for (expr, on_node12, on_db1) in table {
        let r = req(expr);
        assert_eq!(r.eval(&a), *on_node12, "{expr:?} on node12");
        assert_eq!(r.eval(&b), *on_db1, "{expr:?} on db1");
    }
}

#[test]
fn reference_examples_rank() {
    let (a, b) = (node12(), db1());
    let table: &[(&str, f64, f64)] = &[
        ("FREE_CPU", 350.0, 0.0),
        ("RUNNING_VMS", 3.0, 12.0),
        ("- RUNNING_VMS", -3.0, -12.0),
        ("- (RUNNING_VMS * 50 + FREE_CPU)", -500.0, -600.0),
        ("PRIORITY", 7.0, 0.0),
    ];
    for (expr, on_node12, on_db1) in table {
        let r = rank(expr);
        assert_eq!(r.eval(&a), *on_node12, "{expr:?} on node12");
        assert_eq!(r.eval(&b), *on_db1, "{expr:?} on db1");
    }
}

// ------------------------------------------------------------------------------------------------
// Precedence

#[test]
fn and_or_have_equal_precedence_left_to_right() {
    // A true, B anything, C false: (A | B) & C is false; A | (B & C) would be true.
    let host = MapLookup::new(&[("A", &["1"]), ("B", &["0"]), ("C", &["0"])]);
    assert!(!req("A = 1 | B = 1 & C = 1").eval(&host));
    assert!(req("A = 1 | (B = 1 & C = 1)").eval(&host));
    // The same AST as the explicit left grouping, another than the right grouping.
    assert_eq!(req("A = 1 | B = 1 & C = 1"), req("(A = 1 | B = 1) & C = 1"));
    assert_ne!(req("A = 1 | B = 1 & C = 1"), req("A = 1 | (B = 1 & C = 1)"));
    assert_eq!(req("A = 1 | B = 1 & C = 1").to_string(), "A = 1 | B = 1 & C = 1");
    assert_eq!(req("A = 1 | (B = 1 & C = 1)").to_string(), "A = 1 | (B = 1 & C = 1)");
    // ... and & does not bind tighter on the left either: A & B | C = (A & B) | C.
    let host = MapLookup::new(&[("A", &["0"]), ("B", &["0"]), ("C", &["1"])]);
    assert!(req("A = 1 & B = 1 | C = 1").eval(&host));
    assert!(!req("A = 1 & (B = 1 | C = 1)").eval(&host));
}

#[test]
fn not_applies_to_the_next_term_only() {
    let host = MapLookup::new(&[("A", &["1"]), ("B", &["1"])]);
    // (!(A = 1)) & B = 1 -> false & true; !(A = 1 & B = 1) would be false too, so use |.
    assert!(req("!A = 1 | B = 1").eval(&host));
    assert_eq!(req("!A = 1 | B = 1"), req("(!(A = 1)) | B = 1"));
    assert_ne!(req("!A = 1 | B = 1"), req("!(A = 1 | B = 1)"));
    assert!(!req("!(A = 1 | B = 1)").eval(&host));
}

#[test]
fn rank_precedence() {
    let host = MapLookup::new(&[]);
    assert_eq!(rank("2 + 3 * 4 - 6 / 2").eval(&host), 11.0);
    assert_eq!(rank("2 * 3 + 4 * 5").eval(&host), 26.0);
    assert_eq!(rank("(2 + 3) * (4 - 6) / 2").eval(&host), -5.0);
    assert_eq!(rank("(1 + 2) + 3"), rank("1 + 2 + 3"));
    assert_ne!(rank("1 - (2 - 3)"), rank("1 - 2 - 3"));
}

// ------------------------------------------------------------------------------------------------
// Missing and non-numeric attributes

#[test]
fn missing_attribute_semantics() {
    let missing = MapLookup::new(&[]);
    let text = MapLookup::new(&[("X", &["abc"])]);
    let empty = MapLookup::new(&[("X", &[""])]);
    let one = MapLookup::new(&[("X", &["1"])]);
    // expression, X missing, X = "abc", X = "", X = "1"
    let table: &[(&str, bool, bool, bool, bool)] = &[
        ("X = 1", false, false, false, true),
        ("X != 1", false, false, false, false),
        ("X != 2", false, false, false, true),
        ("X > 0", false, false, false, true),
        ("X < 2", false, false, false, true),
        ("X = 1.0", false, false, false, true),
        ("X != 1.0", false, false, false, false),
        ("X > 0.5", false, false, false, true),
        ("X < 0.5", false, false, false, false),
        ("X = abc", false, true, false, false),
        ("X != abc", false, false, true, true),
        ("X = \"*\"", false, true, true, true),
        ("X != \"*\"", false, false, false, false),
        ("X = \"\"", false, false, false, false),
        ("X != \"\"", false, false, false, false),
        ("X @> 1", false, false, false, true),
        ("X @> \"*\"", false, true, true, true),
        ("X @> \"\"", false, false, false, false),
        ("!(X = 1)", true, true, true, false),
        ("!(X != 1)", true, true, true, true),
        ("!(X = abc)", true, false, true, true),
        ("!(X != abc)", true, true, false, false),
    ];
    for (expr, on_missing, on_text, on_empty, on_one) in table {
        let r = req(expr);
        assert_eq!(r.eval(&missing), *on_missing, "{expr:?} with X missing");
        assert_eq!(r.eval(&text), *on_text, "{expr:?} with X = \"abc\"");
        assert_eq!(r.eval(&empty), *on_empty, "{expr:?} with X = \"\"");
        assert_eq!(r.eval(&one), *on_one, "{expr:?} with X = \"1\"");
    }
    // Rank: a missing or non-numeric name is 0.
    assert_eq!(rank("X + 1").eval(&missing), 1.0);
    assert_eq!(rank("X + 1").eval(&text), 1.0);
    assert_eq!(rank("X + 1").eval(&empty), 1.0);
    assert_eq!(rank("X + 1").eval(&one), 2.0);
}

#[test]
fn numbers_are_read_from_the_first_value_that_is_a_number() {
    // OpenNebula's search(name, int&) collects the values that read as numbers and takes the
    // first of them; text comparisons take the first value.
    let host = MapLookup::new(&[("X", &["n/a", "5", "7"]), ("Y", &[" 12 GB"]), ("Z", &["4096"])]);
    assert!(req("X = 5").eval(&host));
    assert!(req("X != 7").eval(&host));
    assert!(req("X = \"n*\"").eval(&host));
    assert!(!req("X = \"5*\"").eval(&host));
    assert_eq!(rank("X").eval(&host), 5.0);
    // istream reading: leading blanks skipped, trailing text ignored.
    assert!(req("Y = 12").eval(&host));
    assert!(req("Y > 11.5").eval(&host));
    // 64-bit integers (OpenNebula's int would fail on values beyond 2^31).
    let big = MapLookup::new(&[("TOTAL_MEM", &["4294967296"])]);
    assert!(req("TOTAL_MEM > 2147483647").eval(&big));
    assert!(req("TOTAL_MEM = 4294967296").eval(&big));
    assert!(req("Z > 4095 & Z < 4097").eval(&host));
}

// ------------------------------------------------------------------------------------------------
// Globs and @>

#[test]
fn glob_comparisons() {
    let cases: &[(&str, &str, bool)] = &[
        // pattern, NAME, expected for NAME = pattern
        ("node*", "node12", true),
        ("node*", "node", true),
        ("node*", "anode1", false),
        ("node*", "Node1", false),
        ("db?", "db1", true),
        ("db?", "db", false),
        ("db?", "db12", false),
        ("[a-c]x", "bx", true),
        ("[a-c]x", "dx", false),
        ("[!a-c]x", "dx", true),
        ("host-1.example.com", "host-1.example.com", true),
        ("host-1.example.com", "host-1Xexample.com", false),
        ("x86_64", "x86_64", true),
        ("*", "", true),
        ("\\*", "*", true),
        ("\\*", "a", false),
        ("*vmx*", "vmx,svm", true),
        ("*vmx*", "svm", false),
    ];
    for (pattern, name, want) in cases {
        let host = MapLookup::new(&[("NAME", &[name])]);
        let eq = req(&format!("NAME = \"{pattern}\""));
        let ne = req(&format!("NAME != \"{pattern}\""));
        assert_eq!(eq.eval(&host), *want, "{name:?} = {pattern:?}");
        assert_eq!(ne.eval(&host), !*want, "{name:?} != {pattern:?}");
    }
    // A bare IDENT is a pattern too (with no special characters).
    assert!(req("NAME = node12").eval(&node12()));
}

#[test]
fn contains_with_several_values() {
    let host = MapLookup::new(&[
        ("VMS/ID", &["40", "42", "44"]),
        ("MIXED", &["n/a", "3.5", "7"]),
        ("TAGS", &["ssd", "gpu-a100", "10g"]),
    ]);
    let table: &[(&str, bool)] = &[
        ("\"VMS/ID\" @> 40", true),
        ("\"VMS/ID\" @> 42", true),
        ("\"VMS/ID\" @> 44", true),
        ("\"VMS/ID\" @> 41", false),
        ("\"VMS/ID\" @> -42", false),
        ("\"VMS/ID\" @> 42.0", true),
        ("\"VMS/ID\" @> \"42\"", true),
        ("\"VMS/ID\" @> \"4[13]\"", false),
        ("\"VMS/ID\" @> \"4[24]\"", true),
        // single-valued comparisons see the first value only
        ("\"VMS/ID\" = 42", false),
        ("\"VMS/ID\" = 40", true),
        ("\"VMS/ID\" != 42", true),
        ("\"VMS/ID\" > 41", false),
        // non-numeric values are skipped by numeric @>, "3.5" reads 3 as an integer
        ("MIXED @> 7", true),
        ("MIXED @> 3", true),
        ("MIXED @> 3.5", true),
        ("MIXED @> \"n/*\"", true),
        ("TAGS @> \"gpu*\"", true),
        ("TAGS @> \"*100\"", true),
        ("TAGS @> hdd", false),
        ("!(TAGS @> hdd)", true),
        ("MISSING @> 1", false),
        ("MISSING @> \"*\"", false),
    ];
    for (expr, want) in table {
        assert_eq!(req(expr).eval(&host), *want, "{expr:?}");
    }
    // An unquoted glob is IDENT then '*': a syntax error.
    assert!(Requirements::parse("TAGS @> gpu*").is_err());
}

// ------------------------------------------------------------------------------------------------
// Syntax errors

fn req_err(s: &str) -> ExprError {
    match Requirements::parse(s) {
        Ok(r) => panic!("{s:?} should not parse, got {r:?}"),
        Err(e) => e,
    }
}

fn rank_err(s: &str) -> ExprError {
    match Rank::parse(s) {
        Ok(r) => panic!("{s:?} should not parse, got {r:?}"),
        Err(e) => e,
    }
}

#[test]
fn requirement_syntax_errors_and_columns() {
    // expression, 1-based column, a fragment of the message
    let table: &[(&str, usize, &str)] = &[
        ("FREE_CPU-1", 9, "number -1"),
        ("FREE_CPU-1", 9, "belongs to the number"),
        ("FREE_CPU > 2 -1", 14, "number -1"),
        ("(A = 1", 7, "end of expression"),
        ("(A = 1", 7, "')'"),
        ("= 3", 1, "unexpected '='"),
        ("A =", 4, "end of expression, expected a number or a text"),
        ("A = ", 5, "end of expression"),
        ("A", 2, "'=', '!=', '>', '<' or '@>'"),
        ("A > abc", 5, "'>' and '<' compare numbers"),
        ("A < \"1\"", 5, "compare numbers"),
        ("A >= 1", 4, "unexpected '='"),
        ("A ! 3", 5, "'=' after '!'"),
        ("A @ 3", 5, "'>' after '@'"),
        ("A @= 3", 4, "'>' after '@'"),
        ("A = 1 B = 2", 7, "'&', '|' or the end"),
        ("A = 1 &", 8, "end of expression"),
        ("A = 1 & & B = 2", 9, "unexpected '&'"),
        ("()", 2, "unexpected ')'"),
        ("A = 1)", 6, "unexpected ')'"),
        ("1 = A", 1, "unexpected number 1"),
        ("A = B = C", 7, "unexpected '='"),
        ("A = .5", 5, "unexpected character '.'"),
        ("A = 1.", 6, "unexpected character '.'"),
        ("CLUSTERS/ID @> 1", 9, "unexpected '/'"),
        ("_A = 1", 1, "unexpected character '_'"),
        ("A = 1 $", 7, "unexpected character '$'"),
        ("A = 1 ^ B = 2", 7, "unexpected '^'"),
        ("NAME = \"node*", 8, "unterminated string"),
        ("\"\" = 1", 1, "null string"),
        ("A = 99999999999999999999", 5, "out of range"),
        ("\"é\" = 1 $", 9, "'$'"), // columns count characters, not bytes
        ("A = 1 & !", 10, "end of expression"),
        ("!= 3", 2, "unexpected '='"),
    ];
    for (expr, column, fragment) in table {
        let e = req_err(expr);
        assert_eq!(e.position + 1, *column, "column of the error in {expr:?}: {e}");
        assert!(e.message.contains(fragment), "message for {expr:?}: {e}");
        assert!(e.to_string().starts_with(&format!("syntax error at column {column}: ")), "display of {expr:?}: {e}");
    }
}

#[test]
fn rank_syntax_errors_and_columns() {
    let table: &[(&str, usize, &str)] = &[
        ("FREE_CPU-1", 9, "number -1"),
        ("FREE_CPU-1", 9, "write '- 1'"),
        ("2 -1", 3, "number -1"),
        ("2 -1.5", 3, "number -1.5"),
        ("(FREE_CPU + 1", 14, "')'"),
        ("FREE_CPU +", 11, "end of expression"),
        ("* 2", 1, "unexpected '*'"),
        ("2 2", 3, "unexpected number 2"),
        ("A B", 3, "unexpected name B"),
        (".5", 1, "'.'"),
        ("2 ^ 3", 3, "unexpected '^'"),
        ("FREE_CPU > 1", 10, "unexpected '>'"),
        ("\"\" + 1", 1, "null string"),
        ("()", 2, "unexpected ')'"),
        ("1 +\n\"x", 5, "unterminated string"),
    ];
    for (expr, column, fragment) in table {
        let e = rank_err(expr);
        assert_eq!(e.position + 1, *column, "column of the error in {expr:?}: {e}");
        assert!(e.message.contains(fragment), "message for {expr:?}: {e}");
    }
}

#[test]
fn error_display_format() {
    let e = ExprError { position: 8, message: "unexpected number -1".into() };
    assert_eq!(e.to_string(), "syntax error at column 9: unexpected number -1");
}

#[test]
fn nesting_is_bounded() {
    let ok = format!("{}A = 1{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(req(&ok).eval(&MapLookup::new(&[("A", &["1"])])));
    let deep = format!("{}A = 1{}", "(".repeat(MAX_DEPTH + 1), ")".repeat(MAX_DEPTH + 1));
    assert!(req_err(&deep).message.contains("nested"));
    let nots = format!("{}A = 1", "!".repeat(MAX_DEPTH + 1));
    assert!(req_err(&nots).message.contains("nested"));
    let negs = format!("{}1", "- ".repeat(MAX_DEPTH + 1));
    assert!(rank_err(&negs).message.contains("nested"));
    let negs = format!("{}1", "- ".repeat(MAX_DEPTH));
    assert_eq!(rank(&negs).eval(&MapLookup::new(&[])), 1.0);
    // Long flat chains are not nesting: 100,000 terms parse, print and evaluate.
    let long = vec!["A = 1"; 100_000].join(" & ");
    let r = req(&long);
    assert!(r.eval(&MapLookup::new(&[("A", &["1"])])));
    assert_eq!(req(&r.to_string()), r);
    let sum = vec!["1"; 100_000].join(" + ");
    assert_eq!(rank(&sum).eval(&MapLookup::new(&[])), 100_000.0);
}

// ------------------------------------------------------------------------------------------------
// Canonical printing

#[test]
fn canonical_forms() {
    let table: &[(&str, &str)] = &[
        ("", ""),
        ("NAME=\"node*\"&FREE_CPU>200", "NAME = \"node*\" & FREE_CPU > 200"),
        ("HYPERVISOR = \"kvm\"", "HYPERVISOR = kvm"),
        ("\"HYPERVISOR\"=\"kvm\"", "HYPERVISOR = kvm"),
        ("A ! = 1", "A != 1"),
        ("\"VMS/ID\" @ > 42", "\"VMS/ID\" @> 42"),
        ("!NAME = \"db?\"", "!NAME = \"db?\""),
        ("!(NAME = \"db?\")", "!NAME = \"db?\""),
        ("!!(A=1)", "!!A = 1"),
        ("!(A = 1 & B = 2)", "!(A = 1 & B = 2)"),
        ("((A = 1))", "A = 1"),
        ("(A = 1 | B = 1) & C = 1", "A = 1 | B = 1 & C = 1"),
        ("A = 1 | (B = 1 & C = 1)", "A = 1 | (B = 1 & C = 1)"),
        ("A = 1.50", "A = 1.5"),
        ("A = 2.0", "A = 2.0"),
        ("A = -0.25", "A = -0.25"),
        ("A = \"123\"", "A = \"123\""),
        ("A = \"\"", "A = \"\""),
        ("A = \"two words\"", "A = \"two words\""),
    ];
    for (input, canonical) in table {
        assert_eq!(req(input).to_string(), *canonical, "canonical form of {input:?}");
        assert_eq!(req(canonical), req(input), "{canonical:?} parses to the same AST");
    }
    let table: &[(&str, &str)] = &[
        ("", ""),
        ("-(RUNNING_VMS*50+FREE_CPU)", "- (RUNNING_VMS * 50 + FREE_CPU)"),
        ("- RUNNING_VMS", "- RUNNING_VMS"),
        ("-1", "-1"),
        ("- 1", "- 1"),
        ("--1", "- -1"),
        ("(1 + 2) - 3", "1 + 2 - 3"),
        ("1 - (2 - 3)", "1 - (2 - 3)"),
        ("(1 * 2) / 3", "1 * 2 / 3"),
        ("1 / (2 * 3)", "1 / (2 * 3)"),
        ("(1 + 2) * 3", "(1 + 2) * 3"),
        ("1 + (2 * 3)", "1 + 2 * 3"),
        ("-(2 * 3)", "- (2 * 3)"),
        ("(-2) * 3", "-2 * 3"),
        ("(- 2) * 3", "- 2 * 3"),
        ("\"VMS/ID\" + 1.0", "\"VMS/ID\" + 1.0"),
    ];
    for (input, canonical) in table {
        assert_eq!(rank(input).to_string(), *canonical, "canonical form of {input:?}");
        assert_eq!(rank(canonical), rank(input), "{canonical:?} parses to the same AST");
    }
}

#[test]
fn from_str_is_parse() {
    let r: Requirements = "A = 1".parse().expect("parses");
    assert_eq!(r, req("A = 1"));
    let k: Rank = "A + 1".parse().expect("parses");
    assert_eq!(k, rank("A + 1"));
    assert!(Requirements::default().is_empty() && req("").is_empty() && !req("A = 1").is_empty());
    assert!(Rank::default().is_empty() && rank("").is_empty() && !rank("1").is_empty());
}

/// Found by the fuzzer: the deepest accepted nesting of `!` must print to text that parses back
/// (parentheses around a negated comparison would add a level beyond the limit).
#[test]
fn deepest_negation_round_trips() {
    let input = format!("{}R=R|R=R|RRR=R|RR=R", "!".repeat(128));
    let r = req(&input);
    let printed = r.to_string();
    assert_eq!(req(&printed), r, "{printed:?} parses back to the same AST");
    assert!(Requirements::parse(&format!("!{input}")).is_err(), "one level more is refused");
}
