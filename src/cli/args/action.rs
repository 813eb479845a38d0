//! [`Action`]: the one typed model of what a run of `cert` does, whichever dialect asked.
//!
//! `Action` is also the list of `puppetserver ca`-style subcommands: each variant's doc comment
//! is that subcommand's help, and its payload is the subcommand's arguments (`subcommands.rs`,
//! `export.rs`, `agent.rs`), so every flag is defined once. The Puppet 3 flags
//! (`puppet3.rs`) build the same values. `cmd::dispatch` runs an `Action`; nothing here reads a
//! file or checks a certificate name.

use clap::Subcommand;

use super::agent::AgentArgs;
use super::export::Export;
use super::subcommands::{
    AutosignCheckArgs, Certnames, CheckArgs, CompletionsArgs, ConsoleLoginArgs, DeleteArgs,
    EnableArgs, ExtendCaArgs, FingerprintArgs, GenerateArgs, ImportArgs, ListArgs, ManArgs,
    MigrateArgs, Names, PruneArgs, RevokeArgs, ServeArgs, SetupArgs, SignArgs, SubmitArgs,
    TokenCreateArgs, TokenRevokeArgs,
};

/// What one run of `cert` is asked to do.
///
/// The variants are in the order of `cert --help`, the man pages and the completions (not
/// alphabetical: `export` follows `generate`, `log` precedes `list`, `setup` precedes `serve`,
/// `prune` follows `print`); moving one changes those files.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub(crate) enum Action {
    /// Get a certificate from a Puppet CA as a Puppet agent does, and keep it fresh
    ///
    /// Fetches and pins the CA certificate (first contact: its SHA-256 fingerprint is printed;
    /// --ca-fingerprint requires one), fetches the CRL, makes or reuses the key, submits a CSR
    /// and waits for the certificate, then writes the ssldir as Puppet does. Without --onetime
    /// it stays in the foreground: every runinterval it refreshes the CRL and renews the
    /// certificate within 30 days of expiry, running --exec after any change.
    Agent(AgentArgs),

    /// Work with the autosign policy
    #[command(subcommand_required = true)]
    Autosign {
        #[command(subcommand)]
        command: AutosignCommand,
    },

    /// Check the CA directory: every file parses, serials, inventory, CRL chain, temp files
    ///
    /// Reads everything under the CA's lock and changes nothing. Checks that every file parses,
    /// that `serial` is above every issued serial, that every certificate in `signed/` has its
    /// inventory line and no serial is used twice, that the CRL chain is signed by the CA chain,
    /// and that no temp file of an interrupted write is left. Prints one line per problem and
    /// exits 1 when there is any. With --expiring, it checks expiry instead: the CA
    /// certificates, CRLs and hosts' certificates that expire within the window.
    Check(CheckArgs),

    /// Remove everything the CA holds for the given names, revoking signed certificates
    Clean(Certnames),

    /// Write a shell completion script to standard output
    ///
    /// For example, for bash: `cert completions bash > /etc/bash_completion.d/cert`.
    Completions(CompletionsArgs),

    /// Work with the web console of `cert serve` (`--console-bind`, `console_bind`)
    #[command(subcommand_required = true)]
    Console {
        #[command(subcommand)]
        command: ConsoleCommand,
    },

    /// Delete signed certificates from the CA (expired, revoked, named, or all), not revoking
    ///
    /// A certificate already delivered keeps working on its host until it expires or is
    /// revoked; the CA only stops keeping it (puppetserver-ca's `delete`). Audited.
    Delete(DeleteArgs),

    /// Set up the infrastructure CRL (--infracrl), as puppetserver-ca's `enable`
    ///
    /// Needs `infra_inventory.txt` in the CA directory, the certnames of the infrastructure
    /// nodes one a line; writes `infra_serials` (their certificates' serials) and
    /// `infra_crl.pem` (an empty CRL of the CA, then the rest of its CRL chain), and refuses
    /// when `infra_crl.pem` exists. Revocations of those nodes go into it from then on; with
    /// `enable-infra-crl: true` in ca.conf, `cert serve` gives agents that CRL. Audited.
    Enable(EnableArgs),

    /// Print the fingerprints of the certificates or requests of NAME...
    Fingerprint(FingerprintArgs),

    /// Make keys and CA-signed certificates for the given names
    Generate(GenerateArgs),

    /// Write an scp-ready bundle for a master, balancer or agent, or a CRL or standby CA bundle
    ///
    /// The bundle is a tree laid out as the target's ssldir (certs/NAME.pem, certs/ca.pem,
    /// private_keys/NAME.pem, crl.pem and, for a master, ca/ca_crl.pem), with a README saying
    /// what goes where and a MANIFEST of SHA-256 checksums (`sha256sum -c MANIFEST`). It never
    /// holds the CA key, except with --ca-standby. Nothing is written unless all of it is.
    Export(Export),

    /// Re-issue the CA certificate chain with the same keys and a new expiry date
    ///
    /// Every CA certificate (the self-signed CA, or the root and the intermediate) gets a new
    /// notAfter, --ttl from now (default: the `ca_ttl` setting), with the same key, subject
    /// and extensions, so every certificate it signed still verifies. The old chain is kept as
    /// `ca_crt.pem.<time>`; the change is audited. Then hand the new chain to masters,
    /// balancers and agents (docs/operations.md, "Expiry").
    ExtendCa(ExtendCaArgs),

    /// Install an existing CA from its key, certificate bundle and CRL chain
    Import(ImportArgs),

    /// Show the audit trail: every sign, revoke, clean and generate, who did it and why
    ///
    /// One line per decision, oldest first, from `audit.log` in the CA directory; with
    /// `--format json`, the JSON lines as stored.
    Log,

    /// List pending requests; with --all, certificates too; with --expiring, what expires soon
    List(ListArgs),

    /// Write the manual pages into DIR
    Man(ManArgs),

    /// Copy the whole CA into another store: a CA directory into PostgreSQL, or back
    ///
    /// SOURCE and DEST are each a CA directory or a postgresql:// URL (same syntax as
    /// --store). Copies the CA chain (and the chains extend-ca replaced), the CRL chain and its
    /// revocations, the next serial, the inventory, the requests, the signed certificates, the
    /// audit log and puppetserver's other files (ca_pub.pem, infra_*), byte for byte; never the
    /// CA's keys (the summary says where they are). SOURCE is only read; stop whatever writes
    /// to it first. DEST must hold nothing: a directory is made when absent, and may hold the
    /// CA's keys (they must be the CA certificate's); a database must have no CA rows. DEST is
    /// written in one transaction, its next serial last, so an interrupted copy leaves no
    /// usable CA there. Audited in DEST.
    Migrate(MigrateArgs),

    /// Print the certificates or requests of NAME... in full
    Print(Names),

    /// Remove entries from the CRL: duplicates, expired ones, or those given
    ///
    /// With no flag, duplicate entries go, as puppetserver-ca 2.5 and later do; expired ones
    /// with --remove-expired. Writes one new CRL (its number grown) when anything goes, nothing
    /// otherwise. Audited.
    Prune(PruneArgs),

    /// Revoke the certificates of the given names
    Revoke(RevokeArgs),

    /// Create a new CA and the CA server's own certificate
    Setup(SetupArgs),

    /// Run the signing daemon: Puppet's CA HTTP API v1 over HTTPS, in the foreground
    ///
    /// Serves the CA in --cadir to Puppet agents and tools (`puppet ssl bootstrap`,
    /// `puppetserver ca`) on --bind. On first start it issues this host's certificate (the
    /// `certname` setting, with `dns_alt_names`) into the ssldir. Client certificates are
    /// optional and checked against the CA and its CRL. One line per request goes to standard
    /// error. SIGHUP reloads the settings and the CRL; SIGTERM and SIGINT stop after the requests
    /// in flight.
    Serve(ServeArgs),

    /// Sign the pending requests of the given names, or every one with --all
    Sign(SignArgs),

    /// Queue certificate signing requests read from PEM files
    Submit(SubmitArgs),

    /// Make, list and revoke one-time enrolment tokens: autosign that a stranger cannot use
    ///
    /// A token lets whoever presents it in a CSR's challengePassword attribute (Puppet's
    /// csr_attributes.yaml `custom_attributes`, `cert agent --token`) get a certificate for a
    /// name matching its glob, within its lifetime and uses, whatever the `autosign` setting
    /// says (unless `autosign_tokens = false`), never for an admin name, and still through the
    /// issuance policy. The CA keeps only its hash; every change and use is audited.
    #[command(subcommand_required = true)]
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },

    /// Check the certificates of NAME... against the CA and its CRL
    Verify(Names),
}

