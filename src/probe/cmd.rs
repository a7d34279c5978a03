//! `albaudit probe HOST[:PORT]`: the per-IP handshake report for any endpoint.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use super::classify::{CertStatus, TcpOutcome, TlsOutcome};
use super::{IpReport, ProbeOptions, Resolver, StaticResolver, SystemResolver, Target};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProbeFormat {
    Table,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// HOST[:PORT] to probe (port 443 by default; IPv6 as [ADDR]:PORT).
    pub target: String,
    /// Probe this address instead of resolving HOST (repeatable).
    #[arg(long = "ip", value_name = "ADDR")]
    pub ip: Vec<IpAddr>,
    /// Server name to send and verify the certificate for (default: HOST, unless it is an IP).
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// PEM file of extra trusted CA certificates.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Resolve NAME to these addresses instead of asking DNS (repeatable), like curl.
    #[arg(long, value_name = "NAME=IP,IP")]
    pub resolve: Vec<String>,
    /// Connect timeout and I/O timeout, each, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 3000)]
    pub timeout: u64,
    #[arg(long, value_enum, default_value_t = ProbeFormat::Table)]
    pub format: ProbeFormat,
}

/// Runs the probe and prints the report: 0 when every IP is healthy, 1 otherwise, 2 on a
/// usage error (printed as one line on stderr).
pub fn run(args: &ProbeArgs) -> anyhow::Result<i32> {
    let targets = match plan(args) {
        Ok(t) => t,
        Err(message) => {
            eprintln!("albaudit: {message}");
            return Ok(2);
        }
    };
    let opts = ProbeOptions {
        connect_timeout: Duration::from_millis(args.timeout),
        io_timeout: Duration::from_millis(args.timeout),
        ca_file: args.ca_file.clone(),
        http_redirect_port: (targets[0].port == 443).then_some(80),
        ..ProbeOptions::default()
    };
    let reports = match super::probe_all(&targets, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("albaudit: {e}");
            return Ok(2);
        }
    };
    match args.format {
        ProbeFormat::Json => println!("{}", serde_json::to_string_pretty(&reports)?),
        ProbeFormat::Table => {
            for (i, r) in reports.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                println!("{}", render(r));
            }
        }
    }
    Ok(if reports.iter().all(super::is_healthy) {
        0
    } else {
        1
    })
}

/// The targets to probe, or a one-line usage error.
fn plan(args: &ProbeArgs) -> Result<Vec<Target>, String> {
    if args.timeout == 0 {
        return Err("--timeout must be at least 1 ms".into());
    }
    let (host, port) = split_host_port(&args.target)?;
    let sni = match &args.sni {
        Some(s) => Some(s.clone()),
        None if host.parse::<IpAddr>().is_ok() => None,
        None => Some(host.clone()),
    };
    let ips = if args.ip.is_empty() {
        let mut resolver = StaticResolver::new(SystemResolver);
        for entry in &args.resolve {
            resolver.add_entry(entry).map_err(|e| e.to_string())?;
        }
        resolver.resolve(&host).map_err(|e| e.to_string())?
    } else {
        args.ip.clone()
    };
    Ok(ips
        .into_iter()
        .map(|ip| Target {
            ip,
            port,
            sni: sni.clone(),
        })
        .collect())
}

/// "host", "host:8443", "[::1]:443", "::1".
fn split_host_port(target: &str) -> Result<(String, u16), String> {
    let bad = || format!("`{target}` is not HOST[:PORT]");
    let (host, port) = if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        match after {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':').ok_or_else(bad)?)),
        }
    } else if target.parse::<IpAddr>().is_ok() {
        (target, None)
    } else {
        match target.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (target, None),
        }
    };
    if host.is_empty() || host.contains(['/', ' ']) {
        return Err(bad());
    }
    let port = match port {
        None => 443,
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(bad)?,
    };
    Ok((host.to_string(), port))
}

