//! Diagnostics on stderr (`-v`, `-vv`, `-vvv`), with credentials scrubbed from every line.
//!
//! At `-vvv` the AWS SDK traces whole requests and, from `-vv`, the credentials it loads (it
//! hides the secret key and the session token, not the access key id). Nothing it or albaudit
//! writes may carry a credential: every log line, error line and `incomplete` reason goes
//! through [`redact`], which removes the credential values in use (registered with [`secret`]
//! as soon as they are known: from the environment at start-up, then the resolved credentials
//! of the live collector), and, for what is logged before they are known, the values of the
//! fields and headers that carry credentials and anything shaped like an access key id.

use std::io::Write;
use std::sync::{Mutex, Once};

use tracing::Level;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::prelude::*;

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// Values shorter than this are not scrubbed one by one: replacing every "abc" would garble the
/// log without hiding anything (no AWS secret is that short).
const MIN_SECRET: usize = 4;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());
static INIT: Once = Once::new();

/// Environment variables whose values are credentials.
const SECRET_VARS: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/// Registers a value that must never be written out.
pub fn secret(value: &str) {
    let value = value.trim();
    if value.len() < MIN_SECRET {
        return;
    }
    if let Ok(mut secrets) = SECRETS.lock()
        && !secrets.iter().any(|s| s == value)
    {
        secrets.push(value.to_string());
        // Longest first, so that a secret containing another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }
}

/// Forgets every registered secret (for the fuzz target, which registers one per input).
#[doc(hidden)]
pub fn forget_secrets() {
    if let Ok(mut secrets) = SECRETS.lock() {
        secrets.clear();
    }
}

/// The text with every registered secret and every credential header value replaced.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    if let Ok(secrets) = SECRETS.lock() {
        for s in secrets.iter() {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), REDACTED);
            }
        }
    }
    out = redact_after(&out, "Credential=", |c| {
        c == '/' || c == ',' || c == '"' || c.is_whitespace()
    });
    for field in [
        "access_key_id",
        "secret_access_key",
        "session_token",
        "security_token",
    ] {
        // Debug output (`access_key_id: "…"`) and profile files (`aws_access_key_id = …`).
        out = redact_after(&out, &format!("{field}: \""), |c| c == '"');
        out = redact_after(&out, &format!("{field} = "), char::is_whitespace);
    }
    for header in ["x-amz-security-token", "X-Amz-Security-Token"] {
        out = redact_after(&out, &format!("{header}\": \""), |c| c == '"');
        out = redact_after(&out, &format!("{header}: "), |c| {
            c == '\r' || c == '\n' || c == '"'
        });
        out = redact_after(&out, &format!("{header}="), |c| {
            c == '&' || c == '"' || c.is_whitespace()
        });
    }
    redact_key_ids(&out)
}

