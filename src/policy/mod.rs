//! Policy files: which checks run, at what severity, with what options, and what is suppressed.
//! A policy is parsed with positions, then validated into [`Policy`]; every error names the
//! policy line that caused it.

use std::collections::BTreeMap;

use crate::checks::{self, Meta, OptionKind, OptionValue, Options};
use crate::collect::cfn::node::{Kind, Node};
use crate::collect::cfn::parse;
use crate::finding::Severity;
use crate::model::Pos;

/// The shipped default policy, also used when no `--policy` is given.
pub const DEFAULT: &str = include_str!("../../policies/default.yaml");
/// The shipped strict policy.
pub const STRICT: &str = include_str!("../../policies/strict.yaml");

#[derive(Debug, thiserror::Error)]
#[error("{file}:{pos}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct CheckPolicy {
    pub enabled: bool,
    pub severity: Severity,
    pub options: Options,
}

#[derive(Clone, Debug)]
pub struct Suppression {
    pub check: String,
    /// A logical id (lint), an ARN or id (live), or `*` for every resource.
    pub resource: String,
    pub reason: String,
    /// Days since the Unix epoch of the last day the suppression holds.
    pub expires: Option<i64>,
    pub pos: Pos,
}

impl Suppression {
    pub fn matches(&self, check: &str, resource: &str, load_balancer: Option<&str>) -> bool {
        self.check == check
            && (self.resource == "*"
                || self.resource == resource
                || Some(self.resource.as_str()) == load_balancer)
    }
}

#[derive(Clone, Debug)]
pub struct Policy {
    /// The file it was read from (`None` for the built-in default).
    pub file: Option<String>,
    pub fail_on: Option<Severity>,
    /// One entry per check of the registry.
    pub checks: BTreeMap<&'static str, CheckPolicy>,
    pub suppressions: Vec<Suppression>,
}

impl Policy {
    pub fn check(&self, id: &str) -> &CheckPolicy {
        &self.checks[id]
    }

    /// The name to show for this policy (the file, or "built-in default policy").
    pub fn display_name(&self) -> &str {
        self.file.as_deref().unwrap_or("built-in default policy")
    }

    pub fn builtin() -> Policy {
        parse_policy("policies/default.yaml", DEFAULT)
            .unwrap_or_else(|e| panic!("the built-in policy is invalid: {e}"))
            .with_file(None)
    }

    fn with_file(mut self, file: Option<String>) -> Policy {
        self.file = file;
        self
    }
}

/// Reads and validates a policy file.
pub fn load(path: &str) -> Result<Policy, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|e| PolicyError {
        file: path.to_string(),
        pos: Pos { line: 0, column: 0 },
        message: format!("cannot read the policy: {e}"),
    })?;
    parse_policy(path, &text)
}

/// Validates a policy given as text.
pub fn parse_policy(file: &str, text: &str) -> Result<Policy, PolicyError> {
    let error = |pos: Pos, message: String| PolicyError {
        file: file.to_string(),
        pos,
        message,
    };
    let root = parse::parse(text).map_err(|e| error(e.pos, e.message))?;
    let mut policy = Policy {
        file: Some(file.to_string()),
        fail_on: None,
        checks: checks::ALL
            .iter()
            .map(|c| {
                let meta = c.meta();
                (
                    meta.id,
                    CheckPolicy {
                        enabled: true,
                        severity: meta.severity,
                        options: Options::default(),
                    },
                )
            })
            .collect(),
        suppressions: Vec::new(),
    };
    if matches!(root.kind, Kind::Null) {
        return Ok(policy);
    }
    let top = root.as_map().ok_or_else(|| {
        error(
            root.pos,
            "a policy must be a mapping with `checks`, `suppressions` or `fail_on`".into(),
        )
    })?;
    for (key, value) in top {
        match key.name.as_str() {
            "fail_on" => policy.fail_on = Some(severity(value).map_err(|m| error(value.pos, m))?),
            "checks" => {
                for (id, config) in map_or_empty(value).map_err(|m| error(value.pos, m))? {
                    let Some(check) = checks::find(&id.name) else {
                        return Err(error(
                            id.pos,
                            format!("unknown check `{}` (see `albaudit checks`)", id.name),
                        ));
                    };
                    let meta = check.meta();
                    let entry = policy.checks.get_mut(meta.id).expect("every check has an entry");
                    check_config(meta, config, entry).map_err(|(pos, m)| error(pos, m))?;
                }
            }
            "suppressions" => {
                let items = match &value.kind {
                    Kind::Null => &[][..],
                    Kind::Seq(items) => items,
                    _ => return Err(error(value.pos, "`suppressions` must be a list".into())),
                };
                for item in items {
                    policy
                        .suppressions
                        .push(suppression(item).map_err(|(pos, m)| error(pos, m))?);
                }
            }
            other => {
                return Err(error(
                    key.pos,
                    format!("unknown key `{other}` (expected fail_on, checks or suppressions)"),
                ));
            }
        }
    }
    Ok(policy)
}

fn map_or_empty(node: &Node) -> Result<&[(crate::collect::cfn::node::Key, Node)], String> {
    match &node.kind {
        Kind::Null => Ok(&[]),
        Kind::Map(entries) => Ok(entries),
        _ => Err("expected a mapping".into()),
    }
}

fn severity(node: &Node) -> Result<Severity, String> {
    node.as_scalar()
        .ok_or_else(|| "expected a severity".to_string())?
        .parse()
}

