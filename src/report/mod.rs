//! Reports: render a finished audit as a table, JSON (albaudit/v1), SARIF 2.1.0 or Markdown.

mod json;
mod markdown;
mod sarif;
mod table;

#[cfg(test)]
mod tests;

use crate::finding::{ConfirmationStatus, Finding, Severity};
use crate::model::Incomplete;

/// A finished audit, ready to render.
#[derive(Debug, Default)]
pub struct Report {
    /// Sorted by severity (most severe first), then location.
    pub findings: Vec<Finding>,
    pub incomplete: Vec<Incomplete>,
    pub load_balancers: usize,
    /// The policy file in force, if any: live-mode SARIF results point at it.
    pub policy_file: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Sarif,
    Markdown,
}

/// The table's width when `COLUMNS` does not say otherwise.
pub const DEFAULT_WIDTH: u16 = 120;

/// Renders the report. Every format ends with a newline; the table is plain text (no colour).
pub fn render(report: &Report, format: Format) -> String {
    match format {
        Format::Table => table::render(report, terminal_width()),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report),
    }
}

fn terminal_width() -> u16 {
    width_from(std::env::var("COLUMNS").ok().as_deref())
}

/// The width `COLUMNS` asks for when it is a number of at least 40, else [`DEFAULT_WIDTH`].
fn width_from(columns: Option<&str>) -> u16 {
    columns
        .and_then(|v| v.trim().parse::<u16>().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(DEFAULT_WIDTH)
}

/// Severities from most to least severe, the order every report lists them in.
const SEVERITIES_DESC: [Severity; 5] = [
    Severity::Critical,
    Severity::High,
    Severity::Medium,
    Severity::Low,
    Severity::Info,
];

/// What the summary lines of every format say.
struct Counts {
    load_balancers: usize,
    /// Unsuppressed findings.
    findings: usize,
    suppressed: usize,
    /// Unsuppressed findings per severity, most severe first, zeros left out.
    by_severity: Vec<(Severity, usize)>,
}

impl Counts {
    fn of(report: &Report) -> Counts {
        let active: Vec<&Finding> = report
            .findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .collect();
        let by_severity = SEVERITIES_DESC
            .iter()
            .map(|&s| (s, active.iter().filter(|f| f.severity == s).count()))
            .filter(|&(_, n)| n > 0)
            .collect();
        Counts {
            load_balancers: report.load_balancers,
            findings: active.len(),
            suppressed: report.findings.len() - active.len(),
            by_severity,
        }
    }

    /// "3 findings (1 critical, 2 high) on 2 load balancers; 1 suppressed", or
    /// "No findings on 2 load balancers".
    fn sentence(&self) -> String {
        let lbs = plural(self.load_balancers, "load balancer", "load balancers");
        let mut out = if self.findings == 0 {
            format!("No findings on {lbs}")
        } else {
            let parts: Vec<String> = self.by_severity.iter().map(|(s, n)| format!("{n} {s}")).collect();
            format!(
                "{} ({}) on {lbs}",
                plural(self.findings, "finding", "findings"),
                parts.join(", ")
            )
        };
        if self.suppressed > 0 {
            out.push_str(&format!("; {} suppressed", self.suppressed));
        }
        out
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Where a finding points a reader: `file:line:column` for a template fact, else the load
/// balancer (its ARN in live mode), else the ARN of the fact itself.
fn location_text(finding: &Finding) -> String {
    if let Some((file, pos)) = finding.origin.location() {
        return format!("{file}:{pos}");
    }
    if let Some(lb) = &finding.load_balancer {
        return lb.clone();
    }
    match live_arn(&finding.origin) {
        Some(arn) => arn.to_string(),
        None => "-".to_string(),
    }
}

/// The ARN behind a live fact, looking through implied facts.
fn live_arn(origin: &crate::model::Origin) -> Option<&str> {
    use crate::model::Origin;
    match origin {
        Origin::Live { arn, .. } => Some(arn),
        Origin::Implied { because, .. } => live_arn(because),
        Origin::Template { .. } => None,
    }
}

/// "confirmed: ev1; ev2" when a probe judged the finding, `None` when none did.
fn confirmation_text(finding: &Finding) -> Option<String> {
    let c = &finding.confirmation;
    let status = match c.status {
        ConfirmationStatus::NotProbed => return None,
        ConfirmationStatus::Confirmed => "confirmed",
        ConfirmationStatus::Refuted => "refuted",
        ConfirmationStatus::Inconclusive => "inconclusive",
    };
    Some(if c.evidence.is_empty() {
        format!("probe: {status}")
    } else {
        format!("probe: {status}: {}", c.evidence.join("; "))
    })
}

/// "suppressed by WHO: REASON" for a suppressed finding.
fn suppressed_text(finding: &Finding) -> Option<String> {
    finding
        .suppressed
        .as_ref()
        .map(|s| format!("suppressed by {}: {}", s.by, s.reason))
}
