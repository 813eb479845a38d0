
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'cert' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'cert'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'cert' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--dns_alt_names', '--dns_alt_names', [CompletionResultType]::ParameterName, 'With --generate, subject alternative names for the new certificates')
            [CompletionResult]::new('--dns-alt-names', '--dns-alt-names', [CompletionResultType]::ParameterName, 'With --generate, subject alternative names for the new certificates')
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'With --fingerprint, the digest to use [default: sha256]')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--clean', '--clean', [CompletionResultType]::ParameterName, 'Remove everything the CA holds for NAME..., revoking signed certificates')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Delete the signed certificates of NAME... (or --expired, --revoked, --all), not revoking')
            [CompletionResult]::new('--fingerprint', '--fingerprint', [CompletionResultType]::ParameterName, 'Print the fingerprints of the certificates or requests of NAME...')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Make keys and CA-signed certificates for NAME...')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List pending requests; with --all, certificates too; with NAME..., only those')
            [CompletionResult]::new('--print', '--print', [CompletionResultType]::ParameterName, 'Print the certificates or requests of NAME... in full')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Remove duplicate entries from the CRL; with NAME..., the entries of those names and serials (0x-prefixed hex) instead')
            [CompletionResult]::new('--revoke', '--revoke', [CompletionResultType]::ParameterName, 'Revoke the certificates of NAME...')
            [CompletionResult]::new('--sign', '--sign', [CompletionResultType]::ParameterName, 'Sign the pending requests of NAME..., or every one with --all')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check the certificates of NAME... against the CA and its CRL')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --list, include signed and revoked certificates; with --sign, sign every request; with --delete, delete every signed certificate')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'With --delete, delete the signed certificates that have expired')
            [CompletionResult]::new('--revoked', '--revoked', [CompletionResultType]::ParameterName, 'With --delete, delete the signed certificates that are revoked')
            [CompletionResult]::new('--allow-dns-alt-names', '--allow-dns-alt-names', [CompletionResultType]::ParameterName, 'With --sign, allow requests that carry subject alternative names')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh')
            [CompletionResult]::new('autosign', 'autosign', [CompletionResultType]::ParameterValue, 'Work with the autosign policy')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove everything the CA holds for the given names, revoking signed certificates')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Write a shell completion script to standard output')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca''s `enable`')
            [CompletionResult]::new('fingerprint', 'fingerprint', [CompletionResultType]::ParameterValue, 'Print the fingerprints of the certificates or requests of NAME...')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Make keys and CA-signed certificates for the given names')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle')
            [CompletionResult]::new('extend-ca', 'extend-ca', [CompletionResultType]::ParameterValue, 'Re-issue the CA certificate chain with the same keys and a new expiry date')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Install an existing CA from its key, certificate bundle and CRL chain')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit trail: every sign, revoke, clean and generate, who did it and why')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List pending requests; with --all, certificates too; with --expiring, what expires soon')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the manual pages into DIR')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the certificates or requests of NAME... in full')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove entries from the CRL: duplicates, expired ones, or those given')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke the certificates of the given names')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create a new CA and the CA server''s own certificate')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the signing daemon: Puppet''s CA HTTP API v1 over HTTPS, in the foreground')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign the pending requests of the given names, or every one with --all')
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Queue certificate signing requests read from PEM files')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the certificates of NAME... against the CA and its CRL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;agent' {
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'CA server as HOST[:PORT] [default: the `ca_server`, then `server` setting]')
            [CompletionResult]::new('--ca_server', '--ca_server', [CompletionResultType]::ParameterName, 'CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]')
            [CompletionResult]::new('--ca-server', '--ca-server', [CompletionResultType]::ParameterName, 'CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]')
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'This host''s certificate name [default: the `certname` setting]')
            [CompletionResult]::new('--dns_alt_names', '--dns_alt_names', [CompletionResultType]::ParameterName, 'Alt names to request, comma-separated [default: the `dns_alt_names` setting]')
            [CompletionResult]::new('--dns-alt-names', '--dns-alt-names', [CompletionResultType]::ParameterName, 'Alt names to request, comma-separated [default: the `dns_alt_names` setting]')
            [CompletionResult]::new('--waitforcert', '--waitforcert', [CompletionResultType]::ParameterName, 'Seconds between checks for the certificate; 0 exits at once [default: `waitforcert`, 2m]')
            [CompletionResult]::new('--maxwaitforcert', '--maxwaitforcert', [CompletionResultType]::ParameterName, 'Give up waiting for the certificate after this long [default: wait for ever]')
            [CompletionResult]::new('--runinterval', '--runinterval', [CompletionResultType]::ParameterName, 'Time between runs of the loop [default: the `runinterval` setting, 30m]')
            [CompletionResult]::new('--ca-fingerprint', '--ca-fingerprint', [CompletionResultType]::ParameterName, 'Required SHA-256 fingerprint of the CA certificate on first contact')
            [CompletionResult]::new('--ca_fingerprint', '--ca_fingerprint', [CompletionResultType]::ParameterName, 'Required SHA-256 fingerprint of the CA certificate on first contact')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'Enrolment token for the certificate request (`cert token create` on the CA)')
            [CompletionResult]::new('--exec', '--exec', [CompletionResultType]::ParameterName, 'Command to run with `sh -c` after the certificate or CRL changed')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Enroll or check once, then exit')
            [CompletionResult]::new('--onetime', '--onetime', [CompletionResultType]::ParameterName, 'Enroll or check once, then exit')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;autosign' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Tell whether the autosign policy would sign NAME''s request')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;autosign;check' {
            [CompletionResult]::new('--csr', '--csr', [CompletionResultType]::ParameterName, 'Request to judge [default: the stored request of NAME]')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;autosign;help' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Tell whether the autosign policy would sign NAME''s request')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;autosign;help;check' {
            break
        }
        'cert;autosign;help;help' {
            break
        }
        'cert;check' {
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Instead, list what expires within DURATION: CA certificates, CRLs, hosts'' certificates')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;clean' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Certificate names (comma-separated, repeatable)')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;completions' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;console' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Print a one-time sign-in link for the web console, on the CA host')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;console;login' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the link works: once, within this time [default: 5m; at most 24h]')
            [CompletionResult]::new('--url', '--url', [CompletionResultType]::ParameterName, 'The console''s address as the browser reaches it [default: https:// and the `console_bind` setting, else https://127.0.0.1:8141]')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;console;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Print a one-time sign-in link for the web console, on the CA host')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;console;help;login' {
            break
        }
        'cert;console;help;help' {
            break
        }
        'cert;delete' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Delete the signed certificates of these names (comma-separated, repeatable)')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--expired', '--expired', [CompletionResultType]::ParameterName, 'Delete signed certificates that have expired')
            [CompletionResult]::new('--revoked', '--revoked', [CompletionResultType]::ParameterName, 'Delete signed certificates that are revoked')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Delete every signed certificate')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;enable' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--infracrl', '--infracrl', [CompletionResultType]::ParameterName, 'Create the files of the infrastructure-only CRL')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;fingerprint' {
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'Digest to use')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;generate' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Certificate names (comma-separated, repeatable)')
            [CompletionResult]::new('--subject-alt-names', '--subject-alt-names', [CompletionResultType]::ParameterName, 'Subject alternative names for every new certificate')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Validity period [default: the `ca_ttl` setting]')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Algorithm of the new key pair [default: the settings]')
            [CompletionResult]::new('--keylength', '--keylength', [CompletionResultType]::ParameterName, 'RSA key size in bits, 2048 to 16384')
            [CompletionResult]::new('--curve', '--curve', [CompletionResultType]::ParameterName, 'Elliptic curve of an EC key')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing keys and certificates of these names')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;export' {
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'What the target host is')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Write the bundle as a new directory DIR')
            [CompletionResult]::new('--tar', '--tar', [CompletionResultType]::ParameterName, 'Write the bundle as a new gzip-compressed tar file (extract with tar -xzpf in the ssldir)')
            [CompletionResult]::new('--server', '--server', [CompletionResultType]::ParameterName, 'Add a config fragment for this TLS server')
            [CompletionResult]::new('--target-ssldir', '--target-ssldir', [CompletionResultType]::ParameterName, 'Where the bundle will sit on the target [default: /etc/puppetlabs/puppet/ssl]')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Port, or ADDRESS:PORT, the server config listens on [default: 8140]')
            [CompletionResult]::new('--upstream', '--upstream', [CompletionResultType]::ParameterName, 'The masters behind the server config (comma-separated, repeatable)')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'File whose first line is the passphrase for --format pkcs12')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--upstream-tls', '--upstream-tls', [CompletionResultType]::ParameterName, 'Re-encrypt to the masters, with this host''s certificate as client certificate')
            [CompletionResult]::new('--crl-only', '--crl-only', [CompletionResultType]::ParameterName, 'Bundle only the CA''s current CRL chain (after a revocation)')
            [CompletionResult]::new('--ca-standby', '--ca-standby', [CompletionResultType]::ParameterName, 'Bundle the whole CA directory, CA private key included, for a standby CA host')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace an existing output')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;extend-ca' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Validity period [default: the `ca_ttl` setting]')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--keep-serials', '--keep-serials', [CompletionResultType]::ParameterName, 'Keep every CA certificate''s serial, as puppetlabs-ca_extend does')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;import' {
            [CompletionResult]::new('--private-key', '--private-key', [CompletionResultType]::ParameterName, 'PEM file with the CA''s private key')
            [CompletionResult]::new('--cert-bundle', '--cert-bundle', [CompletionResultType]::ParameterName, 'PEM file with the CA certificate first, then the certificates above it')
            [CompletionResult]::new('--crl-chain', '--crl-chain', [CompletionResultType]::ParameterName, 'PEM file with the CA''s CRL first, then the CRLs of the CAs above it')
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Name for the CA server''s own certificate [default: the `certname` setting]')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;log' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;list' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Only these names (comma-separated, repeatable)')
            [CompletionResult]::new('--expiring', '--expiring', [CompletionResultType]::ParameterName, 'Only certificates that expire within DURATION (expired ones too), such as 30d')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Include signed and revoked certificates')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;man' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;migrate' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;print' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;prune' {
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'With --remove-entries, serials to remove, hex (comma-separated, repeatable)')
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'With --remove-entries, names whose certificates'' entries to remove (comma-separated, repeatable)')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--remove-duplicates', '--remove-duplicates', [CompletionResultType]::ParameterName, 'Remove entries listed more than once (the default with no other flag)')
            [CompletionResult]::new('--remove-expired', '--remove-expired', [CompletionResultType]::ParameterName, 'Remove the entries of certificates that have expired')
            [CompletionResult]::new('--remove-entries', '--remove-entries', [CompletionResultType]::ParameterName, 'Remove the entries given by --serial and --certname')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;revoke' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Certificate names (comma-separated, repeatable)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why, as the CRL entries say (RFC 5280''s reason codes)')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;setup' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Name for the CA server''s own certificate [default: the `certname` setting]')
            [CompletionResult]::new('--subject-alt-names', '--subject-alt-names', [CompletionResultType]::ParameterName, 'Subject alternative names for the CA server''s certificate')
            [CompletionResult]::new('--ca-name', '--ca-name', [CompletionResultType]::ParameterName, 'Common name of the CA certificate [default: the `ca_name` setting]')
            [CompletionResult]::new('--root-ca-name', '--root-ca-name', [CompletionResultType]::ParameterName, 'Common name of the root CA certificate [default: Puppet Root CA: <14 random hex digits>]')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Validity period [default: the `ca_ttl` setting]')
            [CompletionResult]::new('--key-type', '--key-type', [CompletionResultType]::ParameterName, 'Algorithm of the new key pair [default: the settings]')
            [CompletionResult]::new('--keylength', '--keylength', [CompletionResultType]::ParameterName, 'RSA key size in bits, 2048 to 16384')
            [CompletionResult]::new('--curve', '--curve', [CompletionResultType]::ParameterName, 'Elliptic curve of an EC key')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address and port to listen on')
            [CompletionResult]::new('--metrics-bind', '--metrics-bind', [CompletionResultType]::ParameterName, 'Also serve /metrics in plain HTTP on this address and port, for a scraper')
            [CompletionResult]::new('--console-bind', '--console-bind', [CompletionResultType]::ParameterName, 'Serve the web console over TLS on this address and port [default: the `console_bind` setting; none]')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Format of the log lines on stderr')
            [CompletionResult]::new('--allow-header-cert-info', '--allow-header-cert-info', [CompletionResultType]::ParameterName, 'Believe the client headers of TLS-terminating balancers at these addresses')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;sign' {
            [CompletionResult]::new('--certname', '--certname', [CompletionResultType]::ParameterName, 'Certificate names to sign (comma-separated, repeatable)')
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'Validity period [default: the `ca_ttl` setting]')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Sign every pending request')
            [CompletionResult]::new('--allow-subject-alt-names', '--allow-subject-alt-names', [CompletionResultType]::ParameterName, 'Allow requests that carry subject alternative names')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;submit' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;token' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it alone on standard output (it is never shown again)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;token;create' {
            [CompletionResult]::new('--ttl', '--ttl', [CompletionResultType]::ParameterName, 'How long the token grants anything [default: 1h; at most 366d]')
            [CompletionResult]::new('--uses', '--uses', [CompletionResultType]::ParameterName, 'How many certificates it may get [default: 1]')
            [CompletionResult]::new('--comment', '--comment', [CompletionResultType]::ParameterName, 'Why it was made, shown by `cert token list` and in `cert log`')
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;token;list' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;token;revoke' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;token;help' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it alone on standard output (it is never shown again)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;token;help;create' {
            break
        }
        'cert;token;help;list' {
            break
        }
        'cert;token;help;revoke' {
            break
        }
        'cert;token;help;help' {
            break
        }
        'cert;verify' {
            [CompletionResult]::new('--ssldir', '--ssldir', [CompletionResultType]::ParameterName, 'Directory of Puppet''s SSL files [default: the `ssldir` setting]')
            [CompletionResult]::new('--cadir', '--cadir', [CompletionResultType]::ParameterName, 'Directory of the CA''s files [default: the `cadir` setting]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'puppet.conf to read settings from [default: Puppet''s usual location]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format [default: the command''s own text]')
            [CompletionResult]::new('--autosign', '--autosign', [CompletionResultType]::ParameterName, 'Autosign setting: true, false, or the path of an autosign.conf or policy program')
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation prompt')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Report more detail on what is done')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'cert;help' {
            [CompletionResult]::new('agent', 'agent', [CompletionResultType]::ParameterValue, 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh')
            [CompletionResult]::new('autosign', 'autosign', [CompletionResultType]::ParameterValue, 'Work with the autosign policy')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove everything the CA holds for the given names, revoking signed certificates')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Write a shell completion script to standard output')
            [CompletionResult]::new('console', 'console', [CompletionResultType]::ParameterValue, 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca''s `enable`')
            [CompletionResult]::new('fingerprint', 'fingerprint', [CompletionResultType]::ParameterValue, 'Print the fingerprints of the certificates or requests of NAME...')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Make keys and CA-signed certificates for the given names')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle')
            [CompletionResult]::new('extend-ca', 'extend-ca', [CompletionResultType]::ParameterValue, 'Re-issue the CA certificate chain with the same keys and a new expiry date')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Install an existing CA from its key, certificate bundle and CRL chain')
            [CompletionResult]::new('log', 'log', [CompletionResultType]::ParameterValue, 'Show the audit trail: every sign, revoke, clean and generate, who did it and why')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List pending requests; with --all, certificates too; with --expiring, what expires soon')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the manual pages into DIR')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back')
            [CompletionResult]::new('print', 'print', [CompletionResultType]::ParameterValue, 'Print the certificates or requests of NAME... in full')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Remove entries from the CRL: duplicates, expired ones, or those given')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke the certificates of the given names')
            [CompletionResult]::new('setup', 'setup', [CompletionResultType]::ParameterValue, 'Create a new CA and the CA server''s own certificate')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run the signing daemon: Puppet''s CA HTTP API v1 over HTTPS, in the foreground')
            [CompletionResult]::new('sign', 'sign', [CompletionResultType]::ParameterValue, 'Sign the pending requests of the given names, or every one with --all')
            [CompletionResult]::new('submit', 'submit', [CompletionResultType]::ParameterValue, 'Queue certificate signing requests read from PEM files')
            [CompletionResult]::new('token', 'token', [CompletionResultType]::ParameterValue, 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the certificates of NAME... against the CA and its CRL')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'cert;help;agent' {
            break
        }
        'cert;help;autosign' {
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Tell whether the autosign policy would sign NAME''s request')
            break
        }
        'cert;help;autosign;check' {
            break
        }
        'cert;help;check' {
            break
        }
        'cert;help;clean' {
            break
        }
        'cert;help;completions' {
            break
        }
        'cert;help;console' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Print a one-time sign-in link for the web console, on the CA host')
            break
        }
        'cert;help;console;login' {
            break
        }
        'cert;help;delete' {
            break
        }
        'cert;help;enable' {
            break
        }
        'cert;help;fingerprint' {
            break
        }
        'cert;help;generate' {
            break
        }
        'cert;help;export' {
            break
        }
        'cert;help;extend-ca' {
            break
        }
        'cert;help;import' {
            break
        }
        'cert;help;log' {
            break
        }
        'cert;help;list' {
            break
        }
        'cert;help;man' {
            break
        }
        'cert;help;migrate' {
            break
        }
        'cert;help;print' {
            break
        }
        'cert;help;prune' {
            break
        }
        'cert;help;revoke' {
            break
        }
        'cert;help;setup' {
            break
        }
        'cert;help;serve' {
            break
        }
        'cert;help;sign' {
            break
        }
        'cert;help;submit' {
            break
        }
        'cert;help;token' {
            [CompletionResult]::new('create', 'create', [CompletionResultType]::ParameterValue, 'Make a token and print it alone on standard output (it is never shown again)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when')
            [CompletionResult]::new('revoke', 'revoke', [CompletionResultType]::ParameterValue, 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited')
            break
        }
        'cert;help;token;create' {
            break
        }
        'cert;help;token;list' {
            break
        }
        'cert;help;token;revoke' {
            break
        }
        'cert;help;verify' {
            break
        }
        'cert;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
