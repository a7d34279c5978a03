//! Lint and live mode agree: the lint example's stacks (examples/outage/), deployed through
//! moto's CloudFormation, give the live audit the same verdict as `albaudit lint` on the
//! templates: subnet B only is not internet-routed, and WAF fails open; the live finding names
//! the stack and logical id of the subnet.
#![cfg(feature = "live")]

#[path = "common/moto.rs"]
mod moto;

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn report(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// `(check, resource)` of every finding, sorted.
fn verdict(report: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let field = |k: &str| f[k].as_str().unwrap_or_default().to_string();
            (field("check"), field("resource"))
        })
        .collect();
    found.sort();
    found
}

#[test]
fn the_example_stacks_deployed_in_moto_get_the_lint_verdict() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/outage");
    let moto = moto::start();
    let stacks = moto.seed_stacks(&example);

    let lint = Command::cargo_bin("albaudit")
        .unwrap()
        .args(["lint", example.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let lint = report(&lint);

    let live = Command::cargo_bin("albaudit")
        .unwrap()
        .args(["--region", moto::REGION, "--endpoint-url", &moto.endpoint()])
        .args(["--no-probe", "--format", "json"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .unwrap();
    assert_eq!(
        live.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&live.stderr)
    );
    let live = report(&live);
    assert_eq!(live["incomplete"], serde_json::json!([]), "{live:#}");

    let alb = &stacks.alb["ALB"];
    assert_eq!(
        verdict(&lint),
        [
            (
                "subnet-not-internet-routed".to_string(),
                "PublicSubnetB".to_string()
            ),
            ("waf-fail-open".to_string(), "ALB".to_string()),
        ],
        "{lint:#}"
    );
    assert_eq!(
        verdict(&live),
        [
            (
                "subnet-not-internet-routed".to_string(),
                stacks.subnet_b_arn.clone()
            ),
            ("waf-fail-open".to_string(), alb.clone()),
        ],
        "{live:#}"
    );
    // Subnet B's ARN is the one the network stack created for PublicSubnetB, not A's.
    assert!(stacks.subnet_b_arn.ends_with(&stacks.network["PublicSubnetB"]));
    assert_ne!(stacks.subnet_a_arn, stacks.subnet_b_arn);
    let message = |report: &Value, check: &str| -> String {
        let found = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check"] == check);
        found.unwrap()["message"].as_str().unwrap().to_string()
    };
    for (mode, report) in [("lint", &lint), ("live", &live)] {
        let routing = message(report, "subnet-not-internet-routed");
        assert!(routing.contains("main route table"), "{mode}: {routing}");
    }
    // Each live finding leads back to the template resource that lint points at, through the
    // tags CloudFormation puts on what it deploys.
    for (check, deployed) in [
        (
            "subnet-not-internet-routed",
            "(CloudFormation stack shop-network, resource PublicSubnetB)",
        ),
        ("waf-fail-open", "(CloudFormation stack shop-alb, resource ALB)"),
    ] {
        let live_message = message(&live, check);
        assert!(live_message.ends_with(deployed), "{live_message}");
    }
}
