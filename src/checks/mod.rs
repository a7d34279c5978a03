//! The checks. Each one is a file in this folder, declared with [`check!`], whose doc comment is
//! its documentation (`albaudit explain ID`, `docs/checks/ID.md`). The registry is [`ALL`].

mod certificate_domain_mismatch;
mod certificate_expiring;
mod common;
mod connection_logs_disabled;
mod handshake_failed;
mod http_not_redirected;
mod invalid_headers_kept;
mod legacy_tls_accepted;
mod listener_port_blocked;
mod listener_unknown_tls_policy;
mod listener_weak_tls_policy;
mod node_unreachable;
mod single_availability_zone;
pub mod tls_policies;
mod waf_fail_open;

use std::collections::BTreeMap;

use crate::finding::Severity;
use crate::model::{Inventory, Origin};

/// Declares a check: a unit struct plus its [`Meta`], with the doc comment captured as the
/// check's documentation.
macro_rules! check {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            id: $id:literal,
            severity: $sev:ident,
            summary: $summary:literal,
            modes: [$($mode:ident),* $(,)?],
            options: [$($opt:expr),* $(,)?] $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        pub struct $name;
        impl $name {
            pub const META: $crate::checks::Meta = $crate::checks::Meta {
                id: $id,
                severity: $crate::finding::Severity::$sev,
                summary: $summary,
                modes: &[$($crate::checks::Mode::$mode),*],
                options: &[$($opt),*],
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
pub(crate) use check;

/// Which audits a check takes part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `albaudit lint`: CloudFormation templates.
    Lint,
    /// `albaudit --region`: the AWS API.
    Live,
    /// Emitted by the live handshake probes.
    Probe,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Lint => "lint",
            Mode::Live => "live",
            Mode::Probe => "probe",
        }
    }
}

/// What a check is, for the registry, `albaudit checks`, the docs and SARIF rules.
#[derive(Debug)]
pub struct Meta {
    pub id: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub modes: &'static [Mode],
    pub options: &'static [OptionSpec],
    /// The doc comment, one leading space per line as rustdoc stores it.
    pub doc: &'static str,
}

impl Meta {
    /// The documentation as Markdown.
    pub fn documentation(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

/// A per-check option a policy may set.
#[derive(Debug)]
pub struct OptionSpec {
    pub name: &'static str,
    pub kind: OptionKind,
    pub default: OptionDefault,
    pub doc: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptionKind {
    Integer,
    String,
    StringList,
    Bool,
}

#[derive(Debug)]
pub enum OptionDefault {
    Integer(i64),
    String(&'static str),
    StringList(&'static [&'static str]),
    Bool(bool),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OptionValue {
    Integer(i64),
    String(String),
    StringList(Vec<String>),
    Bool(bool),
}

/// The options a policy set for one check; anything unset takes the spec's default.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub values: BTreeMap<String, OptionValue>,
}

impl Options {
    fn spec<'a>(meta: &'a Meta, name: &str) -> &'a OptionSpec {
        meta.options
            .iter()
            .find(|o| o.name == name)
            .unwrap_or_else(|| panic!("check {} has no option {name}", meta.id))
    }

    pub fn integer(&self, meta: &Meta, name: &str) -> i64 {
        match (self.values.get(name), &Self::spec(meta, name).default) {
            (Some(OptionValue::Integer(v)), _) => *v,
            (_, OptionDefault::Integer(v)) => *v,
            _ => panic!("option {name} of {} is not an integer", meta.id),
        }
    }

    pub fn string(&self, meta: &Meta, name: &str) -> String {
        match (self.values.get(name), &Self::spec(meta, name).default) {
            (Some(OptionValue::String(v)), _) => v.clone(),
            (_, OptionDefault::String(v)) => v.to_string(),
            _ => panic!("option {name} of {} is not a string", meta.id),
        }
    }

    pub fn string_list(&self, meta: &Meta, name: &str) -> Vec<String> {
        match (self.values.get(name), &Self::spec(meta, name).default) {
            (Some(OptionValue::StringList(v)), _) => v.clone(),
            (_, OptionDefault::StringList(v)) => v.iter().map(|s| s.to_string()).collect(),
            _ => panic!("option {name} of {} is not a list", meta.id),
        }
    }

    pub fn bool(&self, meta: &Meta, name: &str) -> bool {
        match (self.values.get(name), &Self::spec(meta, name).default) {
            (Some(OptionValue::Bool(v)), _) => *v,
            (_, OptionDefault::Bool(v)) => *v,
            _ => panic!("option {name} of {} is not a boolean", meta.id),
        }
    }
}

/// What a check gets besides the inventory.
pub struct Context<'a> {
    pub options: &'a Options,
    /// "Now" as seconds since the Unix epoch (fixed by tests through `ALBAUDIT_NOW`).
    pub now: i64,
    /// Domains the user named with `--domain`.
    pub domains: &'a [String],
}

/// A finding as a check emits it; the pipeline adds severity (from the policy), confirmation
/// and suppression.
#[derive(Clone, Debug)]
pub struct Emitted {
    pub resource: String,
    pub load_balancer: Option<String>,
    pub message: String,
    pub origin: Origin,
    /// Set only where the check itself lowers the severity (an "unknown, could not judge"
    /// note is `Info` whatever the check's severity).
    pub severity: Option<Severity>,
}

pub trait Check: Sync {
    fn meta(&self) -> &'static Meta;
    fn run(&self, inventory: &Inventory, cx: &Context<'_>, out: &mut Vec<Emitted>);
}

mod subnet_not_internet_routed;
mod suppression_expired;

pub use subnet_not_internet_routed::SubnetNotInternetRouted;
pub use suppression_expired::SuppressionExpired;

/// Every check, in the order `albaudit checks` lists them.
pub static ALL: &[&dyn Check] = &[
    &SubnetNotInternetRouted,
    &listener_weak_tls_policy::ListenerWeakTlsPolicy,
    &listener_unknown_tls_policy::ListenerUnknownTlsPolicy,
    &http_not_redirected::HttpNotRedirected,
    &certificate_domain_mismatch::CertificateDomainMismatch,
    &certificate_expiring::CertificateExpiring,
    &listener_port_blocked::ListenerPortBlocked,
    &waf_fail_open::WafFailOpen,
    &invalid_headers_kept::InvalidHeadersKept,
    &single_availability_zone::SingleAvailabilityZone,
    &connection_logs_disabled::ConnectionLogsDisabled,
    &node_unreachable::NodeUnreachable,
    &handshake_failed::HandshakeFailed,
    &legacy_tls_accepted::LegacyTlsAccepted,
    &SuppressionExpired,
];

/// The check with this id.
pub fn find(id: &str) -> Option<&'static dyn Check> {
    ALL.iter().copied().find(|c| c.meta().id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case() {
        let mut seen = std::collections::HashSet::new();
        for check in ALL {
            let id = check.meta().id;
            assert!(seen.insert(id), "duplicate id {id}");
            assert!(id.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{id}");
        }
    }
}
