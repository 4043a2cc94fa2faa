# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onegroup_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onegroup_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onegroup_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onegroup_using_subcommand
    set -l cmd (__fish_onegroup_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onegroup -n "__fish_onegroup_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_needs_command" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_needs_command" -s V -l version -d 'Print version'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "create" -d 'Creates a group (it may use the default VDC\'s hosts, networks and datastores)'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "delete" -d 'Deletes groups (system groups, ID < 100, and groups with users cannot be deleted)'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "list" -d 'Lists groups'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "show" -d 'Shows a group (the caller\'s group when none is given)'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a group\'s template from FILE or $EDITOR'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "addadmin" -d 'Makes users (members of the group) administrators of the group'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "deladmin" -d 'Removes users from the group\'s administrators'
complete -c onegroup -n "__fish_onegroup_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onegroup -n "__fish_onegroup_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand create" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onegroup -n "__fish_onegroup_using_subcommand list" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onegroup -n "__fish_onegroup_using_subcommand show" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onegroup -n "__fish_onegroup_using_subcommand update" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand addadmin" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand addadmin" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand addadmin" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand addadmin" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand deladmin" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand deladmin" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand deladmin" -l password -d 'Password (or login token) for --user' -r
complete -c onegroup -n "__fish_onegroup_using_subcommand deladmin" -s h -l help -d 'Print help'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "create" -d 'Creates a group (it may use the default VDC\'s hosts, networks and datastores)'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "delete" -d 'Deletes groups (system groups, ID < 100, and groups with users cannot be deleted)'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "list" -d 'Lists groups'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "show" -d 'Shows a group (the caller\'s group when none is given)'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "update" -d 'Replaces (or with --append, merges) a group\'s template from FILE or $EDITOR'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "addadmin" -d 'Makes users (members of the group) administrators of the group'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "deladmin" -d 'Removes users from the group\'s administrators'
complete -c onegroup -n "__fish_onegroup_using_subcommand help; and not __fish_seen_subcommand_from create delete list show update addadmin deladmin help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
