use super::*;
use std::path::Path;

fn loc() -> Locations {
    Locations::new(Some(Path::new("/srv/one")), None)
}

fn parse(text: &str) -> Result<OnedConfig, ConfigError> {
    OnedConfig::parse(text, Path::new("etc/oned.conf"), &loc())
}

#[test]
fn shipped_file_parses_with_documented_defaults() {
    let c = parse(SHIPPED_ONED_CONF).unwrap();
    assert_eq!(c.port, 2633);
    assert_eq!(c.listen_address, "0.0.0.0");
    assert_eq!(c.db.path, Path::new("/srv/one/var/one.db"));
    assert_eq!(c.db.timeout_ms, 2500);
    assert!(c.db.sync_full);
    assert_eq!(c.log.debug_level, 3);
    assert_eq!(c.log.file, Path::new("/srv/one/var/oned.log"));
    assert_eq!(c.mac_prefix, 0x0200);
    assert_eq!(c.default_umask, 0o177);
    assert_eq!(c.monitoring_interval_host, 180);
    assert!(c.vm_restricted_attr.iter().any(|a| a == "NIC/MAC"));
    assert_eq!(c.im_mads.len(), 1);
    assert_eq!(c.vm_mads[0].name, "dummy");
    // The dummy IM reports what the dummy VMM runs: they share a state directory.
    assert_eq!(c.im_mads[0].arguments, "--state-dir dummy");
    assert_eq!(c.vm_mads[0].arguments, "--state-dir dummy");
    assert_eq!(c.tm_mads[0].executable, "one_tm_dummy");
    assert_eq!(c.scheduler, Some(("mm_sched".to_string(), String::new())), "oned starts mm_sched");
    assert_eq!(c.vms_dir, Path::new("/srv/one/var/vms"));
    assert_eq!(c.warnings, Vec::<String>::new(), "the shipped file has no classic or unknown key");
}

#[test]
fn empty_file_means_all_defaults() {
    let c = parse("").unwrap();
    assert_eq!(c.port, 2633);
    assert_eq!(c.default_umask, 0o177);
    assert!(c.vm_mads.is_empty());
    assert!(!c.vm_restricted_attr.is_empty());
    // Defaults show in system.config.
    assert!(c.raw.contains("PORT"));
}

#[test]
fn values_override_defaults() {
    let c = parse("PORT = 2700\nLISTEN_ADDRESS = \"127.0.0.1\"\nDB = [ TIMEOUT = 10, SYNC = \"normal\" ]\nMAC_PREFIX = \"0a:1B\"\nDEFAULT_UMASK = 007\n").unwrap();
    assert_eq!(c.port, 2700);
    assert_eq!(c.listen_address, "127.0.0.1");
    assert_eq!(c.db.timeout_ms, 10);
    assert!(!c.db.sync_full);
    assert_eq!(c.db.path, Path::new("/srv/one/var/one.db"), "DB merges as a whole; PATH falls back");
    assert_eq!(c.mac_prefix, 0x0a1b);
    assert_eq!(c.default_umask, 0o7);
}

#[test]
fn restricted_list_in_file_replaces_builtin() {
    let c = parse("VM_RESTRICTED_ATTR = \"RAW\"\nVM_RESTRICTED_ATTR = \"nic/mac\"\n").unwrap();
    assert_eq!(c.vm_restricted_attr, vec!["RAW".to_string(), "NIC/MAC".to_string()]);
    assert!(!c.image_restricted_attr.is_empty(), "other lists keep their defaults");
}

#[test]
fn classic_and_modern_driver_forms() {
    let c = parse(
        "IM_MAD = [ name = \"im_kvm\", executable = \"one_im_ssh\", arguments = \"-r 3 kvm\" ]\n\
         VM_MAD = [ NAME = \"kvm\", EXECUTABLE = \"one_vmm_exec\", ARGUMENTS = \"-t 15 kvm\", DEFAULT = \"vmm_exec/vmm_exec_kvm.conf\", TYPE = \"kvm\" ]\n\
         TM_MAD = [ EXECUTABLE = \"one_tm\", ARGUMENTS = \"-t 15 -d dummy,ssh\" ]\n",
    )
    .unwrap();
    assert_eq!(c.im_mads[0].name, "im_kvm");
    assert_eq!(c.im_mads[0].executable, "one_im_ssh");
    assert_eq!(c.im_mads[0].arguments, "-r 3 kvm");
    assert_eq!(c.vm_mads[0].mad_type.as_deref(), Some("kvm"));
    assert_eq!(c.tm_mads[0].name, "tm");
}

