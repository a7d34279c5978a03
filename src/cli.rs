//! The command line (clap derive). `albaudit --region R` with no subcommand is the live audit.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::finding::Severity;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(
    name = "albaudit",
    version,
    about = "Audits AWS Application Load Balancers: CloudFormation lint, live audit, per-IP handshakes",
    args_conflicts_with_subcommands = true,
    after_help = "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable input, 3 audit incomplete."
)]
pub struct Cli {
    /// More diagnostics on stderr: -v progress, -vv details, -vvv everything including the AWS
    /// SDK's request traces. Credentials are scrubbed at every level.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit live load balancers through the AWS API (the default command).
    Audit(AuditArgs),
    /// Lint CloudFormation templates, resolving Fn::ImportValue across the files given.
    Lint(LintArgs),
    /// Per-IP TCP/TLS handshake report for any endpoint: every A/AAAA record, each IP apart.
    Probe(crate::probe::cmd::ProbeArgs),
    /// List the checks: id, severity, modes.
    Checks,
    /// Print a check's documentation.
    Explain {
        /// The check id, e.g. subnet-not-internet-routed.
        check: String,
    },
}

/// Flags shared by every audit: policy, output and the gate.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Policy file (YAML); default: the built-in policies/default.yaml.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when an unsuppressed finding is at or above this severity [default: the policy's
    /// fail_on, else high].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// A domain the load balancer serves, checked against its certificates (repeatable).
    #[arg(long = "domain", value_name = "NAME")]
    pub domains: Vec<String>,
}

/// How findings are confirmed by live handshakes.
#[derive(Debug, Args)]
pub struct ProbeFlags {
    /// Answer NAME with these addresses instead of asking DNS when probing (repeatable).
    #[arg(long = "resolve", value_name = "NAME=IP,IP")]
    pub resolve: Vec<String>,
    /// Connect and I/O timeout of each probe step, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub probe_timeout: u64,
    /// PEM file of extra trusted CA certificates for the probes.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// AWS region to audit (repeatable; `all` for every enabled region). Default: AWS_REGION.
    #[arg(long = "region", value_name = "REGION")]
    pub regions: Vec<String>,
    /// Named profile from the AWS config files (default: AWS_PROFILE).
    #[arg(long)]
    pub profile: Option<String>,
    /// Endpoint for every AWS service, e.g. an emulator (default: AWS_ENDPOINT_URL).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Time limit of one AWS API call attempt, in seconds; throttled and failed calls are
    /// retried (AWS_MAX_ATTEMPTS, default 6; AWS_RETRY_MODE, default standard).
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub api_timeout: u64,
    /// Skip the live per-IP handshakes that confirm findings.
    #[arg(long)]
    pub no_probe: bool,
    #[command(flatten)]
    pub probe: ProbeFlags,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// CloudFormation templates (YAML or JSON), or directories to search for them.
    #[arg(required = true, value_name = "TEMPLATE|DIR")]
    pub templates: Vec<PathBuf>,
    /// Template parameter value, overriding its default (repeatable). `AWS::Region=R` sets the
    /// region pseudo parameter.
    #[arg(long = "param", value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub params: Vec<(String, String)>,
    /// The stack name a template will be deployed as, for `${AWS::StackName}` in export names
    /// (repeatable).
    #[arg(long = "stack", value_name = "NAME=FILE", value_parser = parse_pair)]
    pub stacks: Vec<(String, String)>,
    /// Confirm findings by probing this deployed host (every address it resolves to); without it
    /// lint makes no network connection (repeatable).
    #[arg(long = "probe-host", value_name = "NAME")]
    pub probe_hosts: Vec<String>,
    #[command(flatten)]
    pub probe: ProbeFlags,
    #[command(flatten)]
    pub report: ReportArgs,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

fn parse_pair(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}
