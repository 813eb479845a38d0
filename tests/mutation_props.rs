//! Issue 7, bounded property-style fuzzing without cargo-fuzz (which needs a nightly compiler):
//! the seeds of fuzz/corpus/ are mutated by a tiny random generator (flip, insert, delete,
//! duplicate bytes) and fed to the same functions as the fuzz targets. The property: no panic,
//! whatever the input. `CERT_TEST_SEED` replays a run; `CERT_MUTATIONS` sets how many inputs
//! per target (default 20000).

mod common;

use std::fs;
use std::path::Path;

use cert::authority::Policy;
use cert::autosign::Rules;
use cert::certname::Certname;
use cert::csr::Csr;
use cert::settings::PuppetConf;
use common::Random;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut seeds: Vec<Vec<u8>> = fs::read_dir(&directory)
        .unwrap_or_else(|e| panic!("{}: {e}", directory.display()))
        .map(|entry| fs::read(entry.unwrap().path()).unwrap())
        .collect();
    seeds.push(Vec::new());
    seeds
}

fn mutate(random: &mut Random, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=random.below(8) {
        let at = random.below(data.len() as u64 + 1) as usize;
        match random.below(5) {
            0 if at < data.len() => data[at] ^= 1 << random.below(8),
            1 => data.insert(at, random.next() as u8),
            2 if at < data.len() => {
                data.remove(at);
            }
            3 => {
                let end = (at + random.below(64) as usize).min(data.len());
                let copy = data[at..end].to_vec();
                data.splice(at..at, copy);
            }
            _ => {
                let special = [
                    b'\0', b'\n', b'#', b'*', b' ', b'=', b'[', b']', b'$', 0x30, 0x80,
                ];
                data.insert(at, special[random.below(special.len() as u64) as usize]);
            }
        }
    }
    data
}

fn run(target: &str, body: impl Fn(&[u8])) {
    let mut random = Random::new(target);
    let count: u64 = std::env::var("CERT_MUTATIONS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(20000);
    let seeds = seeds(target);
    for seed in &seeds {
        body(seed);
    }
    for _ in 0..count {
        let seed = &seeds[random.below(seeds.len() as u64) as usize];
        let input = mutate(&mut random, seed);
        body(&input);
    }
}

/// The body of fuzz/fuzz_targets/csr.rs.
fn csr(data: &[u8]) {
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
}

#[test]
fn mutated_csrs_never_panic() {
    run("csr", csr);
    // Mutating the DER inside the armour reaches deeper than mutating the armour.
    let mut random = Random::new("csr-der");
    for seed in seeds("csr") {
        let Ok(block) = pem::parse(&seed) else {
            continue;
        };
        for _ in 0..300 {
            csr(&mutate(&mut random, block.contents()));
        }
    }
}

#[test]
fn mutated_autosign_conf_never_panics() {
    run("autosign_conf", |data| {
        let text = String::from_utf8_lossy(data);
        let rules = Rules::parse(Path::new("autosign.conf"), &text);
        let _ = rules.warnings();
        for name in ["node.example.com", "a", "", "*.example.com", "x.y.foo.bar"] {
            let _ = rules.matching(name);
        }
    });
}

#[test]
fn mutated_puppet_conf_never_panics() {
    run("puppet_conf", |data| {
        let _ = PuppetConf::parse(&String::from_utf8_lossy(data));
    });
}
