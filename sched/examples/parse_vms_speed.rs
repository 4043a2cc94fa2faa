//! Measures what mm_sched pays to read its VMs: `sched::model::parse_vms` over 10,000 full VM
//! bodies (what `one.vmpool.infoextended` returns for PENDING VMs with an image disk, a leased
//! NIC, CONTEXT, OS, FEATURES and GRAPHICS), against collecting every leaf of the same bodies
//! (what `parse_vms` did before it kept only the leaves it reads), and over the short bodies of
//! `one.vmpool.info` for the same VMs.
//!
//! ```text
//! cargo run --release -p sched --example parse_vms_speed [-- <vms> [<runs>]]
//! ```
//!
//! Timings are printed, never asserted (see DEVELOPERS.md).

use sched::model::{self, Vm};
use std::time::{Duration, Instant};

/// A full body as oned writes it for such a VM (`ID` is replaced per VM).
const FULL: &str = "<VM><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>one-0</NAME>\
<PERMISSIONS><OWNER_U>1</OWNER_U><OWNER_M>1</OWNER_M><OWNER_A>0</OWNER_A><GROUP_U>0</GROUP_U><GROUP_M>0</GROUP_M><GROUP_A>0</GROUP_A>\
<OTHER_U>0</OTHER_U><OTHER_M>0</OTHER_M><OTHER_A>0</OTHER_A></PERMISSIONS><LAST_POLL>0</LAST_POLL><STATE>1</STATE><LCM_STATE>0</LCM_STATE>\
<PREV_STATE>1</PREV_STATE><PREV_LCM_STATE>0</PREV_LCM_STATE><RESCHED>0</RESCHED><STIME>1796683485</STIME><ETIME>0</ETIME><DEPLOY_ID></DEPLOY_ID>\
<MONITORING></MONITORING><SCHED_ACTIONS></SCHED_ACTIONS><TEMPLATE>\
<AUTOMATIC_DS_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 0)]]></AUTOMATIC_DS_REQUIREMENTS>\
<AUTOMATIC_NIC_REQUIREMENTS><![CDATA[(\"CLUSTERS/ID\" @> 0)]]></AUTOMATIC_NIC_REQUIREMENTS>\
<AUTOMATIC_REQUIREMENTS><![CDATA[(CLUSTER_ID = 0) & !(PIN_POLICY = PINNED)]]></AUTOMATIC_REQUIREMENTS>\
<CONTEXT><NETWORK><![CDATA[YES]]></NETWORK><SSH_PUBLIC_KEY><![CDATA[ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExampleKeyExampleKeyExampleKeyExample user@host]]></SSH_PUBLIC_KEY></CONTEXT>\
<CPU><![CDATA[1]]></CPU><DISK><CLONE><![CDATA[YES]]></CLONE><CLONE_TARGET><![CDATA[SYSTEM]]></CLONE_TARGET><CLUSTER_ID><![CDATA[0]]></CLUSTER_ID>\
<DATASTORE><![CDATA[default]]></DATASTORE><DATASTORE_ID><![CDATA[1]]></DATASTORE_ID><DEV_PREFIX><![CDATA[sd]]></DEV_PREFIX><DISK_ID><![CDATA[0]]></DISK_ID>\
<DRIVER><![CDATA[raw]]></DRIVER><FORMAT><![CDATA[raw]]></FORMAT><IMAGE><![CDATA[img]]></IMAGE><IMAGE_ID><![CDATA[0]]></IMAGE_ID>\
<IMAGE_STATE><![CDATA[1]]></IMAGE_STATE><IMAGE_UID><![CDATA[0]]></IMAGE_UID><IMAGE_UNAME><![CDATA[oneadmin]]></IMAGE_UNAME>\
<LN_TARGET><![CDATA[SYSTEM]]></LN_TARGET><ORIGINAL_SIZE><![CDATA[10]]></ORIGINAL_SIZE><PERSISTENT><![CDATA[NO]]></PERSISTENT>\
<READONLY><![CDATA[NO]]></READONLY><SAVE><![CDATA[NO]]></SAVE><SIZE><![CDATA[10]]></SIZE>\
<SOURCE><![CDATA[/var/lib/one/datastores/1/bea94347cfbddc52593de6ac90e47ce5]]></SOURCE><TARGET><![CDATA[sda]]></TARGET>\
<TM_MAD><![CDATA[local]]></TM_MAD><TYPE><![CDATA[FILE]]></TYPE></DISK><FEATURES><ACPI><![CDATA[yes]]></ACPI></FEATURES>\
<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><TYPE><![CDATA[VNC]]></TYPE></GRAPHICS><MEMORY><![CDATA[128]]></MEMORY>\
<NIC><AR_ID><![CDATA[0]]></AR_ID><BRIDGE><![CDATA[br0]]></BRIDGE><BRIDGE_TYPE><![CDATA[linux]]></BRIDGE_TYPE><CLUSTER_ID><![CDATA[0]]></CLUSTER_ID>\
<IP><![CDATA[10.0.0.1]]></IP><MAC><![CDATA[02:00:0a:00:00:01]]></MAC><NETWORK><![CDATA[net]]></NETWORK><NETWORK_ID><![CDATA[0]]></NETWORK_ID>\
<NETWORK_UNAME><![CDATA[oneadmin]]></NETWORK_UNAME><NIC_ID><![CDATA[0]]></NIC_ID><SECURITY_GROUPS><![CDATA[0]]></SECURITY_GROUPS>\
<TARGET><![CDATA[one-0-0]]></TARGET><VN_MAD><![CDATA[dummy]]></VN_MAD></NIC>\
<OS><ARCH><![CDATA[x86_64]]></ARCH><BOOT><![CDATA[disk0]]></BOOT><UUID><![CDATA[20e50b07-1f9e-4cf5-be5b-ee620ba008f2]]></UUID></OS>\
<VCPU><![CDATA[2]]></VCPU><VMID><![CDATA[0]]></VMID></TEMPLATE>\
<USER_TEMPLATE><DESCRIPTION><![CDATA[a VM]]></DESCRIPTION><LABELS><![CDATA[a,b]]></LABELS><SCHED_REQUIREMENTS><![CDATA[ID >= 0]]></SCHED_REQUIREMENTS></USER_TEMPLATE>\
<HISTORY_RECORDS></HISTORY_RECORDS><BACKUPS><BACKUP_CONFIG></BACKUP_CONFIG><BACKUP_IDS></BACKUP_IDS></BACKUPS></VM>";

