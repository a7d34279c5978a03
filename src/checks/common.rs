//! Small helpers the checks share: building findings, reading listeners and attributes.

use crate::checks::Emitted;
use crate::finding::Severity;
use crate::model::{Attribute, Inventory, Link, Listener, ListenerRule, LoadBalancer, Origin};

/// A finding at the check's own severity.
pub(crate) fn finding(
    resource: &str,
    load_balancer: Option<String>,
    origin: &Origin,
    message: String,
) -> Emitted {
    Emitted {
        resource: resource.to_string(),
        load_balancer,
        message,
        origin: origin.clone(),
        severity: None,
    }
}

/// An "could not judge" note: always `Info`, whatever the check's severity.
pub(crate) fn note(
    resource: &str,
    load_balancer: Option<String>,
    origin: &Origin,
    message: String,
) -> Emitted {
    Emitted {
        severity: Some(Severity::Info),
        ..finding(resource, load_balancer, origin, message)
    }
}

/// What users call the load balancer a link points at: its name when the inventory holds it,
/// the id otherwise, nothing when the link is unresolved.
pub(crate) fn lb_name(inventory: &Inventory, link: &Link) -> Option<String> {
    let id = link.id()?;
    Some(
        inventory
            .load_balancer(id)
            .map_or_else(|| id.to_string(), |lb| lb.name.clone()),
    )
}

/// The load balancer of a listener, when the inventory holds it.
pub(crate) fn lb_of<'a>(inventory: &'a Inventory, listener: &Listener) -> Option<&'a LoadBalancer> {
    listener
        .load_balancer
        .id()
        .and_then(|id| inventory.load_balancer(id))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Protocol {
    Http,
    Https,
    /// Anything else (an NLB protocol that slipped through): not our business.
    Other,
    /// Not known before deployment.
    Unknown,
}

pub(crate) fn protocol(listener: &Listener) -> Protocol {
    match listener.protocol.as_deref() {
        None => Protocol::Unknown,
        Some(p) if p.eq_ignore_ascii_case("HTTPS") => Protocol::Https,
        Some(p) if p.eq_ignore_ascii_case("HTTP") => Protocol::Http,
        Some(_) => Protocol::Other,
    }
}

/// What users call a listener rule (the model gives rules no name): the logical id in lint
/// mode, the id (ARN) in live mode.
pub(crate) fn rule_name(rule: &ListenerRule) -> &str {
    fn logical(origin: &Origin) -> Option<&str> {
        match origin {
            Origin::Template { logical_id, .. } => Some(logical_id),
            Origin::Implied { because, .. } => logical(because),
            Origin::Live { .. } => None,
        }
    }
    logical(&rule.origin).unwrap_or(&rule.id)
}

/// "listener HttpsListener (port 443)", or without the port when it is unknown.
pub(crate) fn describe_listener(listener: &Listener) -> String {
    match listener.port {
        Some(port) => format!("listener {} (port {port})", listener.name),
        None => format!("listener {}", listener.name),
    }
}

/// A load balancer attribute as the checks see it.
pub(crate) enum AttrValue<'a> {
    /// Not set: the AWS default applies.
    Absent,
    /// Set, but to a value not known before deployment.
    Unknown(&'a Attribute),
    /// Not among the attributes read, but the attributes could not all be read (e.g. the
    /// whole `Properties` is chosen by a condition at deploy time).
    Unreadable,
    Known(&'a Attribute, &'a str),
}

pub(crate) fn attribute<'a>(lb: &'a LoadBalancer, key: &str) -> AttrValue<'a> {
    match lb.attribute(key) {
        None if !lb.unknowns.is_empty() => AttrValue::Unreadable,
        None => AttrValue::Absent,
        Some(a) => match a.value.as_deref() {
            None => AttrValue::Unknown(a),
            Some(v) => AttrValue::Known(a, v),
        },
    }
}

/// ELB attribute booleans are the strings "true"/"false"; AWS compares them case-insensitively.
pub(crate) fn is_true(value: &str) -> bool {
    value.trim().eq_ignore_ascii_case("true")
}

