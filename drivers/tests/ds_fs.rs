//! The datastore driver against real files: the real `one_datastore` binary (and `one_xpath`
//! next to it) speaking the protocol on its pipes, a per-test copy of the shipped remotes
//! (`drivers/remotes`), real images made with `qemu-img`, `gzip`, `bzip2`, `xz`, `lzop`, a tiny
//! HTTP server on 127.0.0.1 for URLs, and (as root) a 2 MB tmpfs for a full datastore. Every
//! check is on the files the scripts left (content, sidecar digests, sizes, `qemu-img info`).
//!
//! The tools are system packages (`tests/setup.sh` installs them: qemu-utils, lzop, xz-utils,
//! bzip2, curl); a missing one fails the test naming the package.
#![allow(clippy::unwrap_used)] // test code: a failed unwrap is the test's failure

use drivers::proto::{b64_decode, b64_encode};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;
use testkit::driver::{Answer, Driver};
use testkit::tmpfs::Tmpfs;

const PATIENCE: Duration = Duration::from_secs(60);
const MIB: usize = 1 << 20;

fn need(tool: &str, package: &str) {
    let found = Command::new("sh").arg("-c").arg(format!("command -v {tool}")).output().unwrap().status.success();
    assert!(found, "{tool} is missing: apt-get install -y {package} (tests/setup.sh installs it)");
}

