//! `cert`: a Puppet-compatible certificate authority.
//!
//! The library owns every rule of the CA; the `cert` binary (the admin CLI in both dialects,
//! the `cert serve` daemon, the `cert agent` runner, the man page and completion generators)
//! only parses input, calls into this crate and renders the result.
//!
//! Data flows one way: input -> a typed request ([`certname::Certname`], [`csr::Csr`],
//! [`settings::Settings`]) -> the CA ([`ca::Ca`], built on the pure [`authority`], [`crl`] and
//! [`csr`], and on the CA's storage, [`store`]) -> a typed result -> a renderer ([`wire`] for
//! puppetserver's JSON). A host's own files are [`ssldir`]'s, export trees [`tree`]'s, errors
//! [`error`]'s (one classification of them for the wire, [`error::Error::fault`]). Nothing in
//! the library prints; this file only declares the modules.
#![forbid(unsafe_code)]
#![warn(unreachable_pub, unused_qualifications)]

pub mod agent;
mod atomic;
pub mod audit;
pub mod authority;
pub mod autosign;
pub mod ca;
pub mod ca_conf;
pub mod certificate;
pub mod certname;
pub mod crl;
pub mod csr;
pub mod duration;
pub mod error;
pub mod export;
pub mod extension;
pub mod keys;
mod parallel;
pub mod progress;
pub mod reissue;
pub mod serve;
pub mod session;
pub mod settings;
pub mod ssldir;
pub mod store;
pub mod timestamp;
mod tls;
pub mod token;
pub mod tree;
pub mod wire;

pub use error::{Error, Result};