/// The subcommands of `cert console`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub(crate) enum ConsoleCommand {
    /// Print a one-time sign-in link for the web console, on the CA host
    ///
    /// The link's secret is in its fragment (after `#`), which browsers never send to a
    /// server, so no log or proxy holds it; the CA keeps only its hash. It signs in once,
    /// within --ttl, as the Unix user who ran this (`console:cli:USER` in `cert log`), and the
    /// session lasts until signed out, 30 minutes idle or 12 hours. Needs the CA (the store
    /// and the CA key), so it runs where the CA does; audited.
    Login(ConsoleLoginArgs),
}

/// The subcommands of `cert token`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub(crate) enum TokenCommand {
    /// Make a token and print it alone on standard output (it is never shown again)
    ///
    /// For a script: `TOKEN=$(cert token create 'web*.example.com' --ttl 2h)`. What it grants
    /// goes to standard error. Audited.
    Create(TokenCreateArgs),

    /// List the tokens: id, glob, status, uses left, expiry, comment, who made them and when
    ///
    /// Never the tokens themselves, which the CA does not keep. Tokens that ended are listed
    /// until 30 days after they expired. `--format json` prints an array.
    List,

    /// Revoke a token by its id: it grants nothing from then on, on every CA node. Audited
    Revoke(TokenRevokeArgs),
}

/// The subcommands of `cert autosign`.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub(crate) enum AutosignCommand {
    /// Tell whether the autosign policy would sign NAME's request
    Check(AutosignCheckArgs),
}
