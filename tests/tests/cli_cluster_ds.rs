//! `onecluster` and `onedatastore` against a real oned.

use e2e::{as_int, front_end, i, s};

/// The CSV rows (no header) of `tool list -l cols`.
fn rows(loc: &e2e::Location, tool: &str, cols: &str) -> String {
    loc.cli(tool, &["list", "--csv", "--no-header", "-l", cols]).ok().to_string()
}

#[test]
fn onecluster_create_list_show_and_members() {
    let (loc, _oned, _state) = front_end();
    assert_eq!(loc.cli("onecluster", &["create", "c1"]).ok(), "ID: 100\n");
    let list = loc.cli("onecluster", &["list"]).ok().to_string();
    assert_eq!(
        list,
        "  ID NAME                 HOSTS      VNETS DATASTORES\n \
         100 c1                       0          0          0\n   \
           0 default                  0          0          3\n"
    );

    // Hosts: one registered with onehost, one over XML-RPC.
    loc.cli("onehost", &["create", "h1", "-i", "dummy", "-v", "dummy"]).ok();
    let c = loc.client();
    let h2 = as_int(&c.call("one.host.allocate", vec![s("h2"), s("dummy"), s("dummy"), i(-1)]).expect("host"));
    assert_eq!(h2, 1);
    loc.cli("onecluster", &["addhost", "c1", "h1,1"]).ok();
    assert_eq!(rows(&loc, "onecluster", "NAME,HOSTS"), "c1,2\ndefault,0\n");
    assert_eq!(rows(&loc, "onehost", "NAME,CLUSTER"), "h2,c1\nh1,c1\n");
    let show = loc.cli("onecluster", &["show", "c1"]).ok().to_string();
    for needle in [
        "CLUSTER 100 INFORMATION\nID                    : 100\nNAME                  : c1\n",
        "\nCLUSTER RESOURCES\nTOTAL CPUs: ",
        "\nCLUSTER TEMPLATE\nRESERVED_CPU=\"\"\nRESERVED_MEM=\"\"\n",
        "\nHOSTS\n0\n1\n\nVNETS\n\nDATASTORES\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    // A cluster with hosts cannot be deleted.
    let err = loc.cli("onecluster", &["delete", "c1"]).fails(1).to_string();
    assert!(err.contains("[one.cluster.delete]") && err.contains("not empty, it contains 2 hosts"), "{err}");
    loc.cli("onecluster", &["delhost", "c1", "h2"]).ok();
    assert_eq!(rows(&loc, "onecluster", "NAME,HOSTS"), "c1,1\ndefault,1\n");
    assert_eq!(rows(&loc, "onehost", "NAME,CLUSTER"), "h2,default\nh1,c1\n");

    // Virtual networks (created over XML-RPC) and datastores.
    let vnet = as_int(
        &c.call("one.vn.allocate", vec![s("NAME = net1\nVN_MAD = dummy\nBRIDGE = br0\n"), i(-1)]).expect("vnet"),
    );
    loc.cli("onecluster", &["addvnet", "c1", "net1"]).ok();
    loc.cli("onecluster", &["adddatastore", "c1", "default,files"]).ok();
    assert_eq!(rows(&loc, "onecluster", "NAME,HOSTS,VNETS,DATASTORES"), "c1,1,1,2\ndefault,1,1,3\n");
    let show = loc.cli("onecluster", &["show", "100"]).ok().to_string();
    assert!(show.contains(&format!("\nHOSTS\n0\n\nVNETS\n{vnet}\n\nDATASTORES\n1\n2\n")), "{show}");
    assert_eq!(rows(&loc, "onedatastore", "NAME,CLUSTERS"), "files,\"0,100\"\ndefault,\"0,100\"\nsystem,0\n");
    loc.cli("onecluster", &["delvnet", "c1", &vnet.to_string()]).ok();
    loc.cli("onecluster", &["deldatastore", "c1", "1..2"]).ok();
    assert_eq!(rows(&loc, "onecluster", "NAME,HOSTS,VNETS,DATASTORES"), "c1,1,0,0\ndefault,1,1,3\n");

    // update --append, rename (hosts follow the new name), XML and JSON.
    let tmpl = loc.path().join("c.tmpl");
    std::fs::write(&tmpl, "RESERVED_CPU = \"10\"\nZONE_NOTE = \"rack 7\"\n").expect("write");
    loc.cli("onecluster", &["update", "c1", tmpl.to_str().expect("utf8"), "--append"]).ok();
    assert!(
        loc.cli("onecluster", &["show", "c1"])
            .ok()
            .contains("\nCLUSTER TEMPLATE\nRESERVED_CPU=\"10\"\nRESERVED_MEM=\"\"\nZONE_NOTE=\"rack 7\"\n")
    );
    loc.cli("onecluster", &["rename", "c1", "rack7"]).ok();
    assert_eq!(rows(&loc, "onehost", "NAME,CLUSTER"), "h2,default\nh1,rack7\n");
    assert!(loc.cli("onecluster", &["list", "-x"]).ok().starts_with("<CLUSTER_POOL>\n  <CLUSTER>\n"));
    assert!(loc.cli("onecluster", &["show", "rack7", "-j"]).ok().contains("\"NAME\": \"rack7\""));

    // Emptied, it can be deleted.
    loc.cli("onecluster", &["delhost", "rack7", "h1"]).ok();
    loc.cli("onecluster", &["delete", "rack7"]).ok();
    assert_eq!(rows(&loc, "onecluster", "NAME"), "default\n");
}

#[test]
fn onedatastore_create_list_show_and_actions() {
    let (loc, _oned, _state) = front_end();
    let file = loc.path().join("ds1.tmpl");
    std::fs::write(&file, "NAME=ds1\nDS_MAD=fs\nTM_MAD=local\nTYPE=IMAGE_DS\n").expect("write");
    assert_eq!(loc.cli("onedatastore", &["create", file.to_str().expect("utf8")]).ok(), "ID: 100\n");
    let list = loc.cli("onedatastore", &["list"]).ok().to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[0], "  ID NAME              SIZE AVA CLUSTERS IMAGES TYPE DS      TM      STAT");
    assert_eq!(lines[1], " 100 ds1                 0M -   0             0 img  fs      local   on");
    assert_eq!(lines.len(), 5, "{list}");

    // --cluster, and a template from stdin.
    loc.cli("onecluster", &["create", "c1"]).ok();
    let out = loc
        .cli_stdin(
            "onedatastore",
            &["create", "-", "--cluster", "c1"],
            "NAME = sys1\nTM_MAD = local\nTYPE = SYSTEM_DS\n",
        )
        .ok()
        .to_string();
    assert_eq!(out, "ID: 101\n");
    assert_eq!(
        rows(&loc, "onedatastore", "NAME,CLUSTERS,TYPE,DS,TM"),
        "sys1,100,sys,-,local\nds1,0,img,fs,local\nfiles,0,fil,fs,local\ndefault,0,img,fs,local\nsystem,0,sys,-,local\n"
    );
    assert_eq!(rows(&loc, "onecluster", "NAME,DATASTORES"), "c1,1\ndefault,4\n");

    // disable / enable.
    loc.cli("onedatastore", &["disable", "ds1"]).ok();
    assert_eq!(
        loc.cli("onedatastore", &["list", "--csv", "--no-header", "-l", "STAT", "--filter", "NAME=ds1"]).ok(),
        "off\n"
    );
    assert!(loc.cli("onedatastore", &["show", "ds1"]).ok().contains("STATE                 : DISABLED\n"));
    loc.cli("onedatastore", &["enable", "100"]).ok();
    assert_eq!(
        loc.cli("onedatastore", &["list", "--csv", "--no-header", "-l", "STAT", "--filter", "NAME=ds1"]).ok(),
        "on\n"
    );

    // show's sections.
    let show = loc.cli("onedatastore", &["show", "ds1"]).ok().to_string();
    for needle in [
        "DATASTORE 100 INFORMATION\nID                    : 100\nNAME                  : ds1\nUSER                  : oneadmin\nGROUP                 : oneadmin\nCLUSTERS              : 0\nTYPE                  : IMAGE\nDS_MAD                : fs\nTM_MAD                : local\n",
        "BASE PATH             : ",
        "DISK_TYPE             : FILE\nSTATE                 : READY\n",
        "\nDATASTORE CAPACITY\nTOTAL                 : 0M\nFREE                  : 0M\nUSED                  : 0M\nLIMIT                 : -\n",
        "\nPERMISSIONS\nOWNER                 : um-\nGROUP                 : u--\nOTHER                 : ---\n",
        "\nDATASTORE TEMPLATE\n",
        "TYPE=\"IMAGE_DS\"\n",
        "\nIMAGES\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }

    // chmod, chown, chgrp.
    loc.cli("onedatastore", &["chmod", "ds1", "664"]).ok();
    let show = loc.cli("onedatastore", &["show", "ds1"]).ok().to_string();
    assert!(
        show.contains("OWNER                 : um-\nGROUP                 : um-\nOTHER                 : u--\n"),
        "{show}"
    );
    loc.cli("oneuser", &["create", "alice", "pw"]).ok();
    loc.cli("onedatastore", &["chown", "ds1,sys1", "alice"]).ok();
    assert_eq!(
        rows(&loc, "onedatastore", "NAME,USER,GROUP").lines().take(2).collect::<Vec<_>>(),
        ["sys1,alice,oneadmin", "ds1,alice,oneadmin"]
    );
    loc.cli("onedatastore", &["chgrp", "ds1", "users"]).ok();
    loc.cli("onedatastore", &["chown", "sys1", "oneadmin", "users"]).ok();
    assert_eq!(
        rows(&loc, "onedatastore", "NAME,USER,GROUP").lines().take(2).collect::<Vec<_>>(),
        ["sys1,oneadmin,users", "ds1,alice,users"]
    );
    // alice owns ds1 now: she can rename it, oned checks her rights on the other.
    loc.cli("onedatastore", &["rename", "ds1", "images1", "--user", "alice", "--password", "pw"]).ok();
    assert!(!loc.cli("onedatastore", &["rename", "0", "x", "--user", "alice", "--password", "pw"]).fails(1).is_empty());

    // update --append; replace.
    let tmpl = loc.path().join("u.tmpl");
    std::fs::write(&tmpl, "LIMIT_MB = 2048\n").expect("write");
    loc.cli("onedatastore", &["update", "images1", tmpl.to_str().expect("utf8"), "-a"]).ok();
    let show = loc.cli("onedatastore", &["show", "images1"]).ok().to_string();
    assert!(
        show.contains("LIMIT                 : 2G\n")
            && show.contains("LIMIT_MB=\"2048\"\n")
            && show.contains("DS_MAD=\"fs\"\n"),
        "{show}"
    );
    assert!(loc.cli("onedatastore", &["list", "-x"]).ok().starts_with("<DATASTORE_POOL>\n  <DATASTORE>\n"));
    assert!(loc.cli("onedatastore", &["show", "images1", "-j"]).ok().contains("\"NAME\": \"images1\""));

    // delete.
    loc.cli("onedatastore", &["delete", "images1", "sys1"]).ok();
    assert_eq!(rows(&loc, "onedatastore", "NAME"), "files\ndefault\nsystem\n");
    assert_eq!(rows(&loc, "onecluster", "NAME,DATASTORES"), "c1,0\ndefault,3\n");
}

#[test]
fn onecluster_onedatastore_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    let file = loc.path().join("ds1.tmpl");
    std::fs::write(&file, "NAME=ds1\nDS_MAD=fs\nTM_MAD=local\nTYPE=IMAGE_DS\n").expect("write");
    let f = file.to_str().expect("utf8");
    loc.cli("onedatastore", &["create", f]).ok();
    loc.cli("onecluster", &["create", "c1"]).ok();

    // oned's errors, printed as-is, exit 1.
    let err = loc.cli("onedatastore", &["create", f]).fails(1).to_string();
    assert!(err.contains("[one.datastore.allocate]") && err.contains("NAME is already taken"), "{err}");
    let nomad = loc.path().join("nomad.tmpl");
    std::fs::write(&nomad, "NAME = ds2\nTM_MAD = local\n").expect("write");
    assert!(
        loc.cli("onedatastore", &["create", nomad.to_str().expect("utf8")]).fails(1).contains("No DS_MAD in template.")
    );
    assert!(loc.cli("onedatastore", &["show", "77"]).fails(1).contains("[one.datastore.info]"));
    assert!(loc.cli("onecluster", &["create", "c1"]).fails(1).contains("[one.cluster.allocate]"));
    assert!(
        loc.cli("onecluster", &["delete", "default"])
            .fails(1)
            .contains("System Clusters (ID < 100) cannot be deleted.")
    );
    assert!(loc.cli("onecluster", &["addhost", "c1", "42"]).fails(1).contains("[one.cluster.addhost]"));
    loc.cli("onehost", &["create", "h1", "-i", "dummy", "-v", "dummy"]).ok();
    assert!(loc.cli("onecluster", &["delhost", "c1", "h1"]).fails(1).contains("Host 0 is not in cluster 100."));
    // Several objects: each failure reported, the others still done.
    let err = loc.cli("onedatastore", &["disable", "100,77"]).fails(1).to_string();
    assert!(err.contains("DATASTORE 77:"), "{err}");
    assert_eq!(
        loc.cli("onedatastore", &["list", "--csv", "--no-header", "-l", "STAT", "--filter", "ID=100"]).ok(),
        "off\n"
    );

    // Local usage errors, exit 2: unknown names, template syntax, files, modes, arguments.
    assert!(loc.cli("onecluster", &["addhost", "c1", "nohost"]).fails(2).contains("HOST named nohost not found."));
    assert!(loc.cli("onecluster", &["addvnet", "c1", "nonet"]).fails(2).contains("VNET named nonet not found."));
    assert!(
        loc.cli("onecluster", &["adddatastore", "nocluster", "ds1"])
            .fails(2)
            .contains("CLUSTER named nocluster not found.")
    );
    assert!(
        loc.cli("onedatastore", &["create", f, "--cluster", "nocluster"])
            .fails(2)
            .contains("CLUSTER named nocluster not found.")
    );
    assert!(loc.cli("onedatastore", &["show", "nods"]).fails(2).contains("DATASTORE named nods not found."));
    let bad = loc.path().join("bad.tmpl");
    std::fs::write(&bad, "NAME = ds3\nDS_MAD = [ fs\n").expect("write");
    let err = loc.cli("onedatastore", &["create", bad.to_str().expect("utf8")]).fails(2).to_string();
    assert!(err.contains("bad.tmpl: line ") && err.contains("DS_MAD"), "{err}");
    assert!(loc.cli("onecluster", &["update", "c1", bad.to_str().expect("utf8")]).fails(2).contains("bad.tmpl"));
    assert!(loc.cli("onedatastore", &["create", "/nonexistent/ds.tmpl"]).fails(2).contains("/nonexistent/ds.tmpl"));
    assert!(loc.cli("onedatastore", &["chmod", "ds1", "99"]).fails(2).contains("bad mode"));
    assert!(loc.cli("onedatastore", &["chown", "ds1", "nobody"]).fails(2).contains("USER named nobody not found."));
    assert!(!loc.cli("onecluster", &["addhost", "c1"]).fails(2).is_empty());
    assert!(loc.cli("onedatastore", &["list", "--filter", "STAT"]).fails(2).contains("bad filter"));
    // Nothing was created by the failed calls.
    assert_eq!(rows(&loc, "onedatastore", "NAME"), "ds1\nfiles\ndefault\nsystem\n");
    assert_eq!(rows(&loc, "onecluster", "NAME,HOSTS,DATASTORES"), "c1,0,0\ndefault,1,4\n");
}
