//! Recent monitoring records of hosts and VMs, in memory only (bounded by count and age): what
//! `one.host.monitoring`, `one.vm.monitoring` and the pool variants answer. `lcm::monitor` fills
//! them from the probes.

use libone::template::Template;
use std::collections::{HashMap, VecDeque};

/// Monitoring records kept per host or VM; older ones are dropped (monitoring is not stored).
pub const HISTORY_CAP: usize = 64;

/// Recent monitoring records, newest last: `(timestamp, template)`.
#[derive(Default)]
pub struct History {
    pub hosts: HashMap<i32, VecDeque<(i64, Template)>>,
    pub vms: HashMap<i32, VecDeque<(i64, Template)>>,
}

impl History {
    pub fn push(map: &mut HashMap<i32, VecDeque<(i64, Template)>>, id: i32, t: i64, rec: Template, keep_secs: i64) {
        let q = map.entry(id).or_default();
        q.push_back((t, rec));
        while q.len() > HISTORY_CAP || q.front().is_some_and(|(ts, _)| *ts < t - keep_secs) {
            q.pop_front();
        }
    }
}