fn err(text: &str) -> String {
    parse(text).unwrap_err().to_string()
}

#[test]
fn syntax_error_is_located() {
    let e = err("PORT = 2633\nDB = [ BACKEND = \"sqlite\"\n");
    assert!(e.starts_with("etc/oned.conf:"), "{e}");
    let e = err("PORT = 2633\n\n  = 3\n");
    assert!(e.starts_with("etc/oned.conf:3:"), "{e}");
}

#[test]
fn type_errors_are_located_at_the_attribute() {
    assert_eq!(err("\nPORT = abc\n"), "etc/oned.conf:2:1: PORT must be an integer between 1 and 65535, not \"abc\"");
    assert!(err("PORT = 70000").contains("PORT must be an integer"));
    assert!(err("PORT = [ A = 1 ]").contains("PORT must be a single value"));
    assert!(err("MAC_PREFIX = \"02:0\"").contains("MAC_PREFIX must be two hexadecimal bytes"));
    assert!(err("DEFAULT_UMASK = 999").contains("DEFAULT_UMASK must be three octal digits"));
    assert!(err("LISTEN_ADDRESS = here").contains("LISTEN_ADDRESS must be an IP address"));
    assert!(err("DB = [ BACKEND = \"mysql\" ]").contains("not supported"));
    assert!(err("DB = \"sqlite\"").contains("DB must be a vector"));
    assert!(err("LOG = [ DEBUG_LEVEL = 9 ]").contains("LOG/DEBUG_LEVEL must be an integer between 0 and 5"));
    assert!(err("API_LIST_ORDER = \"UP\"").contains("API_LIST_ORDER"));
}

#[test]
fn driver_errors() {
    assert!(err("VM_MAD = [ EXECUTABLE = \"x\" ]").contains("VM_MAD needs NAME"));
    assert!(err("IM_MAD = [ NAME = \"a\" ]").contains("IM_MAD needs EXECUTABLE"));
    assert!(
        err("IM_MAD = [ NAME = \"a\", EXECUTABLE = \"x\" ]\nIM_MAD = [ NAME = \"a\", EXECUTABLE = \"y\" ]")
            .contains("defined twice")
    );
    assert!(err("VM_MAD = [ NAME = \"a\", EXECUTABLE = \"x\", THREADS = 0 ]").contains("THREADS"));
}

#[test]
fn unknown_keys_are_kept() {
    let c = parse("MY_SITE_KEY = \"x\"\n").unwrap();
    assert_eq!(c.raw.get("MY_SITE_KEY"), Some("x"));
    assert_eq!(c.warnings, ["etc/oned.conf:1:1: unknown attribute MY_SITE_KEY is kept but not used"]);
}

/// An oned.conf of OpenNebula 1.4 (its keys, its layout).
const CLASSIC: &str = "HOST_MONITORING_INTERVAL = 7\n\
                       VM_POLLING_INTERVAL      = 11\n\
                       VM_DIR=/srv/cloud/one/var \n\
                       PORT=2633\n\
                       DB = [ backend = \"sqlite\" ]\n\
                       DEBUG_LEVEL=1\n\
                       NETWORK_SIZE = 100\n";

#[test]
fn classic_keys_are_read_as_todays() {
    let c = parse(CLASSIC).unwrap();
    assert_eq!(c.monitoring_interval_host, 7);
    assert_eq!(c.monitoring_interval_vm, 11);
    assert_eq!(c.vms_dir, Path::new("/srv/cloud/one/var"));
    assert_eq!(c.log.debug_level, 1);
    assert_eq!(c.log.system, LogSystem::File, "the rest of LOG keeps its defaults");
    assert_eq!(c.network_size, 100);
    // one.system.config shows today's names with the file's values
    assert_eq!(c.raw.get("MONITORING_INTERVAL_HOST"), Some("7"));
    assert_eq!(c.raw.get("MONITORING_INTERVAL_VM"), Some("11"));
    assert_eq!(c.raw.vector("LOG").and_then(|v| v.get("DEBUG_LEVEL")), Some("1"));
    assert_eq!(c.raw.get("NETWORK_SIZE"), Some("100"));
    assert_eq!(c.raw.get("VM_DIR"), Some("/srv/cloud/one/var"));
    for gone in ["HOST_MONITORING_INTERVAL", "VM_POLLING_INTERVAL", "DEBUG_LEVEL"] {
        assert!(!c.raw.contains(gone), "{gone} is shown under today's name");
    }
    assert_eq!(c.raw.iter().filter(|a| a.name() == "MONITORING_INTERVAL_HOST").count(), 1, "no default left beside it");
    // one warning per classic key, with file:line and today's key; none for NETWORK_SIZE
    assert_eq!(
        c.warnings,
        [
            "etc/oned.conf:1: HOST_MONITORING_INTERVAL is deprecated (OpenNebula 1.4), read as MONITORING_INTERVAL_HOST; rename it",
            "etc/oned.conf:2: VM_POLLING_INTERVAL is deprecated (OpenNebula 1.4), read as MONITORING_INTERVAL_VM; rename it",
            "etc/oned.conf:3: VM_DIR is deprecated (OpenNebula 1.4), still read as the VMs' directory on the front-end \
             (default <var>/vms): OpenNebula 7 has no key for it",
            "etc/oned.conf:6: DEBUG_LEVEL is deprecated (OpenNebula 1.4), read as LOG/DEBUG_LEVEL; move it into LOG = [ ... ]",
        ]
    );
}

