//! `--format markdown`: a pull-request comment. Findings in a table, suppressed findings and
//! what the audit could not see in collapsible sections.

use super::{Counts, Report, confirmation_text, location_text, suppressed_text};
use crate::finding::Finding;

pub fn render(report: &Report) -> String {
    let counts = Counts::of(report);
    let mut out = String::from("## albaudit\n\n");
    out.push_str(&format!("**{}.**\n", counts.sentence()));
    if !report.incomplete.is_empty() {
        out.push_str(
            "\n> [!WARNING]\n> The audit is incomplete: albaudit could not see everything (details below).\n",
        );
    }

    let (active, suppressed): (Vec<&Finding>, Vec<&Finding>) =
        report.findings.iter().partition(|f| f.suppressed.is_none());
    if !active.is_empty() {
        out.push('\n');
        findings_table(&mut out, &active);
    }
    if !suppressed.is_empty() {
        out.push_str(&format!(
            "\n<details>\n<summary>Suppressed findings ({})</summary>\n\n",
            suppressed.len()
        ));
        findings_table(&mut out, &suppressed);
        out.push_str("\n</details>\n");
    }
    if !report.incomplete.is_empty() {
        out.push_str(&format!(
            "\n<details>\n<summary>Incomplete: the audit could not see everything ({})</summary>\n\n",
            report.incomplete.len()
        ));
        for i in &report.incomplete {
            out.push_str(&format!("- {}: {}\n", escape(&i.scope), escape(&i.reason)));
        }
        out.push_str("\n</details>\n");
    }
    out
}

fn findings_table(out: &mut String, findings: &[&Finding]) {
    out.push_str("| Severity | Check | Resource | Location | Message |\n");
    out.push_str("|---|---|---|---|---|\n");
    for f in findings {
        let mut message = f.message.clone();
        for extra in [confirmation_text(f), suppressed_text(f)].into_iter().flatten() {
            message.push('\n');
            message.push_str(&extra);
        }
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            f.severity,
            f.check,
            escape(&f.resource),
            escape(&location_text(f)),
            escape(&message),
        ));
    }
}

/// Makes text safe inside a table cell: no column breaks, no line breaks, no HTML, no
/// Markdown emphasis or links.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim_end().chars() {
        match c {
            '\n' => out.push_str("<br>"),
            '\r' => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}
