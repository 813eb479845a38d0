
use builtin;
use str;

set edit:completion:arg-completer[cert] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'cert'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'cert'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --dns_alt_names 'With --generate, subject alternative names for the new certificates'
            cand --dns-alt-names 'With --generate, subject alternative names for the new certificates'
            cand --digest 'With --fingerprint, the digest to use [default: sha256]'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand --clean 'Remove everything the CA holds for NAME..., revoking signed certificates'
            cand --delete 'Delete the signed certificates of NAME... (or --expired, --revoked, --all), not revoking'
            cand --fingerprint 'Print the fingerprints of the certificates or requests of NAME...'
            cand --generate 'Make keys and CA-signed certificates for NAME...'
            cand --list 'List pending requests; with --all, certificates too; with NAME..., only those'
            cand --print 'Print the certificates or requests of NAME... in full'
            cand --prune 'Remove duplicate entries from the CRL; with NAME..., the entries of those names and serials (0x-prefixed hex) instead'
            cand --revoke 'Revoke the certificates of NAME...'
            cand --sign 'Sign the pending requests of NAME..., or every one with --all'
            cand --verify 'Check the certificates of NAME... against the CA and its CRL'
            cand --all 'With --list, include signed and revoked certificates; with --sign, sign every request; with --delete, delete every signed certificate'
            cand --expired 'With --delete, delete the signed certificates that have expired'
            cand --revoked 'With --delete, delete the signed certificates that are revoked'
            cand --allow-dns-alt-names 'With --sign, allow requests that carry subject alternative names'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand agent 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh'
            cand autosign 'Work with the autosign policy'
            cand check 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files'
            cand clean 'Remove everything the CA holds for the given names, revoking signed certificates'
            cand completions 'Write a shell completion script to standard output'
            cand console 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)'
            cand delete 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking'
            cand enable 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca''s `enable`'
            cand fingerprint 'Print the fingerprints of the certificates or requests of NAME...'
            cand generate 'Make keys and CA-signed certificates for the given names'
            cand export 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle'
            cand extend-ca 'Re-issue the CA certificate chain with the same keys and a new expiry date'
            cand import 'Install an existing CA from its key, certificate bundle and CRL chain'
            cand log 'Show the audit trail: every sign, revoke, clean and generate, who did it and why'
            cand list 'List pending requests; with --all, certificates too; with --expiring, what expires soon'
            cand man 'Write the manual pages into DIR'
            cand migrate 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back'
            cand print 'Print the certificates or requests of NAME... in full'
            cand prune 'Remove entries from the CRL: duplicates, expired ones, or those given'
            cand revoke 'Revoke the certificates of the given names'
            cand setup 'Create a new CA and the CA server''s own certificate'
            cand serve 'Run the signing daemon: Puppet''s CA HTTP API v1 over HTTPS, in the foreground'
            cand sign 'Sign the pending requests of the given names, or every one with --all'
            cand submit 'Queue certificate signing requests read from PEM files'
            cand token 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use'
            cand verify 'Check the certificates of NAME... against the CA and its CRL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;agent'= {
            cand --server 'CA server as HOST[:PORT] [default: the `ca_server`, then `server` setting]'
            cand --ca_server 'CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]'
            cand --ca-server 'CA server as HOST[:PORT], when it is not --server [default: the `ca_server` setting]'
            cand --certname 'This host''s certificate name [default: the `certname` setting]'
            cand --dns_alt_names 'Alt names to request, comma-separated [default: the `dns_alt_names` setting]'
            cand --dns-alt-names 'Alt names to request, comma-separated [default: the `dns_alt_names` setting]'
            cand --waitforcert 'Seconds between checks for the certificate; 0 exits at once [default: `waitforcert`, 2m]'
            cand --maxwaitforcert 'Give up waiting for the certificate after this long [default: wait for ever]'
            cand --runinterval 'Time between runs of the loop [default: the `runinterval` setting, 30m]'
            cand --ca-fingerprint 'Required SHA-256 fingerprint of the CA certificate on first contact'
            cand --ca_fingerprint 'Required SHA-256 fingerprint of the CA certificate on first contact'
            cand --token 'Enrolment token for the certificate request (`cert token create` on the CA)'
            cand --exec 'Command to run with `sh -c` after the certificate or CRL changed'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -o 'Enroll or check once, then exit'
            cand --onetime 'Enroll or check once, then exit'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;autosign'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand check 'Tell whether the autosign policy would sign NAME''s request'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;autosign;check'= {
            cand --csr 'Request to judge [default: the stored request of NAME]'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;autosign;help'= {
            cand check 'Tell whether the autosign policy would sign NAME''s request'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;autosign;help;check'= {
        }
        &'cert;autosign;help;help'= {
        }
        &'cert;check'= {
            cand --expiring 'Instead, list what expires within DURATION: CA certificates, CRLs, hosts'' certificates'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;clean'= {
            cand --certname 'Certificate names (comma-separated, repeatable)'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;completions'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;console'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand login 'Print a one-time sign-in link for the web console, on the CA host'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;console;login'= {
            cand --ttl 'How long the link works: once, within this time [default: 5m; at most 24h]'
            cand --url 'The console''s address as the browser reaches it [default: https:// and the `console_bind` setting, else https://127.0.0.1:8141]'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;console;help'= {
            cand login 'Print a one-time sign-in link for the web console, on the CA host'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;console;help;login'= {
        }
        &'cert;console;help;help'= {
        }
        &'cert;delete'= {
            cand --certname 'Delete the signed certificates of these names (comma-separated, repeatable)'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --expired 'Delete signed certificates that have expired'
            cand --revoked 'Delete signed certificates that are revoked'
            cand --all 'Delete every signed certificate'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;enable'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --infracrl 'Create the files of the infrastructure-only CRL'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;fingerprint'= {
            cand --digest 'Digest to use'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;generate'= {
            cand --certname 'Certificate names (comma-separated, repeatable)'
            cand --subject-alt-names 'Subject alternative names for every new certificate'
            cand --ttl 'Validity period [default: the `ca_ttl` setting]'
            cand --key-type 'Algorithm of the new key pair [default: the settings]'
            cand --keylength 'RSA key size in bits, 2048 to 16384'
            cand --curve 'Elliptic curve of an EC key'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --force 'Replace existing keys and certificates of these names'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;export'= {
            cand --for 'What the target host is'
            cand --out 'Write the bundle as a new directory DIR'
            cand --tar 'Write the bundle as a new gzip-compressed tar file (extract with tar -xzpf in the ssldir)'
            cand --server 'Add a config fragment for this TLS server'
            cand --target-ssldir 'Where the bundle will sit on the target [default: /etc/puppetlabs/puppet/ssl]'
            cand --listen 'Port, or ADDRESS:PORT, the server config listens on [default: 8140]'
            cand --upstream 'The masters behind the server config (comma-separated, repeatable)'
            cand --passphrase-file 'File whose first line is the passphrase for --format pkcs12'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --upstream-tls 'Re-encrypt to the masters, with this host''s certificate as client certificate'
            cand --crl-only 'Bundle only the CA''s current CRL chain (after a revocation)'
            cand --ca-standby 'Bundle the whole CA directory, CA private key included, for a standby CA host'
            cand --force 'Replace an existing output'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;extend-ca'= {
            cand --ttl 'Validity period [default: the `ca_ttl` setting]'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --keep-serials 'Keep every CA certificate''s serial, as puppetlabs-ca_extend does'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;import'= {
            cand --private-key 'PEM file with the CA''s private key'
            cand --cert-bundle 'PEM file with the CA certificate first, then the certificates above it'
            cand --crl-chain 'PEM file with the CA''s CRL first, then the CRLs of the CAs above it'
            cand --certname 'Name for the CA server''s own certificate [default: the `certname` setting]'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;log'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;list'= {
            cand --certname 'Only these names (comma-separated, repeatable)'
            cand --expiring 'Only certificates that expire within DURATION (expired ones too), such as 30d'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --all 'Include signed and revoked certificates'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;man'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;migrate'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;print'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;prune'= {
            cand --serial 'With --remove-entries, serials to remove, hex (comma-separated, repeatable)'
            cand --certname 'With --remove-entries, names whose certificates'' entries to remove (comma-separated, repeatable)'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --remove-duplicates 'Remove entries listed more than once (the default with no other flag)'
            cand --remove-expired 'Remove the entries of certificates that have expired'
            cand --remove-entries 'Remove the entries given by --serial and --certname'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;revoke'= {
            cand --certname 'Certificate names (comma-separated, repeatable)'
            cand --reason 'Why, as the CRL entries say (RFC 5280''s reason codes)'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;setup'= {
            cand --certname 'Name for the CA server''s own certificate [default: the `certname` setting]'
            cand --subject-alt-names 'Subject alternative names for the CA server''s certificate'
            cand --ca-name 'Common name of the CA certificate [default: the `ca_name` setting]'
            cand --root-ca-name 'Common name of the root CA certificate [default: Puppet Root CA: <14 random hex digits>]'
            cand --ttl 'Validity period [default: the `ca_ttl` setting]'
            cand --key-type 'Algorithm of the new key pair [default: the settings]'
            cand --keylength 'RSA key size in bits, 2048 to 16384'
            cand --curve 'Elliptic curve of an EC key'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;serve'= {
            cand --bind 'Address and port to listen on'
            cand --metrics-bind 'Also serve /metrics in plain HTTP on this address and port, for a scraper'
            cand --console-bind 'Serve the web console over TLS on this address and port [default: the `console_bind` setting; none]'
            cand --log-format 'Format of the log lines on stderr'
            cand --allow-header-cert-info 'Believe the client headers of TLS-terminating balancers at these addresses'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;sign'= {
            cand --certname 'Certificate names to sign (comma-separated, repeatable)'
            cand --ttl 'Validity period [default: the `ca_ttl` setting]'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand --all 'Sign every pending request'
            cand --allow-subject-alt-names 'Allow requests that carry subject alternative names'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;submit'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;token'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand create 'Make a token and print it alone on standard output (it is never shown again)'
            cand list 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
            cand revoke 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;token;create'= {
            cand --ttl 'How long the token grants anything [default: 1h; at most 366d]'
            cand --uses 'How many certificates it may get [default: 1]'
            cand --comment 'Why it was made, shown by `cert token list` and in `cert log`'
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;token;list'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;token;revoke'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;token;help'= {
            cand create 'Make a token and print it alone on standard output (it is never shown again)'
            cand list 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
            cand revoke 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;token;help;create'= {
        }
        &'cert;token;help;list'= {
        }
        &'cert;token;help;revoke'= {
        }
        &'cert;token;help;help'= {
        }
        &'cert;verify'= {
            cand --ssldir 'Directory of Puppet''s SSL files [default: the `ssldir` setting]'
            cand --cadir 'Directory of the CA''s files [default: the `cadir` setting]'
            cand --store 'Where the CA''s store is: a PostgreSQL URL, or a CA directory [default: the `ca_store` setting, else the files in --cadir]'
            cand --config 'puppet.conf to read settings from [default: Puppet''s usual location]'
            cand --format 'Output format [default: the command''s own text]'
            cand --autosign 'Autosign setting: true, false, or the path of an autosign.conf or policy program'
            cand --admin 'Client certificate names `cert serve` allows the admin endpoints without pp_cli_auth'
            cand -y 'Answer yes to every confirmation prompt'
            cand --yes 'Answer yes to every confirmation prompt'
            cand -v 'Report more detail on what is done'
            cand --verbose 'Report more detail on what is done'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'cert;help'= {
            cand agent 'Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh'
            cand autosign 'Work with the autosign policy'
            cand check 'Check the CA directory: every file parses, serials, inventory, CRL chain, temp files'
            cand clean 'Remove everything the CA holds for the given names, revoking signed certificates'
            cand completions 'Write a shell completion script to standard output'
            cand console 'Work with the web console of `cert serve` (`--console-bind`, `console_bind`)'
            cand delete 'Delete signed certificates from the CA (expired, revoked, named, or all), not revoking'
            cand enable 'Set up the infrastructure CRL (--infracrl), as puppetserver-ca''s `enable`'
            cand fingerprint 'Print the fingerprints of the certificates or requests of NAME...'
            cand generate 'Make keys and CA-signed certificates for the given names'
            cand export 'Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle'
            cand extend-ca 'Re-issue the CA certificate chain with the same keys and a new expiry date'
            cand import 'Install an existing CA from its key, certificate bundle and CRL chain'
            cand log 'Show the audit trail: every sign, revoke, clean and generate, who did it and why'
            cand list 'List pending requests; with --all, certificates too; with --expiring, what expires soon'
            cand man 'Write the manual pages into DIR'
            cand migrate 'Copy the whole CA into another store: a CA directory into PostgreSQL, or back'
            cand print 'Print the certificates or requests of NAME... in full'
            cand prune 'Remove entries from the CRL: duplicates, expired ones, or those given'
            cand revoke 'Revoke the certificates of the given names'
            cand setup 'Create a new CA and the CA server''s own certificate'
            cand serve 'Run the signing daemon: Puppet''s CA HTTP API v1 over HTTPS, in the foreground'
            cand sign 'Sign the pending requests of the given names, or every one with --all'
            cand submit 'Queue certificate signing requests read from PEM files'
            cand token 'Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use'
            cand verify 'Check the certificates of NAME... against the CA and its CRL'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'cert;help;agent'= {
        }
        &'cert;help;autosign'= {
            cand check 'Tell whether the autosign policy would sign NAME''s request'
        }
        &'cert;help;autosign;check'= {
        }
        &'cert;help;check'= {
        }
        &'cert;help;clean'= {
        }
        &'cert;help;completions'= {
        }
        &'cert;help;console'= {
            cand login 'Print a one-time sign-in link for the web console, on the CA host'
        }
        &'cert;help;console;login'= {
        }
        &'cert;help;delete'= {
        }
        &'cert;help;enable'= {
        }
        &'cert;help;fingerprint'= {
        }
        &'cert;help;generate'= {
        }
        &'cert;help;export'= {
        }
        &'cert;help;extend-ca'= {
        }
        &'cert;help;import'= {
        }
        &'cert;help;log'= {
        }
        &'cert;help;list'= {
        }
        &'cert;help;man'= {
        }
        &'cert;help;migrate'= {
        }
        &'cert;help;print'= {
        }
        &'cert;help;prune'= {
        }
        &'cert;help;revoke'= {
        }
        &'cert;help;setup'= {
        }
        &'cert;help;serve'= {
        }
        &'cert;help;sign'= {
        }
        &'cert;help;submit'= {
        }
        &'cert;help;token'= {
            cand create 'Make a token and print it alone on standard output (it is never shown again)'
            cand list 'List the tokens: id, glob, status, uses left, expiry, comment, who made them and when'
            cand revoke 'Revoke a token by its id: it grants nothing from then on, on every CA node. Audited'
        }
        &'cert;help;token;create'= {
        }
        &'cert;help;token;list'= {
        }
        &'cert;help;token;revoke'= {
        }
        &'cert;help;verify'= {
        }
        &'cert;help;help'= {
        }
    ]
    $completions[$command]
}
