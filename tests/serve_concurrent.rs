//! `cert serve` under concurrent enrolment (issue 4, Speed): many agents submitting at once are
//! signed in group-commit batches, and every one still gets its own serial, a valid
//! certificate, and exactly one inventory line.

mod common;

use std::collections::HashSet;

use cert::certificate::Certificate;
use common::serve::{world_with_ca, Server};

const CA: &str = "/puppet-ca/v1";
const AGENTS: usize = 50;

#[test]
fn fifty_parallel_enrolments_get_distinct_serials_and_one_inventory_line_each() {
    if !(common::require_peer("curl") && common::require_peer("openssl")) {
        return;
    }
    let world = world_with_ca("autosign = true\n");
    let server = Server::start(&world, &[]);
    let names: Vec<String> = (0..AGENTS).map(|i| format!("agent{i:02}.test")).collect();
    let csrs: Vec<_> = names.iter().map(|n| world.openssl_csr(n, &[])).collect();
    let certificates: Vec<(String, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = names
            .iter()
            .zip(&csrs)
            .map(|(name, csr)| {
                let server = &server;
                scope.spawn(move || {
                    let (code, body) = server.send(
                        "PUT",
                        &format!("{CA}/certificate_request/{name}"),
                        "text/plain",
                        csr,
                        &[],
                    );
                    assert_eq!(code, 200, "{name}: {body}");
                    // The certificate is on disk before the PUT's 200.
                    let (code, pem) = server.get(&format!("{CA}/certificate/{name}"), &[]);
                    assert_eq!(code, 200, "{name}: {pem}");
                    (name.clone(), pem)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });

    let mut serials = HashSet::new();
    for (name, pem) in &certificates {
        let certificate = Certificate::from_pem(name, pem.as_bytes()).expect("certificate");
        assert_eq!(certificate.common_name, *name);
        assert!(
            serials.insert(certificate.serial.expect("serial")),
            "{name}: serial reused"
        );
        let path = world.path().join(format!("{name}.pem"));
        std::fs::write(&path, pem).unwrap();
        let (valid, detail) = world.openssl_verify(&path);
        assert!(valid, "{name}: {detail}");
        assert!(
            !world.ca(&format!("requests/{name}.pem")).exists(),
            "{name} left pending"
        );
    }
    assert_eq!(serials.len(), AGENTS);

    let inventory = std::fs::read_to_string(world.ca("inventory.txt")).unwrap();
    let lines: Vec<&str> = inventory.lines().collect();
    let inventory_serials: HashSet<&str> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        inventory_serials.len(),
        lines.len(),
        "a serial twice:\n{inventory}"
    );
    for name in &names {
        let subject = format!("/CN={name}");
        let count = lines.iter().filter(|l| l.ends_with(&subject)).count();
        assert_eq!(count, 1, "{name} in inventory.txt:\n{inventory}");
    }
    // Every line is a certificate this CA issued: the 50, plus those `cert setup` made.
    let signed = std::fs::read_dir(world.ca("signed")).unwrap().count();
    assert!(
        lines.len() >= signed,
        "{} lines, {signed} signed",
        lines.len()
    );
    let log = server.log_text();
    assert_eq!(log.matches("autosigned agent").count(), AGENTS, "{log}");
}
