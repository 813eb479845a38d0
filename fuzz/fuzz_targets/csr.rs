//! CSR parsing (PEM and DER) and the issuance policy: must never panic, whatever the bytes.
#![no_main]

use cert::authority::Policy;
use cert::certname::Certname;
use cert::csr::Csr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for csr in [Csr::from_pem(data), Csr::from_der(data)]
        .into_iter()
        .flatten()
    {
        if let Ok(name) = Certname::parse(csr.common_name()) {
            let _ = Policy::default().check(&name, &csr);
            let permissive = Policy {
                allow_subject_alt_names: true,
                allow_authorization_extensions: true,
            };
            let _ = permissive.check(&name, &csr);
        }
    }
});
