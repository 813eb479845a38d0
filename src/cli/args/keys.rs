//! The key options of `cert setup` and `cert generate` (`--key-type`, `--keylength`, `--curve`),
//! parsed into the library's [`KeySpec`].
//!
//! Owns the three flags, their help, and the rule that combines them. It does not decide the
//! default key (the settings do, through `Config::key`) nor generate anything (`cert::keys`).

use clap::error::ErrorKind;
use clap::{Args, ValueEnum};

use cert::keys::{KeySpec, DEFAULT_RSA_BITS};

/// The key pair asked for on the command line; `None` means "follow the settings".
///
/// `--key-type rsa` without `--keylength` means [`DEFAULT_RSA_BITS`]; `--key-type ec` without
/// `--curve` means P-256; `--keylength` alone implies RSA and `--curve` alone implies EC.
/// Contradicting options are a usage error while parsing, so a `KeyChoice` is always valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct KeyChoice(pub(crate) Option<KeySpec>);

impl KeyChoice {
    /// The key asked for, or `default` (the settings' key) when none was.
    pub(crate) fn or(self, default: KeySpec) -> KeySpec {
        self.0.unwrap_or(default)
    }
}

/// The flags as typed; [`KeyChoice`] is made from them.
#[derive(Debug, Args)]
#[command(next_help_heading = "Key options")]
struct KeyFlags {
    /// Algorithm of the new key pair [default: the settings]
    ///
    /// `rsa` makes an RSA key of --keylength bits (4096 when not given); `ec` makes an
    /// elliptic-curve key on --curve (P-256 when not given). Without --key-type, --keylength
    /// alone means RSA and --curve alone means EC; with none of the three, the key follows the
    /// settings (`key_type`, `keylength` and `named_curve` in puppet.conf).
    #[arg(long, value_enum, value_name = "TYPE")]
    key_type: Option<KeyType>,

    /// RSA key size in bits, 2048 to 16384
    #[arg(
        long,
        value_name = "BITS",
        value_parser = clap::value_parser!(u32).range(2048..=16384),
        conflicts_with = "curve"
    )]
    keylength: Option<u32>,

    /// Elliptic curve of an EC key
    #[arg(long, value_enum, value_name = "CURVE")]
    curve: Option<Curve>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum KeyType {
    /// Elliptic-curve key (see --curve)
    Ec,
    /// RSA key (see --keylength)
    Rsa,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Curve {
    /// NIST P-256, also called prime256v1
    #[value(alias = "prime256v1")]
    P256,
    /// NIST P-384, also called secp384r1
    #[value(alias = "secp384r1")]
    P384,
}

impl KeyFlags {
    /// Combines the three flags. The error is raw: `args::parse` formats it with the usage of
    /// the subcommand it came from.
    fn into_choice(self) -> Result<KeyChoice, clap::Error> {
        let curve = |curve: Option<Curve>| match curve {
            Some(Curve::P384) => KeySpec::EcP384,
            Some(Curve::P256) | None => KeySpec::EcP256,
        };
        let spec = match (self.key_type, self.keylength, self.curve) {
            (None, None, None) => None,
            (Some(KeyType::Rsa) | None, bits, None) => Some(KeySpec::Rsa {
                bits: bits.unwrap_or(DEFAULT_RSA_BITS),
            }),
            (Some(KeyType::Ec) | None, None, given) => Some(curve(given)),
            (Some(KeyType::Ec), Some(_), _) => {
                return Err(conflict("--keylength", "--key-type ec"))
            }
            // `--keylength` with `--curve` is refused by clap already; this arm covers
            // `--key-type rsa --curve ...` and keeps the match whole.
            (Some(KeyType::Rsa) | None, _, Some(_)) => {
                return Err(conflict("--curve", "--key-type rsa"))
            }
        };
        Ok(KeyChoice(spec))
    }
}

fn conflict(option: &str, key_type: &str) -> clap::Error {
    clap::Error::raw(
        ErrorKind::ArgumentConflict,
        format!("the argument '{option}' cannot be used with '{key_type}'"),
    )
}

typed_args!(KeyChoice, KeyFlags, into_choice);