fn run_ok(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("{command:?} does not start: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `md5sum`/`sha256sum` of a file, the hex digest.
fn digest(tool: &str, path: &Path) -> String {
    run_ok(Command::new(tool).arg(path)).split_whitespace().next().unwrap().to_string()
}

/// Pseudo-random bytes (a fixed LCG: reproducible, incompressible enough for size checks).
fn data(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// One test's world: a temp dir with `remotes/` (a copy of the shipped ones), `img/` (the
/// allowed source directory), `datastores/1` (the datastore), `work/` (the scripts' `TMPDIR`)
/// and the running driver.
struct World {
    tmp: tempfile::TempDir,
    driver: Driver,
}

impl World {
    fn new() -> World {
        Self::with_args(&["-t", "4", "-d", "dummy,fs", "-s", "shared,ssh,fake"])
    }

    fn with_args(args: &[&str]) -> World {
        let tmp = tempfile::tempdir().unwrap();
        let remotes = tmp.path().join("remotes");
        run_ok(Command::new("cp").arg("-r").arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("remotes")).arg(&remotes));
        std::fs::create_dir_all(tmp.path().join("img")).unwrap();
        std::fs::create_dir_all(tmp.path().join("datastores/1")).unwrap();
        std::fs::create_dir_all(tmp.path().join("work")).unwrap();
        let remotes_arg = remotes.display().to_string();
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--remotes", &remotes_arg]);
        let env = [("TMPDIR", tmp.path().join("work"))];
        let mut driver = Driver::start_env(env!("CARGO_BIN_EXE_one_datastore"), &all, &env).with_patience(PATIENCE);
        driver.init();
        World { tmp, driver }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    fn base(&self) -> PathBuf {
        self.path("datastores/1")
    }

    /// Writes `img/<name>` and returns its path.
    fn image(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path("img").join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// The drv message: `image` is the inside of `<IMAGE>`, `ds_mad` the datastore's driver.
    fn payload(&self, ds_mad: &str, image: &str) -> String {
        let xml = format!(
            "<DS_DRIVER_ACTION_DATA><IMAGE><ID>7</ID>{image}</IMAGE><DATASTORE><ID>1</ID><NAME>default</NAME>\
             <TYPE>0</TYPE><DS_MAD>{ds_mad}</DS_MAD><TM_MAD>ssh</TM_MAD><BASE_PATH>{base}</BASE_PATH>\
             <TEMPLATE><RESTRICTED_DIRS>/</RESTRICTED_DIRS><SAFE_DIRS>{safe}</SAFE_DIRS></TEMPLATE>\
             </DATASTORE></DS_DRIVER_ACTION_DATA>",
            base = self.base().display(),
            safe = self.path("img").display(),
        );
        b64_encode(xml.as_bytes())
    }

    fn act(&mut self, verb: &str, image: &str) -> Answer {
        let payload = self.payload("fs", image);
        self.driver.action(verb, 7, &payload)
    }

    /// CP of `path` (plus extra IMAGE/TEMPLATE elements), which must succeed; the parsed reply.
    fn cp_ok(&mut self, path: &str, template: &str) -> CpInfo {
        let answer = self.act("CP", &format!("<PATH><![CDATA[{path}]]></PATH><TEMPLATE>{template}</TEMPLATE>"));
        assert!(answer.ok, "CP {path} failed: {} (logs {:?})", answer.info, answer.logs);
        CpInfo::parse(&answer.info)
    }

    /// The names in the datastore directory, sorted.
    fn listing(&self) -> Vec<String> {
        names_in(&self.base())
    }
}

/// The names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// `<SOURCE> <FORMAT> SIZE=… MD5=… SHA256=…`
#[derive(Debug)]
struct CpInfo {
    source: PathBuf,
    format: String,
    size: String,
    md5: String,
    sha256: String,
}

impl CpInfo {
    fn parse(info: &str) -> CpInfo {
        let words: Vec<&str> = info.split_whitespace().collect();
        assert_eq!(words.len(), 5, "unexpected CP info {info:?}");
        let extra = |key: &str| words[2..].iter().find_map(|w| w.strip_prefix(&format!("{key}="))).unwrap().to_string();
        CpInfo {
            source: PathBuf::from(words[0]),
            format: words[1].to_string(),
            size: extra("SIZE"),
            md5: extra("MD5"),
            sha256: extra("SHA256"),
        }
    }

    /// The file, its sidecars and the reply agree with the real digests of the file.
    fn assert_consistent(&self, base: &Path) {
        assert_eq!(self.source.parent().unwrap(), base);
        let name = self.source.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit()), "SOURCE name {name}");
        assert_eq!(digest("md5sum", &self.source), self.md5);
        assert_eq!(digest("sha256sum", &self.source), self.sha256);
        let sidecar = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", self.source.display())).unwrap();
        assert_eq!(sidecar("md5"), format!("{}\n", self.md5));
        assert_eq!(sidecar("sha256"), format!("{}\n", self.sha256));
        let bytes = std::fs::metadata(&self.source).unwrap().len() as usize;
        assert_eq!(self.size, bytes.div_ceil(MIB).to_string());
    }
}

fn qemu_format(path: &Path) -> String {
    let json = run_ok(Command::new("qemu-img").args(["info", "--output=json"]).arg(path));
    // the top-level key (4 spaces in); newer qemu-img nests the protocol's `"format": "file"`
    json.lines().find_map(|l| l.strip_prefix("    \"format\": \"")).unwrap().trim_end_matches("\",").to_string()
}

#[test]
fn cp_raw_qcow2_and_iso() {
    need("qemu-img", "qemu-utils");
    let mut w = World::new();
    let raw = data(3 * MIB + 5, 1);
    let path = w.image("disk.raw", &raw);
    let info = w.cp_ok(&path.display().to_string(), "");
    assert_eq!(info.format, "raw");
    assert_eq!(info.size, "4");
    info.assert_consistent(&w.base());
    assert_eq!(std::fs::read(&info.source).unwrap(), raw);

    let qcow2 = w.path("img/disk.qcow2");
    run_ok(Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&qcow2).arg("64M"));
    let info = w.cp_ok(&qcow2.display().to_string(), "");
    assert_eq!(info.format, "qcow2");
    info.assert_consistent(&w.base());
    assert_eq!(qemu_format(&info.source), "qcow2");
    assert_eq!(std::fs::read(&info.source).unwrap(), std::fs::read(&qcow2).unwrap());

    let mut iso = vec![0u8; 40000];
    iso[32769..32774].copy_from_slice(b"CD001");
    let path = w.image("cd.iso", &iso);
    let info = w.cp_ok(&path.display().to_string(), "");
    assert_eq!(info.format, "iso");
    info.assert_consistent(&w.base());
    // three images, two sidecars each, nothing temporary
    assert_eq!(w.listing().len(), 9, "{:?}", w.listing());
    assert!(w.listing().iter().all(|n| !n.starts_with('.')));
}

#[test]
fn cp_decompresses_gzip_bzip2_xz_lzop() {
    let mut w = World::new();
    let raw = data(2 * MIB, 2);
    let plain = w.image("disk.raw", &raw);
    for (tool, package, ext) in
        [("gzip", "gzip", "gz"), ("bzip2", "bzip2", "bz2"), ("xz", "xz-utils", "xz"), ("lzop", "lzop", "lzo")]
    {
        need(tool, package);
        let compressed = w.path(&format!("img/disk.raw.{ext}"));
        let out = Command::new(tool).arg("-c").arg(&plain).output().unwrap();
        assert!(out.status.success(), "{tool} -c failed");
        std::fs::write(&compressed, out.stdout).unwrap();
        let info = w.cp_ok(&compressed.display().to_string(), "");
        assert_eq!(info.format, "raw", "{tool}");
        info.assert_consistent(&w.base());
        assert_eq!(std::fs::read(&info.source).unwrap(), raw, "{tool} input not decompressed");
        assert_eq!(info.md5, digest("md5sum", &plain), "{tool}");
    }
    // NO_DECOMPRESS=YES keeps the bytes as they are
    let gz = w.path("img/disk.raw.gz");
    let info = w.cp_ok(&gz.display().to_string(), "<NO_DECOMPRESS>YES</NO_DECOMPRESS>");
    assert_eq!(std::fs::read(&info.source).unwrap(), std::fs::read(&gz).unwrap());
}

#[test]
fn cp_verifies_given_digests() {
    let mut w = World::new();
    let path = w.image("disk.raw", &data(MIB, 3));
    let md5 = digest("md5sum", &path);
    let sha1 = digest("sha1sum", &path);
    let sha256 = digest("sha256sum", &path);
    let template = format!("<MD5>{}</MD5><SHA1>{sha1}</SHA1><SHA256>{sha256}</SHA256>", md5.to_uppercase());
    let info = w.cp_ok(&path.display().to_string(), &template);
    info.assert_consistent(&w.base());
    std::fs::remove_file(&info.source).unwrap();
    std::fs::remove_file(format!("{}.md5", info.source.display())).unwrap();
    std::fs::remove_file(format!("{}.sha256", info.source.display())).unwrap();

    let wrong = "0123456789abcdef0123456789abcdef";
    let answer = w.act("CP", &format!("<PATH>{}</PATH><TEMPLATE><MD5>{wrong}</MD5></TEMPLATE>", path.display()));
    assert!(!answer.ok);
    assert!(answer.info.contains(wrong) && answer.info.contains(&md5), "{}", answer.info);
    let bad_sha1 = "0".repeat(40);
    let answer = w.act("CP", &format!("<PATH>{}</PATH><TEMPLATE><SHA1>{bad_sha1}</SHA1></TEMPLATE>", path.display()));
    assert!(!answer.ok && answer.info.contains(&sha1) && answer.info.contains(&bad_sha1), "{}", answer.info);
    assert!(w.listing().is_empty(), "files left behind: {:?}", w.listing());
}

#[test]
fn cp_refuses_paths_outside_safe_dirs_and_corrupt_qcow2() {
    need("qemu-img", "qemu-utils");
    let mut w = World::new();
    let outside = w.path("elsewhere.raw");
    std::fs::write(&outside, data(1000, 4)).unwrap();
    let answer = w.act("CP", &format!("<PATH>{}</PATH>", outside.display()));
    assert!(!answer.ok && answer.info.contains("Not allowed"), "{}", answer.info);
    // a symlink in the safe directory is judged by its target
    std::os::unix::fs::symlink(&outside, w.path("img/link.raw")).unwrap();
    let answer = w.act("CP", &format!("<PATH>{}</PATH>", w.path("img/link.raw").display()));
    assert!(!answer.ok && answer.info.contains("Not allowed"), "{}", answer.info);
    let dotdot = format!("{}/../elsewhere.raw", w.path("img").display());
    let answer = w.act("CP", &format!("<PATH>{dotdot}</PATH>"));
    assert!(!answer.ok && answer.info.contains(".."), "{}", answer.info);

    let qcow2 = w.path("img/bad.qcow2");
    run_ok(Command::new("qemu-img").args(["create", "-q", "-f", "qcow2"]).arg(&qcow2).arg("10M"));
    let mut bytes = std::fs::read(&qcow2).unwrap();
    bytes[0x10000..0x10010].copy_from_slice(&[0xff; 16]); // the refcount table
    std::fs::write(&qcow2, bytes).unwrap();
    let answer = w.act("CP", &format!("<PATH>{}</PATH>", qcow2.display()));
    assert!(!answer.ok && answer.info.contains("Corrupt qcow2"), "{}", answer.info);
    assert!(w.listing().is_empty(), "files left behind: {:?}", w.listing());
}

/// Serves `body` for every request (GET or HEAD) on 127.0.0.1, `count` connections.
fn serve(body: Vec<u8>, count: usize) -> String {
    serve_paced(body, count, Duration::ZERO)
}

/// [`serve`], the body sent in 256 KiB pieces `pause` apart (a slow server).
fn serve_paced(body: Vec<u8>, count: usize, pause: Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            let _ = reader.read_line(&mut request);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
            }
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            if request.starts_with("GET") {
                for piece in body.chunks(256 << 10) {
                    if stream.write_all(piece).is_err() {
                        break;
                    }
                    std::thread::sleep(pause);
                }
            }
        }
    });
    format!("http://127.0.0.1:{port}/images/disk.img")
}

