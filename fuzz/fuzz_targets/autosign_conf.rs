//! autosign.conf parsing and matching: must never panic, whatever the text.
#![no_main]

use std::path::Path;

use cert::autosign::Rules;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let rules = Rules::parse(Path::new("autosign.conf"), &text);
    let _ = rules.invalid();
    let _ = rules.warnings();
    for name in ["node.example.com", "a", "", "*.example.com", "x.y.foo.bar"] {
        let _ = rules.matching(name);
    }
});
