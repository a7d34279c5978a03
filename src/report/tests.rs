use std::sync::Arc;

use serde_json::Value;

use super::*;
use crate::finding::{Confirmation, ConfirmationStatus, Suppressed};
use crate::model::{Origin, Pos};

const LB_ARN: &str =
    "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:loadbalancer/app/shop-prod/50dc6c495c0c9188";
const LISTENER_ARN: &str = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/shop-prod/50dc6c495c0c9188/f2f7dc8efc522ab2";

fn template(file: &str, logical_id: &str, line: u32, column: u32) -> Origin {
    Origin::Template {
        file: Arc::from(file),
        logical_id: logical_id.to_string(),
        pos: Pos { line, column },
    }
}

fn live(arn: &str) -> Origin {
    Origin::Live {
        arn: arn.to_string(),
        region: "ap-northeast-1".to_string(),
    }
}

/// Template and live findings, one confirmed by a probe, one suppressed, one incomplete scope.
fn sample() -> Report {
    Report {
        findings: vec![
            Finding {
                check: "subnet-not-internet-routed",
                severity: Severity::Critical,
                resource: "PublicSubnetB".to_string(),
                load_balancer: Some("ALB".to_string()),
                message: "subnet PublicSubnetB (ap-northeast-1c) has no route to an internet gateway: no route \
                          table is associated with it, so it uses the VPC main route table, which has only the \
                          local route"
                    .to_string(),
                origin: template("templates/network.yaml", "PublicSubnetB", 44, 3),
                confirmation: Confirmation::default(),
                suppressed: None,
            },
            Finding {
                check: "listener-weak-tls-policy",
                severity: Severity::High,
                resource: LISTENER_ARN.to_string(),
                load_balancer: Some(LB_ARN.to_string()),
                message: "HTTPS listener on port 443 uses ELBSecurityPolicy-2016-08, which allows TLS 1.0 and 1.1"
                    .to_string(),
                origin: live(LISTENER_ARN),
                confirmation: Confirmation {
                    status: ConfirmationStatus::Confirmed,
                    evidence: vec![
                        "203.0.113.10:443 accepted TLS 1.0".to_string(),
                        "203.0.113.24:443 accepted TLS 1.0".to_string(),
                    ],
                },
                suppressed: None,
            },
            Finding {
                check: "waf-fail-open",
                severity: Severity::Medium,
                resource: LB_ARN.to_string(),
                load_balancer: Some(LB_ARN.to_string()),
                message: "waf.fail_open.enabled is true: requests pass unfiltered when WAF cannot be reached"
                    .to_string(),
                origin: live(LB_ARN),
                confirmation: Confirmation::default(),
                suppressed: Some(Suppressed {
                    by: "policies/prod.yaml:12".to_string(),
                    reason: "WAF runs in count mode until the migration ends".to_string(),
                }),
            },
            Finding {
                check: "invalid-headers-kept",
                severity: Severity::Low,
                resource: "ALB".to_string(),
                load_balancer: Some("ALB".to_string()),
                message: "routing.http.drop_invalid_header_fields.enabled is not true | header smuggling\n\
                          stays possible"
                    .to_string(),
                origin: template("templates/alb.yaml", "ALB", 12, 7),
                confirmation: Confirmation {
                    status: ConfirmationStatus::Inconclusive,
                    evidence: Vec::new(),
                },
                suppressed: None,
            },
        ],
        incomplete: vec![crate::model::Incomplete {
            scope: "ec2:DescribeRouteTables".to_string(),
            reason: "AccessDenied: not authorized to perform ec2:DescribeRouteTables".to_string(),
        }],
        load_balancers: 2,
        policy_file: Some("policies/prod.yaml".to_string()),
    }
}

fn empty() -> Report {
    Report {
        load_balancers: 3,
        ..Report::default()
    }
}