#[test]
fn cp_and_stat_from_http() {
    need("curl", "curl");
    let mut w = World::new();
    let raw = data(3 * MIB, 5);
    let url = serve(raw.clone(), 1);
    let info = w.cp_ok(&url, "");
    assert_eq!(std::fs::read(&info.source).unwrap(), raw);
    info.assert_consistent(&w.base());

    // compressed over HTTP: sniffed from the stream
    let plain = w.image("x.raw", &raw);
    let gz = Command::new("gzip").arg("-c").arg(&plain).output().unwrap().stdout;
    let url = serve(gz.clone(), 2);
    let info = w.cp_ok(&url, "");
    assert_eq!(std::fs::read(&info.source).unwrap(), raw);
    let answer = w.act("STAT", &format!("<PATH>{url}</PATH>"));
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(answer.info, gz.len().div_ceil(MIB).to_string());

    // nothing listens on a port just released
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let before = w.listing();
    let answer = w.act("CP", &format!("<PATH>http://127.0.0.1:{port}/x.img</PATH>"));
    assert!(!answer.ok && answer.info.contains("Error downloading"), "{}", answer.info);
    assert_eq!(w.listing(), before);
    let answer = w.act("CP", "<PATH>ftp://127.0.0.1/x.img</PATH>");
    assert!(!answer.ok, "{}", answer.info);
}

