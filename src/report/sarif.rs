//! `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.
//!
//! GitHub rejects a whole file if any result lacks a physical location, so every result has
//! one: the template position in lint mode, line 1 of the policy file in live mode (with the
//! resource ARN as a logical location).

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Report, confirmation_text};
use crate::checks::{self, Meta};
use crate::finding::{Confirmation, Finding, Severity};
use crate::model::Pos;

const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// Where live-mode results point when no policy file is in force.
const DEFAULT_POLICY_FILE: &str = "albaudit.yaml";
/// The key of our entry in `partialFingerprints`.
const FINGERPRINT_KEY: &str = "albaudit/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation; 1],
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    /// GitHub's 0-10 score, as a string, behind its critical/high/medium/low labels.
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: [&'static str; 2],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression<'a>>,
    properties: ResultProperties<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    physical_location: PhysicalLocation,
    logical_locations: [LogicalLocation<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

#[derive(Serialize)]
struct Suppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    load_balancer: Option<&'a str>,
    confirmation: &'a Confirmation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

pub fn render(report: &Report) -> String {
    let metas: Vec<&Meta> = checks::ALL.iter().map(|c| c.meta()).collect();
    render_with(report, &metas)
}

/// Renders with these checks as the rules (the registry, or test checks).
pub(super) fn render_with(report: &Report, metas: &[&Meta]) -> String {
    let mut rules: Vec<Rule> = metas.iter().map(|m| rule(m)).collect();
    // A finding from a check the registry does not list still gets a rule, so that every
    // result has a ruleIndex and a viewer has something to show.
    for f in &report.findings {
        if !rules.iter().any(|r| r.id == f.check) {
            rules.push(bare_rule(f.check, f.severity));
        }
    }
    let policy_file = report.policy_file.as_deref().unwrap_or(DEFAULT_POLICY_FILE);
    let results = report
        .findings
        .iter()
        .map(|f| {
            let rule_index = rules
                .iter()
                .position(|r| r.id == f.check)
                .expect("every check has a rule");
            result(f, rule_index, policy_file)
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "albaudit",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: Some(env!("CARGO_PKG_REPOSITORY")).filter(|u| !u.is_empty()),
                    rules,
                },
            },
            invocations: [Invocation {
                execution_successful: report.incomplete.is_empty(),
                tool_execution_notifications: report
                    .incomplete
                    .iter()
                    .map(|i| Notification {
                        level: "error",
                        message: Text {
                            text: format!("incomplete: {}: {}", i.scope, i.reason),
                        },
                    })
                    .collect(),
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut out = serde_json::to_string_pretty(&log).expect("the SARIF log serialises to JSON");
    out.push('\n');
    out
}

fn rule(meta: &Meta) -> Rule {
    let documentation = meta.documentation();
    let mut rule = bare_rule(meta.id, meta.severity);
    rule.short_description.text = meta.summary.to_string();
    rule.full_description = Some(Text {
        text: what_it_does(&documentation).unwrap_or_else(|| meta.summary.to_string()),
    });
    rule.help = Some(Help {
        text: documentation.clone(),
        markdown: documentation,
    });
    rule
}

/// A rule known only by its id.
fn bare_rule(id: &str, severity: Severity) -> Rule {
    Rule {
        id: id.to_string(),
        name: camel_case(id),
        short_description: Text { text: id.to_string() },
        full_description: None,
        help: None,
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties {
            security_severity: security_severity(severity),
            tags: ["security", "aws-alb"],
        },
    }
}

fn result<'a>(f: &'a Finding, rule_index: usize, policy_file: &str) -> SarifResult<'a> {
    let (file, region) = match f.origin.location() {
        Some((file, pos)) => (file, region(pos)),
        None => (
            policy_file,
            Region {
                start_line: 1,
                start_column: None,
            },
        ),
    };
    let mut text = f.message.clone();
    if let Some(c) = confirmation_text(f) {
        text.push_str(&format!("\n{c}"));
    }
    SarifResult {
        rule_id: f.check,
        rule_index,
        level: level(f.severity),
        message: Text { text },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: artifact_uri(file),
                },
                region,
            },
            logical_locations: [LogicalLocation {
                fully_qualified_name: &f.resource,
                kind: "resource",
            }],
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint(f))]),
        suppressions: f
            .suppressed
            .iter()
            .map(|s| Suppression {
                kind: "external",
                justification: &s.reason,
            })
            .collect(),
        properties: ResultProperties {
            severity: f.severity,
            load_balancer: f.load_balancer.as_deref(),
            confirmation: &f.confirmation,
        },
    }
}

/// The one place template positions become SARIF regions. Both count from 1, so this is the
/// identity, except that a position the collector could not fill (0) becomes 1, SARIF's minimum.
fn region(pos: Pos) -> Region {
    Region {
        start_line: pos.line.max(1),
        start_column: Some(pos.column.max(1)),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "1.0",
    }
}

/// `subnet-not-internet-routed` -> `SubnetNotInternetRouted`.
fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        })
        .collect()
}

/// The first paragraph under "## What it does", on one line.
fn what_it_does(documentation: &str) -> Option<String> {
    let mut lines = documentation
        .lines()
        .skip_while(|l| l.trim() != "## What it does")
        .skip(1);
    let paragraph: Vec<&str> = lines
        .by_ref()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    (!paragraph.is_empty()).then(|| paragraph.join(" "))
}

/// A file path as a relative URI reference: forward slashes, anything outside the unreserved
/// characters percent-encoded.
fn artifact_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// FNV-1a (64-bit) of the check, the template file (if any) and the resource: stable across
/// runs and line moves, different for the same logical id in two templates.
fn fingerprint(f: &Finding) -> String {
    let file = f.origin.location().map(|(file, _)| file).unwrap_or("");
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [f.check, file, f.resource.as_str()] {
        for b in part.bytes().chain([0]) {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}