#[test]
fn table_at_120_columns() {
    let out = table::render(&sample(), 120);
    assert!(out.lines().all(|l| l.chars().count() <= 120), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn table_at_80_columns() {
    let out = table::render(&sample(), 80);
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    insta::assert_snapshot!(out);
}

#[test]
fn table_has_no_ansi_codes() {
    assert!(!table::render(&sample(), 120).contains('\u{1b}'));
}

#[test]
fn table_summary_counts_unsuppressed_findings() {
    let out = table::render(&sample(), 120);
    assert!(
        out.contains("\n3 findings (1 critical, 1 high, 1 low) on 2 load balancers; 1 suppressed.\n"),
        "{out}"
    );
    assert!(out.contains("INCOMPLETE: the audit could not see everything\n  ec2:DescribeRouteTables: "));
}

#[test]
fn table_empty() {
    let out = table::render(&empty(), 120);
    assert_eq!(out, "No findings on 3 load balancers.\n");
}

#[test]
fn summary_sentence_singular() {
    let mut report = sample();
    report.findings.truncate(1);
    report.load_balancers = 1;
    assert_eq!(
        Counts::of(&report).sentence(),
        "1 finding (1 critical) on 1 load balancer"
    );
}

#[test]
fn json_sample() {
    let out = render(&sample(), Format::Json);
    assert!(out.ends_with("}\n"));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "albaudit/v1");
    assert_eq!(v["summary"]["findings"], 3);
    assert_eq!(v["summary"]["suppressed"], 1);
    assert_eq!(
        v["summary"]["by_severity"],
        serde_json::json!({"critical": 1, "high": 1, "low": 1})
    );
    assert_eq!(
        v["findings"][0]["location"],
        serde_json::json!({"file": "templates/network.yaml", "line": 44, "column": 3})
    );
    assert_eq!(v["findings"][1]["location"], Value::Null);
    assert_eq!(v["findings"][1]["confirmation"]["status"], "confirmed");
    assert_eq!(v["findings"][2]["suppressed"]["by"], "policies/prod.yaml:12");
    insta::assert_snapshot!(out);
}

#[test]
fn json_empty() {
    let out = render(&empty(), Format::Json);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["summary"]["by_severity"], serde_json::json!({}));
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_sample() {
    let out = render(&sample(), Format::Markdown);
    insta::assert_snapshot!(out);
}

#[test]
fn markdown_empty() {
    let out = render(&empty(), Format::Markdown);
    assert_eq!(out, "## albaudit\n\n**No findings on 3 load balancers.**\n");
}

#[test]
fn markdown_cells_stay_in_their_column() {
    let out = render(&sample(), Format::Markdown);
    let row = out
        .lines()
        .find(|l| l.contains("invalid-headers-kept"))
        .expect("a row for the finding");
    // Five cells: six unescaped bars.
    let bars = row
        .match_indices('|')
        .filter(|(i, _)| !row[..*i].ends_with('\\'))
        .count();
    assert_eq!(bars, 6, "{row}");
    assert!(
        row.contains(r"is not true \| header smuggling<br>stays possible"),
        "{row}"
    );
}

// SARIF --------------------------------------------------------------------------------------

crate::checks::check! {
    /// ## What it does
    /// Flags a load balancer whose WAF lets requests through
    /// when it cannot judge them.
    ///
    /// ## Why is this bad?
    /// An outage of WAF turns into an outage of the protection.
    pub struct TestWafFailOpen {
        id: "waf-fail-open",
        severity: Medium,
        summary: "WAF fails open",
        modes: [Live],
        options: [],
    }
}

fn sarif_schema() -> jsonschema::Validator {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/schemas/sarif-schema-2.1.0.json"
    );
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

fn sarif(report: &Report) -> Value {
    serde_json::from_str(&sarif::render_with(report, &[&TestWafFailOpen::META])).unwrap()
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let validator = sarif_schema();
    for report in [sample(), empty()] {
        assert_valid(
            &validator,
            &serde_json::from_str(&render(&report, Format::Sarif)).unwrap(),
        );
        assert_valid(&validator, &sarif(&report));
    }
}

#[test]
fn sarif_schema_check_catches_a_missing_required_field() {
    let validator = sarif_schema();
    let log = sarif(&sample());
    for pointer in [
        "/runs/0/results/0/message",
        "/runs/0/results/2/suppressions/0/kind",
        "/runs/0/tool/driver/rules/0/id",
    ] {
        let mut broken = log.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        broken
            .pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key)
            .unwrap();
        assert!(!validator.is_valid(&broken), "removing {pointer} went unnoticed");
    }
}

