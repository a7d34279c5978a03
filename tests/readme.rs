//! README promises that can drift from the code: the least-privilege IAM policy, checked
//! against the collector's list and against what the real binary sends on the wire.
#![cfg(feature = "live")]

#[path = "common/faults.rs"]
mod faults;
#[path = "common/moto.rs"]
mod moto;

use std::collections::BTreeSet;
use std::process::Command;

use albaudit::collect::aws::IAM_ACTIONS;

/// The actions of the IAM policy in README.
fn readme_actions() -> BTreeSet<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("\"Action\": [").expect("README has an IAM policy");
    let block = &readme[start..start + readme[start..].find(']').unwrap()];
    block
        .split('"')
        .filter(|s| s.contains(':') && !s.contains(' '))
        .map(str::to_string)
        .collect()
}

fn read_only(action: &str) -> bool {
    let verb = action.split(':').nth(1).unwrap_or_default();
    ["Describe", "List", "Get"].iter().any(|p| verb.starts_with(p))
}

/// The IAM policy in README lists exactly the calls the live collector can make.
#[test]
fn readme_iam_policy_lists_exactly_the_calls_made() {
    let actions: BTreeSet<String> = IAM_ACTIONS.iter().map(|a| a.to_string()).collect();
    assert_eq!(readme_actions(), actions);
    for action in actions {
        assert!(read_only(&action), "{action} is not read-only");
    }
}

/// A full audit of every region through the real binary, observed on the wire by a proxy in
/// front of moto: every request is a read-only AWS call, and together they are exactly the
/// README's policy (nothing more is needed, nothing listed is unused).
#[test]
fn every_call_on_the_wire_is_read_only_and_in_the_readme_policy() {
    let moto = moto::start();
    moto.seed_outage();
    let proxy = faults::Proxy::start(moto.port(), vec![]);
    let out = Command::new(env!("CARGO_BIN_EXE_albaudit"))
        .args(["--region", "all", "--endpoint-url", &proxy.endpoint()])
        .args(["--no-probe", "--format", "json"])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["incomplete"], serde_json::json!([]));
    assert_eq!(report["summary"]["load_balancers"], 2);

    let seen = proxy.seen();
    assert!(
        seen.len() > 100,
        "every region is audited ({} requests)",
        seen.len()
    );
    let operations: BTreeSet<String> = seen.into_iter().map(|s| s.operation).collect();
    for operation in &operations {
        assert!(read_only(operation), "not a read-only AWS call: {operation}");
    }
    assert_eq!(operations, readme_actions());
}
