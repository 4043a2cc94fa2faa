# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onehost_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onehost_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onehost_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onehost_using_subcommand
    set -l cmd (__fish_onehost_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onehost -n "__fish_onehost_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_needs_command" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_needs_command" -s V -l version -d 'Print version'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "create" -d 'Registers a host: `onehost create NAME -i IM_MAD -v VM_MAD [--cluster C]`'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "delete" -d 'Deletes hosts'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "enable" -d 'Enables hosts'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "disable" -d 'Disables hosts (monitored, but nothing new is placed on them)'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "offline" -d 'Takes hosts offline (not monitored, nothing placed)'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "list" -d 'Lists hosts'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "show" -d 'Shows a host'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "top" -d 'Lists hosts again and again'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "sync" -d 'Copies the driver scripts to hosts again at their next probe (all hosts by default)'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "flush" -d 'Disables hosts and reschedules their VMs elsewhere'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a host\'s template from FILE or $EDITOR'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "rename" -d 'Renames a host'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "monitoring" -d 'Shows the recorded values of one monitoring attribute (for example FREE_CPU)'
complete -c onehost -n "__fish_onehost_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onehost -n "__fish_onehost_using_subcommand create" -s i -l im -d 'Information (monitoring) driver' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -s v -l vm -d 'Virtualization driver' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -s c -l cluster -d 'Cluster name or ID (default: the default cluster)' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand create" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand enable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand enable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand enable" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand enable" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand disable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand disable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand disable" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand disable" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand offline" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand offline" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand offline" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand offline" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onehost -n "__fish_onehost_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onehost -n "__fish_onehost_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onehost -n "__fish_onehost_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onehost -n "__fish_onehost_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onehost -n "__fish_onehost_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onehost -n "__fish_onehost_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onehost -n "__fish_onehost_using_subcommand list" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onehost -n "__fish_onehost_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onehost -n "__fish_onehost_using_subcommand show" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand top" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onehost -n "__fish_onehost_using_subcommand top" -s d -l delay -d 'Seconds between refreshes' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -s n -l iterations -d 'Stop after this many refreshes (default: until interrupted)' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand top" -s x -l xml -d 'Show the pool as XML'
complete -c onehost -n "__fish_onehost_using_subcommand top" -s j -l json -d 'Show the pool as JSON'
complete -c onehost -n "__fish_onehost_using_subcommand top" -l csv -d 'Write the table as comma-separated values'
complete -c onehost -n "__fish_onehost_using_subcommand top" -l no-header -d 'Print the rows only'
complete -c onehost -n "__fish_onehost_using_subcommand top" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand sync" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand sync" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand sync" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand sync" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand flush" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand flush" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand flush" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand flush" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onehost -n "__fish_onehost_using_subcommand update" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -l password -d 'Password (or login token) for --user' -r
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -s x -l xml -d 'Show the object as XML'
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -s j -l json -d 'Show the object as JSON'
complete -c onehost -n "__fish_onehost_using_subcommand monitoring" -s h -l help -d 'Print help'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "create" -d 'Registers a host: `onehost create NAME -i IM_MAD -v VM_MAD [--cluster C]`'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "delete" -d 'Deletes hosts'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "enable" -d 'Enables hosts'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "disable" -d 'Disables hosts (monitored, but nothing new is placed on them)'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "offline" -d 'Takes hosts offline (not monitored, nothing placed)'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "list" -d 'Lists hosts'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "show" -d 'Shows a host'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "top" -d 'Lists hosts again and again'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "sync" -d 'Copies the driver scripts to hosts again at their next probe (all hosts by default)'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "flush" -d 'Disables hosts and reschedules their VMs elsewhere'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "update" -d 'Replaces (or with --append, merges) a host\'s template from FILE or $EDITOR'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "rename" -d 'Renames a host'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "monitoring" -d 'Shows the recorded values of one monitoring attribute (for example FREE_CPU)'
complete -c onehost -n "__fish_onehost_using_subcommand help; and not __fish_seen_subcommand_from create delete enable disable offline list show top sync flush update rename monitoring help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