#[test]
fn cp_into_a_full_datastore_fails_and_leaves_nothing() {
    let mut w = World::new();
    let _tmpfs = Tmpfs::mount(&w.base(), "2m", "the full-datastore test");
    let big = w.image("big.raw", &data(3 * MIB, 6));
    let answer = w.act("CP", &format!("<PATH>{}</PATH>", big.display()));
    assert!(!answer.ok && answer.info.contains("Not enough free space"), "{}", answer.info);
    assert!(w.listing().is_empty(), "files left behind: {:?}", w.listing());
    // small when compressed, 3 MB once decompressed: passes the check, then meets ENOSPC
    let zeros = w.image("zeros.raw", &vec![0u8; 3 * MIB]);
    let gz = Command::new("gzip").arg("-c").arg(&zeros).output().unwrap().stdout;
    let gz_path = w.image("zeros.raw.gz", &gz);
    let answer = w.act("CP", &format!("<PATH>{}</PATH>", gz_path.display()));
    assert!(!answer.ok && answer.info.contains("No space left on device"), "{}", answer.info);
    assert!(w.listing().is_empty(), "files left behind: {:?}", w.listing());
    // MONITOR sees the 2 MB file system
    let answer = w.act("MONITOR", "");
    assert!(answer.ok, "{}", answer.info);
    let text = String::from_utf8(b64_decode(&answer.info).unwrap()).unwrap();
    assert!(text.contains("TOTAL_MB=2\n"), "{text}");
}

#[test]
fn mkfs_sizes_and_formats() {
    need("qemu-img", "qemu-utils");
    let mut w = World::new();
    let answer = w.act("MKFS", "<SIZE>5</SIZE><FORMAT>raw</FORMAT>");
    assert!(answer.ok, "{}", answer.info);
    let source = PathBuf::from(&answer.info);
    assert_eq!(source.parent().unwrap(), w.base());
    assert_eq!(std::fs::metadata(&source).unwrap().len(), 5 * MIB as u64);
    assert_eq!(
        std::fs::read_to_string(format!("{}.sha256", source.display())).unwrap(),
        format!("{}\n", digest("sha256sum", &source))
    );
    assert_eq!(qemu_format(&source), "raw");

    let answer = w.act("MKFS", "<SIZE>7</SIZE><FORMAT>qcow2</FORMAT>");
    assert!(answer.ok, "{}", answer.info);
    let source = PathBuf::from(&answer.info);
    let json = run_ok(Command::new("qemu-img").args(["info", "--output=json"]).arg(&source));
    assert!(json.contains(&format!("\"virtual-size\": {}", 7 * MIB)), "{json}");
    assert_eq!(qemu_format(&source), "qcow2");
    assert_eq!(
        std::fs::read_to_string(format!("{}.md5", source.display())).unwrap(),
        format!("{}\n", digest("md5sum", &source))
    );

    if Path::new("/usr/sbin/mkfs.ext4").exists() || Path::new("/sbin/mkfs.ext4").exists() {
        let answer = w.act("MKFS", "<SIZE>8</SIZE><FORMAT>raw</FORMAT><FS>ext4</FS>");
        assert!(answer.ok, "{}", answer.info);
        let magic = std::fs::read(&answer.info).unwrap();
        assert_eq!(&magic[0x438..0x43a], &[0x53, 0xef], "no ext4 superblock");
    }

    // disk-saveas: only the name
    let before = w.listing();
    let answer = w.act("MKFS", "<SIZE>5</SIZE><FORMAT>raw</FORMAT><TEMPLATE><SAVED_VM_ID>3</SAVED_VM_ID></TEMPLATE>");
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(PathBuf::from(&answer.info).parent().unwrap(), w.base());
    assert!(!Path::new(&answer.info).exists());
    assert_eq!(w.listing(), before);

    let answer = w.act("MKFS", "<SIZE>abc</SIZE><FORMAT>raw</FORMAT>");
    assert!(!answer.ok && answer.info.contains("SIZE"), "{}", answer.info);
}

