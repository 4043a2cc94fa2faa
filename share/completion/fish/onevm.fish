# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_onevm_global_optspecs
    string join \n endpoint= user= password= h/help V/version
end

function __fish_onevm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_onevm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_onevm_using_subcommand
    set -l cmd (__fish_onevm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c onevm -n "__fish_onevm_needs_command" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_needs_command" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_needs_command" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_needs_command" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_needs_command" -s V -l version -d 'Print version'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "create" -d 'Creates VMs from a template file and/or --cpu, --memory, --disk, --nic...'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "list" -d 'Lists virtual machines (DONE ones are not listed)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "show" -d 'Shows a virtual machine'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "top" -d 'Lists virtual machines again and again'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "hold" -d 'Puts PENDING VMs on hold: the scheduler does not place them until `release`'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "release" -d 'Releases VMs on hold back to PENDING'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "stop" -d 'Stops running VMs: saves their state and frees their host'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "suspend" -d 'Suspends running VMs on their host'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "resume" -d 'Resumes stopped, suspended, powered-off or undeployed VMs'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "reboot" -d 'Reboots running VMs (--hard: resets them)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "poweroff" -d 'Powers VMs off, keeping them on their host'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "undeploy" -d 'Shuts VMs down and frees their host, keeping their disks'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "terminate" -d 'Terminates VMs: shuts them down and deletes them (they end DONE)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "resched" -d 'Marks running VMs to be moved by the scheduler to another host'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "unresched" -d 'Clears the resched mark of VMs'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "deploy" -d 'Deploys PENDING or HOLD VMs on HOST (name or ID), in system DATASTORE if given'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "migrate" -d 'Moves VMs to HOST (name or ID), to system DATASTORE if given'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "recover" -d 'Recovers VMs stuck in a transient or failure state'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "rename" -d 'Renames a VM'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "update" -d 'Replaces (or with --append, merges) a VM\'s USER_TEMPLATE from FILE or $EDITOR'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "chown" -d 'Changes the owner (and optionally the group) of VMs'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "chgrp" -d 'Changes the group of VMs'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "chmod" -d 'Changes the permissions of VMs (octal, for example 640)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "lock" -d 'Locks VMs against actions of the given level and below'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "unlock" -d 'Unlocks VMs'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-saveas" -d 'Saves a VM disk (or one of its snapshots) as a new image IMAGE_NAME in the disk\'s datastore; prints the new image\'s ID'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-snapshot-create" -d 'Takes a snapshot of a VM disk, called NAME'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-snapshot-revert" -d 'Reverts a VM disk to one of its snapshots'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-snapshot-delete" -d 'Deletes a snapshot of a VM disk'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-snapshot-rename" -d 'Renames a snapshot of a VM disk'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "disk-resize" -d 'Grows a VM disk to SIZE: MiB, or with a unit (10G)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "monitoring" -d 'Shows the recorded values of one monitoring attribute (for example CPU or MEMORY)'
complete -c onevm -n "__fish_onevm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c onevm -n "__fish_onevm_using_subcommand create" -l name -d 'Name of the new VM' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l cpu -d 'Physical CPUs (a fraction of a host CPU is allowed, for example 0.5)' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l vcpu -d 'Virtual CPUs the guest sees' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l memory -d 'Memory in MB, or with a unit: 512M, 2G' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l disk -d 'Disks: image names or IDs (`user[name]` for another user\'s image), comma-separated' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l nic -d 'NICs: network names or IDs (`user[name]` for another user\'s network), comma-separated' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -s m -l multiple -d 'Create this many VMs from the same template' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand create" -l hold -d 'Create the VM on hold: the scheduler leaves it alone until `release`'
complete -c onevm -n "__fish_onevm_using_subcommand create" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand list" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onevm -n "__fish_onevm_using_subcommand list" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onevm -n "__fish_onevm_using_subcommand list" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onevm -n "__fish_onevm_using_subcommand list" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand list" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand list" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand list" -s x -l xml -d 'Show the pool as XML'
complete -c onevm -n "__fish_onevm_using_subcommand list" -s j -l json -d 'Show the pool as JSON'
complete -c onevm -n "__fish_onevm_using_subcommand list" -l csv -d 'Write the table as comma-separated values'
complete -c onevm -n "__fish_onevm_using_subcommand list" -l no-header -d 'Print the rows only'
complete -c onevm -n "__fish_onevm_using_subcommand list" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand show" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand show" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand show" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand show" -s x -l xml -d 'Show the object as XML'
complete -c onevm -n "__fish_onevm_using_subcommand show" -s j -l json -d 'Show the object as JSON'
complete -c onevm -n "__fish_onevm_using_subcommand show" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand top" -s l -l list -d 'Columns to show, comma-separated (for example ID,NAME,STAT)' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -l filter -d 'Keep rows matching COL<op>VALUE (op: = != < > <= >= ~), comma-separated' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -l operator -d 'How several --filter conditions combine' -r -f -a "AND\t''
OR\t''
and\t''
or\t''"
complete -c onevm -n "__fish_onevm_using_subcommand top" -s d -l delay -d 'Seconds between refreshes' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -s n -l iterations -d 'Stop after this many refreshes (default: until interrupted)' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand top" -s x -l xml -d 'Show the pool as XML'
complete -c onevm -n "__fish_onevm_using_subcommand top" -s j -l json -d 'Show the pool as JSON'
complete -c onevm -n "__fish_onevm_using_subcommand top" -l csv -d 'Write the table as comma-separated values'
complete -c onevm -n "__fish_onevm_using_subcommand top" -l no-header -d 'Print the rows only'
complete -c onevm -n "__fish_onevm_using_subcommand top" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand hold" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand hold" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand hold" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand hold" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand release" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand release" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand release" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand release" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand stop" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand stop" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand stop" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand stop" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand suspend" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand suspend" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand suspend" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand suspend" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand resume" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand resume" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand resume" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand resume" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand reboot" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand reboot" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand reboot" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand reboot" -l hard -d 'Reset instead of a guest reboot'
complete -c onevm -n "__fish_onevm_using_subcommand reboot" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand poweroff" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand poweroff" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand poweroff" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand poweroff" -l hard -d 'Pull the plug instead of an ACPI shutdown'
complete -c onevm -n "__fish_onevm_using_subcommand poweroff" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand undeploy" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand undeploy" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand undeploy" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand undeploy" -l hard -d 'Destroy instead of an ACPI shutdown'
complete -c onevm -n "__fish_onevm_using_subcommand undeploy" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand terminate" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand terminate" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand terminate" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand terminate" -l hard -d 'Destroy instead of an ACPI shutdown'
complete -c onevm -n "__fish_onevm_using_subcommand terminate" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand resched" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand resched" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand resched" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand resched" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand unresched" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand unresched" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand unresched" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand unresched" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand deploy" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand deploy" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand deploy" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand deploy" -l enforce -d 'Refuse if the host lacks the capacity'
complete -c onevm -n "__fish_onevm_using_subcommand deploy" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l live -d 'Migrate while running (no save/restore)'
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l enforce -d 'Refuse if the host lacks the capacity'
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l poff -d 'Power the VM off, migrate, boot it again'
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -l poff-hard -d 'Power the VM off hard, migrate, boot it again'
complete -c onevm -n "__fish_onevm_using_subcommand migrate" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l failure -d 'The pending driver action failed: move to the failure state'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l success -d 'The pending driver action succeeded: move on as if the driver had said so'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l retry -d 'Run the failed driver action again'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l delete -d 'Delete the VM, cleaning up its host'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l recreate -d 'Delete the VM and create it again (back to PENDING with the same ID)'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -l delete-db -d 'Remove the VM from the database without touching hosts or drivers'
complete -c onevm -n "__fish_onevm_using_subcommand recover" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand rename" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand rename" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand update" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand update" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand update" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand update" -s a -l append -d 'Merge into the current template instead of replacing it'
complete -c onevm -n "__fish_onevm_using_subcommand update" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand chown" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand chown" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand chown" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand chown" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand chgrp" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand chgrp" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand chgrp" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand chgrp" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand chmod" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand chmod" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand chmod" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand chmod" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand lock" -l level -d 'What the lock blocks' -r -f -a "use\t''
manage\t''
admin\t''
all\t''"
complete -c onevm -n "__fish_onevm_using_subcommand lock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand lock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand lock" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand lock" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand unlock" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand unlock" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand unlock" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand unlock" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -s t -l type -d 'Type of the new image (default: the disk image\'s type)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -s s -l snapshot -d 'Save this snapshot of the disk (ID or name) instead of the disk\'s current content' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-saveas" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-create" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-create" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-create" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-create" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-revert" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-revert" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-revert" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-revert" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-delete" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-delete" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-delete" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-delete" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-rename" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-rename" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-rename" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-snapshot-rename" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand disk-resize" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-resize" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-resize" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand disk-resize" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -l endpoint -d 'oned\'s XML-RPC endpoint [default: $ONE_XMLRPC, ~/.one/one_endpoint, http://localhost:2633/RPC2]' -r
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -l user -d 'User name, instead of the credentials in $ONE_AUTH or ~/.one/one_auth (needs --password)' -r
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -l password -d 'Password (or login token) for --user' -r
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -s x -l xml -d 'Show the object as XML'
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -s j -l json -d 'Show the object as JSON'
complete -c onevm -n "__fish_onevm_using_subcommand monitoring" -s h -l help -d 'Print help'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "create" -d 'Creates VMs from a template file and/or --cpu, --memory, --disk, --nic...'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "list" -d 'Lists virtual machines (DONE ones are not listed)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "show" -d 'Shows a virtual machine'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "top" -d 'Lists virtual machines again and again'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "hold" -d 'Puts PENDING VMs on hold: the scheduler does not place them until `release`'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "release" -d 'Releases VMs on hold back to PENDING'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "stop" -d 'Stops running VMs: saves their state and frees their host'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "suspend" -d 'Suspends running VMs on their host'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "resume" -d 'Resumes stopped, suspended, powered-off or undeployed VMs'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "reboot" -d 'Reboots running VMs (--hard: resets them)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "poweroff" -d 'Powers VMs off, keeping them on their host'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "undeploy" -d 'Shuts VMs down and frees their host, keeping their disks'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "terminate" -d 'Terminates VMs: shuts them down and deletes them (they end DONE)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "resched" -d 'Marks running VMs to be moved by the scheduler to another host'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "unresched" -d 'Clears the resched mark of VMs'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "deploy" -d 'Deploys PENDING or HOLD VMs on HOST (name or ID), in system DATASTORE if given'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "migrate" -d 'Moves VMs to HOST (name or ID), to system DATASTORE if given'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "recover" -d 'Recovers VMs stuck in a transient or failure state'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "rename" -d 'Renames a VM'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "update" -d 'Replaces (or with --append, merges) a VM\'s USER_TEMPLATE from FILE or $EDITOR'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "chown" -d 'Changes the owner (and optionally the group) of VMs'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "chgrp" -d 'Changes the group of VMs'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "chmod" -d 'Changes the permissions of VMs (octal, for example 640)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "lock" -d 'Locks VMs against actions of the given level and below'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "unlock" -d 'Unlocks VMs'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-saveas" -d 'Saves a VM disk (or one of its snapshots) as a new image IMAGE_NAME in the disk\'s datastore; prints the new image\'s ID'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-snapshot-create" -d 'Takes a snapshot of a VM disk, called NAME'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-snapshot-revert" -d 'Reverts a VM disk to one of its snapshots'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-snapshot-delete" -d 'Deletes a snapshot of a VM disk'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-snapshot-rename" -d 'Renames a snapshot of a VM disk'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "disk-resize" -d 'Grows a VM disk to SIZE: MiB, or with a unit (10G)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "monitoring" -d 'Shows the recorded values of one monitoring attribute (for example CPU or MEMORY)'
complete -c onevm -n "__fish_onevm_using_subcommand help; and not __fish_seen_subcommand_from create list show top hold release stop suspend resume reboot poweroff undeploy terminate resched unresched deploy migrate recover rename update chown chgrp chmod lock unlock disk-saveas disk-snapshot-create disk-snapshot-revert disk-snapshot-delete disk-snapshot-rename disk-resize monitoring help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
