//! Measures `libone::xmlrpc::parse_response` on a huge pool listing: a ~60 MB escaped
//! `<VM_POOL>` document inside OpenNebula's `[true, <string>…</string>, 0]` reply, written the
//! way oned writes it (`escape_string` + `ok_escaped_parts`). Also times `dxr` on the same body
//! for comparison, and the writer.
//!
//! ```text
//! cargo run --release -p libone --example xmlrpc_parse_speed [-- <megabytes> [<runs>]]
//! ```
//!
//! Timings are printed, never asserted (see DEVELOPERS.md).

use std::time::{Duration, Instant};

use libone::xmlrpc::{self, Response, Value};

/// One `<VM>` of a pool listing, roughly what oned's short pool body looks like.
fn vm_xml(id: usize, out: &mut String) {
    use std::fmt::Write as _;
    let _ = writeln!(
        out,
        "<VM><ID>{id}</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME>\
         <NAME>vm-{id} &amp; friends</NAME><LAST_POLL>0</LAST_POLL><STATE>3</STATE><LCM_STATE>3</LCM_STATE>\
         <RESCHED>0</RESCHED><STIME>1700000000</STIME><ETIME>0</ETIME><DEPLOY_ID>one-{id}</DEPLOY_ID>\
         <TEMPLATE><CPU><![CDATA[1]]></CPU><MEMORY><![CDATA[512]]></MEMORY>\
         <DISK><IMAGE_ID><![CDATA[0]]></IMAGE_ID><TARGET><![CDATA[vda]]></TARGET></DISK>\
         <NIC><IP><![CDATA[10.0.{}.{}]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC></NIC></TEMPLATE>\
         <HISTORY_RECORDS/></VM>",
        id / 250,
        id % 250
    );
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mb: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);

    // Build the escaped pool body in pieces, as oned does.
    let mut pieces = Vec::new();
    let mut total = 0;
    let mut id = 0;
    let mut plain_len = 0;
    while total < mb * 1_000_000 {
        let mut xml = String::new();
        vm_xml(id, &mut xml);
        plain_len += xml.len();
        let mut esc = String::new();
        xmlrpc::escape_string(&xml, &mut esc);
        total += esc.len();
        pieces.push(esc);
        id += 1;
    }
    let t = Instant::now();
    let body = xmlrpc::ok_escaped_parts(
        std::iter::once("&lt;VM_POOL&gt;")
            .chain(pieces.iter().map(String::as_str))
            .chain(std::iter::once("&lt;/VM_POOL&gt;")),
        total + 32,
    );
    let write_time = t.elapsed();
    drop(pieces);

    println!(
        "body: {:.1} MB on the wire, {} VMs, {:.1} MB decoded; {} CPUs available",
        body.len() as f64 / 1e6,
        id,
        plain_len as f64 / 1e6,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)
    );
    println!("ok_escaped_parts (write): {write_time:?}");

    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = xmlrpc::parse_response(&body);
        let el = t.elapsed();
        let ok = matches!(&r, Ok(Response::Value(Value::Array(a)))
            if matches!(a.get(1), Some(Value::String(s)) if s.len() == plain_len + "<VM_POOL></VM_POOL>".len()));
        assert!(ok, "unexpected parse result");
        drop(r);
        times.push(el);
    }
    let min = *times.iter().min().unwrap_or(&Duration::ZERO);
    println!("libone parse_response: median {:?}, min {:?} over {runs} runs", median(&mut times), min);

    if std::env::var_os("SKIP_DXR").is_none() {
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let r = dxr::MethodResponse::from_xml(&body);
            times.push(t.elapsed());
            assert!(r.is_ok(), "dxr failed to parse");
        }
        println!("dxr MethodResponse::from_xml: median {:?} over 3 runs", median(&mut times));
    }
}
