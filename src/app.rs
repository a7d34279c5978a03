//! The pipeline: policy -> collect -> check -> (probe) -> filter -> report, and the exit code.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::checks::{self, Context, Emitted, Mode};
use crate::cli::{Cli, Command, LintArgs, ReportArgs};
use crate::collect::cfn::{self, Source, TemplateSuppression, parse};
use crate::finding::{Confirmation, Finding, Severity, Suppressed};
use crate::model::{Inventory, Origin, Pos};
use crate::policy::{self, Policy};
use crate::report::{self, Report};

/// The documented exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    Clean = 0,
    Findings = 1,
    Usage = 2,
    Incomplete = 3,
}

/// An error the user can fix: bad flag, unreadable or malformed input. Exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Some(Command::Lint(args)) => lint(&args),
        Some(Command::Probe(args)) => match crate::probe::cmd::run(&args)? {
            0 => Ok(Exit::Clean),
            1 => Ok(Exit::Findings),
            _ => Ok(Exit::Usage),
        },
        Some(Command::Checks) => {
            list_checks();
            Ok(Exit::Clean)
        }
        Some(Command::Explain { check }) => explain(&check),
        Some(Command::Audit(args)) => live(&args),
        None => live(&cli.audit),
    }
}

fn list_checks() {
    let mut out = String::new();
    for check in checks::ALL {
        let meta = check.meta();
        let modes: Vec<&str> = meta.modes.iter().map(|m| m.as_str()).collect();
        out.push_str(&format!(
            "{:<30} {:<9} {:<16} {}\n",
            meta.id,
            meta.severity,
            modes.join(","),
            meta.summary
        ));
    }
    print!("{out}");
}

fn explain(id: &str) -> anyhow::Result<Exit> {
    let check = checks::find(id)
        .ok_or_else(|| UsageError(format!("unknown check `{id}` (see `albaudit checks`)")))?;
    let meta = check.meta();
    print!("{}", doc_page(meta));
    Ok(Exit::Clean)
}

/// The Markdown page of a check: `albaudit explain` and `docs/checks/ID.md`.
pub fn doc_page(meta: &checks::Meta) -> String {
    let modes: Vec<&str> = meta.modes.iter().map(|m| m.as_str()).collect();
    let mut page = format!(
        "# {}\n\n{}.\n\nDefault severity: **{}**. Runs in: {}.\n\n",
        meta.id,
        meta.summary,
        meta.severity,
        modes.join(", ")
    );
    page.push_str(&meta.documentation());
    if !meta.options.is_empty() {
        page.push_str("\n| option | default | meaning |\n|---|---|---|\n");
        for o in meta.options {
            page.push_str(&format!("| `{}` | `{:?}` | {} |\n", o.name, o.default, o.doc));
        }
    }
    page
}

fn load_policy(args: &ReportArgs) -> anyhow::Result<Policy> {
    match &args.policy {
        Some(path) => policy::load(&path.to_string_lossy()).map_err(|e| UsageError(e.to_string()).into()),
        None => Ok(Policy::builtin()),
    }
}

fn lint(args: &LintArgs) -> anyhow::Result<Exit> {
    let policy = load_policy(&args.report)?;
    let sources = read_templates(&args.templates)?;
    tracing::info!(templates = sources.len(), "linting");
    let settings = cfn::Settings {
        params: args.params.iter().cloned().collect(),
        stack_names: args.stacks.clone(),
    };
    let collected = cfn::collect(&sources, &settings).map_err(|e| UsageError(e.to_string()))?;
    let mut inventory = collected.inventory;
    tracing::info!(
        load_balancers = inventory.load_balancers.len(),
        listeners = inventory.listeners.len(),
        subnets = inventory.subnets.len(),
        unresolved = inventory.incomplete.len(),
        "templates read"
    );
    let mut findings = run_checks(&inventory, &policy, &args.report.domains, Mode::Lint);
    if !args.probe_hosts.is_empty() {
        confirm(
            &mut inventory,
            &policy,
            &mut findings,
            &args.probe,
            &args.probe_hosts,
        )?;
    }
    let findings = apply_suppressions(findings, &policy, &collected.suppressions);
    finish(&args.report, &policy, findings, &inventory)
}