/// Shared by the checks that want an attribute to be "true" (default false): flags an absent
/// attribute at the load balancer, another value at the attribute, an unknown one as a note.
pub(crate) fn require_true(inventory: &Inventory, key: &str, consequence: &str, out: &mut Vec<Emitted>) {
    for lb in &inventory.load_balancers {
        let name = Some(lb.name.clone());
        match attribute(lb, key) {
            AttrValue::Known(_, v) if is_true(v) => {}
            AttrValue::Known(a, v) => out.push(finding(
                &lb.name,
                name,
                &a.origin,
                format!("load balancer {} sets {key} to \"{v}\": {consequence}", lb.name),
            )),
            AttrValue::Absent => out.push(finding(
                &lb.name,
                name,
                &lb.origin,
                format!(
                    "load balancer {} does not set {key}, so the AWS default \"false\" applies: {consequence}",
                    lb.name
                ),
            )),
            AttrValue::Unreadable => out.push(note(
                &lb.name,
                name,
                &lb.origin,
                format!(
                    "the attributes of load balancer {} could not be read ({}), so whether {key} is \"true\" cannot be judged",
                    lb.name,
                    lb.unknowns.join("; ")
                ),
            )),
            AttrValue::Unknown(a) => out.push(note(
                &lb.name,
                name,
                &a.origin,
                format!(
                    "the value of {key} on load balancer {} is not known before deployment, so whether it is \"true\" cannot be judged",
                    lb.name
                ),
            )),
        }
    }
}

/// Joins words as "a", "a and b", "a, b and c".
pub(crate) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(", "),
            last.as_ref()
        ),
    }
}

/// Hand-built inventories for the checks' unit tests.
#[cfg(test)]
pub(crate) mod build {
    use std::collections::BTreeMap;

    use crate::checks::{Check, Context, Emitted, OptionValue, Options};
    use crate::model::*;

    pub fn origin(logical_id: &str) -> Origin {
        Origin::Template {
            file: "template.yaml".into(),
            logical_id: logical_id.to_string(),
            pos: Pos { line: 1, column: 1 },
        }
    }

    pub fn id(s: &str) -> Link {
        Link::Id(s.to_string())
    }

    pub fn unknown(param: &str) -> Link {
        Link::Unknown(Unresolved::Parameter(param.to_string()))
    }

    pub fn located<T>(value: T, at: &str) -> Located<T> {
        Located {
            value,
            origin: origin(at),
        }
    }

    pub fn alb(id: &str) -> LoadBalancer {
        LoadBalancer {
            id: id.to_string(),
            name: id.to_string(),
            origin: origin(id),
            scheme: Some(Scheme::InternetFacing),
            dualstack: false,
            subnets: Vec::new(),
            security_groups: Vec::new(),
            attributes: Vec::new(),
            dns_name: None,
            unknowns: Vec::new(),
        }
    }

    pub fn attr(key: &str, value: Option<&str>) -> Attribute {
        Attribute {
            key: key.to_string(),
            value: value.map(str::to_string),
            origin: origin(&format!("attr:{key}")),
        }
    }

    pub fn listener(id: &str, lb: &str, protocol: &str, port: u16) -> Listener {
        Listener {
            id: id.to_string(),
            name: id.to_string(),
            origin: origin(id),
            load_balancer: Link::Id(lb.to_string()),
            protocol: Some(protocol.to_string()),
            port: Some(port),
            ssl_policy: None,
            certificates: Vec::new(),
            default_actions: vec![Action::Forward],
        }
    }

    /// An HTTPS listener with a known policy and the given certificate links.
    pub fn https(id: &str, lb: &str, policy: &str, certs: &[&str]) -> Listener {
        Listener {
            ssl_policy: Some(located(Some(policy.to_string()), &format!("{id}.SslPolicy"))),
            certificates: certs.iter().map(|c| located(self::id(c), id)).collect(),
            ..listener(id, lb, "HTTPS", 443)
        }
    }

