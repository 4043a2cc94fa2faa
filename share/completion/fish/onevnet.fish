# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onevnet_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onevnet_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onevnet_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onevnet_using_subcommand
    set -l cmd (__fish_onevnet_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onevnet -n "__fish_onevnet_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_needs_command" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_needs_command" -s V -l version -d 'Print version'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "create" -d 'Creates a virtual network from a template file (`-` for stdin)'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "delete" -d 'Deletes virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "list" -d 'Lists virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "show" -d 'Shows a virtual network, its address ranges and leases'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "top" -d 'Lists virtual networks again and again'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "addar" -d 'Adds an address range, from a file (`AR = [ ... ]`) or from the options'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "rmar" -d 'Removes an address range'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "free" -d 'Frees a reserved address range, giving its addresses back to the parent network'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "updatear" -d 'Updates the attributes of an address range from a file'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "hold" -d 'Puts an address (IP, MAC or IPv6) on hold, so that no VM gets it'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "release" -d 'Releases an address on hold'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "reserve" -d 'Reserves addresses into a new network named TARGET, or into the reservation TARGET'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a network\'s template from FILE or $EDITOR'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "rename" -d 'Renames a virtual network'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "chown" -d 'Changes the owner (and optionally the group) of virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "chgrp" -d 'Changes the group of virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "chmod" -d 'Changes the permissions of virtual networks (octal, for example 640)'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "lock" -d 'Locks virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "unlock" -d 'Unlocks virtual networks'
complete -c onevnet -n "__fish_onevnet_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onevnet -n "__fish_onevnet_using_subcommand create" -s c -l cluster -d 'Cluster name or ID (default: the default cluster)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand create" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand delete" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onevnet -n "__fish_onevnet_using_subcommand list" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onevnet -n "__fish_onevnet_using_subcommand show" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s d -l delay -d 'Seconds between refreshes' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s n -l iterations -d 'Stop after this many refreshes (default: until interrupted)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s x -l xml -d 'Show the pool as XML'
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s j -l json -d 'Show the pool as JSON'
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l csv -d 'Write the table as comma-separated values'
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -l no-header -d 'Print the rows only'
complete -c onevnet -n "__fish_onevnet_using_subcommand top" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s s -l size -d 'Number of addresses' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s m -l mac -d 'First MAC address, in `:` notation' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s i -l ip -d 'First IPv4 address, in `.` notation' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s 6 -l ip6 -d 'First static IPv6 address with its prefix length (for example 2001:db8::1/64)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s g -l ip6-global -d 'IPv6 global prefix for SLAAC addresses (for example 2001:db8:1::)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s u -l ip6-ula -d 'IPv6 ULA prefix for SLAAC addresses (for example fd00:1::)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -l gateway -d 'Gateway of the range' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -l netmask -d 'Netmask of the range, in `.` notation' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand addar" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand rmar" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rmar" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rmar" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rmar" -s f -l force -d 'Remove it even if it has leases in use'
complete -c onevnet -n "__fish_onevnet_using_subcommand rmar" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand free" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand free" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand free" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand free" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand updatear" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand updatear" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand updatear" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand updatear" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand hold" -s a -l ar-id -d 'Only look in this address range' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand hold" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand hold" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand hold" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand hold" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand release" -s a -l ar-id -d 'Only look in this address range' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand release" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand release" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand release" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand release" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -s s -l size -d 'Number of addresses to reserve' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -s a -l ar-id -d 'Take the addresses from this address range' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -s i -l ip -d 'First IPv4 address of the reservation (needs --ar-id)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -s m -l mac -d 'First MAC address of the reservation (needs --ar-id)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand reserve" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onevnet -n "__fish_onevnet_using_subcommand update" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand chown" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chown" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chown" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chown" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand chmod" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chmod" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chmod" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand chmod" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand lock" -l level -d 'use, manage, admin or all' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand lock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand lock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand lock" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand lock" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand unlock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand unlock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand unlock" -l password -d 'Password (or login token) for --user' -r
complete -c onevnet -n "__fish_onevnet_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "create" -d 'Creates a virtual network from a template file (`-` for stdin)'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "delete" -d 'Deletes virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "list" -d 'Lists virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "show" -d 'Shows a virtual network, its address ranges and leases'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "top" -d 'Lists virtual networks again and again'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "addar" -d 'Adds an address range, from a file (`AR = [ ... ]`) or from the options'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "rmar" -d 'Removes an address range'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "free" -d 'Frees a reserved address range, giving its addresses back to the parent network'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "updatear" -d 'Updates the attributes of an address range from a file'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "hold" -d 'Puts an address (IP, MAC or IPv6) on hold, so that no VM gets it'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "release" -d 'Releases an address on hold'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "reserve" -d 'Reserves addresses into a new network named TARGET, or into the reservation TARGET'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "update" -d 'Replaces (or with --append, merges) a network\'s template from FILE or $EDITOR'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "rename" -d 'Renames a virtual network'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "chown" -d 'Changes the owner (and optionally the group) of virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "chgrp" -d 'Changes the group of virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "chmod" -d 'Changes the permissions of virtual networks (octal, for example 640)'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "lock" -d 'Locks virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "unlock" -d 'Unlocks virtual networks'
complete -c onevnet -n "__fish_onevnet_using_subcommand help; and not __fish_seen_subcommand_from create delete list show top addar rmar free updatear hold release reserve update rename chown chgrp chmod lock unlock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
