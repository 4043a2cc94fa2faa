# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_oneuser_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_oneuser_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_oneuser_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_oneuser_using_subcommand
    set -l cmd (__fish_oneuser_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c oneuser -n "__fish_oneuser_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_needs_command" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_needs_command" -s V -l version -d 'Print version'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "create" -d 'Creates a user: `oneuser create NAME PASSWORD [--driver D] [--group G,...]`'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "delete" -d 'Deletes users'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "list" -d 'Lists users'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "show" -d 'Shows a user (the caller when no user is given)'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "passwd" -d 'Changes a user\'s password (this also revokes the user\'s login tokens)'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "login" -d 'Creates a login token for a user and prints it. Unlike OpenNebula\'s oneuser, the token is only printed: ~/.one/one_auth (or $ONE_AUTH) is never written. Use the token as the password of the user (`--user NAME --password TOKEN`, or `NAME:TOKEN` in an auth file)'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "chgrp" -d 'Changes the primary group of users'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "addgroup" -d 'Adds users to a secondary group'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "delgroup" -d 'Removes users from a secondary group'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "chauth" -d 'Changes a user\'s authentication driver, and its password when one is given'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "enable" -d 'Enables users'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "disable" -d 'Disables users (they can no longer authenticate)'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a user\'s template from FILE or $EDITOR'
complete -c oneuser -n "__fish_oneuser_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -l driver -d 'Authentication driver (core, public, ssh, x509, ldap, server_cipher, ...)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -s g -l group -d 'Groups (names or IDs, comma-separated); the first one is the primary group [default: users, or the creator\'s group]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand create" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delete" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c oneuser -n "__fish_oneuser_using_subcommand list" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c oneuser -n "__fish_oneuser_using_subcommand show" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand passwd" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand passwd" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand passwd" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand passwd" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -l time -d 'Seconds the token is valid (-1: forever)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -s g -l group -d 'Effective group of the sessions using the token (default: all the user\'s groups)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -l force -d 'Accepted for compatibility with OpenNebula (it forces rewriting the auth file there); no file is written here'
complete -c oneuser -n "__fish_oneuser_using_subcommand login" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand addgroup" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand addgroup" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand addgroup" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand addgroup" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand delgroup" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delgroup" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delgroup" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand delgroup" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand chauth" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chauth" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chauth" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand chauth" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand enable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand enable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand enable" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand enable" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand disable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand disable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand disable" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand disable" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c oneuser -n "__fish_oneuser_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c oneuser -n "__fish_oneuser_using_subcommand update" -s h -l help -d 'Print help'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "create" -d 'Creates a user: `oneuser create NAME PASSWORD [--driver D] [--group G,...]`'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "delete" -d 'Deletes users'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "list" -d 'Lists users'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "show" -d 'Shows a user (the caller when no user is given)'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "passwd" -d 'Changes a user\'s password (this also revokes the user\'s login tokens)'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "login" -d 'Creates a login token for a user and prints it. Unlike OpenNebula\'s oneuser, the token is only printed: ~/.one/one_auth (or $ONE_AUTH) is never written. Use the token as the password of the user (`--user NAME --password TOKEN`, or `NAME:TOKEN` in an auth file)'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "chgrp" -d 'Changes the primary group of users'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "addgroup" -d 'Adds users to a secondary group'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "delgroup" -d 'Removes users from a secondary group'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "chauth" -d 'Changes a user\'s authentication driver, and its password when one is given'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "enable" -d 'Enables users'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "disable" -d 'Disables users (they can no longer authenticate)'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "update" -d 'Replaces (or with --append, merges) a user\'s template from FILE or $EDITOR'
complete -c oneuser -n "__fish_oneuser_using_subcommand help; and not __fish_seen_subcommand_from create delete list show passwd login chgrp addgroup delgroup chauth enable disable update help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
