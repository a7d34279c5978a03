//! `albaudit lint` through the real binary: the outage example, every check's fixtures,
//! cross-stack imports, the gate's exit codes, policies and suppressions.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn albaudit() -> Command {
    let mut cmd = Command::cargo_bin("albaudit").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("ALBAUDIT_NOW", "2026-06-01")
        .env("COLUMNS", "120");
    cmd
}

/// Runs `albaudit lint ARGS --format json`; returns the exit code and the parsed report.
fn lint_json(args: &[&str]) -> (i32, Value) {
    let out = albaudit()
        .arg("lint")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), report)
}

fn findings<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

/// The 1-based line of the first line of `file` equal to `text` (so tests need no line numbers).
fn line_of(file: &str, text: &str) -> u64 {
    let content = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
    content
        .lines()
        .position(|l| l == text)
        .unwrap_or_else(|| panic!("{text} not in {file}")) as u64
        + 1
}

#[test]
fn outage_example_flags_subnet_b_with_its_location_and_fails_the_gate() {
    let (code, report) = lint_json(&["examples/outage/"]);
    assert_eq!(code, 1, "{report:#}");
    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(routing.len(), 1, "{report:#}");
    let f = routing[0];
    assert_eq!(f["resource"], "PublicSubnetB");
    assert_eq!(f["load_balancer"], "ALB");
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["location"]["file"], "examples/outage/network.yaml");
    assert_eq!(
        f["location"]["line"],
        line_of("examples/outage/network.yaml", "  PublicSubnetB:")
    );
    assert_eq!(f["location"]["column"], 3);
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("main route table"), "{message}");
    assert!(message.contains("ap-northeast-1c"), "{message}");

    let waf = findings(&report, "waf-fail-open");
    assert_eq!(waf.len(), 1, "{report:#}");
    assert_eq!(waf[0]["resource"], "ALB");
    assert_eq!(
        waf[0]["location"]["line"],
        line_of("examples/outage/alb.yaml", "        - Key: waf.fail_open.enabled")
    );
    assert_eq!(report["incomplete"], serde_json::json!([]));
    assert_eq!(report["summary"]["load_balancers"], 1);
}

#[test]
fn the_alb_stack_alone_is_incomplete_and_names_the_import() {
    let (code, report) = lint_json(&["examples/outage/alb.yaml"]);
    assert_eq!(code, 3, "{report:#}");
    let incomplete = report["incomplete"].as_array().unwrap();
    assert!(
        incomplete
            .iter()
            .any(|i| i["scope"].as_str().unwrap().contains("shop-PublicSubnetBIds")),
        "{report:#}"
    );
    let routing = findings(&report, "subnet-not-internet-routed");
    assert!(!routing.is_empty());
    for f in routing {
        assert_eq!(
            f["severity"], "info",
            "an unresolved import must not give a verdict: {f}"
        );
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains("import shop-PublicSubnet"),
            "{f}"
        );
    }
}

#[test]
fn short_and_long_forms_and_yaml_and_json_agree_on_the_outage() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in ["network", "alb"] {
        let yaml = dir.path().join(format!("{name}.yaml"));
        std::fs::copy(root.join(format!("examples/outage/{name}.yaml")), &yaml).unwrap();
        let status = std::process::Command::new("python3")
            .arg(root.join("tests/tools/yaml2json.py"))
            .arg(&yaml)
            .status()
            .unwrap();
        assert!(status.success());
        std::fs::remove_file(&yaml).unwrap();
    }
    let (code, report) = lint_json(&[dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(routing.len(), 1, "{report:#}");
    assert_eq!(routing[0]["resource"], "PublicSubnetB");
    assert!(
        routing[0]["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("network.json")
    );
}

/// Every `bad*` fixture of a check triggers it (above info), every `good*` fixture does not.
#[test]
fn every_check_fixture_behaves() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/checks");
    let mut checked = 0;
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        let check = dir.file_name().unwrap().to_str().unwrap().to_string();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut kinds = std::collections::BTreeSet::new();
        for file in files {
            let name = file.file_name().unwrap().to_str().unwrap().to_string();
            let ext = file.extension().unwrap().to_str().unwrap().to_string();
            let (code, report) = lint_json(&[file.to_str().unwrap()]);
            assert!(code != 2, "{name}: rejected: {report}");
            let hits: Vec<&Value> = findings(&report, &check)
                .into_iter()
                .filter(|f| f["severity"] != "info")
                .collect();
            if name.starts_with("bad") {
                assert!(
                    !hits.is_empty(),
                    "{check}/{name} should trigger {check}: {report:#}"
                );
                kinds.insert(format!("bad.{ext}"));
            } else if name.starts_with("good") {
                assert!(
                    findings(&report, &check).is_empty(),
                    "{check}/{name} should not trigger {check}: {report:#}"
                );
                kinds.insert(format!("good.{ext}"));
            }
            checked += 1;
        }
        for needed in ["bad.yaml", "bad.json", "good.yaml", "good.json"] {
            assert!(kinds.contains(needed), "{check} has no {needed} fixture");
        }
    }
    assert!(checked >= 4);
}