#[test]
fn todays_keys_win_over_classic_ones() {
    let c = parse(
        "HOST_MONITORING_INTERVAL = 7\nMONITORING_INTERVAL_HOST = 60\nLOG = [ SYSTEM = \"std\", DEBUG_LEVEL = 2 ]\n\
         DEBUG_LEVEL = 0\nVM_POLLING_INTERVAL = 11\nMONITORING_INTERVAL_VM = 30\n",
    )
    .unwrap();
    assert_eq!(c.monitoring_interval_host, 60);
    assert_eq!(c.monitoring_interval_vm, 30);
    assert_eq!((c.log.system, c.log.debug_level), (LogSystem::Std, 2));
    assert_eq!(c.raw.get("MONITORING_INTERVAL_HOST"), Some("60"));
    assert!(!c.raw.contains("HOST_MONITORING_INTERVAL") && !c.raw.contains("DEBUG_LEVEL"));
    assert_eq!(
        c.warnings,
        [
            "etc/oned.conf:1: HOST_MONITORING_INTERVAL is deprecated (OpenNebula 1.4) and ignored: MONITORING_INTERVAL_HOST (line 2) is set too and wins",
            "etc/oned.conf:4: DEBUG_LEVEL is deprecated (OpenNebula 1.4) and ignored: LOG/DEBUG_LEVEL (line 3) is set too and wins",
            "etc/oned.conf:5: VM_POLLING_INTERVAL is deprecated (OpenNebula 1.4) and ignored: MONITORING_INTERVAL_VM (line 6) is set too and wins",
        ]
    );
}

#[test]
fn classic_debug_level_goes_into_the_files_log() {
    let c = parse("LOG = [ SYSTEM = \"std\" ]\nDEBUG_LEVEL = 4\n").unwrap();
    assert_eq!((c.log.system, c.log.debug_level), (LogSystem::Std, 4));
    assert_eq!(c.raw.vector("LOG").and_then(|v| v.get("DEBUG_LEVEL")), Some("4"));
    assert_eq!(c.raw.iter().filter(|a| a.name() == "LOG").count(), 1);
    assert_eq!(c.warnings.len(), 1);
}

#[test]
fn classic_vm_polling_of_zero_keeps_the_default() {
    // OpenNebula 1.4 read 0 as "no VM polling"; today's key must be at least 1.
    let c = parse("VM_POLLING_INTERVAL = 0\n").unwrap();
    assert_eq!(c.monitoring_interval_vm, 180);
    assert_eq!(c.raw.get("MONITORING_INTERVAL_VM"), Some("180"));
    assert_eq!(
        c.warnings,
        ["etc/oned.conf:1: VM_POLLING_INTERVAL is deprecated (OpenNebula 1.4) and its 0 (no VM polling) is ignored: \
          MONITORING_INTERVAL_VM keeps its default"]
    );
}

#[test]
fn classic_key_errors_name_the_key_in_the_file() {
    assert_eq!(
        err("PORT = 2633\nHOST_MONITORING_INTERVAL = often\n"),
        "etc/oned.conf:2:1: MONITORING_INTERVAL_HOST must be an integer between 1 and 604800, not \"often\" \
         (HOST_MONITORING_INTERVAL, OpenNebula 1.4's name, is read as MONITORING_INTERVAL_HOST)"
    );
    assert_eq!(
        err("LOG = [ SYSTEM = \"std\" ]\nDEBUG_LEVEL = 9\n"),
        "etc/oned.conf:2:1: DEBUG_LEVEL (OpenNebula 1.4's LOG/DEBUG_LEVEL) must be an integer between 0 and 5, not \"9\""
    );
    assert!(err("DEBUG_LEVEL = [ A = 1 ]").contains("DEBUG_LEVEL must be a single value"));
    assert_eq!(err("VM_DIR = \"\"\n"), "etc/oned.conf:1:1: VM_DIR cannot be empty");
}