#[cfg(feature = "live")]
fn live(args: &crate::cli::AuditArgs) -> anyhow::Result<Exit> {
    use crate::collect::aws;
    let policy = load_policy(&args.report)?;
    let regions = if args.regions.is_empty() {
        let from_env = ["AWS_REGION", "AWS_DEFAULT_REGION"]
            .iter()
            .find_map(|v| std::env::var(v).ok());
        vec![from_env.ok_or_else(|| {
            UsageError("no region: pass --region REGION (or `--region all`), or set AWS_REGION".into())
        })?]
    } else {
        args.regions.clone()
    };
    let progress = Progress::new(args.report.format);
    progress.say(&format!("collecting {}", regions.join(", ")));
    let options = aws::LiveOptions {
        regions,
        profile: args.profile.clone(),
        endpoint_url: args
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok()),
        max_attempts: env_setting("AWS_MAX_ATTEMPTS", |v| match v.parse::<u32>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err("expected a whole number of at least 1".to_string()),
        })?,
        retry_mode: env_setting("AWS_RETRY_MODE", str::parse)?,
        attempt_timeout: Some(std::time::Duration::from_secs(args.api_timeout)),
    };
    let mut inventory = aws::collect(&options).map_err(|e| UsageError(e.to_string()))?;
    progress.say(&format!(
        "{} load balancers, {} listeners; running checks",
        inventory.load_balancers.len(),
        inventory.listeners.len()
    ));
    let mut findings = run_checks(&inventory, &policy, &args.report.domains, Mode::Live);
    if !args.no_probe && !inventory.load_balancers.is_empty() {
        progress.say("probing every load balancer address");
        confirm(&mut inventory, &policy, &mut findings, &args.probe, &[])?;
    }
    progress.clear();
    let findings = apply_suppressions(findings, &policy, &[]);
    finish(&args.report, &policy, findings, &inventory)
}

/// An AWS setting from the environment, if set; a bad value is a usage error naming the variable.
#[cfg(feature = "live")]
fn env_setting<T>(name: &str, parse: impl Fn(&str) -> Result<T, String>) -> anyhow::Result<Option<T>> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => parse(value.trim())
            .map(Some)
            .map_err(|why| UsageError(format!("{name}={value}: {why}")).into()),
        _ => Ok(None),
    }
}

#[cfg(not(feature = "live"))]
fn live(_: &crate::cli::AuditArgs) -> anyhow::Result<Exit> {
    Err(UsageError(
        "this albaudit was built without the live audit (--no-default-features); use `albaudit lint`".into(),
    )
    .into())
}

/// One-line progress on stderr, only when stderr is a terminal and the output is not JSON.
#[cfg(feature = "live")]
struct Progress(bool);

