//! The transfer driver (`one_tm` and the `ssh`, `shared` and `qcow2` TM scripts) against real
//! hosts: a `testkit::netns::Cluster` (network + mount namespaces, one sshd each, a private
//! datastores directory each). Every test asserts on the files the hosts really have. Root only.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use std::path::{Path, PathBuf};
use testkit::netns::{Cluster, ClusterConfig};

fn cluster(tmp: &Path, hosts: usize) -> (Cluster, PathBuf) {
    let ds = tmp.join("var/datastores");
    let c = Cluster::start(ClusterConfig::new(&tmp.join("cluster"), hosts, &ds));
    (c, ds)
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn cluster_hosts_are_separate_machines() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 2);
    assert_eq!(c.run_ok("h1", &["hostname"]).trim(), "h1");
    assert_eq!(c.run_ok("h2", &["hostname"]).trim(), "h2");
    // each host has its own datastores directory, visible from outside
    c.run_ok("h1", &["sh", "-c", &format!("echo one > {}/f", ds.display())]);
    assert_eq!(std::fs::read_to_string(c.host("h1").dir.join("f")).unwrap(), "one\n");
    assert!(!c.host("h2").dir.join("f").exists());
    assert!(!ds.join("f").exists(), "the front-end does not see the host's file");
    // host to host with the same key and known_hosts
    let key = c.key.display().to_string();
    let kh = format!("UserKnownHostsFile={}", c.known_hosts.display());
    let h2 = c.hosts[1].addr.clone();
    let out = c.run_ok("h1", &["ssh", "-o", "BatchMode=yes", "-o", &kh, "-i", &key, "-l", "root", &h2, "hostname"]);
    assert_eq!(out.trim(), "h2");
    let netns: Vec<String> = c.hosts.iter().map(|h| h.netns.clone()).collect();
    let bridge = c.bridge.clone();
    drop(c);
    let list =
        String::from_utf8(std::process::Command::new("ip").args(["netns", "list"]).output().unwrap().stdout).unwrap();
    assert!(netns.iter().all(|n| !list.contains(n.as_str())), "{list}");
    assert!(!std::process::Command::new("ip").args(["link", "show", &bridge]).output().unwrap().status.success());
}

// ---------------------------------------------------------------------------------------------
// the transfer driver against the cluster

use std::os::unix::fs::MetadataExt;
use std::process::Command;
use testkit::driver::{Answer, Driver};

const PATIENCE: std::time::Duration = std::time::Duration::from_secs(60);

fn remotes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes")
}

