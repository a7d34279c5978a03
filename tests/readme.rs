//! README promises that can drift from the code.
#![cfg(feature = "live")]

use albaudit::collect::aws::IAM_ACTIONS;

/// The IAM policy in README lists exactly the calls the live collector can make.
#[test]
fn readme_iam_policy_lists_exactly_the_calls_made() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("\"Action\": [").expect("README has an IAM policy");
    let block = &readme[start..start + readme[start..].find(']').unwrap()];
    let mut listed: Vec<&str> = block
        .split('"')
        .filter(|s| s.contains(':') && !s.contains(' '))
        .collect();
    let mut actions: Vec<&str> = IAM_ACTIONS.to_vec();
    listed.sort();
    actions.sort();
    assert_eq!(listed, actions);
    for action in actions {
        let verb = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "List", "Get"].iter().any(|p| verb.starts_with(p)),
            "{action} is not read-only"
        );
    }
}
