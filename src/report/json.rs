//! `--format json`: the "albaudit/v1" document described in DESIGN.md.

use serde::Serialize;

use super::{Counts, Report};
use crate::finding::{Confirmation, Finding, Severity, Suppressed};
use crate::model::Incomplete;

pub const SCHEMA: &str = "albaudit/v1";

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    findings: Vec<JsonFinding<'a>>,
    incomplete: &'a [Incomplete],
    summary: Summary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    check: &'a str,
    severity: Severity,
    resource: &'a str,
    load_balancer: Option<&'a str>,
    message: &'a str,
    location: Option<Location<'a>>,
    confirmation: &'a Confirmation,
    suppressed: Option<&'a Suppressed>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
}

#[derive(Serialize)]
struct Summary {
    load_balancers: usize,
    /// Unsuppressed findings.
    findings: usize,
    suppressed: usize,
    by_severity: BySeverity,
}

/// Unsuppressed findings per severity, most severe first, zeros left out.
#[derive(Default, Serialize)]
struct BySeverity {
    #[serde(skip_serializing_if = "Option::is_none")]
    critical: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    high: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    medium: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    low: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    info: Option<usize>,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            check: f.check,
            severity: f.severity,
            resource: &f.resource,
            load_balancer: f.load_balancer.as_deref(),
            message: &f.message,
            location: f.origin.location().map(|(file, pos)| Location {
                file,
                line: pos.line,
                column: pos.column,
            }),
            confirmation: &f.confirmation,
            suppressed: f.suppressed.as_ref(),
        }
    }
}

pub fn render(report: &Report) -> String {
    let counts = Counts::of(report);
    let mut by_severity = BySeverity::default();
    for &(severity, n) in &counts.by_severity {
        let slot = match severity {
            Severity::Critical => &mut by_severity.critical,
            Severity::High => &mut by_severity.high,
            Severity::Medium => &mut by_severity.medium,
            Severity::Low => &mut by_severity.low,
            Severity::Info => &mut by_severity.info,
        };
        *slot = Some(n);
    }
    let doc = Document {
        schema: SCHEMA,
        findings: report.findings.iter().map(JsonFinding::from).collect(),
        incomplete: &report.incomplete,
        summary: Summary {
            load_balancers: counts.load_balancers,
            findings: counts.findings,
            suppressed: counts.suppressed,
            by_severity,
        },
    };
    let mut out = serde_json::to_string_pretty(&doc).expect("the report serialises to JSON");
    out.push('\n');
    out
}
