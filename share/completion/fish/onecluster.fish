# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onecluster_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onecluster_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onecluster_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onecluster_using_subcommand
    set -l cmd (__fish_onecluster_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onecluster -n "__fish_onecluster_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_needs_command" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_needs_command" -s V -l version -d 'Print version'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "create" -d 'Creates a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "delete" -d 'Deletes clusters (only empty ones, and not the default cluster)'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "list" -d 'Lists clusters'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "show" -d 'Shows a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "addhost" -d 'Moves hosts into a cluster (a host is in exactly one cluster)'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "delhost" -d 'Moves hosts out of a cluster, back to the default cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "addvnet" -d 'Adds virtual networks to a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "delvnet" -d 'Removes virtual networks from a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "adddatastore" -d 'Adds datastores to a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "deldatastore" -d 'Removes datastores from a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a cluster\'s template from FILE or $EDITOR'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "rename" -d 'Renames a cluster'
complete -c onecluster -n "__fish_onecluster_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onecluster -n "__fish_onecluster_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand create" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onecluster -n "__fish_onecluster_using_subcommand list" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onecluster -n "__fish_onecluster_using_subcommand show" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand addhost" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addhost" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addhost" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addhost" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand delhost" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delhost" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delhost" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delhost" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand addvnet" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addvnet" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addvnet" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand addvnet" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand delvnet" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delvnet" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delvnet" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand delvnet" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand adddatastore" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand adddatastore" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand adddatastore" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand adddatastore" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand deldatastore" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand deldatastore" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand deldatastore" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand deldatastore" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onecluster -n "__fish_onecluster_using_subcommand update" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onecluster -n "__fish_onecluster_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "create" -d 'Creates a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "delete" -d 'Deletes clusters (only empty ones, and not the default cluster)'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "list" -d 'Lists clusters'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "show" -d 'Shows a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "addhost" -d 'Moves hosts into a cluster (a host is in exactly one cluster)'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "delhost" -d 'Moves hosts out of a cluster, back to the default cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "addvnet" -d 'Adds virtual networks to a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "delvnet" -d 'Removes virtual networks from a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "adddatastore" -d 'Adds datastores to a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "deldatastore" -d 'Removes datastores from a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "update" -d 'Replaces (or with --append, merges) a cluster\'s template from FILE or $EDITOR'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "rename" -d 'Renames a cluster'
complete -c onecluster -n "__fish_onecluster_using_subcommand help; and not __fish_seen_subcommand_from create delete list show addhost delhost addvnet delvnet adddatastore deldatastore update rename help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