/// Replaces every word shaped like an AWS access key id: a four-letter prefix (`AKIA` for
/// long-term keys, `ASIA` for temporary ones) and 16 upper-case letters or digits.
fn redact_key_ids(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    while i + 20 <= bytes.len() {
        let word = &bytes[i..i + 20];
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        let ends_word = bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric());
        if starts_word
            && ends_word
            && (word.starts_with(b"AKIA") || word.starts_with(b"ASIA"))
            && word[4..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        {
            out.push_str(&text[last..i]);
            out.push_str(REDACTED);
            i += 20;
            last = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Replaces what follows each `marker`, up to the first character where `end` holds.
fn redact_after(text: &str, marker: &str, end: impl Fn(char) -> bool) -> String {
    if !text.contains(marker) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        out.push_str(before);
        let stop = after.find(&end).unwrap_or(after.len());
        if stop > 0 && !after[..stop].starts_with(REDACTED) {
            out.push_str(REDACTED);
        } else {
            out.push_str(&after[..stop]);
        }
        rest = &after[stop..];
    }
    out.push_str(rest);
    out
}

/// Starts logging at this verbosity (the number of `-v`): 0 nothing (errors and `incomplete`
/// entries are in the report, progress is on a terminal only), 1 albaudit's progress and
/// failed calls, 2 albaudit's details and the SDK's notices, 3 everything, the SDK's request
/// traces included.
/// Also registers the credentials found in the environment. Only the first call has effect.
pub fn init(verbosity: u8) {
    INIT.call_once(|| {
        for var in SECRET_VARS {
            if let Ok(value) = std::env::var(var) {
                secret(&value);
            }
        }
        let (own, others) = match verbosity {
            0 => (LevelFilter::OFF, LevelFilter::OFF),
            1 => (LevelFilter::INFO, LevelFilter::WARN),
            2 => (LevelFilter::DEBUG, LevelFilter::INFO),
            _ => (LevelFilter::TRACE, LevelFilter::TRACE),
        };
        let filter = Targets::new().with_default(others).with_target("albaudit", own);
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_target(verbosity >= 2)
            .with_writer(Scrubbed);
        // A second subscriber (a test that already set one) is not an error worth failing on.
        let _ = tracing_subscriber::registry()
            .with(layer.with_filter(filter))
            .try_init();
        tracing::event!(Level::DEBUG, verbosity, "logging started");
    });
}

/// Hands out one [`ScrubbedLine`] per event.
struct Scrubbed;

impl<'a> MakeWriter<'a> for Scrubbed {
    type Writer = ScrubbedLine;

    fn make_writer(&'a self) -> Self::Writer {
        ScrubbedLine(Vec::new())
    }
}

/// One event's text, redacted as a whole and written to stderr when dropped, so that a secret
/// split over several writes is still found.
struct ScrubbedLine(Vec<u8>);

impl Write for ScrubbedLine {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for ScrubbedLine {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = redact(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_and_credential_headers_are_removed() {
        secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzEXAMPLEKEY");
        secret("abc");
        let line = r#"request { headers: {"authorization": "AWS4-HMAC-SHA256 Credential=AKIAZZZZ5EXAMPLE/20261129/ap-northeast-1/ec2/aws4_request, SignedHeaders=host, Signature=0f", "x-amz-security-token": "IQoJb3JpZ2luX2VjEXAMPLE"} } secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzzEXAMPLEKEY abc"#;
        let out = redact(line);
        assert!(!out.contains("AKIAZZZZ5EXAMPLE"), "{out}");
        assert!(!out.contains("IQoJb3JpZ2luX2VjEXAMPLE"), "{out}");
        assert!(!out.contains("wJalrXUtnFEMI"), "{out}");
        assert!(
            out.contains("Credential=<redacted>/20261129/ap-northeast-1/ec2"),
            "{out}"
        );
        // Too short to be a secret: left alone.
        assert!(out.ends_with(" abc"), "{out}");
        assert_eq!(redact(&out), out, "redacting twice changes nothing");
    }

    #[test]
    fn credentials_logged_before_they_are_known_are_removed() {
        let line = r#"chain=ProfileChain { base: AccessKey(Credentials { provider_name: "ProfileFile", access_key_id: "AKIAQX7UNREGISTERED9", secret_access_key: "** redacted **" }) } file: aws_secret_access_key = s3cr3t/xyz aws_session_token = tok+en== key ASIAABCDEFGHIJKLMNOP."#;
        let out = redact(line);
        for leaked in [
            "AKIAQX7UNREGISTERED9",
            "s3cr3t/xyz",
            "tok+en==",
            "ASIAABCDEFGHIJKLMNOP",
        ] {
            assert!(!out.contains(leaked), "{leaked} in {out}");
        }
        // Not key ids: too long, or part of a longer word.
        let lookalikes = "AKIAQX7UNREGISTERED9X xAKIAQX7UNREGISTERED9";
        assert_eq!(redact(lookalikes), lookalikes);
    }

    #[test]
    fn plain_text_is_left_alone() {
        let text = "ec2:DescribeSubnets in ap-northeast-1: 3 subnets";
        assert_eq!(redact(text), text);
    }
}
