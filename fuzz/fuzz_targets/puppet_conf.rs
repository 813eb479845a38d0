//! puppet.conf parsing: must never panic, whatever the text.
#![no_main]

use cert::settings::PuppetConf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = PuppetConf::parse(&text);
});
