# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_oneimage_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_oneimage_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_oneimage_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_oneimage_using_subcommand
    set -l cmd (__fish_oneimage_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c oneimage -n "__fish_oneimage_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_needs_command" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_needs_command" -s V -l version -d 'Print version'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "create" -d 'Registers an image in a datastore from a template file (`-` for stdin) or from the options; prints its ID. The image is LOCKED while the datastore driver copies it, then READY (or ERROR, with the driver\'s message in `show`)'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "clone" -d 'Clones an image into a new image NAME, in DATASTORE if given (default: the same one); prints the new image\'s ID'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "snapshot-delete" -d 'Deletes a snapshot of an image'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "snapshot-revert" -d 'Reverts an image to one of its snapshots'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "snapshot-flatten" -d 'Makes a snapshot the image\'s content and deletes every snapshot'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "prefetch" -d 'Sends an image to the image cache of HOSTS before VMs need it (Nephele): the front-end sends it once and the hosts relay it to each other'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "delete" -d 'Deletes images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "list" -d 'Lists images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "show" -d 'Shows an image'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "top" -d 'Lists images again and again'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "persistent" -d 'Makes images persistent: VMs write to the image itself'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "nonpersistent" -d 'Makes images non-persistent: VMs get a copy'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "enable" -d 'Enables images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "disable" -d 'Disables images: no new VM can use them'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "chtype" -d 'Changes the type of an image (OS, CDROM, DATABLOCK, ...)'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) an image\'s template from FILE or $EDITOR'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "rename" -d 'Renames an image'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "chown" -d 'Changes the owner (and optionally the group) of images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "chgrp" -d 'Changes the group of images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "chmod" -d 'Changes the permissions of images (octal, for example 640)'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "lock" -d 'Locks images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "unlock" -d 'Unlocks images'
complete -c oneimage -n "__fish_oneimage_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -s d -l datastore -d 'Datastore name or ID' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l name -d 'Name of the new image' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l description -d 'Description of the new image' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -s t -l type -d 'Type: OS, CDROM, DATABLOCK, KERNEL, RAMDISK, CONTEXT or BACKUP (any case)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l prefix -d 'Device prefix of the disks made from it: hd, sd, xvd or vd' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l target -d 'Target device of the disks made from it (sda, vdb)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l path -d 'Path of the file to copy into the datastore (relative to the current directory), or a URL (http://, https://...); compressed files are decompressed while copying' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l format -d 'Disk format (raw, qcow2...; detected from the content when not given)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l fs -d 'File system to format an empty image with (ext4, xfs...)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l source -d 'Image already in the datastore, for images that are not files' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l size -d 'Size in MiB, or with a unit (512M, 10G): an empty DATABLOCK, or the size of --source' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l driver -d 'Driver of the disks made from it (raw, qcow2)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l md5 -d 'MD5 the copied file must have (32 hex digits)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l sha1 -d 'SHA-1 the copied file must have (40 hex digits)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l sha256 -d 'SHA-256 the copied file must have (64 hex digits; Nephele)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l no-check-capacity -d 'Do not check the datastore\'s capacity (oneadmin only)'
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l persistent -d 'Make the image persistent (used by one VM at a time, which writes to it)'
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -l no-decompress -d 'Copy a compressed file as it is, without decompressing it'
complete -c oneimage -n "__fish_oneimage_using_subcommand create" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand clone" -s d -l datastore -d 'Datastore name or ID' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand clone" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand clone" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand clone" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand clone" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-delete" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-delete" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-revert" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-revert" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-revert" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-revert" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-flatten" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-flatten" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-flatten" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand snapshot-flatten" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand prefetch" -l system-ds -d 'System datastore (name or ID) whose directory on the hosts holds the cache' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand prefetch" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand prefetch" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand prefetch" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand prefetch" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand delete" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand delete" -s f -l force -d 'Delete even a locked image'
complete -c oneimage -n "__fish_oneimage_using_subcommand delete" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c oneimage -n "__fish_oneimage_using_subcommand list" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c oneimage -n "__fish_oneimage_using_subcommand show" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s d -l delay -d 'Seconds between refreshes' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s n -l iterations -d 'Stop after this many refreshes (default: until interrupted)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s x -l xml -d 'Show the pool as XML'
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s j -l json -d 'Show the pool as JSON'
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l csv -d 'Write the table as comma-separated values'
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -l no-header -d 'Print the rows only'
complete -c oneimage -n "__fish_oneimage_using_subcommand top" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand persistent" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand persistent" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand persistent" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand persistent" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand nonpersistent" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand nonpersistent" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand nonpersistent" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand nonpersistent" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand enable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand enable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand enable" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand enable" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand disable" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand disable" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand disable" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand disable" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand chtype" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chtype" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chtype" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chtype" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c oneimage -n "__fish_oneimage_using_subcommand update" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand rename" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand chown" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chown" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chown" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chown" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand chmod" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chmod" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chmod" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand chmod" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand lock" -l level -d 'use, manage, admin or all' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand lock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand lock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand lock" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand lock" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand unlock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand unlock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand unlock" -l password -d 'Password (or login token) for --user' -r
complete -c oneimage -n "__fish_oneimage_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "create" -d 'Registers an image in a datastore from a template file (`-` for stdin) or from the options; prints its ID. The image is LOCKED while the datastore driver copies it, then READY (or ERROR, with the driver\'s message in `show`)'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "clone" -d 'Clones an image into a new image NAME, in DATASTORE if given (default: the same one); prints the new image\'s ID'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "snapshot-delete" -d 'Deletes a snapshot of an image'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "snapshot-revert" -d 'Reverts an image to one of its snapshots'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "snapshot-flatten" -d 'Makes a snapshot the image\'s content and deletes every snapshot'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "prefetch" -d 'Sends an image to the image cache of HOSTS before VMs need it (Nephele): the front-end sends it once and the hosts relay it to each other'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "delete" -d 'Deletes images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "list" -d 'Lists images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "show" -d 'Shows an image'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "top" -d 'Lists images again and again'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "persistent" -d 'Makes images persistent: VMs write to the image itself'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "nonpersistent" -d 'Makes images non-persistent: VMs get a copy'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "enable" -d 'Enables images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "disable" -d 'Disables images: no new VM can use them'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "chtype" -d 'Changes the type of an image (OS, CDROM, DATABLOCK, ...)'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "update" -d 'Replaces (or with --append, merges) an image\'s template from FILE or $EDITOR'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "rename" -d 'Renames an image'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "chown" -d 'Changes the owner (and optionally the group) of images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "chgrp" -d 'Changes the group of images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "chmod" -d 'Changes the permissions of images (octal, for example 640)'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "lock" -d 'Locks images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "unlock" -d 'Unlocks images'
complete -c oneimage -n "__fish_oneimage_using_subcommand help; and not __fish_seen_subcommand_from create clone snapshot-delete snapshot-revert snapshot-flatten prefetch delete list show top persistent nonpersistent enable disable chtype update rename chown chgrp chmod lock unlock help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