#[test]
fn rm_is_idempotent_and_clone_keeps_the_checksum() {
    let mut w = World::new();
    let path = w.image("disk.raw", &data(MIB + 1, 7));
    let info = w.cp_ok(&path.display().to_string(), "");
    let answer = w.act("CLONE", &format!("<PATH>{}</PATH><FORMAT>raw</FORMAT>", info.source.display()));
    assert!(answer.ok, "{}", answer.info);
    let clone = CpInfo::parse(&answer.info);
    assert_ne!(clone.source, info.source);
    assert_eq!((clone.md5.as_str(), clone.sha256.as_str()), (info.md5.as_str(), info.sha256.as_str()));
    clone.assert_consistent(&w.base());

    // a source whose content no longer matches its sidecar is not cloned
    std::fs::write(format!("{}.md5", info.source.display()), "0123456789abcdef0123456789abcdef\n").unwrap();
    let before = w.listing();
    let answer = w.act("CLONE", &format!("<PATH>{}</PATH>", info.source.display()));
    assert!(!answer.ok && answer.info.contains("0123456789abcdef0123456789abcdef"), "{}", answer.info);
    assert_eq!(w.listing(), before);
    // nor anything outside the datastores directory
    let answer = w.act("CLONE", &format!("<PATH>{}</PATH>", path.display()));
    assert!(!answer.ok, "{}", answer.info);

    let snap = PathBuf::from(format!("{}.snap", info.source.display()));
    std::fs::create_dir(&snap).unwrap();
    std::fs::write(snap.join("0"), b"snap").unwrap();
    let rm = format!("<SOURCE>{}</SOURCE>", info.source.display());
    let answer = w.act("RM", &rm);
    assert!(answer.ok, "{}", answer.info);
    let clone_name = clone.source.file_name().unwrap().to_string_lossy().into_owned();
    assert_eq!(w.listing(), vec![clone_name.clone(), format!("{clone_name}.md5"), format!("{clone_name}.sha256")]);
    let answer = w.act("RM", &rm);
    assert!(answer.ok, "RM again: {}", answer.info);
    // RM outside the datastore is refused
    let answer = w.act("RM", &format!("<SOURCE>{}</SOURCE>", path.display()));
    assert!(!answer.ok && path.exists(), "{}", answer.info);
}

#[test]
fn stat_sizes() {
    let mut w = World::new();
    let raw = data(3 * MIB + 1, 8);
    let path = w.image("disk.raw", &raw);
    let answer = w.act("STAT", &format!("<PATH>{}</PATH>", path.display()));
    assert_eq!((answer.ok, answer.info.as_str()), (true, "4"));
    let xz = Command::new("xz").arg("-c").arg(&path).output().unwrap().stdout;
    let xz_path = w.image("disk.raw.xz", &xz);
    let answer = w.act("STAT", &format!("<PATH>{}</PATH>", xz_path.display()));
    assert_eq!((answer.ok, answer.info.as_str()), (true, "4"));
    let answer = w.act("STAT", "<PATH>/etc/passwd</PATH>");
    assert!(!answer.ok && answer.info.contains("Not allowed"), "{}", answer.info);
}

#[test]
fn monitor_reports_the_datastore_space() {
    let mut w = World::new();
    std::fs::remove_dir(w.base()).unwrap();
    let answer = w.act("MONITOR", "");
    assert!(answer.ok, "{}", answer.info);
    assert!(w.base().is_dir(), "BASE_PATH not created");
    let text = String::from_utf8(b64_decode(&answer.info).unwrap()).unwrap();
    let value =
        |key: &str| -> u64 { text.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).unwrap().parse().unwrap() };
    let df = run_ok(Command::new("df").arg("-Pk").arg(w.base()));
    let fields: Vec<u64> =
        df.lines().nth(1).unwrap().split_whitespace().skip(1).take(3).map(|f| f.parse().unwrap()).collect();
    assert_eq!(value("TOTAL_MB"), fields[0] / 1024);
    assert!(value("FREE_MB") <= value("TOTAL_MB") && value("USED_MB") <= value("TOTAL_MB"), "{text}");
}

#[test]
fn system_datastore_monitor_runs_the_tm_script() {
    let mut w = World::new();
    let fake = w.path("remotes/tm/fake");
    std::fs::create_dir_all(&fake).unwrap();
    std::fs::write(
        fake.join("monitor"),
        "#!/bin/sh\nread -r msg\nprintf 'USED_MB=1\\nTOTAL_MB=%s\\nFREE_MB=3\\n' \"$1\"\n",
    )
    .unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(fake.join("monitor")));
    let xml = |tm: &str| {
        b64_encode(
            format!("<DS_DRIVER_ACTION_DATA><DATASTORE><ID>0</ID><TYPE>1</TYPE><TM_MAD>{tm}</TM_MAD><DS_MAD>-</DS_MAD></DATASTORE></DS_DRIVER_ACTION_DATA>")
                .as_bytes(),
        )
    };
    let answer = w.driver.action("MONITOR", 42, &xml("fake"));
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(b64_decode(&answer.info).unwrap(), b"USED_MB=1\nTOTAL_MB=42\nFREE_MB=3");
    let answer = w.driver.action("MONITOR", 0, &xml("qcow2"));
    assert_eq!((answer.ok, answer.info.as_str()), (false, "System datastore driver 'qcow2' not available"));
}

