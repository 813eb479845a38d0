//! Making a CA: `cert setup` (puppetserver 7's root and intermediate, or Puppet 3's one
//! self-signed CA, [`Hierarchy`]), the first start of `cert serve` or `cert --generate` on an
//! empty machine, and importing an external CA. A CA is made only where the store holds none
//! of one, and its keys go to the CA directory ([`super::KeyDirectory`]) before the store
//! records the rest.

use time::OffsetDateTime;

use crate::authority::{self, Authority, Validity};
use crate::certificate::Serial;
use crate::certname::Certname;
use crate::crl::Crl;
use crate::error::{Error, KeyError, StoreError};
use crate::keys::PrivateKey;
use crate::store::{inventory, NewCa, Presence, Read, Store, Transaction};

use super::{Ca, Config, KeyDirectory};

/// The shape of a new CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hierarchy {
    /// Root `Puppet Root CA: <hex>` + intermediate `Puppet CA: <certname>` (puppetserver 7).
    Chained,
    /// One self-signed `Puppet CA: <certname>` (Puppet <= 5, a first `puppet master` start).
    SelfSigned,
}

impl Ca {
    /// Open the CA, creating a self-signed one first when the directory holds none (as a first
    /// `puppet master` start did). Returns whether it was created.
    pub fn open_or_create(config: Config, now: OffsetDateTime) -> Result<(Ca, bool), Error> {
        let store = config.open_store()?;
        if store.presence()? == Presence::Absent {
            let mut transaction = store.begin()?;
            if transaction.presence()? == Presence::Absent {
                let ca = Ca::create(config, Hierarchy::SelfSigned, now, &store, &mut transaction)?;
                transaction.commit()?;
                return Ok((ca, true));
            }
        }
        Ok((Ca::open_in(config, store)?, false))
    }

    /// Set up a new CA (refused when one exists) and, for [`Hierarchy::Chained`], this host's own
    /// certificate with `pp_cli_auth` in the ssldir, as `puppetserver ca setup` does. The
    /// certname and alt names are checked before anything is made, so a typo leaves no CA
    /// without its host certificate behind.
    pub fn setup(config: Config, layout: Hierarchy, now: OffsetDateTime) -> Result<Ca, Error> {
        let name = Certname::parse(&config.certname)?;
        crate::csr::parse_alt_names(&config.dns_alt_names)?;
        let ssldir = crate::ssldir::Ssldir::new(&config.ssldir);
        if ssldir.has_private_key(&name) {
            return Err(StoreError::file_exists(&ssldir.private_key_path(&name)).into());
        }
        let store = config.open_store()?;
        let mut transaction = store.begin()?;
        let ca = Ca::create(config, layout, now, &store, &mut transaction)?;
        transaction.commit()?;
        let alt_names = ca.config.dns_alt_names.clone();
        let key = ca.config.server_key.unwrap_or(ca.config.key);
        ca.generate_with(&name, &alt_names, None, key, false, true, now)?;
        Ok(ca)
    }

    /// Open the CA, or, when the CA directory is absent or holds no CA at all, set one up as
    /// [`Ca::setup`] with [`Hierarchy::Chained`] does (what `cert serve` does on its first
    /// start). Returns whether it was created. A partial CA is refused as [`Ca::open`] refuses
    /// it, and so is a store without CA files whose signed certificates are still there (a CA
    /// whose files were lost, not a new machine).
    pub fn open_or_setup(config: Config, now: OffsetDateTime) -> Result<(Ca, bool), Error> {
        let store = config.open_store()?;
        if store.presence()? != Presence::Absent {
            return Ok((Ca::open_in(config, store)?, false));
        }
        let orphans = store.signed_names()?.len();
        if orphans > 0 {
            return Err(StoreError::PartialCa {
                store: store.location().to_string(),
                missing: format!(
                    "every CA file, while signed/ still holds {orphans} certificate(s)"
                ),
            }
            .into());
        }
        let name = Certname::parse(&config.certname)?;
        let created = if crate::ssldir::Ssldir::new(&config.ssldir).has_private_key(&name) {
            // This host has a key already: the CA alone; `ensure_host_certificate` issues this
            // host's certificate for that key.
            let mut transaction = store.begin()?;
            Ca::create(
                config.clone(),
                Hierarchy::Chained,
                now,
                &store,
                &mut transaction,
            )
            .and_then(|ca| {
                transaction.commit()?;
                Ok(ca)
            })
        } else {
            Ca::setup(config.clone(), Hierarchy::Chained, now)
        };
        match created {
            Ok(ca) => Ok((ca, true)),
            // Another process made it meanwhile.
            Err(Error::Store(StoreError::CaExists { .. })) => Ok((Ca::open(config)?, false)),
            Err(error) => Err(error),
        }
    }

