//! Reports: render a finished audit as a table, JSON (albaudit/v1), SARIF 2.1.0 or Markdown.

use crate::finding::Finding;
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