#[test]
fn snapshots_revert_delete_flatten() {
    let mut w = World::new();
    let path = w.image("disk.raw", &data(MIB, 9));
    let info = w.cp_ok(&path.display().to_string(), "");
    let snap_dir = PathBuf::from(format!("{}.snap", info.source.display()));
    std::fs::create_dir(&snap_dir).unwrap();
    let s0 = data(2 * MIB, 10);
    let s1 = data(MIB, 11);
    std::fs::write(snap_dir.join("0"), &s0).unwrap();
    std::fs::write(snap_dir.join("1"), &s1).unwrap();
    let image =
        |snap: &str| format!("<SOURCE>{}</SOURCE><TARGET_SNAPSHOT>{snap}</TARGET_SNAPSHOT>", info.source.display());
    let sidecar = |ext: &str| std::fs::read_to_string(format!("{}.{ext}", info.source.display())).unwrap();

    let answer = w.act("SNAP_REVERT", &image("1"));
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(std::fs::read(&info.source).unwrap(), s1);
    assert_eq!(std::fs::read(snap_dir.join("1")).unwrap(), s1, "revert keeps the snapshot");
    assert_eq!(sidecar("md5"), format!("{}\n", digest("md5sum", &info.source)));

    let answer = w.act("SNAP_DELETE", &image("1"));
    assert!(answer.ok, "{}", answer.info);
    assert!(!snap_dir.join("1").exists() && snap_dir.join("0").exists());
    let answer = w.act("SNAP_REVERT", &image("1"));
    assert!(!answer.ok && answer.info.contains("not found"), "{}", answer.info);
    let answer = w.act("SNAP_DELETE", &image("../x"));
    assert!(!answer.ok && answer.info.contains("TARGET_SNAPSHOT"), "{}", answer.info);

    let answer = w.act("SNAP_FLATTEN", &image("0"));
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(std::fs::read(&info.source).unwrap(), s0);
    assert!(!snap_dir.exists(), "flatten removes every snapshot");
    assert_eq!(sidecar("sha256"), format!("{}\n", digest("sha256sum", &info.source)));

    let answer =
        w.act("EXPORT", &format!("<SOURCE>{}</SOURCE><SIZE>2</SIZE><FORMAT>raw</FORMAT>", info.source.display()));
    assert!(answer.ok, "{}", answer.info);
    let md5 = digest("md5sum", &info.source);
    assert!(answer.info.starts_with("<IMPORT_INFO><IMPORT_SOURCE><![CDATA["), "{}", answer.info);
    assert!(answer.info.contains(&format!("<MD5><![CDATA[{md5}]]></MD5>")), "{}", answer.info);
    assert!(answer.info.contains("<DISPOSE>NO</DISPOSE>"), "{}", answer.info);
}

#[test]
fn prefetch_calls_fanout_with_the_contract_argv() {
    let mut w = World::new();
    let path = w.image("disk.raw", &data(MIB, 12));
    let info = w.cp_ok(&path.display().to_string(), "");
    let payload = |w: &World| {
        let xml = format!(
            "<DS_DRIVER_ACTION_DATA><IMAGE><ID>7</ID><SOURCE>{}</SOURCE></IMAGE><DATASTORE><ID>1</ID><TYPE>0</TYPE>\
             <DS_MAD>fs</DS_MAD><BASE_PATH>{}</BASE_PATH></DATASTORE><PREFETCH><TM_MAD>qcow2</TM_MAD>\
             <BASE_PATH>/var/lib/one/datastores/0</BASE_PATH><HOST>h1</HOST><HOST>h-2.example</HOST></PREFETCH>\
             </DS_DRIVER_ACTION_DATA>",
            info.source.display(),
            w.base().display()
        );
        b64_encode(xml.as_bytes())
    };
    // without tm/lib/fanout: a clear failure
    let _ = std::fs::remove_file(w.path("remotes/tm/lib/fanout"));
    let answer = w.driver.action("PREFETCH", 7, &payload(&w));
    assert!(!answer.ok && answer.info.contains("fanout is missing"), "{}", answer.info);

    // a recording fanout: what it was called with, and its failure passed on
    let lib = w.path("remotes/tm/lib");
    std::fs::create_dir_all(&lib).unwrap();
    let record = w.path("fanout.args");
    std::fs::write(
        lib.join("fanout"),
        format!("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\n[ -z \"$FAIL\" ] || {{ echo 'fanout: h1 failed' >&2; exit 1; }}\n", record.display()),
    )
    .unwrap();
    run_ok(Command::new("chmod").arg("+x").arg(lib.join("fanout")));
    let answer = w.driver.action("PREFETCH", 7, &payload(&w));
    assert!(answer.ok, "{}", answer.info);
    let args = std::fs::read_to_string(&record).unwrap();
    let expected =
        format!("{}\n{}\n/var/lib/one/datastores/.cache\nh1\nh-2.example\n", info.source.display(), info.sha256);
    assert_eq!(args, expected);
}