fn check_config(meta: &Meta, config: &Node, entry: &mut CheckPolicy) -> Result<(), (Pos, String)> {
    for (key, value) in map_or_empty(config).map_err(|m| (config.pos, m))? {
        match key.name.as_str() {
            "enabled" => match value.kind {
                Kind::Bool(b) => entry.enabled = b,
                _ => return Err((value.pos, "`enabled` must be true or false".into())),
            },
            "severity" => entry.severity = severity(value).map_err(|m| (value.pos, m))?,
            "options" => {
                for (name, v) in map_or_empty(value).map_err(|m| (value.pos, m))? {
                    let Some(spec) = meta.options.iter().find(|o| o.name == name.name) else {
                        let known: Vec<&str> = meta.options.iter().map(|o| o.name).collect();
                        let known = if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        };
                        return Err((
                            name.pos,
                            format!(
                                "unknown option `{}` for {} (options: {known})",
                                name.name, meta.id
                            ),
                        ));
                    };
                    let parsed = option_value(spec.kind, v).ok_or_else(|| {
                        (
                            v.pos,
                            format!(
                                "option `{}` of {} must be {}",
                                spec.name,
                                meta.id,
                                kind_name(spec.kind)
                            ),
                        )
                    })?;
                    entry.options.values.insert(spec.name.to_string(), parsed);
                }
            }
            other => {
                return Err((
                    key.pos,
                    format!(
                        "unknown key `{other}` for {} (expected enabled, severity, options)",
                        meta.id
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn kind_name(kind: OptionKind) -> &'static str {
    match kind {
        OptionKind::Integer => "an integer",
        OptionKind::String => "a string",
        OptionKind::StringList => "a list of strings",
        OptionKind::Bool => "true or false",
    }
}

fn option_value(kind: OptionKind, node: &Node) -> Option<OptionValue> {
    match (kind, &node.kind) {
        (OptionKind::Integer, Kind::Number(n)) => n.parse().ok().map(OptionValue::Integer),
        (OptionKind::String, Kind::Str(s) | Kind::Number(s)) => Some(OptionValue::String(s.clone())),
        (OptionKind::Bool, Kind::Bool(b)) => Some(OptionValue::Bool(*b)),
        (OptionKind::StringList, Kind::Seq(items)) => items
            .iter()
            .map(|i| i.as_scalar())
            .collect::<Option<Vec<_>>>()
            .map(OptionValue::StringList),
        _ => None,
    }
}

fn suppression(item: &Node) -> Result<Suppression, (Pos, String)> {
    let entries = item.as_map().ok_or_else(|| {
        (
            item.pos,
            "a suppression must be a mapping with check, resource, reason".to_string(),
        )
    })?;
    for (key, _) in entries {
        if !["check", "resource", "reason", "expires"].contains(&key.name.as_str()) {
            return Err((
                key.pos,
                format!(
                    "unknown key `{}` in a suppression (expected check, resource, reason, expires)",
                    key.name
                ),
            ));
        }
    }
    let field = |name: &str| {
        item.get(name)
            .and_then(Node::as_scalar)
            .filter(|s| !s.trim().is_empty())
    };
    let check = field("check").ok_or_else(|| (item.pos, "a suppression needs `check`".to_string()))?;
    if checks::find(&check).is_none() {
        let pos = item.get("check").map_or(item.pos, |n| n.pos);
        return Err((pos, format!("unknown check `{check}` (see `albaudit checks`)")));
    }
    let resource = field("resource").ok_or_else(|| {
        (
            item.pos,
            format!("the suppression of `{check}` needs `resource` (a logical id, an ARN, or \"*\")"),
        )
    })?;
    let reason = field("reason")
        .ok_or_else(|| (item.pos, format!("the suppression of `{check}` needs a `reason`")))?;
    let expires = match item.get("expires") {
        None => None,
        Some(node) => Some(
            node.as_scalar()
                .as_deref()
                .and_then(parse_date)
                .ok_or_else(|| (node.pos, "`expires` must be a date YYYY-MM-DD".to_string()))?,
        ),
    };
    Ok(Suppression {
        check,
        resource,
        reason,
        expires,
        pos: item.pos,
    })
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || d < 1 || d > month_days[(m - 1) as usize] {
        return None;
    }
    // Days from civil, after Howard Hinnant's algorithm.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2026-02-29"), None);
        assert_eq!(parse_date("2026-13-01"), None);
    }

    #[test]
    fn shipped_policies_are_valid_and_name_real_tls_policies() {
        parse_policy("policies/default.yaml", DEFAULT).unwrap();
        let strict = parse_policy("policies/strict.yaml", STRICT).unwrap();
        assert_eq!(strict.fail_on, Some(Severity::Medium));
        let meta = &crate::checks::find("listener-weak-tls-policy").unwrap().meta();
        let allowed = strict
            .check(meta.id)
            .options
            .string_list(meta, "allowed_policies");
        assert!(allowed.len() >= 5);
        for name in allowed {
            assert!(
                crate::checks::tls_policies::lookup(&name).is_some(),
                "{name} is not an ELB policy"
            );
        }
    }

    #[test]
    fn errors_point_at_the_line() {
        let e = parse_policy("p.yaml", "checks:\n  no-such-check: {}\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "p.yaml:2:3: unknown check `no-such-check` (see `albaudit checks`)"
        );
        let e = parse_policy(
            "p.yaml",
            "suppressions:\n  - check: suppression-expired\n    resource: ALB\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("p.yaml:2:5: the suppression of `suppression-expired` needs a `reason`"),
            "{e}"
        );
    }
}
