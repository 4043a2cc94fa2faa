//! `oneuser` and `onegroup` against a real oned.

use e2e::front_end;

/// `oneuser show NAME` run as `user:password`.
fn show_as(loc: &e2e::Location, user: &str, password: &str) -> e2e::CliRun {
    loc.cli("oneuser", &["show", user, "--user", user, "--password", password])
}

/// One CSV cell of `oneuser list` for the user called `name`.
fn user_cell(loc: &e2e::Location, name: &str, col: &str) -> String {
    let filter = format!("NAME={name}");
    loc.cli("oneuser", &["list", "--csv", "--no-header", "-l", col, "--filter", &filter]).ok().trim_end().to_string()
}

#[test]
fn oneuser_create_list_show_and_credentials() {
    let (loc, _oned, _state) = front_end();
    assert_eq!(loc.cli("oneuser", &["create", "alice", "pw"]).ok(), "ID: 2\n");

    // Default layout: rows are the USER elements, quota columns from the QUOTAS rows.
    let list = loc.cli("oneuser", &["list"]).ok().to_string();
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines[0], "  ID NAME            ENAB GROUP    AUTH           VMS          MEMORY        CPU       PCI");
    assert_eq!(lines[1], "   2 alice           yes  users    core       0 /   -     0M /      -  0.0 /   -   0 /   -");
    assert_eq!(
        lines.last().copied(),
        Some("   0 oneadmin        yes  oneadmin core             -               -          -         -")
    );
    assert_eq!(lines.len(), 4, "{list}"); // alice, serveradmin, oneadmin: no QUOTAS rows
    assert_eq!(
        loc.cli("oneuser", &["list", "--csv", "-l", "NAME,ENABLED,GROUP,AUTH", "--filter", "NAME=alice"]).ok(),
        "NAME,ENABLED,GROUP,AUTH\nalice,yes,users,core\n"
    );
    let xml = loc.cli("oneuser", &["list", "-x"]).ok().to_string();
    assert!(xml.starts_with("<USER_POOL>\n  <USER>\n") && xml.contains("<QUOTAS>"), "{xml}");
    assert!(loc.cli("oneuser", &["show", "alice", "-j"]).ok().contains("\"NAME\": \"alice\""));

    // show, as oneadmin and as alice herself; without a name: the caller.
    let show = loc.cli("oneuser", &["show", "alice"]).ok().to_string();
    for needle in [
        "USER 2 INFORMATION\n",
        "NAME                  : alice\n",
        "GROUP                 : users\n",
        "PASSWORD              : $argon2id$",
        "AUTH_DRIVER           : core\n",
        "ENABLED               : Yes\n",
        "\nUSER TEMPLATE\n",
        "\nVMS USAGE & QUOTAS\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    assert!(show_as(&loc, "alice", "pw").ok().contains("NAME                  : alice\n"));
    assert!(
        loc.cli("oneuser", &["show", "--user", "alice", "--password", "pw"]).ok().starts_with("USER 2 INFORMATION\n")
    );
    assert!(loc.cli("oneuser", &["show"]).ok().starts_with("USER 0 INFORMATION\n"));

    // disable / enable.
    loc.cli("oneuser", &["disable", "alice"]).ok();
    assert_eq!(user_cell(&loc, "alice", "ENABLED"), "no");
    assert!(loc.cli("oneuser", &["show", "alice"]).ok().contains("ENABLED               : No\n"));
    assert!(show_as(&loc, "alice", "pw").fails(1).contains("authenticated"));
    loc.cli("oneuser", &["enable", "alice"]).ok();
    assert_eq!(user_cell(&loc, "alice", "ENABLED"), "yes");
    show_as(&loc, "alice", "pw").ok();

    // passwd: the new password works, the old one no longer does.
    loc.cli("oneuser", &["passwd", "alice", "newpw"]).ok();
    show_as(&loc, "alice", "pw").fails(1);
    show_as(&loc, "alice", "newpw").ok();

    // login: a token that works as a password; show lists it.
    let token = loc.cli("oneuser", &["login", "alice", "--time", "-1", "--force"]).ok().trim_end().to_string();
    assert!(token.len() >= 32 && token.chars().all(|c| c.is_ascii_alphanumeric()), "{token:?}");
    assert!(show_as(&loc, "alice", &token).ok().contains("NAME                  : alice\n"));
    let tokens = loc.cli("oneuser", &["show", "alice"]).ok().to_string();
    assert!(tokens.contains("\nTOKENS\n     ID EGID  EXPIRATION\n") && tokens.contains(" *1    forever\n"), "{tokens}");
    // The auth file is left alone.
    assert_eq!(
        std::fs::read_to_string(loc.path().join(".one/one_auth")).expect("auth"),
        format!("{}\n", loc.session())
    );
    // A token for one group; one for a group alice is not in is refused by oned.
    let group_token = loc
        .cli("oneuser", &["login", "alice", "--group", "users", "--user", "alice", "--password", "newpw"])
        .ok()
        .trim_end()
        .to_string();
    show_as(&loc, "alice", &group_token).ok();
    let show = loc.cli("oneuser", &["show", "alice"]).ok().to_string();
    assert!(show.lines().any(|l| l.get(7..14) == Some(" 1     ")), "no EGID 1 token in\n{show}");
    let err = loc
        .cli("oneuser", &["login", "alice", "--group", "0", "--user", "alice", "--password", "newpw"])
        .fails(1)
        .to_string();
    assert!(err.contains("EGID is not in user group list"), "{err}");

    // Groups: chgrp, addgroup, delgroup.
    assert_eq!(loc.cli("onegroup", &["create", "devs"]).ok(), "ID: 100\n");
    loc.cli("oneuser", &["chgrp", "alice", "devs"]).ok();
    assert_eq!(user_cell(&loc, "alice", "GROUP"), "devs");
    assert!(loc.cli("oneuser", &["show", "alice"]).ok().contains("GROUP                 : devs\n"));
    loc.cli("oneuser", &["addgroup", "alice", "users"]).ok();
    assert!(loc.cli("oneuser", &["show", "alice"]).ok().contains("SECONDARY GROUPS      : 1,100\n"));
    loc.cli("oneuser", &["delgroup", "alice", "1"]).ok();
    assert!(!loc.cli("oneuser", &["show", "alice"]).ok().contains("SECONDARY GROUPS"));

    // chauth, with and without a new password.
    loc.cli("oneuser", &["chauth", "alice", "public"]).ok();
    assert_eq!(user_cell(&loc, "alice", "AUTH"), "public");
    loc.cli("oneuser", &["chauth", "alice", "core", "pw3"]).ok();
    assert_eq!(user_cell(&loc, "alice", "AUTH"), "core");
    show_as(&loc, "alice", "pw3").ok();

    // update: from a file with --append, then replace from stdin.
    let tmpl = loc.path().join("u.tmpl");
    std::fs::write(&tmpl, "EMAIL = \"alice@example.org\"\n").expect("write");
    loc.cli("oneuser", &["update", "alice", tmpl.to_str().expect("utf8"), "--append"]).ok();
    let show = loc.cli("oneuser", &["show", "alice"]).ok().to_string();
    assert!(show.contains("EMAIL=\"alice@example.org\"") && show.contains("TOKEN_PASSWORD="), "{show}");
    loc.cli_stdin("oneuser", &["update", "alice", "-"], "PHONE = 42\n").ok();
    let show = loc.cli("oneuser", &["show", "alice"]).ok().to_string();
    assert!(show.contains("PHONE=\"42\"") && !show.contains("EMAIL="), "{show}");

    // create with a driver and a group list (first = primary), delete by name.
    assert_eq!(
        loc.cli("oneuser", &["create", "bob", "pw", "--driver", "ldap", "--group", "devs,users"]).ok(),
        "ID: 3\n"
    );
    let show = loc.cli("oneuser", &["show", "bob"]).ok().to_string();
    assert!(
        show.contains("GROUP                 : devs\n")
            && show.contains("SECONDARY GROUPS      : 1,100\n")
            && show.contains("AUTH_DRIVER           : ldap\n"),
        "{show}"
    );
    loc.cli("oneuser", &["delete", "bob"]).ok();
    assert_eq!(
        loc.cli("oneuser", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(),
        "alice\nserveradmin\noneadmin\n"
    );
}

#[test]
fn onegroup_create_list_show_admins_and_delete() {
    let (loc, _oned, _state) = front_end();
    assert_eq!(loc.cli("onegroup", &["create", "devs"]).ok(), "ID: 100\n");
    let list = loc.cli("onegroup", &["list"]).ok().to_string();
    assert_eq!(
        list,
        "  ID NAME            USERS       VMS          MEMORY         CPU\n \
         100 devs                0   0 /   -     0M /      -  0.0 /    -\n   \
           1 users               0   0 /   -     0M /      -  0.0 /    -\n   \
           0 oneadmin            2         -               -           -\n"
    );

    loc.cli("oneuser", &["create", "carol", "pw", "--group", "devs"]).ok();
    loc.cli("oneuser", &["create", "dave", "pw", "-g", "100"]).ok();
    assert_eq!(
        loc.cli("onegroup", &["list", "--csv", "-l", "NAME,USERS,ADMINS", "--filter", "ID=100"]).ok(),
        "NAME,USERS,ADMINS\ndevs,2,0\n"
    );

    loc.cli("onegroup", &["addadmin", "devs", "carol"]).ok();
    let show = loc.cli("onegroup", &["show", "devs"]).ok().to_string();
    for needle in [
        "GROUP 100 INFORMATION\nID                    : 100\nNAME                  : devs\n",
        "\nGROUP TEMPLATE\n",
        "\nUSERS\nUSER ID ADMIN\n      2 *\n      3\n",
        "\nADMINS\n2\n",
    ] {
        assert!(show.contains(needle), "{needle:?} not in\n{show}");
    }
    assert_eq!(
        loc.cli("onegroup", &["list", "--csv", "--no-header", "-l", "ADMINS", "--filter", "NAME=devs"]).ok(),
        "1\n"
    );
    // The group admin may now manage dave.
    loc.cli("oneuser", &["passwd", "dave", "pw2", "--user", "carol", "--password", "pw"]).ok();
    loc.cli("onegroup", &["deladmin", "devs", "carol"]).ok();
    assert!(
        loc.cli("onegroup", &["show", "devs"]).ok().contains("\nUSERS\nUSER ID ADMIN\n      2\n      3\n\nADMINS\n")
    );
    // No longer: by ID (carol cannot even see dave by name now).
    assert!(
        loc.cli("oneuser", &["passwd", "dave", "pw3", "--user", "carol", "--password", "pw"])
            .fails(2)
            .contains("USER named dave not found.")
    );
    assert!(
        loc.cli("oneuser", &["passwd", "3", "pw3", "--user", "carol", "--password", "pw"])
            .fails(1)
            .contains("[one.user.passwd]")
    );

    // update --append, show of the caller's group, XML and JSON.
    let tmpl = loc.path().join("g.tmpl");
    std::fs::write(&tmpl, "OWNER_TEAM = \"ops\"\n").expect("write");
    loc.cli("onegroup", &["update", "devs", tmpl.to_str().expect("utf8"), "-a"]).ok();
    assert!(loc.cli("onegroup", &["show", "100"]).ok().contains("\nGROUP TEMPLATE\nOWNER_TEAM=\"ops\"\n"));
    assert!(loc.cli("onegroup", &["show"]).ok().starts_with("GROUP 0 INFORMATION\n"));
    assert!(loc.cli("onegroup", &["list", "-x"]).ok().starts_with("<GROUP_POOL>\n  <GROUP>\n"));
    assert!(loc.cli("onegroup", &["show", "devs", "-j"]).ok().contains("\"NAME\": \"devs\""));

    // A group with users cannot be deleted; an empty one can.
    let err = loc.cli("onegroup", &["delete", "devs"]).fails(1).to_string();
    assert!(err.contains("[one.group.delete]") && err.contains("is not empty"), "{err}");
    loc.cli("oneuser", &["delete", "carol,dave"]).ok();
    loc.cli("onegroup", &["delete", "devs"]).ok();
    assert_eq!(loc.cli("onegroup", &["list", "--csv", "--no-header", "-l", "NAME"]).ok(), "users\noneadmin\n");
}

#[test]
fn oneuser_onegroup_errors_have_messages_and_exit_codes() {
    let (loc, _oned, _state) = front_end();
    loc.cli("oneuser", &["create", "alice", "pw"]).ok();
    // oned's errors, printed as-is, exit 1.
    let err = loc.cli("oneuser", &["create", "alice", "other"]).fails(1).to_string();
    assert!(err.contains("[one.user.allocate]") && err.contains("NAME is already taken"), "{err}");
    assert!(loc.cli("oneuser", &["create", "bob", "a b"]).fails(1).contains("Invalid password"));
    assert!(loc.cli("oneuser", &["delete", "oneadmin"]).fails(1).contains("oneadmin cannot be deleted"));
    assert!(loc.cli("oneuser", &["disable", "0"]).fails(1).contains("Cannot enable/disable oneadmin"));
    assert!(loc.cli("oneuser", &["delgroup", "alice", "users"]).fails(1).contains("primary group"));
    assert!(loc.cli("oneuser", &["addgroup", "alice", "users"]).fails(1).contains("already in this group"));
    assert!(loc.cli("oneuser", &["show", "42"]).fails(1).contains("[one.user.info]"));
    assert!(loc.cli("oneuser", &["login", "nosuch"]).fails(1).contains("[one.user.login]"));
    loc.cli("onegroup", &["create", "devs"]).ok();
    assert!(loc.cli("onegroup", &["create", "devs"]).fails(1).contains("[one.group.allocate]"));
    assert!(loc.cli("onegroup", &["delete", "0"]).fails(1).contains("System Groups (ID < 100) cannot be deleted."));
    assert!(loc.cli("onegroup", &["addadmin", "devs", "alice"]).fails(1).contains("is not part of Group 100"));
    assert!(loc.cli("onegroup", &["deladmin", "users", "alice"]).fails(1).contains("is not an administrator"));
    // Wrong password for --user.
    assert!(show_as(&loc, "alice", "wrong").fails(1).contains("authenticated"));

    // Unknown names, bad templates and bad arguments: usage errors, exit 2.
    assert!(loc.cli("oneuser", &["show", "nosuch"]).fails(2).contains("USER named nosuch not found."));
    assert!(loc.cli("oneuser", &["chgrp", "alice", "nogroup"]).fails(2).contains("GROUP named nogroup not found."));
    assert!(
        loc.cli("oneuser", &["create", "eve", "pw", "--group", "nogroup"])
            .fails(2)
            .contains("GROUP named nogroup not found.")
    );
    assert!(loc.cli("onegroup", &["delete", "nogroup"]).fails(2).contains("GROUP named nogroup not found."));
    assert!(loc.cli("onegroup", &["addadmin", "devs", "nosuch"]).fails(2).contains("USER named nosuch not found."));
    let bad = loc.path().join("bad.tmpl");
    std::fs::write(&bad, "A = [ B = 1\n").expect("write");
    assert!(loc.cli("oneuser", &["update", "alice", bad.to_str().expect("utf8")]).fails(2).contains("bad.tmpl"));
    assert!(loc.cli("onegroup", &["update", "devs", bad.to_str().expect("utf8")]).fails(2).contains("bad.tmpl"));
    assert!(!loc.cli("oneuser", &["create", "eve"]).fails(2).is_empty());
    assert!(!loc.cli("oneuser", &["login", "alice", "--time", "soon"]).fails(2).is_empty());
    assert!(loc.cli("oneuser", &["list", "-l", "NOPE"]).fails(2).contains("unknown column"));
    // Nothing changed.
    assert_eq!(
        loc.cli("oneuser", &["list", "--csv", "--no-header", "-l", "NAME,GROUP"]).ok(),
        "alice,users\nserveradmin,oneadmin\noneadmin,oneadmin\n"
    );
}
