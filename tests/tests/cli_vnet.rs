//! `onevnet` against a real oned: networks, address ranges, leases, reservations and the
//! common actions.

use e2e::{Location, front_end};

fn write(loc: &Location, name: &str, text: &str) -> String {
    let p = loc.path().join(name);
    std::fs::write(&p, text).expect("write");
    p.display().to_string()
}

/// One column of one network, as CSV without header.
fn cell(loc: &Location, vnet: &str, col: &str) -> String {
    let out = loc.cli("onevnet", &["list", "--csv", "--no-header", "-l", &format!("NAME,{col}")]).ok().to_string();
    out.lines()
        .find_map(|l| l.strip_prefix(&format!("{vnet},")))
        .unwrap_or_else(|| panic!("{vnet} not in\n{out}"))
        .to_string()
}

const NET: &str =
    "NAME = \"net\"\nVN_MAD = \"dummy\"\nBRIDGE = \"br0\"\nAR = [ TYPE = \"IP4\", IP = \"10.0.0.1\", SIZE = \"10\" ]\n";

#[test]
fn onevnet_create_list_show_and_address_ranges() {
    let (loc, _oned, _state) = front_end();
    let f = write(&loc, "net.tmpl", NET);
    assert_eq!(loc.cli("onevnet", &["create", &f]).ok(), "ID: 0\n");
    let eth = "NAME = \"eth\"\nVN_MAD = \"dummy\"\nBRIDGE = \"br1\"\nAR = [ TYPE = \"ETHER\", SIZE = \"4\" ]\n";
    assert_eq!(loc.cli_stdin("onevnet", &["create", "-", "--cluster", "default"], eth).ok(), "ID: 1\n");

    // Default columns, newest first.
    let list = loc.cli("onevnet", &["list"]).ok().to_string();
    assert_eq!(
        list,
        "  ID USER            GROUP        NAME                CLUSTERS   BRIDGE   STATE  LEASES OUTD ERRO\n   \
         1 oneadmin        oneadmin     eth                 0          br1      rdy         0    0    0\n   \
         0 oneadmin        oneadmin     net                 0          br0      rdy         0    0    0\n"
    );
    assert_eq!(
        loc.cli("onevnet", &["list", "--csv", "-l", "ID,NAME,VN_MAD,SIZE,PARENT", "--filter", "NAME=net"]).ok(),
        "ID,NAME,VN_MAD,SIZE,PARENT\n0,net,dummy,10,-\n"
    );
    assert!(loc.cli("onevnet", &["list", "-x"]).ok().starts_with("<VNET_POOL>\n  <VNET>\n"));

    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    for needle in [
        "VIRTUAL NETWORK 0 INFORMATION\n",
        "NAME                  : net\n",
        "USER                  : oneadmin\n",
        "LOCK                  : None\n",
        "CLUSTERS              : 0\n",
        "BRIDGE                : br0\n",
        "VN_MAD                : dummy\n",
        "STATE                 : READY\n",
        "USED LEASES           : 0\n",
        "\nPERMISSIONS\nOWNER                 : um-\n",
        "\nVIRTUAL NETWORK TEMPLATE\n",
        "BRIDGE=\"br0\"\n",
        "\nADDRESS RANGE POOL\n\nAR 0\nTYPE                  : IP4\nSIZE                  : 10\nLEASES                : 0\n",
        "\nIP                                   10.0.0.1                          10.0.0.10\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    assert!(!show.contains("\nLEASES\n"), "no leases yet:\n{show}");

    // addar from options, then from a file of plain lines (wrapped into an AR).
    loc.cli("onevnet", &["addar", "net", "--size", "5", "--ip", "10.0.1.1", "--gateway", "10.0.1.254"]).ok();
    let ether = write(&loc, "ar.tmpl", "TYPE = \"ETHER\"\nSIZE = \"3\"\nMAC = \"02:00:00:00:aa:00\"\n");
    loc.cli("onevnet", &["addar", "0", &ether]).ok();
    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    assert!(show.contains("\nAR 1\nTYPE                  : IP4\nSIZE                  : 5\n"), "{show}");
    assert!(show.contains("GATEWAY               : 10.0.1.254\n"), "{show}");
    assert!(
        show.contains("IP                                   10.0.1.1                           10.0.1.5\n"),
        "{show}"
    );
    assert!(show.contains("\nAR 2\nTYPE                  : ETHER\nSIZE                  : 3\n"), "{show}");
    assert!(
        show.contains("MAC                         02:00:00:00:aa:00                  02:00:00:00:aa:02\n"),
        "{show}"
    );
    assert_eq!(cell(&loc, "net", "SIZE"), "18");

    // updatear: a new gateway for AR 1.
    let up = write(&loc, "up.tmpl", "GATEWAY = \"10.0.1.253\"\n");
    loc.cli("onevnet", &["updatear", "net", "1", &up]).ok();
    assert!(loc.cli("onevnet", &["show", "net"]).ok().contains("GATEWAY               : 10.0.1.253\n"));

    // rmar, and rmar of an AR that does not exist (oned's error).
    loc.cli("onevnet", &["rmar", "net", "2"]).ok();
    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    assert!(!show.contains("\nAR 2\n"), "{show}");
    assert_eq!(cell(&loc, "net", "SIZE"), "15");
    assert!(loc.cli("onevnet", &["rmar", "net", "2"]).fails(1).contains("Address Range does not exist"));

    // hold / release by IP and by MAC.
    loc.cli("onevnet", &["hold", "net", "10.0.0.3"]).ok();
    loc.cli("onevnet", &["hold", "net", "02:00:0a:00:01:02", "--ar-id", "1"]).ok();
    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    assert!(show.contains("\nLEASES\nAR  OWNER      MAC               IP              IP6\n"), "{show}");
    assert!(show.contains("\n0   V:-1       02:00:0a:00:00:03 10.0.0.3        -\n"), "{show}");
    assert!(show.contains("\n1   V:-1       02:00:0a:00:01:02 10.0.1.2        -\n"), "{show}");
    assert_eq!(cell(&loc, "net", "LEASES"), "2");
    let json = loc.cli("onevnet", &["show", "net", "-j"]).ok().to_string();
    assert!(json.contains("\"IP\": \"10.0.0.3\"") && json.contains("\"VM\": \"-1\""), "{json}");
    loc.cli("onevnet", &["release", "net", "10.0.0.3"]).ok();
    loc.cli("onevnet", &["release", "net", "10.0.1.2", "--ar-id", "1"]).ok();
    assert_eq!(cell(&loc, "net", "LEASES"), "0");
    assert!(!loc.cli("onevnet", &["show", "net"]).ok().contains("V:-1"));

    // A held address is not free any more.
    loc.cli("onevnet", &["hold", "net", "10.0.0.9"]).ok();
    let err = loc.cli("onevnet", &["hold", "net", "10.0.0.9"]).fails(1).to_string();
    assert!(err.contains("not part of the address range or in use"), "{err}");
    loc.cli("onevnet", &["release", "net", "10.0.0.9"]).ok();

    // reserve into a new network, then into it again by name; free one of its ranges.
    assert_eq!(
        loc.cli("onevnet", &["reserve", "net", "r1", "--size", "2", "--ar-id", "0", "--ip", "10.0.0.5"]).ok(),
        "Reservation VNET ID: 2\n"
    );
    assert_eq!(cell(&loc, "r1", "PARENT"), "0");
    assert_eq!(cell(&loc, "net", "LEASES"), "2");
    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    assert!(show.contains("\n0   N:2        02:00:0a:00:00:05 10.0.0.5        -\n"), "{show}");
    let r1 = loc.cli("onevnet", &["show", "r1"]).ok().to_string();
    assert!(r1.contains("PARENT NETWORK        : 0\n"), "{r1}");
    assert!(r1.contains("IP                                   10.0.0.5                           10.0.0.6\n"), "{r1}");
    assert_eq!(loc.cli("onevnet", &["reserve", "net", "r1", "-s", "1", "-a", "1"]).ok(), "Reservation VNET ID: 2\n");
    assert_eq!(cell(&loc, "r1", "SIZE"), "3");
    loc.cli("onevnet", &["free", "r1", "1"]).ok();
    assert_eq!(cell(&loc, "r1", "SIZE"), "2");
    assert_eq!(cell(&loc, "net", "LEASES"), "2");

    // A network with reserved addresses cannot go.
    let err = loc.cli("onevnet", &["delete", "net"]).fails(1).to_string();
    assert!(err.contains("leases in use"), "{err}");

    // update --append, rename, chown/chgrp/chmod, lock/unlock.
    let extra = write(&loc, "extra.tmpl", "DNS = \"1.1.1.1\"\n");
    loc.cli("onevnet", &["update", "net", &extra, "--append"]).ok();
    let show = loc.cli("onevnet", &["show", "net"]).ok().to_string();
    assert!(show.contains("DNS=\"1.1.1.1\"\n") && show.contains("BRIDGE=\"br0\""), "{show}");
    loc.cli("onevnet", &["rename", "eth", "ether"]).ok();
    assert_eq!(cell(&loc, "ether", "ID"), "1");
    loc.cli("onevnet", &["chown", "ether", "serveradmin", "users"]).ok();
    assert_eq!(cell(&loc, "ether", "USER"), "serveradmin");
    assert_eq!(cell(&loc, "ether", "GROUP"), "users");
    loc.cli("onevnet", &["chgrp", "1", "oneadmin"]).ok();
    assert_eq!(cell(&loc, "ether", "GROUP"), "oneadmin");
    loc.cli("onevnet", &["chmod", "ether", "604"]).ok();
    let show = loc.cli("onevnet", &["show", "ether"]).ok().to_string();
    assert!(
        show.contains("OWNER                 : um-\nGROUP                 : ---\nOTHER                 : u--\n"),
        "{show}"
    );
    loc.cli("onevnet", &["lock", "ether", "--level", "manage"]).ok();
    assert!(loc.cli("onevnet", &["show", "ether"]).ok().contains("LOCK                  : Manage\n"));
    assert!(!loc.cli("onevnet", &["rename", "ether", "e2"]).fails(1).is_empty());
    loc.cli("onevnet", &["unlock", "ether"]).ok();
    assert!(loc.cli("onevnet", &["show", "ether"]).ok().contains("LOCK                  : None\n"));

    // top stops after -n refreshes.
    let top = loc.cli("onevnet", &["top", "-n", "1", "--delay", "0.1"]).ok().to_string();
    assert!(top.starts_with("\x1b[H\x1b[2J  ID USER") && top.contains(" r1 "), "{top:?}");

    // Deleting the reservation gives its addresses back; then the parent can go.
    loc.cli("onevnet", &["delete", "r1,ether"]).ok();
    assert_eq!(cell(&loc, "net", "LEASES"), "0");
    loc.cli("onevnet", &["delete", "net"]).ok();
    assert_eq!(loc.cli("onevnet", &["list", "--no-header"]).ok(), "");
}

#[test]
fn onevnet_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    // Template syntax is checked before anything is sent.
    let bad = write(&loc, "bad.tmpl", "NAME = \"x\"\nAR = [ TYPE = \"IP4\"\n");
    assert!(!loc.cli("onevnet", &["create", &bad]).fails(2).is_empty());
    assert_eq!(loc.cli("onevnet", &["list", "--no-header"]).ok(), "");
    // oned's refusals, printed as-is.
    let no_mad = write(&loc, "nomad.tmpl", "NAME = \"x\"\nBRIDGE = \"br0\"\n");
    assert!(loc.cli("onevnet", &["create", &no_mad]).fails(1).contains("No VN_MAD in template"));
    let err = loc.cli("onevnet", &["show", "42"]).fails(1).to_string();
    assert!(err.contains("[one.vn.info]") && err.contains("42"), "{err}");
    // Unknown names and clusters, missing AR size, a file and options together: usage errors.
    assert!(loc.cli("onevnet", &["show", "nosuch"]).fails(2).contains("VNET named nosuch not found."));
    let f = write(&loc, "net.tmpl", NET);
    assert!(
        loc.cli("onevnet", &["create", &f, "--cluster", "nocluster"])
            .fails(2)
            .contains("CLUSTER named nocluster not found.")
    );
    loc.cli("onevnet", &["create", &f]).ok();
    assert!(loc.cli("onevnet", &["addar", "net"]).fails(2).contains("--size"));
    assert!(loc.cli("onevnet", &["addar", "net", &f, "--size", "3"]).fails(2).contains("not both"));
    assert!(
        loc.cli("onevnet", &["addar", "net", "--size", "3", "--ip6", "2001:db8::1"]).fails(2).contains("PREFIX_LENGTH")
    );
    // A bad range is oned's error.
    assert!(!loc.cli("onevnet", &["addar", "net", "--size", "3", "--ip", "10.0.0"]).fails(1).is_empty());
    // An address outside every range cannot be held.
    assert!(loc.cli("onevnet", &["hold", "net", "192.168.9.9"]).fails(1).contains("not part of the address range"));
    // Reservations need a size.
    assert!(!loc.cli("onevnet", &["reserve", "net", "r"]).fails(2).is_empty());
    // Duplicate names are refused by oned.
    assert!(!loc.cli("onevnet", &["create", &f]).fails(1).is_empty());
    assert_eq!(loc.cli("onevnet", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "net\n");
}
