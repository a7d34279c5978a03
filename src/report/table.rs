//! `--format table`: a plain-text table for a terminal, then a summary line and what the audit
//! could not see. No colour, so the output is the same on a terminal, in a pipe and in a test.

use comfy_table::{ColumnConstraint, ContentArrangement, Table, Width, presets};

use super::{Counts, Report, confirmation_text, location_text, suppressed_text};

/// Below this width the table folds into three columns (finding, resource, message), so the
/// message keeps a readable width next to long ARNs.
const NARROW: u16 = 100;

pub fn render(report: &Report, width: u16) -> String {
    let mut out = String::new();
    if !report.findings.is_empty() {
        out.push_str(&findings_table(report, width).to_string());
        out.push_str("\n\n");
    }
    out.push_str(&Counts::of(report).sentence());
    out.push_str(".\n");
    if !report.incomplete.is_empty() {
        out.push_str("\nINCOMPLETE: the audit could not see everything\n");
        for i in &report.incomplete {
            out.push_str(&wrap(
                &format!("{}: {}", i.scope, i.reason),
                width.into(),
                "  ",
                "      ",
            ));
        }
    }
    out
}

fn findings_table(report: &Report, width: u16) -> Table {
    let narrow = width < NARROW;
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_HORIZONTAL_ONLY)
        .force_no_tty()
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    if narrow {
        table.set_header(["FINDING", "RESOURCE", "MESSAGE"]);
    } else {
        table.set_header(["SEVERITY", "CHECK", "RESOURCE / LOCATION", "MESSAGE"]);
    }
    for f in &report.findings {
        let mut message = f.message.clone();
        for extra in [confirmation_text(f), suppressed_text(f)].into_iter().flatten() {
            message.push('\n');
            message.push_str(&extra);
        }
        let location = location_text(f);
        let mut resource = f.resource.clone();
        if location != f.resource {
            resource.push_str(&format!("\nat {location}"));
        }
        if narrow {
            table.add_row([format!("{}\n{}", f.severity, f.check), resource, message]);
        } else {
            table.add_row([f.severity.to_string(), f.check.to_string(), resource, message]);
        }
    }
    // Widths include the padding of one space each side. Check ids have no spaces to wrap at:
    // keep them whole. The message gets a fair share; resources and locations wrap.
    let check = report
        .findings
        .iter()
        .map(|f| f.check.len() as u16)
        .max()
        .unwrap_or(0)
        + 2;
    let message = Some(ColumnConstraint::LowerBoundary(Width::Percentage(if narrow {
        40
    } else {
        30
    })));
    // A location reads best unbroken: give the column the longest one, within reason.
    let longest_location = report
        .findings
        .iter()
        .map(|f| location_text(f).len() as u16 + 5)
        .max()
        .unwrap_or(0);
    // What is left once severity, check and a readable message (36) have their share.
    let room = width.saturating_sub(10 + check + 36 + 4);
    let resource = Some(ColumnConstraint::LowerBoundary(Width::Fixed(
        longest_location.min(room),
    )));
    let check = Some(ColumnConstraint::LowerBoundary(Width::Fixed(check)));
    let constraints = if narrow {
        vec![check, None, message]
    } else {
        vec![
            Some(ColumnConstraint::Absolute(Width::Fixed(10))),
            check,
            resource,
            message,
        ]
    };
    for (column, constraint) in table.column_iter_mut().zip(constraints) {
        if let Some(constraint) = constraint {
            column.set_constraint(constraint);
        }
    }
    table
}

/// Word-wraps one entry to `width`, the first line after `first`, the others after `rest`.
fn wrap(text: &str, width: usize, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}
