//! The log scrubber: never panics, and a registered secret (an AWS-like value: letters, digits,
//! `/+=`, not a piece of the placeholder itself) never survives in what it returns.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (secret, line) = text.split_once('\n').unwrap_or((text, text));
    let realistic = secret.len() >= 4
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b"/+=".contains(&b))
        && !albaudit::log::REDACTED.contains(secret);
    albaudit::log::forget_secrets();
    if realistic {
        albaudit::log::secret(secret);
    }
    let out = albaudit::log::redact(line);
    if realistic {
        assert!(!out.contains(secret), "{secret:?} survived in {out:?}");
    }
});
