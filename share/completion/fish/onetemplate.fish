# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onetemplate_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onetemplate_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onetemplate_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onetemplate_using_subcommand
    set -l cmd (__fish_onetemplate_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onetemplate -n "__fish_onetemplate_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_needs_command" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -s V -l version -d 'Print version'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "create" -d 'Creates a VM template from a file (`-` for stdin) or from the options'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "delete" -d 'Deletes VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "list" -d 'Lists VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "show" -d 'Shows a VM template'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "top" -d 'Lists VM templates again and again'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "instantiate" -d 'Creates VMs from a template; FILE holds attributes merged into it'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "clone" -d 'Copies a template under a new name'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a template\'s contents from FILE or $EDITOR'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "rename" -d 'Renames a VM template'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "chown" -d 'Changes the owner (and optionally the group) of VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "chgrp" -d 'Changes the group of VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "chmod" -d 'Changes the permissions of VM templates (octal, for example 640)'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "lock" -d 'Locks VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "unlock" -d 'Unlocks VM templates'
complete -c onetemplate -n "__fish_onetemplate_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l name -d 'Name of the new template' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l cpu -d 'Physical CPUs (a fraction of a host CPU is fine: 0.5)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l vcpu -d 'Virtual CPUs' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l memory -d 'Memory in MB' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l disk -d 'Disks: image names or IDs, comma-separated' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l nic -d 'Network interfaces: network names or IDs, comma-separated' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l description -d 'Description of the template' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand create" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand list" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand show" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s d -l delay -d 'Seconds between refreshes' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s n -l iterations -d 'Stop after this many refreshes (default: until interrupted)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s x -l xml -d 'Show the pool as XML'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s j -l json -d 'Show the pool as JSON'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l csv -d 'Write the table as comma-separated values'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -l no-header -d 'Print the rows only'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand top" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l name -d 'Name of the VM; with --multiple, `%i` is replaced by the VM\'s number' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -s m -l multiple -d 'Number of VMs to create' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l hold -d 'Create the VMs on hold: the scheduler leaves them alone until released'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -l persistent -d 'Instantiate a private persistent copy of the template and its images'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand instantiate" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand clone" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand clone" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand clone" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand clone" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand update" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chown" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chown" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chown" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chown" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chmod" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chmod" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chmod" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand chmod" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand lock" -l level -d 'use, manage, admin or all' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand lock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand lock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand lock" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand lock" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand unlock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand unlock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand unlock" -l password -d 'Password (or login token) for --user' -r
complete -c onetemplate -n "__fish_onetemplate_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "create" -d 'Creates a VM template from a file (`-` for stdin) or from the options'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "delete" -d 'Deletes VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "list" -d 'Lists VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "show" -d 'Shows a VM template'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "top" -d 'Lists VM templates again and again'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "instantiate" -d 'Creates VMs from a template; FILE holds attributes merged into it'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "clone" -d 'Copies a template under a new name'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "update" -d 'Replaces (or with --append, merges) a template\'s contents from FILE or $EDITOR'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "rename" -d 'Renames a VM template'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "chown" -d 'Changes the owner (and optionally the group) of VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "chgrp" -d 'Changes the group of VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "chmod" -d 'Changes the permissions of VM templates (octal, for example 640)'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "lock" -d 'Locks VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "unlock" -d 'Unlocks VM templates'
complete -c onetemplate -n "__fish_onetemplate_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top instantiate clone update rename chown chgrp chmod lock unlock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