#[test]
fn vm_dir_relative_to_var() {
    assert_eq!(parse("VM_DIR = \"old-vms\"\n").unwrap().vms_dir, Path::new("/srv/one/var/old-vms"));
    assert_eq!(parse("").unwrap().vms_dir, Path::new("/srv/one/var/vms"));
}

#[test]
fn mac_prefix_parser() {
    assert_eq!(parse_mac_prefix("02:00"), Some(0x0200));
    assert_eq!(parse_mac_prefix("ff:FF"), Some(0xffff));
    assert_eq!(parse_mac_prefix("2:00"), None);
    assert_eq!(parse_mac_prefix("0200"), None);
    assert_eq!(parse_mac_prefix("zz:00"), None);
}

#[test]
fn storage_driver_entries_of_the_shipped_file_are_opennebulas() {
    let c = parse(SHIPPED_ONED_CONF).unwrap();
    for name in ["dummy", "local", "shared", "ssh", "qcow2", "fs_lvm", "fs_lvm_ssh", "ceph", "dev", "iscsi_libvirt"] {
        assert!(c.storage.tm(name).is_some(), "TM_MAD_CONF {name}");
    }
    for name in ["dummy", "fs", "ceph", "dev", "iscsi_libvirt", "lvm", "restic", "rsync"] {
        assert!(c.storage.ds(name).is_some(), "DS_MAD_CONF {name}");
    }
    let ssh = c.storage.tm("ssh").unwrap();
    assert_eq!(
        (ssh.shared, ssh.ln_target, ssh.clone_target),
        (Some(false), Some(TmTarget::System), Some(TmTarget::System))
    );
    assert_eq!(ssh.allow_orphans.as_deref(), Some("YES"));
    let qcow2 = c.storage.tm("qcow2").unwrap();
    assert_eq!(
        (qcow2.shared, qcow2.ln_target, qcow2.driver.as_deref()),
        (Some(true), Some(TmTarget::None), Some("qcow2"))
    );
    assert_eq!(qcow2.tm_mad_system.as_deref(), Some("ssh"));
    assert_eq!(qcow2.system_modes[0].tm_mad, "SSH");
    assert_eq!(qcow2.system_modes[0].disk_type.as_deref(), Some("FILE"));
    assert_eq!(c.storage.tm("fs_lvm").unwrap().disk_type, Some(DiskType::Block));
    assert_eq!(c.storage.tm("virtiofs").unwrap().disk_type, Some(DiskType::Filesystem), "\"filesystem\", any case");
    let dev = c.storage.ds("dev").unwrap();
    assert_eq!((dev.required_attrs.as_slice(), dev.persistent_only), (&["DISK_TYPE".to_string()][..], true));
    assert_eq!(c.storage.ds("iscsi_libvirt").unwrap().required_attrs, ["DISK_TYPE", "ISCSI_HOST"]);
    assert_eq!(c.storage.ds("fs").unwrap().marketplace_actions, ["export"]);
    assert!(c.storage.ds("fs").unwrap().required_attrs.is_empty());
    assert_eq!(c.storage.ds("virtiofs").unwrap().capacity_check, Some(false));
    // The built-in entries are the shipped ones: an oned.conf without these keys gets the same.
    assert_eq!(parse("").unwrap().storage, c.storage);
    assert_eq!(StorageConf::builtin(), c.storage);
    // ... and they show in one.system.config.
    assert_eq!(c.raw.get_all("TM_MAD_CONF").count(), c.storage.tm.len());
}