#[cfg(feature = "live")]
impl Progress {
    fn new(format: report::Format) -> Progress {
        use std::io::IsTerminal;
        Progress(std::io::stderr().is_terminal() && format != report::Format::Json)
    }
    fn say(&self, what: &str) {
        if self.0 {
            eprint!("\r\x1b[2Kalbaudit: {what}...");
        }
    }
    fn clear(&self) {
        if self.0 {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Probes the load balancers' nodes, confirms or refutes findings, and adds the probe-only
/// findings. Addresses that cannot be resolved make the audit incomplete.
pub fn confirm(
    inventory: &mut Inventory,
    policy: &Policy,
    findings: &mut Vec<Finding>,
    flags: &crate::cli::ProbeFlags,
    hosts: &[String],
) -> anyhow::Result<()> {
    use crate::probe::{self, confirm as c};
    let mut resolver = probe::StaticResolver::new(probe::SystemResolver);
    for entry in &flags.resolve {
        resolver.add_entry(entry).map_err(|e| UsageError(e.to_string()))?;
    }
    let (nodes, notes) = c::nodes(inventory, &resolver, hosts);
    for note in notes {
        inventory.incomplete.push(crate::model::Incomplete {
            scope: "probe: resolve".into(),
            reason: note,
        });
    }
    let timeout = std::time::Duration::from_millis(flags.probe_timeout);
    let options = probe::ProbeOptions {
        connect_timeout: timeout,
        io_timeout: timeout,
        ca_file: flags.ca_file.clone(),
        ..probe::ProbeOptions::default()
    };
    let evidence = c::probe(inventory, &nodes, hosts, &options).map_err(|e| UsageError(e.to_string()))?;
    c::confirm(inventory, findings, &evidence);
    for pf in c::probe_findings(inventory, &evidence) {
        let config = policy.check(pf.check);
        if !config.enabled {
            continue;
        }
        let lb = &inventory.load_balancers[pf.load_balancer];
        let resource = pf.resource.clone();
        let mut f = finding(
            pf.check,
            config.severity,
            Emitted {
                resource: pf.resource,
                load_balancer: Some(lb.name.clone()),
                message: pf.message,
                origin: lb.origin.clone(),
                severity: None,
            },
            inventory,
        );
        // A probe finding is about one node: its address names it, in both modes.
        f.resource = resource;
        f.confirmation = Confirmation {
            status: crate::finding::ConfirmationStatus::Confirmed,
            evidence: pf.evidence,
        };
        findings.push(f);
    }
    Ok(())
}

/// Template files named on the command line, directories searched for *.yaml, *.yml, *.json
/// and *.template, in a stable order.
fn read_templates(paths: &[PathBuf]) -> anyhow::Result<Vec<Source>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| UsageError(format!("{}: cannot read: {e}", path.display())))?;
        if meta.is_dir() {
            let before = files.len();
            walk(path, &mut files)
                .map_err(|e| UsageError(format!("{}: cannot read: {e}", path.display())))?;
            if files.len() == before {
                return Err(UsageError(format!(
                    "{}: no templates (*.yaml, *.yml, *.json, *.template) found",
                    path.display()
                ))
                .into());
            }
        } else {
            files.push(path.clone());
        }
    }
    files.sort();
    files.dedup();
    let mut sources = Vec::with_capacity(files.len());
    for file in files {
        let name = file.to_string_lossy().into_owned();
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if size > parse::MAX_BYTES as u64 {
            return Err(UsageError(format!(
                "{name}:1:1: file is {size} bytes; templates over {} MiB are not supported (CloudFormation's own limit is 1 MB)",
                parse::MAX_BYTES >> 20
            ))
            .into());
        }
        let bytes = std::fs::read(&file).map_err(|e| UsageError(format!("{name}: cannot read: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let line = upto.iter().filter(|b| **b == b'\n').count() + 1;
            UsageError(format!("{name}:{line}:1: not UTF-8 text"))
        })?;
        sources.push(Source { name, text });
    }
    Ok(sources)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        let ty = entry.file_type()?;
        if ty.is_dir() {
            walk(&path, out)?;
        } else if ty.is_file()
            && path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "yaml" | "yml" | "json" | "template"))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// "Now" in seconds since the epoch; `ALBAUDIT_NOW` (seconds, or YYYY-MM-DD) fixes it for tests.