#[test]
fn unknown_driver_and_dummy() {
    let mut w = World::new();
    let answer = w.driver.action("CP", 7, &w.payload("ceph", "<PATH>/x</PATH>"));
    assert_eq!((answer.ok, answer.info.as_str()), (false, "Datastore driver 'ceph' not available"));
    let answer = w.driver.action("CP", 7, &w.payload("dummy", "<PATH>/x</PATH>"));
    assert_eq!((answer.ok, answer.info.as_str()), (true, "dummy_path raw"));
    let answer = w.driver.action("MKFS", 7, &w.payload("dummy", ""));
    assert_eq!((answer.ok, answer.info.as_str()), (true, "dummy_path"));
    let answer = w.driver.action("STAT", 7, &w.payload("dummy", ""));
    assert_eq!((answer.ok, answer.info.as_str()), (true, "0"));
    let answer = w.driver.action("MONITOR", 1, &w.payload("dummy", ""));
    assert_eq!(b64_decode(&answer.info).unwrap(), b"USED_MB=9720\nTOTAL_MB=20480\nFREE_MB=20480");
    for verb in ["RM", "CLONE", "SNAP_DELETE", "SNAP_REVERT", "SNAP_FLATTEN", "EXPORT", "PREFETCH"] {
        assert!(w.driver.action(verb, 7, &w.payload("dummy", "")).ok, "dummy {verb}");
    }
    let answer = w.driver.action("RESIZE", 7, &w.payload("fs", ""));
    assert!(!answer.ok && answer.info.contains("Unknown action"), "{}", answer.info);
    assert!(w.listing().is_empty());
}

/// A copy of a few seconds (a slow HTTP server) sends progress `LOG I` lines.
#[test]
fn long_copies_report_progress() {
    need("curl", "curl");
    let tmp_world = World::new();
    let raw = data(3 * MIB, 13);
    let url = serve_paced(raw.clone(), 1, Duration::from_millis(250));
    let xml = format!(
        "<DS_DRIVER_ACTION_DATA><IMAGE><ID>7</ID><PATH>{url}</PATH></IMAGE><DATASTORE><ID>1</ID><TYPE>0</TYPE>\
         <DS_MAD>fs</DS_MAD><BASE_PATH>{}</BASE_PATH><TEMPLATE><LIMIT_TRANSFER_BW>1048576</LIMIT_TRANSFER_BW>\
         </TEMPLATE></DATASTORE></DS_DRIVER_ACTION_DATA>",
        tmp_world.base().display()
    );
    let mut w = tmp_world;
    let answer = w.driver.action("CP", 7, &b64_encode(xml.as_bytes()));
    assert!(answer.ok, "{}", answer.info);
    assert_eq!(std::fs::read(CpInfo::parse(&answer.info).source).unwrap(), raw);
    let progress: Vec<&String> = answer.logs.iter().filter(|l| l.contains("Copying") && l.contains("/s")).collect();
    assert!(!progress.is_empty(), "no progress line in {:?}", answer.logs);
}

// ---- a CP whose answer is lost ---------------------------------------------------------

/// A CP that cannot write its answer (the driver is gone: stdout is a closed pipe) fails and
/// removes the image it had already renamed into place, with its sidecars: nobody would ever
/// learn its name. The script runs as one_datastore runs it, without the driver.
#[test]
fn cp_whose_answer_is_lost_removes_its_image() {
    let w = World::new();
    let path = w.image("disk.raw", &data(MIB + 3, 22));
    let bin = Path::new(env!("CARGO_BIN_EXE_one_xpath")).parent().unwrap().display().to_string();
    let mut child = Command::new(w.path("remotes/datastore/fs/cp"))
        .arg("7")
        .env("PATH", format!("{bin}:{}", std::env::var("PATH").unwrap_or_default()))
        .env("TMPDIR", w.path("work"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader of the answer is gone
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(format!("{}\n", w.payload("fs", &format!("<PATH>{}</PATH>", path.display()))).as_bytes()).unwrap();
    drop(stdin);
    let deadline = std::time::Instant::now() + PATIENCE;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "cp did not end");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!status.success(), "cp succeeded without writing its answer; stderr: {stderr}");
    assert!(stderr.contains("Copying"), "the copy did not start: {stderr}");
    assert!(w.listing().is_empty(), "files left in the datastore: {:?}", w.listing());
    assert!(names_in(&w.path("work")).is_empty(), "work files left: {:?}", names_in(&w.path("work")));
}