fn render(r: &IpReport) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    let addr = match r.ip {
        IpAddr::V6(ip) => format!("[{ip}]:{}", r.port),
        IpAddr::V4(ip) => format!("{ip}:{}", r.port),
    };
    table.set_header(vec![addr, r.class.clone()]);
    table.add_row(vec!["TCP".to_string(), tcp_words(&r.tcp)]);
    if let Some(tls) = &r.tls {
        let text = match tls {
            TlsOutcome::Established {
                version,
                cipher,
                group,
                ms,
            } => format!(
                "{version} {cipher}{} ({ms:.1} ms)",
                group.as_deref().map(|g| format!(" {g}")).unwrap_or_default()
            ),
            TlsOutcome::Alert { alert } => format!("server refused: alert {alert}"),
            TlsOutcome::PlaintextReply { first_bytes } => {
                format!("plaintext reply: \"{first_bytes}\"")
            }
            TlsOutcome::NoReply => "no reply".into(),
            TlsOutcome::Closed => "closed by the server".into(),
            TlsOutcome::Reset => "reset by the server".into(),
            TlsOutcome::ClientIncompatible { reason } => {
                format!("not negotiable by rustls: {reason}")
            }
            TlsOutcome::Malformed { reason } => format!("malformed reply: {reason}"),
            TlsOutcome::Error { reason } => format!("error: {reason}"),
        };
        table.add_row(vec!["TLS".to_string(), text]);
    }
    if let Some(v) = &r.versions {
        let lines: Vec<String> = v
            .iter()
            .iter()
            .map(|(n, o)| format!("{n} {}", o.summary()))
            .collect();
        table.add_row(vec!["Versions".to_string(), lines.join("\n")]);
    }
    if let Some(c) = &r.certificate {
        let mut text = match c.status {
            CertStatus::Valid => "valid".to_string(),
            s => s.words().to_string(),
        };
        if let Some(subject) = &c.subject {
            text.push_str(&format!("\nsubject: {subject}"));
        }
        if let Some(issuer) = &c.issuer {
            text.push_str(&format!("\nissuer: {issuer}"));
        }
        if !c.dns_names.is_empty() {
            text.push_str(&format!("\nnames: {}", c.dns_names.join(", ")));
        }
        if let Some(after) = &c.not_after {
            text.push_str(&format!("\nnot after: {after}"));
        }
        text.push_str(&format!("\nchain: {} certificate(s) sent", c.chain_len));
        table.add_row(vec!["Certificate".to_string(), text]);
    }
    if let Some(rd) = &r.redirect {
        let text = match (&rd.tcp, rd.status) {
            (_, Some(status)) => format!(
                "port {}: {status}{}{}",
                rd.port,
                rd.location
                    .as_deref()
                    .map(|l| format!(" -> {l}"))
                    .unwrap_or_default(),
                if rd.to_https {
                    ""
                } else {
                    " (not a redirect to https)"
                }
            ),
            (TcpOutcome::Connected { .. }, None) => {
                format!("port {}: {}", rd.port, rd.error.as_deref().unwrap_or("no reply"))
            }
            (tcp, None) => format!("port {}: {}", rd.port, tcp_words(tcp)),
        };
        table.add_row(vec!["Redirect".to_string(), text]);
    }
    table.add_row(vec!["Time".to_string(), format!("{:.1} ms", r.elapsed_ms)]);
    table.to_string()
}

fn tcp_words(tcp: &TcpOutcome) -> String {
    match tcp {
        TcpOutcome::Connected { ms } => format!("connected ({ms:.1} ms)"),
        TcpOutcome::Refused => "refused".into(),
        TcpOutcome::Reset => "reset".into(),
        TcpOutcome::Timeout => "connect timeout".into(),
        TcpOutcome::Error { reason } => format!("error: {reason}"),
    }
}

#[cfg(test)]
mod tests {
    use super::split_host_port;

    #[test]
    fn host_port_forms() {
        assert_eq!(split_host_port("a.test"), Ok(("a.test".into(), 443)));
        assert_eq!(split_host_port("a.test:8443"), Ok(("a.test".into(), 8443)));
        assert_eq!(split_host_port("[::1]:444"), Ok(("::1".into(), 444)));
        assert_eq!(split_host_port("::1"), Ok(("::1".into(), 443)));
        assert!(split_host_port("a.test:http").is_err());
        assert!(split_host_port(":443").is_err());
        assert!(split_host_port("[::1").is_err());
    }
}