#[test]
fn imports_resolve_across_the_templates_given() {
    let x = "tests/fixtures/xstack";
    let (code, report) = lint_json(&[&format!("{x}/app.yaml"), &format!("{x}/net.yaml")]);
    assert_eq!(code, 1, "{report:#}");
    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(routing.len(), 1, "{report:#}");
    assert_eq!(routing[0]["resource"], "SubnetB");
    assert_eq!(routing[0]["load_balancer"], "ALB");
}

#[test]
fn an_import_matching_several_exports_is_incomplete_until_a_stack_is_named() {
    let x = "tests/fixtures/xstack";
    let files = [
        format!("{x}/app.yaml"),
        format!("{x}/net.yaml"),
        format!("{x}/net2.yaml"),
    ];
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let (code, report) = lint_json(&files);
    assert_eq!(code, 3, "{report:#}");
    assert!(
        report["incomplete"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("several templates"),
        "{report:#}"
    );
    assert!(
        findings(&report, "subnet-not-internet-routed")
            .iter()
            .all(|f| f["severity"] == "info")
    );

    // Naming the stack of net.yaml makes its export the exact match: SubnetB is unrouted there.
    let mut args = files.clone();
    args.extend(["--stack", "prod-net=tests/fixtures/xstack/net.yaml"]);
    let (code, report) = lint_json(&args);
    assert_eq!(code, 1, "{report:#}");
    assert_eq!(
        findings(&report, "subnet-not-internet-routed")[0]["resource"],
        "SubnetB"
    );

    // net2.yaml routes both subnets.
    let mut args = files.clone();
    args.extend(["--stack", "prod-net=tests/fixtures/xstack/net2.yaml"]);
    let (code, report) = lint_json(&args);
    assert_eq!(report["incomplete"], serde_json::json!([]), "{report:#}");
    assert!(
        findings(&report, "subnet-not-internet-routed").is_empty(),
        "{report:#}"
    );
    assert_ne!(code, 3);
}

#[test]
fn param_overrides_feed_conditions_and_names() {
    let x = "tests/fixtures/xstack";
    // Pointing the import at a stack that nobody exports leaves it unresolved.
    let (code, report) = lint_json(&[
        &format!("{x}/app.yaml"),
        &format!("{x}/net.yaml"),
        "--stack",
        "prod-net=tests/fixtures/xstack/net.yaml",
        "--param",
        "NetworkStack=staging-net",
    ]);
    assert_eq!(code, 3, "{report:#}");
    assert!(
        report["incomplete"][0]["scope"]
            .as_str()
            .unwrap()
            .contains("staging-net-Subnets")
    );
}

#[test]
fn fail_on_moves_the_gate() {
    let (code, _) = lint_json(&["examples/outage/", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    let out = albaudit()
        .args([
            "lint",
            "tests/fixtures/checks/subnet-not-internet-routed/good.yaml",
            "--fail-on",
            "info",
        ])
        .output()
        .unwrap();
    // The good routing fixture still has lower-severity findings of other checks.
    let code = out.status.code().unwrap();
    assert!(code == 0 || code == 1);
    let (code, report) = lint_json(&[
        "tests/fixtures/checks/subnet-not-internet-routed/bad.yaml",
        "--fail-on",
        "critical",
    ]);
    assert_eq!(code, 1, "{report:#}");
}

#[test]
fn policy_suppressions_need_a_reason_and_expire() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.yaml");
    std::fs::write(
        &policy,
        "suppressions:\n  - check: subnet-not-internet-routed\n    resource: PublicSubnetB\n    reason: moving to the new VPC (NET-42)\n    expires: 2026-12-31\n",
    )
    .unwrap();
    let p = policy.to_str().unwrap();
    let (code, report) = lint_json(&["examples/outage/", "--policy", p]);
    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(
        routing[0]["suppressed"]["reason"],
        "moving to the new VPC (NET-42)"
    );
    assert_eq!(code, 0, "suppressed findings never fail the gate: {report:#}");
    assert_eq!(
        report["summary"]["findings"],
        report["findings"].as_array().unwrap().len() as u64 - 1
    );

    // Past its date the suppression no longer holds and is itself a finding at its line.
    let out = albaudit()
        .env("ALBAUDIT_NOW", "2027-01-01")
        .args(["lint", "examples/outage/", "--format", "json", "--policy", p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(findings(&report, "subnet-not-internet-routed")[0]["suppressed"].is_null());
    let expired = findings(&report, "suppression-expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["location"]["line"], 2);

    std::fs::write(
        &policy,
        "suppressions:\n  - check: waf-fail-open\n    resource: ALB\n",
    )
    .unwrap();
    let out = albaudit()
        .args(["lint", "examples/outage/", "--policy", p])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("policy.yaml:2:5:") && stderr.contains("needs a `reason`"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1);
}

#[test]
fn template_metadata_suppresses_one_resource() {
    let dir = tempfile::tempdir().unwrap();
    let src =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/outage/network.yaml"))
            .unwrap();
    let patched = src.replace(
        "  PublicSubnetB:\n    Type: AWS::EC2::Subnet\n",
        "  PublicSubnetB:\n    Type: AWS::EC2::Subnet\n    Metadata:\n      albaudit:\n        ignore:\n          - check: subnet-not-internet-routed\n            reason: no ALB node is placed here yet\n",
    );
    assert_ne!(src, patched);
    std::fs::write(dir.path().join("network.yaml"), patched).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/outage/alb.yaml"),
        dir.path().join("alb.yaml"),
    )
    .unwrap();
    let (_, report) = lint_json(&[dir.path().to_str().unwrap()]);
    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(
        routing[0]["suppressed"]["reason"], "no ALB node is placed here yet",
        "{report:#}"
    );
}

/// Broken input: exit 2 and one line naming the file and position, quickly.
#[test]
fn hostile_and_broken_templates_are_rejected_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("broken.yaml", b"Resources:\n  A: [unclosed\n".to_vec(), "broken.yaml:"),
        ("broken.json", b"{\"Resources\": {\"A\": }}\n".to_vec(), "broken.json:1:"),
        ("notcfn.yaml", b"name: my-app\nversion: 3\n".to_vec(), "not a CloudFormation template"),
        (
            "bomb.yaml",
            b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nResources: {}\n".to_vec(),
            "bomb.yaml:",
        ),
        ("deep.json", format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(), "deep.json:1:"),
        ("deep.yaml", format!("Resources: {}{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(), "deep.yaml:1:"),
        ("huge.yaml", {
            let mut v = b"Resources:\n".to_vec();
            v.resize(50 * 1024 * 1024, b'#');
            v
        }, "huge.yaml:1:1: file is 52428800 bytes"),
        ("latin1.yaml", b"Resources: {}\nDescription: caf\xe9\n".to_vec(), "latin1.yaml:2:1: not UTF-8"),
    ];
    for (name, bytes, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let start = std::time::Instant::now();
        let out = albaudit().args(["lint"]).arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
        assert!(
            stderr.contains(expected),
            "{name}: expected `{expected}` in {stderr}"
        );
        assert!(out.stdout.is_empty(), "{name}");
        // Bounded: generous, but a hang or a blow-up would blow through it.
        assert!(
            start.elapsed().as_secs() < 20,
            "{name} took {:?}",
            start.elapsed()
        );
    }
}

#[test]
fn table_output_of_the_outage() {
    let out = albaudit().args(["lint", "examples/outage/"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("outage_table", String::from_utf8(out.stdout).unwrap());
}

#[test]
fn json_output_of_the_outage() {
    let (_, report) = lint_json(&["examples/outage/"]);
    insta::assert_json_snapshot!("outage_json", report);
}

#[test]
fn output_file_and_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let out_file = dir.path().join("albaudit.sarif");
    let out = albaudit()
        .args(["lint", "examples/outage/", "--format", "sarif", "--output"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let routing = results
        .iter()
        .find(|r| r["ruleId"] == "subnet-not-internet-routed")
        .unwrap();
    let loc = &routing["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "examples/outage/network.yaml");
    assert_eq!(
        loc["region"]["startLine"],
        line_of("examples/outage/network.yaml", "  PublicSubnetB:")
    );
}

#[test]
fn checks_and_explain() {
    let out = albaudit().arg("checks").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for id in ["subnet-not-internet-routed", "suppression-expired"] {
        assert!(
            text.lines().any(|l| l.starts_with(id)),
            "{id} missing from `albaudit checks`"
        );
    }
    let out = albaudit()
        .args(["explain", "subnet-not-internet-routed"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("# subnet-not-internet-routed"));
    assert!(text.contains("## How it is confirmed"));
    let out = albaudit().args(["explain", "no-such-check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn markdown_output_for_a_pull_request_comment() {
    let out = albaudit()
        .args(["lint", "examples/outage/", "--format", "markdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("outage_markdown", String::from_utf8(out.stdout).unwrap());
}