#[test]
fn storage_driver_entries_merge_with_the_builtin_ones_by_name() {
    let c = parse(
        "TM_MAD_CONF = [ NAME = \"SSH\", LN_TARGET = \"self\", CLONE_TARGET = \"none\", SHARED = \"yes\" ]\n\
         TM_MAD_CONF = [ NAME = \"mytm\", LN_TARGET = \"NONE\", CLONE_TARGET = \"SYSTEM\", SHARED = \"NO\" ]\n\
         DS_MAD_CONF = [ NAME = \"myds\", REQUIRED_ATTRS = \" pool_name , bridge_list\", PERSISTENT_ONLY = \"yes\" ]\n",
    )
    .unwrap();
    // The file's entry replaces the built-in one of the same name (any case) ...
    let ssh = c.storage.tm("ssh").unwrap();
    assert_eq!(ssh.name, "SSH");
    assert_eq!(
        (ssh.shared, ssh.ln_target, ssh.clone_target),
        (Some(true), Some(TmTarget::SelfDs), Some(TmTarget::None))
    );
    assert_eq!(ssh.allow_orphans, None, "nothing of the built-in ssh entry is kept");
    assert_eq!(c.storage.tm.iter().filter(|t| t.name.eq_ignore_ascii_case("ssh")).count(), 1);
    // ... new names are added, and the other built-in entries stay.
    assert_eq!(c.storage.tm("MyTm").unwrap().shared, Some(false));
    assert!(c.storage.tm("qcow2").is_some() && c.storage.ds("fs").is_some());
    let myds = c.storage.ds("myds").unwrap();
    assert_eq!(myds.required_attrs, ["POOL_NAME", "BRIDGE_LIST"]);
    assert!(myds.persistent_only);
    assert_eq!(c.storage.tm[0].name, "SSH", "the file's entries come first");
    assert_eq!(c.warnings, Vec::<String>::new());
}

#[test]
fn storage_driver_entry_errors() {
    assert_eq!(
        err("\nTM_MAD_CONF = [ NAME = \"x\", LN_TARGET = \"HOST\", CLONE_TARGET = \"SYSTEM\", SHARED = \"NO\" ]"),
        "etc/oned.conf:2:1: TM_MAD_CONF \"x\"/LN_TARGET must be \"NONE\", \"SELF\" or \"SYSTEM\", not \"HOST\""
    );
    assert!(err("TM_MAD_CONF = [ NAME = \"x\", CLONE_TARGET = \"ALL\" ]").contains("CLONE_TARGET must be"));
    assert!(
        err("TM_MAD_CONF = [ NAME = \"x\", SHARED = \"maybe\" ]")
            .contains("TM_MAD_CONF \"x\"/SHARED must be \"YES\" or \"NO\", not \"maybe\"")
    );
    assert!(err("TM_MAD_CONF = [ NAME = \"x\", DS_MIGRATE = \"1\" ]").contains("DS_MIGRATE must be \"YES\" or \"NO\""));
    assert!(
        err("TM_MAD_CONF = [ NAME = \"x\", ALLOW_ORPHANS = \"SOMETIMES\" ]").contains("ALLOW_ORPHANS must be one of")
    );
    assert!(
        err("TM_MAD_CONF = [ NAME = \"x\", DISK_TYPE = \"FLOPPY\" ]")
            .contains("DISK_TYPE \"FLOPPY\" is not a disk type")
    );
    assert!(
        err("TM_MAD_CONF = [ NAME = \"x\", TM_MAD_SYSTEM = \"ssh\", LN_TARGET_SSH = \"HOST\" ]")
            .contains("TM_MAD_CONF \"x\"/LN_TARGET_SSH must be")
    );
    assert!(err("TM_MAD_CONF = [ LN_TARGET = \"NONE\" ]").contains("TM_MAD_CONF needs NAME"));
    assert!(err("TM_MAD_CONF = \"ssh\"").contains("TM_MAD_CONF must be a vector"));
    assert!(
        err("TM_MAD_CONF = [ NAME = \"x\" ]\nTM_MAD_CONF = [ NAME = \"X\" ]")
            .contains("TM_MAD_CONF \"X\" is defined twice")
    );
    assert!(
        err("DS_MAD_CONF = [ NAME = \"d\", PERSISTENT_ONLY = \"sometimes\" ]")
            .contains("DS_MAD_CONF \"d\"/PERSISTENT_ONLY must be \"YES\" or \"NO\"")
    );
    assert!(err("DS_MAD_CONF = [ REQUIRED_ATTRS = \"A\" ]").contains("DS_MAD_CONF needs NAME"));
    assert!(err("DS_MAD_CONF = [ NAME = \"d\" ]\nDS_MAD_CONF = [ NAME = \"d\" ]").contains("defined twice"));
}

#[test]
fn storage_driver_entry_without_a_target_is_a_warning() {
    // OpenNebula reads such an entry and refuses the datastores that need the missing key.
    let c = parse("TM_MAD_CONF = [ NAME = \"half\", SHARED = \"YES\", TM_MAD_SYSTEM = \"ssh\" ]\n").unwrap();
    assert_eq!(c.storage.tm("half").unwrap().ln_target, None);
    assert_eq!(
        c.warnings,
        ["etc/oned.conf:1:1: TM_MAD_CONF \"half\" has no LN_TARGET, CLONE_TARGET, LN_TARGET_SSH, CLONE_TARGET_SSH, \
          DISK_TYPE_SSH: datastores using it will be refused"]
    );
}
