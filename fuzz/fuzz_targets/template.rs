//! Template parse (YAML and JSON) + evaluation + lowering, then every lint check on the result.
#![no_main]

use albaudit::checks::Mode;
use albaudit::collect::cfn::{Settings, Source, collect};
use albaudit::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let sources = [Source {
        name: "fuzz.yaml".into(),
        text: text.to_string(),
    }];
    if let Ok(collected) = collect(&sources, &Settings::default()) {
        let _ = albaudit::app::run_checks(&collected.inventory, &Policy::builtin(), &[], Mode::Lint);
    }
});