    /// Make a new CA of `layout` and record it in `transaction` (of `store`).
    fn create(
        config: Config,
        layout: Hierarchy,
        now: OffsetDateTime,
        store: &Store,
        transaction: &mut Transaction<'_>,
    ) -> Result<Ca, Error> {
        check_absent(&config, transaction)?;
        let ca_name = config
            .ca_name
            .clone()
            .unwrap_or_else(|| format!("Puppet CA: {}", config.certname));
        let key = PrivateKey::generate(config.key)?;
        let key_pem = key.to_pem()?;
        let public_key_pem = key.public_key_pem()?;
        let validity = Validity::new(now, authority::CA_TTL)?;
        let (authority, root_key_pem, crls) = match layout {
            Hierarchy::SelfSigned => {
                let authority = Authority::create_self_signed(&ca_name, key, Serial(1), validity)?;
                let crl = Crl::sign(&authority, 0, now, config.crl.ttl(), &[])?;
                (authority, None, vec![crl])
            }
            Hierarchy::Chained => {
                let root_name = match &config.root_ca_name {
                    Some(name) => name.clone(),
                    None => {
                        let mut random = [0u8; 7];
                        openssl::rand::rand_bytes(&mut random).map_err(|e| KeyError::Generate {
                            reason: e.to_string(),
                        })?;
                        format!(
                            "Puppet Root CA: {}",
                            random
                                .iter()
                                .map(|b| format!("{b:02x}"))
                                .collect::<String>()
                        )
                    }
                };
                let root_key = PrivateKey::generate(config.key)?;
                let root_key_pem = root_key.to_pem()?;
                let root =
                    Authority::create_self_signed(&root_name, root_key, Serial(1), validity)?;
                let intermediate = root.create_intermediate(&ca_name, key, Serial(2), validity)?;
                let crl = Crl::sign(&intermediate, 0, now, config.crl.ttl(), &[])?;
                let root_crl = Crl::sign(&root, 0, now, config.crl.ttl(), &[])?;
                (intermediate, Some(root_key_pem), vec![crl, root_crl])
            }
        };
        let chain_pem = authority.chain_pem();
        let crl_pem: String = crls.iter().map(Crl::to_pem).collect();
        let inventory_lines = match layout {
            Hierarchy::SelfSigned => vec![inventory::Line {
                serial: Serial(1),
                not_before: authority.certificate().not_before,
                not_after: authority.certificate().not_after,
                subject: format!("/CN={ca_name}"),
            }],
            Hierarchy::Chained => Vec::new(),
        };
        KeyDirectory::new(&config.cadir).create(&key_pem, root_key_pem.as_deref())?;
        transaction.create(&NewCa {
            chain_pem: chain_pem.as_bytes(),
            public_key_pem: &public_key_pem,
            crl_pem: crl_pem.as_bytes(),
            next_serial: Serial(if layout == Hierarchy::SelfSigned {
                2
            } else {
                1
            }),
            inventory: &inventory_lines,
        })?;
        Ok(Ca::assemble(config, store.clone(), authority))
    }

    /// Import an external CA: its key, certificate bundle (issuing CA first) and CRL chain.
    pub fn import(
        config: Config,
        key_pem: &[u8],
        bundle_pem: &[u8],
        crl_pem: &[u8],
    ) -> Result<Ca, Error> {
        let key = PrivateKey::from_pem("--private-key", key_pem)?;
        let normalized_key = key.to_pem()?;
        let public_key_pem = key.public_key_pem()?;
        let authority = Authority::new(bundle_pem, key)?;
        let crls = Crl::chain_from_pem("--crl-chain", crl_pem)?;
        let first = crls.first().ok_or_else(|| KeyError::Certificate {
            what: "--crl-chain".into(),
            reason: "no CRL in the file".into(),
        })?;
        if first.issuer != authority.certificate().subject {
            return Err(KeyError::Certificate {
                what: "--crl-chain".into(),
                reason: format!(
                    "the first CRL is issued by {}, not by the CA {}",
                    first.issuer,
                    authority.certificate().subject
                ),
            }
            .into());
        }
        let store = Store::open(&config.store)?;
        let mut transaction = store.begin()?;
        check_absent(&config, &transaction)?;
        KeyDirectory::new(&config.cadir).create(&normalized_key, None)?;
        transaction.create(&NewCa {
            chain_pem: authority.chain_pem().as_bytes(),
            public_key_pem: &public_key_pem,
            crl_pem,
            next_serial: Serial(1),
            inventory: &[],
        })?;
        transaction.commit()?;
        Ok(Ca::assemble(config, store, authority))
    }
}

/// Refuse to make a CA where the store holds one, or part of one.
fn check_absent(config: &Config, store: &dyn Read) -> Result<(), Error> {
    if store.presence()? == Presence::Absent {
        Ok(())
    } else {
        Err(StoreError::CaExists {
            store: config.store.to_string(),
        }
        .into())
    }
}
