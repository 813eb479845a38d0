# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_cert_global_optspecs
    string join \n ssldir= cadir= store= config= format= y/yes v/verbose autosign= admin= clean delete fingerprint generate list print prune revoke sign verify all expired revoked allow-dns-alt-names dns_alt_names= digest= h/help V/version
end

function __fish_cert_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_cert_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_cert_using_subcommand
    set -l cmd (__fish_cert_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c cert -n "__fish_cert_needs_command" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_needs_command" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_needs_command" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_needs_command" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_needs_command" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_needs_command" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_needs_command" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_needs_command" -l dns_alt_names -l dns-alt-names -d 'With --generate, subject alternative names for the new certificates' -r
complete -c cert -n "__fish_cert_needs_command" -l digest -d 'With --fingerprint, the digest to use [default: sha256]' -r
complete -c cert -n "__fish_cert_needs_command" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_needs_command" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_needs_command" -l clean -d 'Remove everything the CA holds for NAME..., revoking signed certificates'
complete -c cert -n "__fish_cert_needs_command" -l delete -d 'Delete the signed certificates of NAME... (or --expired, --revoked, --all), not revoking'
complete -c cert -n "__fish_cert_needs_command" -l fingerprint -d 'Print the fingerprints of the certificates or requests of NAME...'
complete -c cert -n "__fish_cert_needs_command" -l generate -d 'Make keys and CA-signed certificates for NAME...'
complete -c cert -n "__fish_cert_needs_command" -l list -d 'List pending requests; with --all, certificates too; with NAME..., only those'
complete -c cert -n "__fish_cert_needs_command" -l print -d 'Print the certificates or requests of NAME... in full'
complete -c cert -n "__fish_cert_needs_command" -l prune -d 'Remove duplicate entries from the CRL; with NAME..., the entries of those names and serials (0x-prefixed hex) instead'
complete -c cert -n "__fish_cert_needs_command" -l revoke -d 'Revoke the certificates of NAME...'
complete -c cert -n "__fish_cert_needs_command" -l sign -d 'Sign the pending requests of NAME..., or every one with --all'
complete -c cert -n "__fish_cert_needs_command" -l verify -d 'Check the certificates of NAME... against the CA and its CRL'
complete -c cert -n "__fish_cert_needs_command" -l all -d 'With --list, include signed and revoked certificates; with --sign, sign every request; with --delete, delete every signed certificate'
complete -c cert -n "__fish_cert_needs_command" -l expired -d 'With --delete, delete the signed certificates that have expired'
complete -c cert -n "__fish_cert_needs_command" -l revoked -d 'With --delete, delete the signed certificates that are revoked'
complete -c cert -n "__fish_cert_needs_command" -l allow-dns-alt-names -d 'With --sign, allow requests that carry subject alternative names'
complete -c cert -n "__fish_cert_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_needs_command" -s V -l version -d 'Print version'
complete -c cert -n "__fish_cert_needs_command" -a "agent" -d 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh'
complete -c cert -n "__fish_cert_needs_command" -a "autosign" -d 'Work with the autosign policy'
complete -c cert -n "__fish_cert_needs_command" -a "check" -d 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files'
complete -c cert -n "__fish_cert_needs_command" -a "clean" -d 'Remove everything the CA holds for the given names, revoking signed certificates'
complete -c cert -n "__fish_cert_needs_command" -a "completions" -d 'Write a shell completion script to standard output'
complete -c cert -n "__fish_cert_needs_command" -a "console" -d 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)'
complete -c cert -n "__fish_cert_needs_command" -a "delete" -d 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking'
complete -c cert -n "__fish_cert_needs_command" -a "enable" -d 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca\'s `enable`'
complete -c cert -n "__fish_cert_needs_command" -a "fingerprint" -d 'Print the fingerprints of the certificates or requests of NAME...'
complete -c cert -n "__fish_cert_needs_command" -a "generate" -d 'Make keys and CA-signed certificates for the given names'
complete -c cert -n "__fish_cert_needs_command" -a "export" -d 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle'
complete -c cert -n "__fish_cert_needs_command" -a "extend-ca" -d 'Re-issue the CA certificate chain with the same keys and a new expiry date'
complete -c cert -n "__fish_cert_needs_command" -a "import" -d 'Install an existing CA from its key, certificate bundle and CRL chain'
complete -c cert -n "__fish_cert_needs_command" -a "log" -d 'Show the audit trail: every sign, revoke, clean and generate, who did it and why'
complete -c cert -n "__fish_cert_needs_command" -a "list" -d 'List pending requests; with --all, certificates too; with --expiring, what expires soon'
complete -c cert -n "__fish_cert_needs_command" -a "man" -d 'Write the manual pages into DIR'
complete -c cert -n "__fish_cert_needs_command" -a "migrate" -d 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back'
complete -c cert -n "__fish_cert_needs_command" -a "print" -d 'Print the certificates or requests of NAME... in full'
complete -c cert -n "__fish_cert_needs_command" -a "prune" -d 'Remove entries from the CRL: duplicates, expired ones, or those given'
complete -c cert -n "__fish_cert_needs_command" -a "revoke" -d 'Revoke the certificates of the given names'
complete -c cert -n "__fish_cert_needs_command" -a "setup" -d 'Create a new CA and the CA server\'s own certificate'
complete -c cert -n "__fish_cert_needs_command" -a "serve" -d 'Run the signing daemon: Puppet\'s CA HTTP API v1 over HTTPS, in the foreground'
complete -c cert -n "__fish_cert_needs_command" -a "sign" -d 'Sign the pending requests of the given names, or every one with --all'
complete -c cert -n "__fish_cert_needs_command" -a "submit" -d 'Queue certificate signing requests read from PEM files'
complete -c cert -n "__fish_cert_needs_command" -a "token" -d 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use'
complete -c cert -n "__fish_cert_needs_command" -a "verify" -d 'Check the certificates of NAME... against the CA and its CRL'
complete -c cert -n "__fish_cert_needs_command" -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand agent" -l server -d 'CA server as HOST[:PORT] [default: the `ca_server`, then `server` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l ca_server -l ca-server -d 'CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l certname -d 'This host\'s certificate name [default: the `certname` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l dns_alt_names -l dns-alt-names -d 'Alt names to request, comma-separated [default: the `dns_alt_names` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l waitforcert -d 'Seconds between checks for the certificate; 0 exits at once [default: `waitforcert`, 2m]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l maxwaitforcert -d 'Give up waiting for the certificate after this long [default: wait for ever]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l runinterval -d 'Time between runs of the loop [default: the `runinterval` setting, 30m]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l ca-fingerprint -l ca_fingerprint -d 'Required SHA-256 fingerprint of the CA certificate on first contact' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l token -d 'Enrolment token for the certificate request (`cert token create` on the CA)' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l exec -d 'Command to run with `sh -c` after the certificate or CRL changed' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand agent" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand agent" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand agent" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand agent" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand agent" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand agent" -s o -l onetime -d 'Enroll or check once, then exit'
complete -c cert -n "__fish_cert_using_subcommand agent" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand agent" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand agent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -f -a "check" -d 'Tell whether the autosign policy would sign NAME\'s request'
complete -c cert -n "__fish_cert_using_subcommand autosign; and not __fish_seen_subcommand_from check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l csr -d 'Request to judge [default: the stored request of NAME]' -r -F
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from help" -f -a "check" -d 'Tell whether the autosign policy would sign NAME\'s request'
complete -c cert -n "__fish_cert_using_subcommand autosign; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand check" -l expiring -d 'Instead, list what expires within DURATION: CA certificates, CRLs, hosts\' certificates' -r
complete -c cert -n "__fish_cert_using_subcommand check" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand check" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand check" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand check" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand check" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand check" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand check" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand check" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand check" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand clean" -l certname -d 'Certificate names (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand clean" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand clean" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand clean" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand clean" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand clean" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand clean" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand clean" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand clean" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand clean" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand clean" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand completions" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand completions" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand completions" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand completions" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand completions" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand completions" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand completions" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand completions" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -f -a "login" -d 'Print a one-time sign-in link for the web console, on the CA host'
complete -c cert -n "__fish_cert_using_subcommand console; and not __fish_seen_subcommand_from login help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l ttl -d 'How long the link works: once, within this time [default: 5m; at most 24h]' -r
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l url -d 'The console\'s address as the browser reaches it [default: https:// and the `console_bind` setting, else https://127.0.0.1:8141]' -r
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from help" -f -a "login" -d 'Print a one-time sign-in link for the web console, on the CA host'
complete -c cert -n "__fish_cert_using_subcommand console; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand delete" -l certname -d 'Delete the signed certificates of these names (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand delete" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand delete" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand delete" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand delete" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand delete" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand delete" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand delete" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand delete" -l expired -d 'Delete signed certificates that have expired'
complete -c cert -n "__fish_cert_using_subcommand delete" -l revoked -d 'Delete signed certificates that are revoked'
complete -c cert -n "__fish_cert_using_subcommand delete" -l all -d 'Delete every signed certificate'
complete -c cert -n "__fish_cert_using_subcommand delete" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand delete" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand enable" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand enable" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand enable" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand enable" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand enable" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand enable" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand enable" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand enable" -l infracrl -d 'Create the files of the infrastructure-only CRL'
complete -c cert -n "__fish_cert_using_subcommand enable" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand enable" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand enable" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l digest -d 'Digest to use' -r
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand fingerprint" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand generate" -l certname -d 'Certificate names (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l subject-alt-names -d 'Subject alternative names for every new certificate' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l ttl -d 'Validity period [default: the `ca_ttl` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l key-type -d 'Algorithm of the new key pair [default: the settings]' -r -f -a "ec\t'Elliptic-curve key (see --curve)'
rsa\t'RSA key (see --keylength)'"
complete -c cert -n "__fish_cert_using_subcommand generate" -l keylength -d 'RSA key size in bits, 2048 to 16384' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l curve -d 'Elliptic curve of an EC key' -r -f -a "p256\t'NIST P-256, also called prime256v1'
p384\t'NIST P-384, also called secp384r1'"
complete -c cert -n "__fish_cert_using_subcommand generate" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand generate" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand generate" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand generate" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand generate" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand generate" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand generate" -l force -d 'Replace existing keys and certificates of these names'
complete -c cert -n "__fish_cert_using_subcommand generate" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand generate" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand generate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand export" -l for -d 'What the target host is' -r -f -a "agent\t'A Puppet agent: certificate, key, CA and `crl.pem`'
balancer\t'A TLS-terminating balancer before the masters: as an agent, plus server config'
master\t'A compile master without the CA: `crl.pem` and `ca/ca_crl.pem`, plus server config'"
complete -c cert -n "__fish_cert_using_subcommand export" -l out -d 'Write the bundle as a new directory DIR' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand export" -l tar -d 'Write the bundle as a new gzip-compressed tar file (extract with tar -xzpf in the ssldir)' -r -F
complete -c cert -n "__fish_cert_using_subcommand export" -l server -d 'Add a config fragment for this TLS server' -r -f -a "apache\t'Apache httpd 2.4: a <VirtualHost> with its Listen line'
haproxy\t'HAProxy 2.2+: a frontend/backend pair'
nginx\t'nginx: a file to include inside http {}'"
complete -c cert -n "__fish_cert_using_subcommand export" -l target-ssldir -d 'Where the bundle will sit on the target [default: /etc/puppetlabs/puppet/ssl]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand export" -l listen -d 'Port, or ADDRESS:PORT, the server config listens on [default: 8140]' -r
complete -c cert -n "__fish_cert_using_subcommand export" -l upstream -d 'The masters behind the server config (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand export" -l passphrase-file -d 'File whose first line is the passphrase for --format pkcs12' -r -F
complete -c cert -n "__fish_cert_using_subcommand export" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand export" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand export" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand export" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand export" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand export" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand export" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand export" -l upstream-tls -d 'Re-encrypt to the masters, with this host\'s certificate as client certificate'
complete -c cert -n "__fish_cert_using_subcommand export" -l crl-only -d 'Bundle only the CA\'s current CRL chain (after a revocation)'
complete -c cert -n "__fish_cert_using_subcommand export" -l ca-standby -d 'Bundle the whole CA directory, CA private key included, for a standby CA host'
complete -c cert -n "__fish_cert_using_subcommand export" -l force -d 'Replace an existing output'
complete -c cert -n "__fish_cert_using_subcommand export" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand export" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l ttl -d 'Validity period [default: the `ca_ttl` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -l keep-serials -d 'Keep every CA certificate\'s serial, as puppetlabs-ca_extend does'
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand extend-ca" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand import" -l private-key -d 'PEM file with the CA\'s private key' -r -F
complete -c cert -n "__fish_cert_using_subcommand import" -l cert-bundle -d 'PEM file with the CA certificate first, then the certificates above it' -r -F
complete -c cert -n "__fish_cert_using_subcommand import" -l crl-chain -d 'PEM file with the CA\'s CRL first, then the CRLs of the CAs above it' -r -F
complete -c cert -n "__fish_cert_using_subcommand import" -l certname -d 'Name for the CA server\'s own certificate [default: the `certname` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand import" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand import" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand import" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand import" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand import" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand import" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand import" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand import" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand import" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand log" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand log" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand log" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand log" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand log" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand log" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand log" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand log" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand log" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand log" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand list" -l certname -d 'Only these names (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand list" -l expiring -d 'Only certificates that expire within DURATION (expired ones too), such as 30d' -r
complete -c cert -n "__fish_cert_using_subcommand list" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand list" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand list" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand list" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand list" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand list" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand list" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand list" -l all -d 'Include signed and revoked certificates'
complete -c cert -n "__fish_cert_using_subcommand list" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand list" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand man" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand man" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand man" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand man" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand man" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand man" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand man" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand man" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand man" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand man" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand migrate" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand migrate" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand migrate" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand migrate" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand migrate" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand migrate" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand migrate" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand migrate" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand migrate" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand print" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand print" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand print" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand print" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand print" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand print" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand print" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand print" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand print" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand print" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand prune" -l serial -d 'With --remove-entries, serials to remove, hex (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand prune" -l certname -d 'With --remove-entries, names whose certificates\' entries to remove (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand prune" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand prune" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand prune" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand prune" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand prune" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand prune" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand prune" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand prune" -l remove-duplicates -d 'Remove entries listed more than once (the default with no other flag)'
complete -c cert -n "__fish_cert_using_subcommand prune" -l remove-expired -d 'Remove the entries of certificates that have expired'
complete -c cert -n "__fish_cert_using_subcommand prune" -l remove-entries -d 'Remove the entries given by --serial and --certname'
complete -c cert -n "__fish_cert_using_subcommand prune" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand prune" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand prune" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand revoke" -l certname -d 'Certificate names (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand revoke" -l reason -d 'Why, as the CRL entries say (RFC 5280\'s reason codes)' -r -f -a "affiliation-changed\t'affiliationChanged: the host\'s name or role changed'
cessation-of-operation\t'cessationOfOperation: the host is gone'
key-compromise\t'keyCompromise: the key may be known to others (puppetserver\'s reason for every revocation)'
privilege-withdrawn\t'privilegeWithdrawn: the host may no longer hold it'
superseded\t'superseded: a new certificate replaces it'
unspecified\t'unspecified'"
complete -c cert -n "__fish_cert_using_subcommand revoke" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand revoke" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand revoke" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand revoke" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand revoke" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand revoke" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand revoke" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand revoke" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand revoke" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand setup" -l certname -d 'Name for the CA server\'s own certificate [default: the `certname` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l subject-alt-names -d 'Subject alternative names for the CA server\'s certificate' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l ca-name -d 'Common name of the CA certificate [default: the `ca_name` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l root-ca-name -d 'Common name of the root CA certificate [default: Puppet Root CA: <14 random hex digits>]' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l ttl -d 'Validity period [default: the `ca_ttl` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l key-type -d 'Algorithm of the new key pair [default: the settings]' -r -f -a "ec\t'Elliptic-curve key (see --curve)'
rsa\t'RSA key (see --keylength)'"
complete -c cert -n "__fish_cert_using_subcommand setup" -l keylength -d 'RSA key size in bits, 2048 to 16384' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l curve -d 'Elliptic curve of an EC key' -r -f -a "p256\t'NIST P-256, also called prime256v1'
p384\t'NIST P-384, also called secp384r1'"
complete -c cert -n "__fish_cert_using_subcommand setup" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand setup" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand setup" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand setup" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand setup" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand setup" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand setup" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand setup" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand setup" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand serve" -l bind -d 'Address and port to listen on' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -l metrics-bind -d 'Also serve /metrics in plain HTTP on this address and port, for a scraper' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -l console-bind -d 'Serve the web console over TLS on this address and port [default: the `console_bind` setting; none]' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -l log-format -d 'Format of the log lines on stderr' -r -f -a "json\t'One JSON object per line'
text\t'Plain text lines'"
complete -c cert -n "__fish_cert_using_subcommand serve" -l allow-header-cert-info -d 'Believe the client headers of TLS-terminating balancers at these addresses' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand serve" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand serve" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand serve" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand serve" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand serve" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand serve" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand serve" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand sign" -l certname -d 'Certificate names to sign (comma-separated, repeatable)' -r
complete -c cert -n "__fish_cert_using_subcommand sign" -l ttl -d 'Validity period [default: the `ca_ttl` setting]' -r
complete -c cert -n "__fish_cert_using_subcommand sign" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand sign" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand sign" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand sign" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand sign" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand sign" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand sign" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand sign" -l all -d 'Sign every pending request'
complete -c cert -n "__fish_cert_using_subcommand sign" -l allow-subject-alt-names -d 'Allow requests that carry subject alternative names'
complete -c cert -n "__fish_cert_using_subcommand sign" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand sign" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand sign" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand submit" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand submit" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand submit" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand submit" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand submit" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand submit" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand submit" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand submit" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand submit" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand submit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "create" -d 'Make a token and print it alone on standard output (it is never shown again)'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "list" -d 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "revoke" -d 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
complete -c cert -n "__fish_cert_using_subcommand token; and not __fish_seen_subcommand_from create list revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l ttl -d 'How long the token grants anything [default: 1h; at most 366d]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l uses -d 'How many certificates it may get [default: 1]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l comment -d 'Why it was made, shown by `cert token list` and in `cert log`' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from create" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "create" -d 'Make a token and print it alone on standard output (it is never shown again)'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "list" -d 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
complete -c cert -n "__fish_cert_using_subcommand token; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand verify" -l ssldir -d 'Directory of Puppet\'s SSL files [default: the `ssldir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand verify" -l cadir -d 'Directory of the CA\'s files [default: the `cadir` setting]' -r -f -a "(__fish_complete_directories)"
complete -c cert -n "__fish_cert_using_subcommand verify" -l store -d 'Where the CA\'s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]' -r
complete -c cert -n "__fish_cert_using_subcommand verify" -l config -d 'puppet.conf to read settings from [default: Puppet\'s usual location]' -r -F
complete -c cert -n "__fish_cert_using_subcommand verify" -l format -d 'Output format [default: the command\'s own text]' -r -f -a "json\t'One JSON document, for scripts'
pkcs12\t'With export: add a PKCS#12 file (for Java and Windows consumers)'
puppet\t'The text `puppet cert` and `puppetserver ca` print, for tools that read it'
text\t'Text for people'"
complete -c cert -n "__fish_cert_using_subcommand verify" -l autosign -d 'Autosign setting: true, false, or the path of an autosign.conf or policy program' -r -F
complete -c cert -n "__fish_cert_using_subcommand verify" -l admin -d 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth' -r
complete -c cert -n "__fish_cert_using_subcommand verify" -s y -l yes -d 'Answer yes to every confirmation prompt'
complete -c cert -n "__fish_cert_using_subcommand verify" -s v -l verbose -d 'Report more detail on what is done'
complete -c cert -n "__fish_cert_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "agent" -d 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "autosign" -d 'Work with the autosign policy'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "check" -d 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "clean" -d 'Remove everything the CA holds for the given names, revoking signed certificates'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "completions" -d 'Write a shell completion script to standard output'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "console" -d 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "delete" -d 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "enable" -d 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca\'s `enable`'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "fingerprint" -d 'Print the fingerprints of the certificates or requests of NAME...'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "generate" -d 'Make keys and CA-signed certificates for the given names'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "export" -d 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "extend-ca" -d 'Re-issue the CA certificate chain with the same keys and a new expiry date'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "import" -d 'Install an existing CA from its key, certificate bundle and CRL chain'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "log" -d 'Show the audit trail: every sign, revoke, clean and generate, who did it and why'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "list" -d 'List pending requests; with --all, certificates too; with --expiring, what expires soon'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "man" -d 'Write the manual pages into DIR'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "migrate" -d 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "print" -d 'Print the certificates or requests of NAME... in full'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "prune" -d 'Remove entries from the CRL: duplicates, expired ones, or those given'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "revoke" -d 'Revoke the certificates of the given names'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "setup" -d 'Create a new CA and the CA server\'s own certificate'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "serve" -d 'Run the signing daemon: Puppet\'s CA HTTP API v1 over HTTPS, in the foreground'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "sign" -d 'Sign the pending requests of the given names, or every one with --all'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "submit" -d 'Queue certificate signing requests read from PEM files'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "token" -d 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "verify" -d 'Check the certificates of NAME... against the CA and its CRL'
complete -c cert -n "__fish_cert_using_subcommand help; and not __fish_seen_subcommand_from agent autosign check clean completions console delete enable fingerprint generate export extend-ca import log list man migrate print prune revoke setup serve sign submit token verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c cert -n "__fish_cert_using_subcommand help; and __fish_seen_subcommand_from autosign" -f -a "check" -d 'Tell whether the autosign policy would sign NAME\'s request'
complete -c cert -n "__fish_cert_using_subcommand help; and __fish_seen_subcommand_from console" -f -a "login" -d 'Print a one-time sign-in link for the web console, on the CA host'
complete -c cert -n "__fish_cert_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "create" -d 'Make a token and print it alone on standard output (it is never shown again)'
complete -c cert -n "__fish_cert_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "list" -d 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
complete -c cert -n "__fish_cert_using_subcommand help; and __fish_seen_subcommand_from token" -f -a "revoke" -d 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
