# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onedatastore_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onedatastore_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onedatastore_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onedatastore_using_subcommand
    set -l cmd (__fish_onedatastore_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onedatastore -n "__fish_onedatastore_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_needs_command" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -s V -l version -d 'Print version'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "create" -d 'Creates a datastore from a template file (`-` for stdin) with NAME, TYPE (IMAGE_DS, SYSTEM_DS, FILE_DS, BACKUP_DS), DS_MAD and TM_MAD'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "delete" -d 'Deletes datastores (only ones without images)'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "list" -d 'Lists datastores'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "show" -d 'Shows a datastore'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "enable" -d 'Enables datastores'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "disable" -d 'Disables datastores (no new images or VMs are placed on them)'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a datastore\'s template from FILE or $EDITOR'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "rename" -d 'Renames a datastore'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "chown" -d 'Changes the owner (and optionally the group) of datastores'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "chgrp" -d 'Changes the group of datastores'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "chmod" -d 'Changes the permissions of datastores (octal, for example 640)'
complete -c onedatastore -n "__fish_onedatastore_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand create" -s c -l cluster -d 'Cluster name or ID (default: the default cluster)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand create" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand list" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand show" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand enable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand enable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand enable" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand enable" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand disable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand disable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand disable" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand disable" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand update" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chown" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chown" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chown" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chown" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chmod" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chmod" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chmod" -l password -d 'Password (or login token) for --user' -r
complete -c onedatastore -n "__fish_onedatastore_using_subcommand chmod" -s h -l help -d 'Print help'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "create" -d 'Creates a datastore from a template file (`-` for stdin) with NAME, TYPE (IMAGE_DS, SYSTEM_DS, FILE_DS, BACKUP_DS), DS_MAD and TM_MAD'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "delete" -d 'Deletes datastores (only ones without images)'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "list" -d 'Lists datastores'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "show" -d 'Shows a datastore'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "enable" -d 'Enables datastores'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "disable" -d 'Disables datastores (no new images or VMs are placed on them)'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "update" -d 'Replaces (or with --append, merges) a datastore\'s template from FILE or $EDITOR'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "rename" -d 'Renames a datastore'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "chown" -d 'Changes the owner (and optionally the group) of datastores'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "chgrp" -d 'Changes the group of datastores'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "chmod" -d 'Changes the permissions of datastores (octal, for example 640)'
complete -c onedatastore -n "__fish_onedatastore_using_subcommand help; and not __fish_seen_subcommand_from create delete list show enable disable update rename chown chgrp chmod help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