#[test]
fn sarif_every_result_has_a_physical_location() {
    let log = sarif(&sample());
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    for r in results {
        let physical = &r["locations"][0]["physicalLocation"];
        assert!(
            physical["artifactLocation"]["uri"]
                .as_str()
                .is_some_and(|u| !u.is_empty()),
            "{r}"
        );
        assert!(
            physical["region"]["startLine"].as_u64().is_some_and(|l| l >= 1),
            "{r}"
        );
    }
    // Template finding: the template position, 1-based as given.
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"],
        serde_json::json!({"artifactLocation": {"uri": "templates/network.yaml"},
                           "region": {"startLine": 44, "startColumn": 3}})
    );
    // Live finding: the policy file, line 1, and the ARN as a logical location.
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"],
        serde_json::json!({"artifactLocation": {"uri": "policies/prod.yaml"}, "region": {"startLine": 1}})
    );
    assert_eq!(
        results[1]["locations"][0]["logicalLocations"],
        serde_json::json!([{"fullyQualifiedName": LISTENER_ARN, "kind": "resource"}])
    );
}

#[test]
fn sarif_live_results_fall_back_to_albaudit_yaml() {
    let mut report = sample();
    report.policy_file = None;
    let log = sarif(&report);
    assert_eq!(
        log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "albaudit.yaml"
    );
}

#[test]
fn sarif_results_levels_rules_and_suppressions() {
    let log = sarif(&sample());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
    }
    let levels: Vec<&str> = results.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(levels, ["error", "error", "warning", "note"]);
    assert_eq!(
        results[2]["suppressions"],
        serde_json::json!([{"kind": "external", "justification": "WAF runs in count mode until the migration ends"}])
    );
    assert!(results[0].get("suppressions").is_none());
    assert!(results[1]["message"]["text"].as_str().unwrap().ends_with(
        "\nprobe: confirmed: 203.0.113.10:443 accepted TLS 1.0; 203.0.113.24:443 accepted TLS 1.0"
    ));
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["message"]["text"],
        "incomplete: ec2:DescribeRouteTables: AccessDenied: not authorized to perform ec2:DescribeRouteTables"
    );
    let empty = sarif(&empty());
    assert_eq!(empty["runs"][0]["invocations"][0]["executionSuccessful"], true);
    assert_eq!(empty["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn sarif_rule_from_check_metadata() {
    let log = sarif(&empty());
    let rule = &log["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "waf-fail-open");
    assert_eq!(rule["name"], "WafFailOpen");
    assert_eq!(rule["shortDescription"]["text"], "WAF fails open");
    assert_eq!(
        rule["fullDescription"]["text"],
        "Flags a load balancer whose WAF lets requests through when it cannot judge them."
    );
    assert_eq!(rule["help"]["markdown"], TestWafFailOpen::META.documentation());
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    assert_eq!(rule["properties"]["security-severity"], "5.5");
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["version"],
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn sarif_registry_checks_all_become_rules() {
    let log: Value = serde_json::from_str(&render(&empty(), Format::Sarif)).unwrap();
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = crate::checks::ALL.iter().map(|c| c.meta().id).collect();
    assert_eq!(ids, expected);
}

#[test]
fn sarif_fingerprints_are_stable_and_distinct() {
    let fingerprints = |report: &Report| -> Vec<String> {
        sarif(report)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["albaudit/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    let first = fingerprints(&sample());
    let mut moved = sample();
    moved.findings[0].origin = template("templates/network.yaml", "PublicSubnetB", 90, 5);
    moved.findings[0].message.push_str(" (reworded)");
    assert_eq!(
        first,
        fingerprints(&moved),
        "line and message do not change the identity"
    );
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len(), "{first:?}");
    assert!(
        first
            .iter()
            .all(|f| f.len() == 16 && f.chars().all(|c| c.is_ascii_hexdigit()))
    );
}

#[test]
fn sarif_uris_use_forward_slashes_and_percent_encoding() {
    let mut report = sample();
    report.findings[0].origin = template(r"stacks\my stack\net.yaml", "PublicSubnetB", 0, 0);
    let log = sarif(&report);
    let physical = &log["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "stacks/my%20stack/net.yaml");
    // A position the collector could not fill still meets SARIF's minimum of 1.
    assert_eq!(
        physical["region"],
        serde_json::json!({"startLine": 1, "startColumn": 1})
    );
    assert_valid(&sarif_schema(), &log);
}

#[test]
fn table_width_comes_from_columns_when_usable() {
    assert_eq!(width_from(None), DEFAULT_WIDTH);
    assert_eq!(width_from(Some("80")), 80);
    assert_eq!(width_from(Some(" 200 ")), 200);
    assert_eq!(width_from(Some("wide")), DEFAULT_WIDTH);
    assert_eq!(width_from(Some("10")), DEFAULT_WIDTH);
}