pub fn now() -> i64 {
    if let Ok(v) = std::env::var("ALBAUDIT_NOW") {
        if let Ok(secs) = v.parse() {
            return secs;
        }
        if let Some(days) = policy::parse_date(&v) {
            return days * 86_400;
        }
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Runs every enabled check of this mode and gives each finding its policy severity.
pub fn run_checks(inventory: &Inventory, policy: &Policy, domains: &[String], mode: Mode) -> Vec<Finding> {
    let now = now();
    let mut findings = Vec::new();
    for check in checks::ALL {
        let meta = check.meta();
        let config = policy.check(meta.id);
        if !config.enabled || !meta.modes.contains(&mode) {
            continue;
        }
        let cx = Context {
            options: &config.options,
            now,
            domains,
        };
        let mut emitted = Vec::new();
        check.run(inventory, &cx, &mut emitted);
        findings.extend(
            emitted
                .into_iter()
                .map(|e| finding(meta.id, config.severity, e, inventory)),
        );
    }
    // Expired suppressions are findings of their own, pointing at the policy line.
    let expired = policy.check("suppression-expired");
    if expired.enabled {
        let today = now.div_euclid(86_400);
        for s in &policy.suppressions {
            if s.expires.is_some_and(|d| d < today) {
                findings.push(finding(
                    "suppression-expired",
                    expired.severity,
                    Emitted {
                        resource: s.resource.clone(),
                        load_balancer: None,
                        message: format!(
                            "the suppression of {} on {} expired; its reason was: {}",
                            s.check, s.resource, s.reason
                        ),
                        origin: Origin::Template {
                            file: policy.display_name().into(),
                            logical_id: format!("suppression of {}", s.check),
                            pos: s.pos,
                        },
                        severity: None,
                    },
                    inventory,
                ));
            }
        }
    }
    findings
}

fn finding(check: &'static str, severity: Severity, e: Emitted, inventory: &Inventory) -> Finding {
    // Live findings name their resource by ARN (the contract); the message keeps the name, and
    // says which stack and template resource to fix when CloudFormation deployed it.
    let (resource, message) = match &e.origin {
        Origin::Live { arn, .. } => match inventory.deployed.get(arn) {
            Some(deployed) => (arn.clone(), format!("{} ({deployed})", e.message)),
            None => (arn.clone(), e.message),
        },
        _ => (e.resource, e.message),
    };
    Finding {
        check,
        severity: e.severity.unwrap_or(severity),
        resource,
        load_balancer: e.load_balancer,
        message,
        origin: e.origin,
        confirmation: Confirmation::default(),
        suppressed: None,
    }
}

/// Marks findings suppressed by the policy (unexpired entries) or by template metadata.
pub fn apply_suppressions(
    mut findings: Vec<Finding>,
    policy: &Policy,
    template: &[TemplateSuppression],
) -> Vec<Finding> {
    let today = now().div_euclid(86_400);
    for f in &mut findings {
        if f.check == "suppression-expired" {
            continue;
        }
        let by_policy = policy.suppressions.iter().find(|s| {
            s.expires.is_none_or(|d| d >= today)
                && s.matches(f.check, &f.resource, f.load_balancer.as_deref())
        });
        if let Some(s) = by_policy {
            f.suppressed = Some(Suppressed {
                by: format!("{}:{}", policy.display_name(), s.pos),
                reason: s.reason.clone(),
            });
            continue;
        }
        if let Origin::Template { file, logical_id, .. } = &f.origin {
            if let Some(s) = template
                .iter()
                .find(|s| s.check == f.check && s.logical_id == *logical_id && s.file == *file)
            {
                f.suppressed = Some(Suppressed {
                    by: format!("{file}: Metadata of {logical_id}"),
                    reason: s.reason.clone(),
                });
            }
        }
    }
    findings
}

fn location_key(f: &Finding) -> (String, Pos) {
    match f.origin.location() {
        Some((file, pos)) => (file.to_string(), pos),
        None => (f.resource.clone(), Pos::default()),
    }
}

/// Renders the report, writes it, and maps the outcome to the exit code.
pub fn finish(
    args: &ReportArgs,
    policy: &Policy,
    mut findings: Vec<Finding>,
    inventory: &Inventory,
) -> anyhow::Result<Exit> {
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| location_key(a).cmp(&location_key(b)))
            .then_with(|| a.check.cmp(b.check))
    });
    let fail_on = args.fail_on.or(policy.fail_on).unwrap_or(Severity::High);
    tracing::info!(
        findings = findings.len(),
        incomplete = inventory.incomplete.len(),
        fail_on = %fail_on,
        "reporting"
    );
    let failing = findings
        .iter()
        .any(|f| f.suppressed.is_none() && f.severity >= fail_on);
    let report = Report {
        findings,
        incomplete: inventory.incomplete.clone(),
        load_balancers: inventory.load_balancers.len(),
        policy_file: policy.file.clone(),
    };
    let text = report::render(&report, args.format);
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            if let Err(e) = stdout.write_all(text.as_bytes()).and_then(|_| stdout.flush()) {
                if e.kind() != std::io::ErrorKind::BrokenPipe {
                    return Err(e).context("cannot write the report");
                }
            }
        }
    }
    Ok(if !report.incomplete.is_empty() {
        Exit::Incomplete
    } else if failing {
        Exit::Findings
    } else {
        Exit::Clean
    })
}