/// The short body of the same VM (`one.vmpool.info`).
const SHORT: &str = "<VM><ID>0</ID><UID>0</UID><GID>0</GID><UNAME>oneadmin</UNAME><GNAME>oneadmin</GNAME><NAME>one-0</NAME>\
<LAST_POLL>0</LAST_POLL><STATE>1</STATE><LCM_STATE>0</LCM_STATE><RESCHED>0</RESCHED><STIME>1796683485</STIME><ETIME>0</ETIME><DEPLOY_ID></DEPLOY_ID>\
<TEMPLATE><CPU>1</CPU><MEMORY>128</MEMORY><VCPU>2</VCPU><DISK><DISK_ID>0</DISK_ID><DATASTORE>default</DATASTORE><DATASTORE_ID>1</DATASTORE_ID>\
<IMAGE>img</IMAGE><IMAGE_ID>0</IMAGE_ID><SIZE>10</SIZE><TYPE>FILE</TYPE><CLONE>YES</CLONE><CLONE_TARGET>SYSTEM</CLONE_TARGET><LN_TARGET>SYSTEM</LN_TARGET>\
<DISK_SNAPSHOT_TOTAL_SIZE></DISK_SNAPSHOT_TOTAL_SIZE></DISK><NIC><IP>10.0.0.1</IP><MAC>02:00:0a:00:00:01</MAC><NETWORK>net</NETWORK>\
<NETWORK_ID>0</NETWORK_ID><NIC_ID>0</NIC_ID><SECURITY_GROUPS>0</SECURITY_GROUPS></NIC>\
<GRAPHICS><LISTEN><![CDATA[0.0.0.0]]></LISTEN><TYPE><![CDATA[VNC]]></TYPE></GRAPHICS></TEMPLATE>\
<USER_TEMPLATE><DESCRIPTION><![CDATA[a VM]]></DESCRIPTION><LABELS><![CDATA[a,b]]></LABELS><SCHED_REQUIREMENTS><![CDATA[ID >= 0]]></SCHED_REQUIREMENTS></USER_TEMPLATE>\
<HISTORY_RECORDS></HISTORY_RECORDS></VM>";

fn pool(body: &str, vms: usize) -> String {
    let mut s = String::with_capacity(body.len() * vms + 32);
    s.push_str("<VM_POOL>");
    for id in 0..vms {
        s.push_str(&body.replacen("<ID>0</ID>", &format!("<ID>{id}</ID>"), 1));
    }
    s.push_str("</VM_POOL>");
    s
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut() -> Vec<Vm>) -> (Duration, Vec<Vm>) {
    let mut times = Vec::with_capacity(runs);
    let mut last = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        last = f();
        times.push(t.elapsed());
    }
    (median(times), last)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let vms: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let runs: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5).max(1);
    let (full, short) = (pool(FULL, vms), pool(SHORT, vms));
    let every_leaf = |xml: &str| -> Vec<Vm> {
        model::leaves(xml, "VM").expect("pool XML").iter().map(|l| Vm::from_leaves(l)).collect()
    };
    let (t_kept, kept) = time(runs, || model::parse_vms(&full).expect("pool XML"));
    let (t_all, all) = time(runs, || every_leaf(&full));
    let (t_short, from_short) = time(runs, || model::parse_vms(&short).expect("pool XML"));
    // The same VMs either way; the short bodies lack AUTOMATIC_REQUIREMENTS.
    if kept != all || kept.len() != vms || from_short.iter().any(|v| !v.automatic_requirements.is_empty()) {
        eprintln!("parse results differ");
        std::process::exit(1);
    }
    let mb = |s: &str| s.len() as f64 / 1e6;
    println!("{vms} VMs, median of {runs} runs");
    println!(
        "full bodies ({:.1} MB), leaves the scheduler reads (parse_vms): {:.1} ms",
        mb(&full),
        t_kept.as_secs_f64() * 1e3
    );
    println!(
        "full bodies ({:.1} MB), every leaf collected:                 {:.1} ms",
        mb(&full),
        t_all.as_secs_f64() * 1e3
    );
    println!(
        "short bodies ({:.1} MB), parse_vms:                            {:.1} ms",
        mb(&short),
        t_short.as_secs_f64() * 1e3
    );
}