/// `one_tm` reaching the cluster, with `extra` environment.
fn tm(c: &Cluster, tmp: &Path, extra: &[(&'static str, String)]) -> Driver {
    let mut env = c.driver_env();
    env.push(("ONE_LOCATION", tmp.join("one").display().to_string()));
    env.extend(extra.iter().cloned());
    let remotes = remotes().display().to_string();
    let mut d =
        Driver::start_env(env!("CARGO_BIN_EXE_one_tm"), &["-d", "ssh,qcow2,shared", "--remotes", &remotes], &env)
            .with_patience(PATIENCE)
            .finalize_on_drop();
    d.init();
    d
}

/// Runs the transfer `lines` as VM `vmid`; the answer must be SUCCESS.
fn transfer(d: &mut Driver, tmp: &Path, vmid: i64, lines: &[String]) -> Answer {
    let answer = transfer_any(d, tmp, vmid, lines);
    assert!(answer.ok, "{lines:?} failed: {answer:?}\nstderr: {}", d.stderr());
    answer
}

fn transfer_any(d: &mut Driver, tmp: &Path, vmid: i64, lines: &[String]) -> Answer {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = tmp.join(format!("transfer.{vmid}.{n}"));
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    d.action("TRANSFER", vmid, &file.display().to_string())
}

fn digest(tool: &str, file: &Path) -> String {
    let out = Command::new(tool).arg(file).output().unwrap();
    assert!(out.status.success(), "{tool} {}", file.display());
    String::from_utf8(out.stdout).unwrap()[..if tool == "md5sum" { 32 } else { 64 }].to_string()
}

fn sha256(file: &Path) -> String {
    digest("sha256sum", file)
}

/// Pseudo-random bytes (xorshift), `seed` makes them differ.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// A datastore image `ds/1/<name>` with `bytes` and its sidecars; returns its path.
fn image(ds: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = ds.join("1").join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, bytes).unwrap();
    std::fs::write(path.with_extension("sha256"), sha256(&path) + "\n").unwrap();
    std::fs::write(path.with_extension("md5"), digest("md5sum", &path) + "\n").unwrap();
    path
}

fn vm_disk(ds: &Path, vmid: i64, disk: u32) -> PathBuf {
    ds.join("0").join(vmid.to_string()).join(format!("disk.{disk}"))
}

fn loc(host: &str, path: &Path) -> String {
    format!("{host}:{}", path.display())
}

/// The SHA-256 of a file on a host, computed there.
fn host_sha(c: &Cluster, host: &str, path: &Path) -> String {
    c.run_ok(host, &["sha256sum", &path.display().to_string()])[..64].to_string()
}

/// The content of a (qcow2 or raw) disk on a host, as raw bytes' SHA-256, computed there.
fn host_raw_sha(c: &Cluster, host: &str, path: &Path) -> String {
    let raw = format!("{}.raw-check", path.display());
    c.run_ok(host, &["qemu-img", "convert", "-O", "raw", &path.display().to_string(), &raw]);
    let sha = c.run_ok(host, &["sha256sum", &raw])[..64].to_string();
    c.run_ok(host, &["rm", "-f", &raw]);
    sha
}

/// `<disk>.snap/<id>`
fn snap(disk: &Path, id: u32) -> PathBuf {
    PathBuf::from(format!("{}.snap/{id}", disk.display()))
}

fn logs_mention(answer: &Answer, needle: &str) -> bool {
    answer.logs.iter().any(|l| l.contains(needle))
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn ssh_clone_goes_through_the_host_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 2);
    let h1 = c.hosts[0].addr.clone();
    let img = image(&ds, "0123456789abcdef0123456789abcdef", &random_bytes(3 << 20, 1));
    let sha = sha256(&img);
    let mut d = tm(&c, tmp.path(), &[]);

    let disk = vm_disk(&ds, 5, 0);
    let first = transfer(&mut d, tmp.path(), 5, &[format!("CLONE ssh {} {} 5 1", loc("fe", &img), loc(&h1, &disk))]);
    assert!(logs_mention(&first, "Sending"), "{first:?}");
    assert_eq!(host_sha(&c, &h1, &disk), sha);
    let entry = c.host_path(&h1, &ds.join(".cache").join(&sha));
    let meta = std::fs::metadata(&entry).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o444, "cache entries are read-only");
    assert_eq!(std::fs::metadata(c.host_path(&h1, &disk)).unwrap().mode() & 0o200, 0o200, "the disk is writable");
    assert!(!c.hosts[1].dir.join(".cache").join(&sha).exists(), "only h1 got it");
    assert!(!ds.join("0/5/disk.0").exists(), "the front-end has no VM disk");

    // the same image again on the same host: nothing sent
    let disk6 = vm_disk(&ds, 6, 0);
    let second = transfer(&mut d, tmp.path(), 6, &[format!("CLONE ssh {} {} 6 1", loc("fe", &img), loc(&h1, &disk6))]);
    assert!(logs_mention(&second, "already cached"), "{second:?}");
    assert!(!logs_mention(&second, "Sending"), "{second:?}");
    let again = std::fs::metadata(&entry).unwrap();
    assert_eq!((again.ino(), again.mtime(), again.mtime_nsec()), (meta.ino(), meta.mtime(), meta.mtime_nsec()));
    assert_eq!(host_sha(&c, &h1, &disk6), sha);

    // a changed image (new sidecar) is fetched again; the old entry is never served
    let img = image(&ds, "0123456789abcdef0123456789abcdef", &random_bytes(3 << 20, 2));
    let sha2 = sha256(&img);
    assert_ne!(sha, sha2);
    let disk7 = vm_disk(&ds, 7, 0);
    let third = transfer(&mut d, tmp.path(), 7, &[format!("CLONE ssh {} {} 7 1", loc("fe", &img), loc(&h1, &disk7))]);
    assert!(logs_mention(&third, "Sending"), "{third:?}");
    assert_eq!(host_sha(&c, &h1, &disk7), sha2);
    assert!(c.host_path(&h1, &ds.join(".cache").join(&sha2)).exists());

    // an image without a sidecar is copied straight, no cache
    let plain = ds.join("1/plain");
    std::fs::write(&plain, random_bytes(100_000, 3)).unwrap();
    let disk8 = vm_disk(&ds, 8, 0);
    transfer(&mut d, tmp.path(), 8, &[format!("CLONE ssh {} {} 8 1", loc("fe", &plain), loc(&h1, &disk8))]);
    assert_eq!(host_sha(&c, &h1, &disk8), sha256(&plain));
    let entries = std::fs::read_dir(c.host_path(&h1, &ds.join(".cache"))).unwrap().count();
    assert_eq!(entries, 4, "two entries and their .used stamps");

    // delete removes the VM directory and only it
    transfer(&mut d, tmp.path(), 6, &[format!("DELETE ssh {} 6 0", loc(&h1, disk6.parent().unwrap()))]);
    assert!(!c.host_path(&h1, disk6.parent().unwrap()).exists());
    assert!(c.host_path(&h1, disk.parent().unwrap()).exists());
    assert!(c.host_path(&h1, disk7.parent().unwrap()).exists());
    assert!(entry.exists(), "the cache stays");
    // and again: idempotent
    transfer(&mut d, tmp.path(), 6, &[format!("DELETE ssh {} 6 0", loc(&h1, disk6.parent().unwrap()))]);
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn qcow2_clone_is_an_overlay_on_the_cached_base_and_moves_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 2);
    let (h1, h2) = (c.hosts[0].addr.clone(), c.hosts[1].addr.clone());
    let img = image(&ds, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &random_bytes(2 << 20, 4));
    let sha = sha256(&img);
    let mut d = tm(&c, tmp.path(), &[]);
    let disk = vm_disk(&ds, 5, 0);
    transfer(&mut d, tmp.path(), 5, &[format!("CLONE qcow2 {} {} 5 1", loc("fe", &img), loc(&h1, &disk))]);
    let info = c.run_ok(&h1, &["qemu-img", "info", "--backing-chain", "--output=json", &disk.display().to_string()]);
    let backing = format!("\"backing-filename\": \"{}\"", ds.join(".cache").join(&sha).display());
    assert!(info.contains(&backing), "{info}");
    assert!(info.contains("\"format\": \"qcow2\""), "{info}");
    let entry = c.host_path(&h1, &ds.join(".cache").join(&sha));
    assert_eq!(std::fs::metadata(&entry).unwrap().nlink(), 2, "disk.0.ref holds the entry");
    assert!(std::fs::metadata(c.host_path(&h1, &disk)).unwrap().len() < 1 << 20, "only an overlay was written");
    assert_eq!(host_raw_sha(&c, &h1, &disk), sha);

    // the VM writes; then it migrates to h2: the base goes into h2's cache, the overlay moves
    c.run_ok(&h1, &["qemu-io", "-c", "write -P 0x5a 0 64k", &disk.display().to_string()]);
    let written = host_raw_sha(&c, &h1, &disk);
    assert_ne!(written, sha);
    let dir = disk.parent().unwrap();
    let mv = transfer(&mut d, tmp.path(), 5, &[format!("MV qcow2 {} {} 5 0", loc(&h1, dir), loc(&h2, dir))]);
    assert!(!c.host_path(&h1, dir).exists(), "{mv:?}");
    let entry2 = c.host_path(&h2, &ds.join(".cache").join(&sha));
    assert_eq!(std::fs::metadata(&entry2).unwrap().nlink(), 2, "h2's entry is linked by disk.0.ref");
    assert_eq!(std::fs::metadata(&entry).unwrap().nlink(), 1, "h1's entry is unused now");
    assert_eq!(host_raw_sha(&c, &h2, &disk), written);
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn eviction_keeps_the_cache_bounded_and_entries_in_use() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 1);
    let h1 = c.hosts[0].addr.clone();
    let mut d = tm(&c, tmp.path(), &[("CACHE_MAX_MB", "3".to_string())]);
    let imgs: Vec<PathBuf> =
        (0..4).map(|i| image(&ds, &format!("{i:032x}"), &random_bytes(1 << 20, 10 + i as u64))).collect();
    let shas: Vec<String> = imgs.iter().map(|p| sha256(p)).collect();
    let cache = c.host_path(&h1, &ds.join(".cache"));
    // A is used by a qcow2 overlay (in use); B, C are unused copies' bases
    transfer(
        &mut d,
        tmp.path(),
        1,
        &[format!("CLONE qcow2 {} {} 1 1", loc("fe", &imgs[0]), loc(&h1, &vm_disk(&ds, 1, 0)))],
    );
    transfer(
        &mut d,
        tmp.path(),
        2,
        &[format!("CLONE ssh {} {} 2 1", loc("fe", &imgs[1]), loc(&h1, &vm_disk(&ds, 2, 0)))],
    );
    transfer(
        &mut d,
        tmp.path(),
        3,
        &[format!("CLONE ssh {} {} 3 1", loc("fe", &imgs[2]), loc(&h1, &vm_disk(&ds, 3, 0)))],
    );
    // A was used longest ago, then B, then C
    for (i, ago) in [(0, "3 hours ago"), (1, "2 hours ago"), (2, "1 hour ago")] {
        let stamp = cache.join(format!("{}.used", shas[i]));
        assert!(Command::new("touch").args(["-d", ago]).arg(&stamp).status().unwrap().success());
    }
    // D does not fit in 3 MiB: B (the oldest unused) goes, A (older, in use) stays
    let answer = transfer(
        &mut d,
        tmp.path(),
        4,
        &[format!("CLONE ssh {} {} 4 1", loc("fe", &imgs[3]), loc(&h1, &vm_disk(&ds, 4, 0)))],
    );
    let present: Vec<bool> = shas.iter().map(|s| cache.join(s).exists()).collect();
    assert_eq!(present, [true, false, true, true], "{answer:?}");
    assert!(logs_mention(&answer, &format!("evicted {}", shas[1])), "{answer:?}");
    let total: u64 = shas.iter().filter_map(|s| std::fs::metadata(cache.join(s)).ok()).map(|m| m.len()).sum();
    assert!(total <= 3 << 20);
    // with everything else in use, nothing more is evicted: E goes in over the bound, with a warning
    transfer(
        &mut d,
        tmp.path(),
        5,
        &[format!("CLONE qcow2 {} {} 5 1", loc("fe", &imgs[2]), loc(&h1, &vm_disk(&ds, 5, 0)))],
    );
    transfer(
        &mut d,
        tmp.path(),
        6,
        &[format!("CLONE qcow2 {} {} 6 1", loc("fe", &imgs[3]), loc(&h1, &vm_disk(&ds, 6, 0)))],
    );
    let answer = transfer(
        &mut d,
        tmp.path(),
        7,
        &[format!("CLONE qcow2 {} {} 7 1", loc("fe", &imgs[1]), loc(&h1, &vm_disk(&ds, 7, 0)))],
    );
    assert!(shas.iter().all(|s| cache.join(s).exists()), "{answer:?}");
    assert!(logs_mention(&answer, "exceeds CACHE_MAX_MB=3"), "{answer:?}");
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn persistent_disk_snapshots_save_as_and_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 1);
    let h1 = c.hosts[0].addr.clone();
    let img = image(&ds, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", &random_bytes(1 << 20, 20));
    let original = sha256(&img);
    let mut d = tm(&c, tmp.path(), &[]);
    let disk = vm_disk(&ds, 5, 0);
    let disk_s = disk.display().to_string();
    let on_host = c.host_path(&h1, &disk);
    transfer(&mut d, tmp.path(), 5, &[format!("LN ssh {} {} 5 1", loc("fe", &img), loc(&h1, &disk))]);
    assert_eq!(host_sha(&c, &h1, &disk), original);
    assert!(!c.host_path(&h1, &ds.join(".cache")).exists(), "persistent images are not cached");

    // snap_create, write, snap_revert restores, snap_delete removes
    transfer(&mut d, tmp.path(), 5, &[format!("SNAP_CREATE ssh {} 0 5 1", loc(&h1, &disk))]);
    assert_eq!(sha256(&snap(&on_host, 0)), original);
    c.run_ok(&h1, &["sh", "-c", &format!("printf CHANGED | dd of={disk_s} conv=notrunc status=none")]);
    let changed = host_sha(&c, &h1, &disk);
    assert_ne!(changed, original);
    transfer(&mut d, tmp.path(), 5, &[format!("SNAP_REVERT ssh {} 0 5 1", loc(&h1, &disk))]);
    assert_eq!(host_sha(&c, &h1, &disk), original);
    c.run_ok(&h1, &["sh", "-c", &format!("printf CHANGED | dd of={disk_s} conv=notrunc status=none")]);
    transfer(&mut d, tmp.path(), 5, &[format!("SNAP_CREATE ssh {} 1 5 1", loc(&h1, &disk))]);
    transfer(&mut d, tmp.path(), 5, &[format!("SNAP_DELETE ssh {} 0 5 1", loc(&h1, &disk))]);
    assert!(!snap(&on_host, 0).exists());
    assert!(snap(&on_host, 1).exists());
    let bad = transfer_any(&mut d, tmp.path(), 5, &[format!("SNAP_REVERT ssh {} 0 5 1", loc(&h1, &disk))]);
    assert!(!bad.ok && bad.info.contains("snapshot 0 not found"), "{bad:?}");

    // cpds: the disk (snap -1) and a snapshot into new datastore files, with sidecars
    let copy = ds.join("1/cccccccccccccccccccccccccccccccc");
    transfer(&mut d, tmp.path(), 5, &[format!("CPDS ssh {} {} -1 5 1", loc(&h1, &disk), copy.display())]);
    assert_eq!(sha256(&copy), changed);
    assert_eq!(std::fs::read_to_string(copy.with_extension("sha256")).unwrap(), format!("{changed}\n"));
    let snap_copy = ds.join("1/dddddddddddddddddddddddddddddddd");
    transfer(&mut d, tmp.path(), 5, &[format!("CPDS ssh {} {} 1 5 1", loc(&h1, &disk), snap_copy.display())]);
    assert_eq!(sha256(&snap_copy), changed);

    // write again, then mvds brings the change back to the image, sidecars rewritten
    c.run_ok(&h1, &["sh", "-c", &format!("printf AGAIN | dd of={disk_s} bs=1 seek=4096 conv=notrunc status=none")]);
    let last = host_sha(&c, &h1, &disk);
    transfer(&mut d, tmp.path(), 5, &[format!("MVDS ssh {} {} 5 1", loc(&h1, &disk), img.display())]);
    assert_eq!(sha256(&img), last);
    assert_eq!(std::fs::read_to_string(img.with_extension("sha256")).unwrap(), format!("{last}\n"));
    assert_eq!(std::fs::read_to_string(img.with_extension("md5")).unwrap(), format!("{}\n", digest("md5sum", &img)));
    let leftovers: Vec<_> = std::fs::read_dir(ds.join("1"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // volatile disks: mkimage raw/qcow2, mkswap, resize
    let raw = vm_disk(&ds, 5, 1);
    let q = vm_disk(&ds, 5, 2);
    let swap = vm_disk(&ds, 5, 3);
    transfer(
        &mut d,
        tmp.path(),
        5,
        &[
            format!("MKIMAGE ssh 3 raw {} 5 0", loc(&h1, &raw)),
            format!("MKIMAGE ssh 2 qcow2 {} 5 0", loc(&h1, &q)),
            format!("MKSWAP ssh 1 {} 5 0", loc(&h1, &swap)),
        ],
    );
    assert_eq!(std::fs::metadata(c.host_path(&h1, &raw)).unwrap().len(), 3 << 20);
    let swap_bytes = std::fs::read(c.host_path(&h1, &swap)).unwrap();
    assert_eq!(swap_bytes.len(), 1 << 20);
    assert_eq!(&swap_bytes[4086..4096], b"SWAPSPACE2");
    transfer(
        &mut d,
        tmp.path(),
        5,
        &[format!("RESIZE ssh {} 10 5 0", loc(&h1, &q)), format!("RESIZE ssh {} 5 5 0", loc(&h1, &raw))],
    );
    let info = c.run_ok(&h1, &["qemu-img", "info", "--output=json", &q.display().to_string()]);
    // the top-level keys (four blanks): qemu 8 and later also describe the file layer, nested
    assert!(info.contains(&format!("\n    \"virtual-size\": {}", 10 << 20)), "{info}");
    assert!(info.contains("\n    \"format\": \"qcow2\""), "{info}");
    assert_eq!(std::fs::metadata(c.host_path(&h1, &raw)).unwrap().len(), 5 << 20);
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn shared_tm_works_in_place_on_the_shared_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = tmp.path().join("var/datastores");
    std::fs::create_dir_all(&ds).unwrap();
    // the front-end's datastores directory is what every host sees (NFS in real life)
    let c = Cluster::start(ClusterConfig::new(&tmp.path().join("cluster"), 2, &ds).shared(&ds));
    let (h1, h2) = (c.hosts[0].addr.clone(), c.hosts[1].addr.clone());
    let img = image(&ds, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", &random_bytes(1 << 20, 30));
    let sha = sha256(&img);
    let mut d = tm(&c, tmp.path(), &[]);
    let disk = vm_disk(&ds, 5, 0);
    let pdisk = vm_disk(&ds, 5, 1);
    transfer(
        &mut d,
        tmp.path(),
        5,
        &[
            format!("CLONE shared {} {} 5 1", loc("fe", &img), loc(&h1, &disk)),
            format!("LN shared {} {} 5 1", loc("fe", &img), loc(&h1, &pdisk)),
        ],
    );
    // what the hosts see
    assert_eq!(host_sha(&c, &h1, &disk), sha);
    assert_eq!(host_sha(&c, &h2, &disk), sha);
    assert_eq!(c.run_ok(&h2, &["readlink", &pdisk.display().to_string()]).trim(), img.display().to_string());
    // the VM writes through the link; mvds leaves the image in place and rewrites the sidecars
    c.run_ok(&h1, &["sh", "-c", &format!("printf X | dd of={} conv=notrunc status=none", pdisk.display())]);
    let new = sha256(&img);
    assert_ne!(new, sha);
    transfer(&mut d, tmp.path(), 5, &[format!("MVDS shared {} {} 5 1", loc(&h1, &pdisk), img.display())]);
    assert_eq!(std::fs::read_to_string(img.with_extension("sha256")).unwrap(), format!("{new}\n"));
    assert!(img.exists() && !pdisk.exists());
    // snapshots and mv are local operations on the shared directory
    transfer(&mut d, tmp.path(), 5, &[format!("SNAP_CREATE shared {} 0 5 1", loc(&h1, &disk))]);
    assert!(ds.join("0/5/disk.0.snap/0").exists());
    let dir = disk.parent().unwrap();
    transfer(&mut d, tmp.path(), 5, &[format!("MV shared {} {} 5 0", loc(&h1, dir), loc(&h2, dir))]);
    assert_eq!(sha256(&disk), sha, "same path on a shared directory: nothing moves");
    transfer(&mut d, tmp.path(), 5, &[format!("DELETE shared {} 5 0", loc(&h2, dir))]);
    assert!(!dir.exists() && img.exists());
}

/// Runs `tm/lib/fanout` as the DS driver's prefetch does, with the cluster's ssh settings and
/// `ONE_LOCATION` under `tmp` (so its shared ssh connections live there, not in /var/lib/one).
fn fanout(
    c: &Cluster,
    tmp: &Path,
    src: &Path,
    sha: &str,
    cache: &Path,
    hosts: &[String],
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = Command::new(remotes().join("tm/lib/fanout"));
    cmd.arg(src).arg(sha).arg(cache).args(hosts);
    for (k, v) in c.driver_env() {
        cmd.env(k, v);
    }
    cmd.env("ONE_LOCATION", tmp.join("one"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn fanout_delivers_verified_copies_down_a_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 3);
    let img = image(&ds, "ffffffffffffffffffffffffffffffff", &random_bytes(5 << 20, 40));
    let sha = sha256(&img);
    let cache = ds.join(".cache");
    let hosts = c.addrs();

    // a wrong checksum: nothing is renamed into any cache, no temp file stays, every host named
    let bad = "0".repeat(64);
    let out = fanout(&c, tmp.path(), &img, &bad, &cache, &hosts, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    for h in &c.hosts {
        assert!(err.contains(&format!("{}: checksum mismatch", h.addr)), "{err}");
        let names: Vec<String> = std::fs::read_dir(h.dir.join(".cache"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.is_empty(), "{}: {names:?}", h.name);
    }
    assert!(err.contains(&format!("failed on: {}", hosts.join(" "))), "{err}");

    // h2 has it already: skipped; h1 and h3 get it in one chain (h1 forwards to h3)
    let one = fanout(&c, tmp.path(), &img, &sha, &cache, &hosts[1..2], &[]);
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let before = std::fs::metadata(c.hosts[1].dir.join(".cache").join(&sha)).unwrap().ino();
    let out = fanout(&c, tmp.path(), &img, &sha, &cache, &hosts, &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("{}: {sha} already cached", hosts[1])), "{err}");
    assert!(err.contains(&format!("to {} {} (chain 1)", hosts[0], hosts[2])), "{err}");
    for h in &c.hosts {
        let entry = h.dir.join(".cache").join(&sha);
        assert_eq!(sha256(&entry), sha, "{}", h.name);
        assert_eq!(std::fs::metadata(&entry).unwrap().mode() & 0o777, 0o444);
    }
    assert_eq!(std::fs::metadata(c.hosts[1].dir.join(".cache").join(&sha)).unwrap().ino(), before);

    // two chains, and a host that is down: the others still get it, the failure names it
    let img2 = image(&ds, "11111111111111111111111111111111", &random_bytes(1 << 20, 41));
    let sha2 = sha256(&img2);
    let mut with_dead = hosts.clone();
    // an address of the cluster's /24 nobody has: the bridge cannot resolve it (nothing leaves)
    let prefix = c.frontend_addr.rsplit_once('.').unwrap().0;
    with_dead.insert(1, format!("{prefix}.250"));
    let dead = with_dead[1].clone();
    let out = fanout(&c, tmp.path(), &img2, &sha2, &cache, &with_dead, &[("FANOUT_CHAINS", "2")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(&format!("failed on: {dead}")), "{err}");
    for h in &c.hosts {
        assert_eq!(sha256(&h.dir.join(".cache").join(&sha2)), sha2, "{}: {err}", h.name);
    }
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn concurrent_clones_of_one_image_are_sent_once_down_a_chain() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 3);
    let img = image(&ds, "22222222222222222222222222222222", &random_bytes(2 << 20, 50));
    let sha = sha256(&img);
    let mut d = tm(&c, tmp.path(), &[("NEPHELE_TM_COALESCE_MS", "500".to_string())]);
    let (replies, logs) = concurrent_clones(&mut d, &c, tmp.path(), &ds, &img, 10);
    assert!(replies.iter().all(|r| r.starts_with("TRANSFER SUCCESS")), "{replies:?}\n{logs:?}");
    let sends: Vec<&String> = logs.iter().filter(|l| l.contains("Sending")).collect();
    assert_eq!(sends.len(), 1, "one stream for the three hosts: {logs:?}");
    assert!(c.hosts.iter().all(|h| sends[0].contains(&h.addr)), "{sends:?}");
    assert_eq!(logs.iter().filter(|l| l.contains("already cached")).count(), 3, "{logs:?}");
    for (i, h) in c.hosts.iter().enumerate() {
        assert_eq!(host_raw_sha(&c, &h.addr, &vm_disk(&ds, 10 + i as i64, 0)), sha, "{}", h.name);
    }

    // the same image to the same hosts again: known cached, nobody waits for a batch, nothing sent
    let (replies, logs) = concurrent_clones(&mut d, &c, tmp.path(), &ds, &img, 20);
    assert!(replies.iter().all(|r| r.starts_with("TRANSFER SUCCESS")), "{replies:?}\n{logs:?}");
    assert!(!logs.iter().any(|l| l.contains("Sending")), "{logs:?}");
    assert_eq!(logs.iter().filter(|l| l.contains("known cached, not waiting")).count(), 3, "{logs:?}");
    // a new image to the same hosts still goes down one chain
    let img2 = image(&ds, "33333333333333333333333333333333", &random_bytes(1 << 20, 51));
    let (replies, logs) = concurrent_clones(&mut d, &c, tmp.path(), &ds, &img2, 30);
    assert!(replies.iter().all(|r| r.starts_with("TRANSFER SUCCESS")), "{replies:?}\n{logs:?}");
    assert_eq!(logs.iter().filter(|l| l.contains("Sending")).count(), 1, "{logs:?}");
}

/// One TRANSFER of a qcow2 CLONE of `img` to each host of `c` at once (VMs `first`…); returns
/// the replies and the other lines.
fn concurrent_clones(
    d: &mut Driver,
    c: &Cluster,
    tmp: &Path,
    ds: &Path,
    img: &Path,
    first: i64,
) -> (Vec<String>, Vec<String>) {
    for (i, h) in c.hosts.iter().enumerate() {
        let vmid = first + i as i64;
        let file = tmp.join(format!("transfer.{vmid}"));
        let line = format!("CLONE qcow2 {} {} {vmid} 1\n", loc("fe", img), loc(&h.addr, &vm_disk(ds, vmid, 0)));
        std::fs::write(&file, line).unwrap();
        d.send(&format!("TRANSFER  {vmid} {}\n", file.display()));
    }
    let mut replies = Vec::new();
    let mut logs = Vec::new();
    while replies.len() < c.hosts.len() {
        let line = d.line();
        if line.starts_with("TRANSFER ") {
            replies.push(line);
        } else {
            logs.push(line);
        }
    }
    (replies, logs)
}

// ---------------------------------------------------------------------------------------------
// ssh connection reuse of the TM scripts (tm/common.sh: ControlMaster, ControlPersist)

/// The ssh control sockets in `dir` (none when it does not exist).
fn sockets(dir: &Path) -> Vec<PathBuf> {
    use std::os::unix::fs::FileTypeExt;
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    entries.map(|e| e.unwrap()).filter(|e| e.file_type().unwrap().is_socket()).map(|e| e.path()).collect()
}

/// The PID of the master behind `socket`, when `ssh -O check` reaches it.
fn master_pid(socket: &Path) -> Option<u32> {
    let out = Command::new("ssh")
        .args(["-o", "LogLevel=ERROR", "-S"])
        .arg(socket)
        .args(["-O", "check", "nephele-test"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return None;
    }
    // "Master running (pid=1234)"
    String::from_utf8_lossy(&out.stderr).split("pid=").nth(1)?.split(')').next()?.trim().parse().ok()
}

/// The connections the host's sshd accepted from the front-end so far.
fn accepted(c: &Cluster, host: &str) -> usize {
    let from = format!(" from {} ", c.frontend_addr);
    std::fs::read_to_string(c.sshd_log(host))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("Accepted publickey") && l.contains(&from))
        .count()
}

/// The processes whose command line names `path` (a master is titled with its socket's path).
fn processes_naming(path: &Path) -> String {
    let out = Command::new("pgrep").args(["-a", "-f"]).arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits (bounded) until process `pid` has exited (gone, or a zombie nobody reaped yet).
fn exits(pid: u32) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    loop {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return true,
            Ok(stat) if stat.rsplit_once(") ").is_some_and(|(_, rest)| rest.starts_with('Z')) => return true,
            Ok(_) if std::time::Instant::now() > deadline => return false,
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(50)),
        }
    }
}

/// Waits (bounded) until no process names `path`; returns what is left.
fn none_naming(path: &Path) -> String {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let mut left = processes_naming(path);
    while !left.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = processes_naming(path);
    }
    left
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn cached_clones_share_one_ssh_connection_that_ends_with_the_driver() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 1);
    let h1 = c.hosts[0].addr.clone();
    let img = image(&ds, "44444444444444444444444444444444", &random_bytes(2 << 20, 60));
    let sha = sha256(&img);
    // the default place: $ONE_LOCATION/var/.ssh/cm, made private
    let cm = tmp.path().join("one/var/.ssh/cm");
    let mut d = tm(&c, tmp.path(), &[]);
    let clone = |d: &mut Driver, vmid: i64| {
        let line = format!("CLONE qcow2 {} {} {vmid} 1", loc("fe", &img), loc(&h1, &vm_disk(&ds, vmid, 0)));
        transfer(d, tmp.path(), vmid, &[line])
    };
    let first = clone(&mut d, 1);
    assert!(logs_mention(&first, "Sending"), "{first:?}");
    assert_eq!(std::fs::metadata(&cm).unwrap().mode() & 0o777, 0o700);
    let socks = sockets(&cm);
    assert_eq!(socks.len(), 1, "one master for the host: {socks:?}");
    let master = master_pid(&socks[0]).expect("ssh -O check reaches the master");
    let entry = c.host_path(&h1, &ds.join(".cache").join(&sha));
    let meta = std::fs::metadata(&entry).unwrap();

    // a second CLONE to the host: a session of the same connection, nothing copied
    let before = accepted(&c, &h1);
    let second = clone(&mut d, 2);
    assert_eq!(accepted(&c, &h1), before, "no new connection: {second:?}");
    assert!(logs_mention(&second, "already cached") && !logs_mention(&second, "Sending"), "{second:?}");
    assert!(logs_mention(&second, "known cached, not waiting"), "{second:?}");
    assert_eq!(sockets(&cm), socks);
    assert_eq!(master_pid(&socks[0]), Some(master), "the same master");
    let again = std::fs::metadata(&entry).unwrap();
    assert_eq!(
        (again.ino(), again.len(), again.mtime(), again.mtime_nsec()),
        (meta.ino(), meta.len(), meta.mtime(), meta.mtime_nsec())
    );
    assert_eq!(sha256(&entry), sha);
    // sent again (oned re-sends a transfer whose answer was lost): the same result
    clone(&mut d, 2);
    assert_eq!(std::fs::metadata(&entry).unwrap().nlink(), 3, "disk.0.ref of VMs 1 and 2");
    assert_eq!(host_raw_sha(&c, &h1, &vm_disk(&ds, 2, 0)), sha);

    // no master, then six CLONEs at once: they race to be the master, all succeed, one wins
    let out = Command::new("ssh")
        .args(["-o", "LogLevel=ERROR", "-S"])
        .arg(&socks[0])
        .args(["-O", "exit", "x"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(exits(master), "the master exits on -O exit");
    for vmid in 10..16 {
        let file = tmp.path().join(format!("transfer.{vmid}"));
        let line = format!("CLONE qcow2 {} {} {vmid} 1\n", loc("fe", &img), loc(&h1, &vm_disk(&ds, vmid, 0)));
        std::fs::write(&file, line).unwrap();
        d.send(&format!("TRANSFER  {vmid} {}\n", file.display()));
    }
    let mut replies = Vec::new();
    while replies.len() < 6 {
        let line = d.line();
        if line.starts_with("TRANSFER ") {
            replies.push(line);
        }
    }
    assert!(replies.iter().all(|r| r.starts_with("TRANSFER SUCCESS")), "{replies:?}\n{}", d.stderr());
    let socks = sockets(&cm);
    assert_eq!(socks.len(), 1, "{socks:?}");
    let master = master_pid(&socks[0]).expect("a master again");
    assert_eq!(std::fs::metadata(&entry).unwrap().ino(), meta.ino());
    for vmid in 10..16 {
        assert_eq!(host_raw_sha(&c, &h1, &vm_disk(&ds, vmid, 0)), sha);
    }

    // the driver stops: its master exits, no socket and no ssh process of it is left
    drop(d);
    assert!(exits(master), "the master outlived the driver");
    assert!(sockets(&cm).is_empty(), "{:?}", sockets(&cm));
    let left = none_naming(&cm);
    assert!(left.is_empty(), "ssh processes left: {left}");
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
fn without_connection_reuse_every_command_connects_and_clones_still_work() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 1);
    let h1 = c.hosts[0].addr.clone();
    let img = image(&ds, "55555555555555555555555555555555", &random_bytes(1 << 20, 61));
    let sha = sha256(&img);
    let entry = c.host_path(&h1, &ds.join(".cache").join(&sha));
    let run = |d: &mut Driver, vmid: i64| {
        let line = format!("CLONE ssh {} {} {vmid} 1", loc("fe", &img), loc(&h1, &vm_disk(&ds, vmid, 0)));
        transfer(d, tmp.path(), vmid, &[line])
    };

    // turned off: no master, no socket; a cached CLONE connects anew and copies nothing
    let cm = tmp.path().join("one/var/.ssh/cm");
    let mut d = tm(&c, tmp.path(), &[("NEPHELE_SSH_CONTROL_PERSIST", "0".to_string())]);
    assert!(logs_mention(&run(&mut d, 1), "Sending"));
    let ino = std::fs::metadata(&entry).unwrap().ino();
    let before = accepted(&c, &h1);
    let second = run(&mut d, 2);
    assert!(logs_mention(&second, "already cached"), "{second:?}");
    assert_eq!(accepted(&c, &h1), before + 1, "one connection of its own: {second:?}");
    assert_eq!(std::fs::metadata(&entry).unwrap().ino(), ino);
    assert_eq!(host_sha(&c, &h1, &vm_disk(&ds, 2, 0)), sha);
    assert!(sockets(&cm).is_empty() && processes_naming(&cm).is_empty());
    drop(d);

    // a control directory that is not private: a warning, no reuse, the CLONE works
    let open = tmp.path().join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut d = tm(&c, tmp.path(), &[("NEPHELE_SSH_CONTROL_DIR", open.display().to_string())]);
    let third = run(&mut d, 3);
    assert!(logs_mention(&third, "ssh connection reuse off"), "{third:?}");
    assert!(sockets(&open).is_empty());
    assert_eq!(host_sha(&c, &h1, &vm_disk(&ds, 3, 0)), sha);
    drop(d);

    // a missing directory is made (0700) and used
    let fresh = tmp.path().join("fresh/cm");
    let mut d = tm(&c, tmp.path(), &[("NEPHELE_SSH_CONTROL_DIR", fresh.display().to_string())]);
    run(&mut d, 4);
    assert_eq!(std::fs::metadata(&fresh).unwrap().mode() & 0o777, 0o700);
    assert_eq!(sockets(&fresh).len(), 1);
    drop(d);
    assert!(sockets(&fresh).is_empty());
    for dir in [&cm, &open, &fresh] {
        let left = none_naming(dir);
        assert!(left.is_empty(), "ssh processes left: {left}");
    }
}

/// A `qemu-img` for the front-end that prints `info --output=json` as qemu 8 and later do (a
/// "children" block first, whose "format" is the protocol layer's, "file"), whatever the
/// installed version; every other use is the real one's. Returns the directory to put first in
/// PATH.
fn qemu_img_with_children(tmp: &Path) -> PathBuf {
    let real = std::env::var("PATH")
        .unwrap()
        .split(':')
        .map(|d| Path::new(d).join("qemu-img"))
        .find(|p| p.is_file())
        .expect("qemu-img in PATH");
    let dir = tmp.join("qemu10");
    std::fs::create_dir_all(&dir).unwrap();
    let script = format!(
        "#!/bin/sh\n\
         if [ \"$1\" = info ]; then\n\
         \x20   out=$('{real}' \"$@\") || exit $?\n\
         \x20   case \"$out\" in *'\"children\"'*) printf '%s\\n' \"$out\"; exit 0 ;; esac\n\
         \x20   printf '{{\\n    \"children\": [\\n        {{\\n            \"name\": \"file\",\\n            \"info\": {{\\n                \"format\": \"file\"\\n            }}\\n        }}\\n    ],\\n'\n\
         \x20   printf '%s\\n' \"$out\" | sed 1d\n\
         \x20   exit 0\n\
         fi\n\
         exec '{real}' \"$@\"\n",
        real = real.display()
    );
    let path = dir.join("qemu-img");
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    dir
}

#[test]
#[cfg_attr(nephele_missing_sshd, ignore = "SKIPPED: sshd is missing and NEPHELE_ALLOW_MISSING=sshd")]
#[cfg_attr(nephele_missing_netns, ignore = "SKIPPED: iproute2 is missing and NEPHELE_ALLOW_MISSING=netns")]
#[cfg_attr(nephele_missing_qemu_img, ignore = "SKIPPED: qemu-img is missing and NEPHELE_ALLOW_MISSING=qemu-img")]
fn qcow2_clone_of_a_qcow2_image_shows_the_image_with_any_qemu_img() {
    let tmp = tempfile::tempdir().unwrap();
    let (c, ds) = cluster(tmp.path(), 1);
    let h1 = c.hosts[0].addr.clone();
    // a qcow2 image holding 1 MiB of 0x33, and what a guest reads from it
    let img = ds.join("1/66666666666666666666666666666666");
    std::fs::create_dir_all(img.parent().unwrap()).unwrap();
    let ok = |cmd: &mut Command| assert!(cmd.status().unwrap().success(), "{cmd:?}");
    ok(Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&img).arg("4M"));
    ok(Command::new("qemu-io").args(["-c", "write -P 0x33 0 1M"]).arg(&img).stdout(std::process::Stdio::null()));
    std::fs::write(img.with_extension("sha256"), sha256(&img) + "\n").unwrap();
    let raw = tmp.path().join("content.raw");
    ok(Command::new("qemu-img").args(["convert", "-O", "raw"]).arg(&img).arg(&raw));
    let content = sha256(&raw);

    let path = format!("{}:{}", qemu_img_with_children(tmp.path()).display(), std::env::var("PATH").unwrap());
    let mut d = tm(&c, tmp.path(), &[("PATH", path)]);
    let disk = vm_disk(&ds, 1, 0);
    transfer(&mut d, tmp.path(), 1, &[format!("CLONE qcow2 {} {} 1 1", loc("fe", &img), loc(&h1, &disk))]);
    let info = c.run_ok(&h1, &["qemu-img", "info", "--output=json", &disk.display().to_string()]);
    assert!(info.contains("\"backing-filename-format\": \"qcow2\""), "{info}");
    assert_eq!(host_raw_sha(&c, &h1, &disk), content, "the guest reads the image, not its qcow2 container");
}
