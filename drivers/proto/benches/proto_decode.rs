//! Decode micro-benchmark of the driver line codec: `parse_reply` over 1,000,000 reply lines of
//! a realistic mix, timed with `std::time::Instant` (no harness).
//!
//!     cargo bench -p driver-proto --bench proto_decode
//!
//! The mix (by count): 40 % `LOG I <id> <text>`, 20 % `POLL SUCCESS <id> STATE=a CPU=… MEMORY=…`,
//! 10 % `DEPLOY SUCCESS <id> <uuid>`, 10 % `SHUTDOWN SUCCESS <id> -`, 8 % `TRANSFER SUCCESS <id> -`,
//! 7 % `DEPLOY FAILURE <id> <message>`, 5 % `MONITOR SUCCESS <id> <base64 template, ~700 bytes>`.
//! `NEPHELE_BENCH_LINES` changes the line count, `NEPHELE_BENCH_ROUNDS` the number of timed
//! rounds (default 5; the best and the median are printed). The target is ≥ 1,000,000
//! lines/s on the project's 2-core machine.

use driver_proto::proto::{Reply, b64_encode, parse_reply};
use std::hint::black_box;
use std::time::Instant;

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn monitor_payload(host: usize) -> String {
    let mut template = format!(
        "HYPERVISOR = \"kvm\"\nHOSTNAME = \"node{host:04}\"\nTOTALCPU = 800\nCPUSPEED = 2400\n\
         TOTALMEMORY = 16777216\nUSEDMEMORY = 1048576\nFREEMEMORY = 15728640\nUSEDCPU = 40\nFREECPU = 760\n"
    );
    for vm in 0..6 {
        let id = host * 10 + vm;
        template.push_str(&format!(
            "VM = [ ID = \"{id}\", DEPLOY_ID = \"one-{id}\", STATE = \"a\", CPU = \"12\", MEMORY = \"524288\" ]\n"
        ));
    }
    b64_encode(template.as_bytes())
}

/// Line `i` of the mix (a cycle of 100).
fn line(i: usize, monitor: &[String]) -> String {
    let id = i % 50_000;
    match i % 100 {
        0..40 => format!("LOG I {id} Successfully execute network driver operation: pre.\n"),
        40..60 => format!("POLL SUCCESS {id} STATE=a CPU=12.5 MEMORY=524288 NETRX=1200 NETTX=800\n"),
        60..70 => format!("DEPLOY SUCCESS {id} 8d3f0c9e-61a4-4c55-b1a7-{:012x}\n", id * 7919),
        70..80 => format!("SHUTDOWN SUCCESS {id} -\n"),
        80..88 => format!("TRANSFER SUCCESS {id} -\n"),
        88..95 => {
            format!("DEPLOY FAILURE {id} Could not create domain from /var/lib/one//datastores/0/{id}/deployment.0\n")
        }
        _ => format!("MONITOR SUCCESS {} {}\n", id % 2_500, monitor[id % monitor.len()]),
    }
}

fn main() {
    let count = env_number("NEPHELE_BENCH_LINES", 1_000_000);
    let rounds = env_number("NEPHELE_BENCH_ROUNDS", 5).max(1);
    let monitor: Vec<String> = (0..16).map(monitor_payload).collect();
    let lines: Vec<String> = (0..count).map(|i| line(i, &monitor)).collect();
    let bytes: usize = lines.iter().map(String::len).sum();

    let mut seconds = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let mut failures = 0usize;
        let mut logs = 0usize;
        for l in &lines {
            match parse_reply(black_box(l)) {
                Ok(Reply::Log { .. }) => logs += 1,
                Ok(reply) => {
                    black_box(reply);
                }
                Err(_) => failures += 1,
            }
        }
        seconds.push(start.elapsed().as_secs_f64());
        assert_eq!(failures, 0, "the benchmark's lines all parse");
        black_box(logs);
    }
    seconds.sort_by(f64::total_cmp);
    let best = seconds[0];
    let median = seconds[seconds.len() / 2];
    let mb = bytes as f64 / 1e6;
    println!("proto_decode: {count} reply lines, {mb:.1} MB, {rounds} rounds");
    println!(
        "  best:   {:>12.0} lines/s  ({:.0} MB/s, {:.0} ns/line)",
        count as f64 / best,
        mb / best,
        best * 1e9 / count as f64
    );
    println!(
        "  median: {:>12.0} lines/s  ({:.0} MB/s, {:.0} ns/line)",
        count as f64 / median,
        mb / median,
        median * 1e9 / count as f64
    );
}
