//! TLS to the database through rustls (the aws-lc-rs provider, as the rest of `cert`), made
//! from the URL's `sslmode`, `sslrootcert`, `sslcert` and `sslkey` as libpq reads them:
//! `prefer` and `require` encrypt without checking the server unless `sslrootcert` is given
//! (then as `verify-ca`), `verify-ca` checks the chain, `verify-full` the chain and the host
//! name. `disable` is plain TCP (tokio-postgres never starts TLS then).

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::error::{FileError, StoreError};
use crate::tls::AcceptAnyCertificate;

use super::url::{DatabaseUrl, SslMode};

/// The connector for `url`'s TLS settings; reads the files it names.
pub(super) fn connector(url: &DatabaseUrl) -> Result<MakeRustlsConnect, StoreError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let bad = |reason: String| StoreError::BadUrl {
        url: url.to_string(),
        reason,
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| bad(e.to_string()))?;
    let verifier: Arc<dyn ServerCertVerifier> = match url.root_certificate() {
        // `prefer` and `require` without `sslrootcert`, as libpq: encrypted, the server's
        // certificate not checked (the handshake's signatures still are).
        None => Arc::new(AcceptAnyCertificate::new(&provider)),
        Some(path) => {
            let mut roots = RootCertStore::empty();
            for certificate in read_certificates(path)? {
                roots
                    .add(certificate)
                    .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            }
            let chain = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| bad(format!("sslrootcert {}: {e}", path.display())))?;
            if url.ssl_mode() == SslMode::VerifyFull {
                chain
            } else {
                Arc::new(ChainOnly { chain })
            }
        }
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match url.client_certificate() {
        None => builder.with_no_client_auth(),
        Some((certificate, key)) => {
            let chain = read_certificates(certificate)?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
                StoreError::File(FileError::Io {
                    action: "read the client key",
                    path: key.clone(),
                    reason: e.to_string(),
                })
            })?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(|e| bad(format!("sslcert/sslkey: {e}")))?
        }
    };
    Ok(MakeRustlsConnect::new(config))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, StoreError> {
    let io = |reason: String| {
        StoreError::File(FileError::Io {
            action: "read",
            path: path.to_path_buf(),
            reason,
        })
    };
    let certificates = CertificateDer::pem_file_iter(path)
        .map_err(|e| io(e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| io(e.to_string()))?;
    if certificates.is_empty() {
        return Err(io("no PEM certificate in it".into()));
    }
    Ok(certificates)
}

/// `verify-ca`: the chain must lead to a root of `sslrootcert`; the name is not checked.
#[derive(Debug)]
struct ChainOnly {
    chain: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}