// ---- oned gone in the middle of a copy ---------------------------------------------------

/// One process of `/proc`: pid, state (`Z` for a zombie), parent, process group.
#[derive(Debug, Clone, Copy)]
struct Proc {
    pid: i32,
    state: char,
    ppid: i32,
    pgrp: i32,
}

/// Every process of `/proc` (those that end while being read are skipped).
fn processes() -> Vec<Proc> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap() {
        let entry = entry.unwrap();
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // `pid (comm) state ppid pgrp …`; comm may hold blanks and parentheses
        let Some((_, rest)) = stat.rsplit_once(") ") else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let state = fields[0].chars().next().unwrap();
        all.push(Proc { pid, state, ppid: fields[1].parse().unwrap(), pgrp: fields[2].parse().unwrap() });
    }
    all
}

/// The live (not zombie) processes of process group `pgrp`.
fn live_members(pgrp: i32) -> Vec<Proc> {
    processes().into_iter().filter(|p| p.pgrp == pgrp && p.state != 'Z').collect()
}

/// Serves one GET on 127.0.0.1: a `Content-Length` of 64 MiB, `sent` bytes of it, then nothing
/// more. The thread returns whether the client closed the connection (within [`PATIENCE`]).
fn serve_stalled(sent: usize) -> (String, std::thread::JoinHandle<bool>) {
    use std::io::Read;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        stream.set_read_timeout(Some(PATIENCE)).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                break;
            }
        }
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", 64 * MIB);
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(&data(sent, 21)).unwrap();
        // the client sends nothing more: a read ends when it closes (0 or a reset), or times out
        let mut byte = [0u8; 1];
        match reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        }
    });
    (format!("http://127.0.0.1:{port}/images/stalled.img"), server)
}

/// oned dies while a CP runs (the driver's stdin reaches its end without FINALIZE): the
/// driver kills the script's process group at once instead of letting the copy finish, the
/// script's TERM trap removes its temporary file, and nothing is renamed into place. The
/// source is an HTTP server that sends 1 MiB and then stalls: the copy cannot end by itself.
#[test]
fn end_of_input_stops_a_running_cp_and_leaves_nothing() {
    need("curl", "curl");
    let mut w = World::new();
    let (url, server) = serve_stalled(MIB);
    let payload = w.payload("fs", &format!("<PATH>{url}</PATH>"));
    w.driver.send(&format!("CP  7 {payload}\n"));

    // the copy is under way: most of the first MiB is in the temporary file (the pipeline's
    // stages may hold back a few KiB)
    let deadline = std::time::Instant::now() + PATIENCE;
    let tmp = loop {
        let partial = w.listing().into_iter().find(|n| n.starts_with('.') && n.ends_with(".tmp"));
        let path = partial.map(|name| w.base().join(name));
        let size = path.as_ref().and_then(|p| std::fs::metadata(p).ok()).map_or(0, |m| m.len() as usize);
        if let Some(path) = path.filter(|_| size >= MIB / 2) {
            break path;
        }
        assert!(std::time::Instant::now() < deadline, "no temporary file of 512 KiB: {:?}, {size} bytes", w.listing());
        std::thread::sleep(Duration::from_millis(20));
    };
    // the script: the driver's child, leading a process group of its own (with curl and the rest)
    let driver_pid = i32::try_from(w.driver.pid()).unwrap();
    let scripts: Vec<Proc> = processes().into_iter().filter(|p| p.ppid == driver_pid).collect();
    assert_eq!(scripts.len(), 1, "the driver runs one script: {scripts:?}");
    let script = scripts[0];
    assert_eq!(script.pgrp, script.pid, "the script leads its process group");
    assert!(live_members(script.pgrp).len() > 1, "the copy's processes: {:?}", live_members(script.pgrp));

    w.driver.close_stdin();
    let status = w.driver.wait_exit();
    assert!(status.success(), "the driver exited with {status:?}; stderr: {}", w.driver.stderr());

    // the driver exits once its action came back: by then the group is gone
    assert!(live_members(script.pgrp).is_empty(), "left running: {:?}", live_members(script.pgrp));
    assert!(!tmp.exists(), "{} left behind", tmp.display());
    assert!(w.listing().is_empty(), "files left in the datastore: {:?}", w.listing());
    assert!(names_in(&w.path("work")).is_empty(), "work files left: {:?}", names_in(&w.path("work")));
    assert!(server.join().unwrap(), "the download was not cut (the server saw no close)");
    let stderr = w.driver.stderr();
    assert!(stderr.contains("stopping CP 7"), "{stderr}");
    assert!(stderr.contains("CP 7 (datastore 1): datastore/fs/cp cancelled"), "{stderr}");
}