    pub fn certificate(id: &str, domain: &str, sans: &[&str]) -> Certificate {
        Certificate {
            id: id.to_string(),
            name: id.to_string(),
            origin: origin(id),
            domain: Some(domain.to_string()),
            alternative_names: sans.iter().map(|s| s.to_string()).collect(),
            status: None,
            not_after: None,
        }
    }

    pub fn subnet(id: &str, az: Option<&str>) -> Subnet {
        Subnet {
            id: id.to_string(),
            name: id.to_string(),
            origin: origin(id),
            vpc: Link::Id("Vpc".into()),
            availability_zone: az.map(str::to_string),
            route_table: None,
            network_acl: None,
        }
    }

    pub fn rule(id: &str, listener: &str, hosts: &[&str], actions: Vec<Action>) -> ListenerRule {
        ListenerRule {
            id: id.to_string(),
            origin: origin(id),
            listener: Link::Id(listener.to_string()),
            hosts: hosts.iter().map(|h| located(h.to_string(), id)).collect(),
            actions,
        }
    }

    pub fn options(values: &[(&str, OptionValue)]) -> Options {
        Options {
            values: values
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    pub fn run_with(
        check: &dyn Check,
        inventory: &Inventory,
        options: &Options,
        now: i64,
        domains: &[String],
    ) -> Vec<Emitted> {
        let cx = Context {
            options,
            now,
            domains,
        };
        let mut out = Vec::new();
        check.run(inventory, &cx, &mut out);
        out
    }

    pub fn run(check: &dyn Check, inventory: &Inventory) -> Vec<Emitted> {
        run_with(check, inventory, &Options::default(), 0, &[])
    }

    /// Findings at the check's own severity (not the notes).
    pub fn flagged(out: &[Emitted]) -> Vec<&Emitted> {
        out.iter().filter(|e| e.severity.is_none()).collect()
    }

    /// The "could not judge" notes.
    pub fn notes(out: &[Emitted]) -> Vec<&Emitted> {
        out.iter()
            .filter(|e| e.severity == Some(crate::finding::Severity::Info))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::checks::ALL;

    /// The documentation has exactly the six headings, in order, each with some text.
    #[test]
    fn docs_have_exactly_the_six_headings_in_order() {
        const HEADINGS: [&str; 6] = [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## Fix",
            "## Options",
            "## How it is confirmed",
        ];
        for check in ALL {
            let doc = check.meta().documentation();
            let mut in_code = false;
            let found: Vec<&str> = doc
                .lines()
                .filter(|l| {
                    if l.starts_with("```") {
                        in_code = !in_code;
                    }
                    !in_code && l.starts_with('#')
                })
                .collect();
            assert_eq!(found, HEADINGS, "{}", check.meta().id);
            for section in doc.split("## ").skip(1) {
                let body = section.split_once('\n').map_or("", |(_, b)| b);
                assert!(!body.trim().is_empty(), "{}: empty section", check.meta().id);
            }
            assert!(doc.contains("```yaml"), "{}: no YAML example", check.meta().id);
        }
    }

    #[test]
    fn rules_are_named_by_logical_id_in_templates_and_by_id_live() {
        use super::build;
        use super::rule_name;
        use crate::model::Origin;
        let mut rule = build::rule("network.yaml::ApiRule", "L", &[], vec![]);
        rule.origin = build::origin("ApiRule");
        assert_eq!(rule_name(&rule), "ApiRule");
        rule.id = "arn:aws:elasticloadbalancing:eu-west-1:1:listener-rule/app/x".into();
        rule.origin = Origin::Live {
            arn: rule.id.clone(),
            region: "eu-west-1".into(),
        };
        assert_eq!(rule_name(&rule), rule.id);
    }

    #[test]
    fn every_option_default_is_readable() {
        use crate::checks::{OptionKind, Options};
        let options = Options::default();
        for check in ALL {
            let meta = check.meta();
            for spec in meta.options {
                match spec.kind {
                    OptionKind::Integer => drop(options.integer(meta, spec.name)),
                    OptionKind::String => drop(options.string(meta, spec.name)),
                    OptionKind::StringList => drop(options.string_list(meta, spec.name)),
                    OptionKind::Bool => drop(options.bool(meta, spec.name)),
                }
            }
        }
    }
}
