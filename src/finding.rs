//! Findings: what checks and probes emit and what reports render.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::model::Origin;

/// Ordered from least to most severe, so `--fail-on` is a comparison.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| format!("unknown severity `{s}` (expected info, low, medium, high or critical)"))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfirmationStatus {
    Confirmed,
    Refuted,
    Inconclusive,
    NotProbed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Confirmation {
    pub status: ConfirmationStatus,
    pub evidence: Vec<String>,
}

impl Default for Confirmation {
    fn default() -> Self {
        Confirmation {
            status: ConfirmationStatus::NotProbed,
            evidence: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Suppressed {
    pub by: String,
    pub reason: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub check: &'static str,
    pub severity: Severity,
    /// The resource the finding is about: logical id (lint) or ARN/id (live).
    pub resource: String,
    /// The load balancer concerned, by the same naming.
    pub load_balancer: Option<String>,
    pub message: String,
    /// Where the fact behind the finding came from; becomes the location.
    pub origin: Origin,
    pub confirmation: Confirmation,
    pub suppressed: Option<Suppressed>,
}
