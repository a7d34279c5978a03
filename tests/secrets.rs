//! Credentials never reach the output: `albaudit -vvv` against moto, with distinctive
//! credentials (environment or profile, with a session token), on the clean path, under API
//! faults and with rejected credentials. Standard output and standard error are searched for
//! each secret, raw and URL-encoded.
#![cfg(feature = "live")]

#[path = "common/faults.rs"]
mod faults;
#[path = "common/moto.rs"]
mod moto;

use std::process::{Command, Output};

use faults::{Fault, Proxy, Rule};

const ACCESS_KEY_ID: &str = "AKIAQX7SECRETTEST042";
const SECRET_ACCESS_KEY: &str = "q8Zr/Secret+Access+Key/NeverPrint0123456789";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjSessionToken/Never+Print/Zm9vYmFy==";

/// `albaudit -vvv --region R --endpoint-url E --no-probe` plus `args`, with the environment's
/// credentials replaced by `env`.
fn audit_vvv(endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_albaudit"));
    cmd.args([
        "-vvv",
        "--region",
        moto::REGION,
        "--endpoint-url",
        endpoint,
        "--no-probe",
    ])
    .args(args)
    .env_remove("AWS_ACCESS_KEY_ID")
    .env_remove("AWS_SECRET_ACCESS_KEY")
    .env_remove("AWS_SESSION_TOKEN")
    .env("AWS_MAX_ATTEMPTS", "2");
    for (key, value) in env {
        cmd.env(key, value);
    }
    cmd.output().expect("run albaudit")
}

fn env_credentials() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID),
        ("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY),
        ("AWS_SESSION_TOKEN", SESSION_TOKEN),
    ]
}

fn url_encoded(s: &str) -> String {
    s.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D")
}

/// No secret in either stream; the trace was really on (the SDK's request traces are there);
/// returns stderr.
fn assert_no_secrets(out: &Output, case: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    for secret in [ACCESS_KEY_ID, SECRET_ACCESS_KEY, SESSION_TOKEN] {
        for form in [secret.to_string(), url_encoded(secret)] {
            assert!(!stdout.contains(&form), "{case}: a secret on stdout");
            assert!(!stderr.contains(&form), "{case}: a secret on stderr");
        }
    }
    // Not vacuous: this is the SDK's full trace, in which the credentials were present.
    assert!(
        stderr.lines().count() > 200,
        "{case}: only {} lines at -vvv",
        stderr.lines().count()
    );
    assert!(stderr.contains("aws_smithy_runtime"), "{case}: no SDK trace");
    assert!(
        stderr.contains("resolved identity"),
        "{case}: identity not traced"
    );
    stderr
}

#[test]
fn environment_credentials_with_a_session_token_never_appear() {
    let moto = moto::start();
    moto.seed_outage();
    for format in ["json", "table", "sarif", "markdown"] {
        let out = audit_vvv(&moto.endpoint(), &["--format", format], &env_credentials());
        assert_eq!(out.status.code(), Some(1), "--format {format}");
        let stderr = assert_no_secrets(&out, format);
        // The SDK traces the resolved identity with its access key id: it is scrubbed, not absent.
        assert!(
            stderr.contains("<redacted>"),
            "--format {format}: nothing scrubbed"
        );
    }
}

#[test]
fn profile_credentials_never_appear_under_api_faults() {
    let moto = moto::start();
    moto.seed_outage();
    moto::write_profile("leaky", ACCESS_KEY_ID, SECRET_ACCESS_KEY, Some(SESSION_TOKEN));
    let proxy = Proxy::start(
        moto.port(),
        vec![
            Rule::always("ec2:DescribeRouteTables", Fault::Throttle),
            Rule::always("acm:ListCertificates", Fault::ServerError),
            Rule::always("ec2:DescribeSubnets", Fault::Malformed),
        ],
    );
    let out = audit_vvv(
        &proxy.endpoint(),
        &["--profile", "leaky", "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = assert_no_secrets(&out, "faults");
    assert!(stderr.contains("RequestLimitExceeded"), "the failures are logged");
}

#[test]
fn rejected_credentials_never_appear_in_errors() {
    let moto = moto::start();
    moto.seed_outage();
    moto.enforce_iam();
    // Unknown to moto's IAM: every call is refused, and the refusals are reported.
    let out = audit_vvv(&moto.endpoint(), &["--format", "json"], &env_credentials());
    assert_eq!(out.status.code(), Some(3));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["incomplete"].as_array().unwrap().len() >= 3, "{report:#}");
    assert_no_secrets(&out, "rejected");
}
