//! Confirmation: probe every node of every audited load balancer once, then turn the per-IP
//! evidence into confirmed/refuted/inconclusive verdicts on the configuration findings, and into
//! the probe-only findings (node-unreachable, handshake-failed, legacy-tls-accepted).
//!
//! Only addresses that belong to the target are probed: the load balancer's DNS name, its
//! network interfaces (live mode), or the host the user named (`--probe-host`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{IpReport, ProbeOptions, Resolver, Target, TcpOutcome, TlsOutcome, VersionOutcome, probe_all};
use crate::finding::{Confirmation, ConfirmationStatus, Finding, Severity};
use crate::model::{Inventory, LoadBalancer, Scheme};

/// One address of one load balancer, with the subnet behind it when the inventory knows it.
#[derive(Clone, Debug)]
pub struct Node {
    pub load_balancer: usize,
    pub ip: IpAddr,
    /// Inventory id and display name of the subnet.
    pub subnet: Option<(String, String)>,
    pub availability_zone: Option<String>,
}

/// What was probed and what came back.
#[derive(Debug)]
pub struct Evidence {
    pub node: Node,
    pub https: bool,
    pub report: IpReport,
}

/// The addresses to probe: the network interfaces of each load balancer, and what its DNS name
/// (or, in lint mode, the host the user named) resolves to. Resolution failures are returned
/// as notes, not errors: the interfaces may still be probed.
pub fn nodes(inventory: &Inventory, resolver: &dyn Resolver, hosts: &[String]) -> (Vec<Node>, Vec<String>) {
    let mut nodes: Vec<Node> = Vec::new();
    let mut notes = Vec::new();
    for (index, lb) in inventory.load_balancers.iter().enumerate() {
        let public = lb.scheme != Some(Scheme::Internal);
        for ni in inventory
            .network_interfaces
            .iter()
            .filter(|n| n.load_balancer == lb.id)
        {
            let ip = if public {
                ni.public_ip.as_deref()
            } else {
                ni.private_ip.as_deref()
            };
            let Some(ip) = ip.and_then(|ip| ip.parse().ok()) else {
                continue;
            };
            let subnet_name = inventory
                .subnet(&ni.subnet)
                .map_or(ni.subnet.clone(), |s| s.name.clone());
            nodes.push(Node {
                load_balancer: index,
                ip,
                subnet: Some((ni.subnet.clone(), subnet_name)),
                availability_zone: ni.availability_zone.clone(),
            });
        }
        let names: Vec<&str> = lb
            .dns_name
            .iter()
            .map(String::as_str)
            .chain(hosts.iter().map(String::as_str))
            .collect();
        for name in names {
            match resolver.resolve(name) {
                Ok(ips) => {
                    for ip in ips {
                        if !nodes.iter().any(|n| n.load_balancer == index && n.ip == ip) {
                            nodes.push(Node {
                                load_balancer: index,
                                ip,
                                subnet: None,
                                availability_zone: None,
                            });
                        }
                    }
                }
                Err(e) => notes.push(format!("{name}: {e}")),
            }
        }
    }
    (nodes, notes)
}

/// The SNI to use for a load balancer: a domain it serves, else its certificate's domain.
fn server_name(inventory: &Inventory, lb: &LoadBalancer, hosts: &[String]) -> Option<String> {
    let served = inventory
        .dns_names
        .iter()
        .find(|d| d.load_balancer.id() == Some(lb.id.as_str()))
        .map(|d| d.name.clone());
    served
        .or_else(|| hosts.iter().find(|h| h.parse::<IpAddr>().is_err()).cloned())
        .or_else(|| lb.dns_name.clone())
}

/// Probes every node on every listener port of its load balancer, all at once.
pub fn probe(
    inventory: &Inventory,
    nodes: &[Node],
    hosts: &[String],
    options: &ProbeOptions,
) -> Result<Vec<Evidence>, super::ProbeError> {
    let mut plan = Vec::new();
    for node in nodes {
        let lb = &inventory.load_balancers[node.load_balancer];
        let sni = server_name(inventory, lb, hosts);
        let mut ports: BTreeMap<u16, bool> = BTreeMap::new();
        for l in inventory.listeners_of(lb) {
            if let Some(port) = l.port {
                let https = l.protocol.as_deref() == Some("HTTPS");
                *ports.entry(port).or_default() |= https;
            }
        }
        for (port, https) in ports {
            plan.push((
                node.clone(),
                https,
                Target {
                    ip: node.ip,
                    port,
                    sni: sni.clone(),
                },
            ));
        }
    }
    let targets: Vec<Target> = plan.iter().map(|(_, _, t)| t.clone()).collect();
    let reports = probe_all(&targets, options)?;
    Ok(plan
        .into_iter()
        .zip(reports)
        .map(|((node, https, _), report)| Evidence { node, https, report })
        .collect())
}

fn describe(e: &Evidence) -> String {
    let mut s = format!("{}:{}", e.report.ip, e.report.port);
    if let Some((_, name)) = &e.node.subnet {
        s.push_str(&format!(" (subnet {name}"));
        if let Some(az) = &e.node.availability_zone {
            s.push_str(&format!(", {az}"));
        }
        s.push(')');
    }
    s
}

fn tcp_words(tcp: &TcpOutcome) -> String {
    match tcp {
        TcpOutcome::Connected { ms } => format!("TCP connected in {ms:.0} ms"),
        TcpOutcome::Refused => "connection refused".into(),
        TcpOutcome::Reset => "connection reset".into(),
        TcpOutcome::Timeout => "connect timeout".into(),
        TcpOutcome::Error { reason } => format!("connect error: {reason}"),
    }
}

fn connected(e: &Evidence) -> bool {
    matches!(e.report.tcp, TcpOutcome::Connected { .. })
}

fn legacy_accepted(e: &Evidence) -> Vec<&'static str> {
    let Some(v) = &e.report.versions else {
        return Vec::new();
    };
    [("TLS 1.0", &v.tls1_0), ("TLS 1.1", &v.tls1_1)]
        .into_iter()
        .filter(|(_, o)| o.accepted())
        .map(|(name, _)| name)
        .collect()
}

fn legacy_refused(e: &Evidence) -> bool {
    let Some(v) = &e.report.versions else { return false };
    [&v.tls1_0, &v.tls1_1]
        .iter()
        .all(|o| matches!(o, VersionOutcome::Rejected { .. } | VersionOutcome::Closed))
}

/// Sets the confirmation of each configuration finding from the evidence.
pub fn confirm(inventory: &Inventory, findings: &mut [Finding], evidence: &[Evidence]) {
    for f in findings.iter_mut() {
        let Some(lb_index) = inventory
            .load_balancers
            .iter()
            .position(|lb| Some(lb.name.as_str()) == f.load_balancer.as_deref())
        else {
            continue;
        };
        let of_lb: Vec<&Evidence> = evidence
            .iter()
            .filter(|e| e.node.load_balancer == lb_index)
            .collect();
        if of_lb.is_empty() {
            continue;
        }
        let verdict = match f.check {
            "subnet-not-internet-routed" => routing(inventory, f, &of_lb),
            "listener-weak-tls-policy" => weak_tls(inventory, f, &of_lb),
            "certificate-domain-mismatch" => domain(f, &of_lb),
            _ => None,
        };
        if let Some(c) = verdict {
            f.confirmation = c;
        }
    }
}

fn verdict(status: ConfirmationStatus, evidence: Vec<String>) -> Option<Confirmation> {
    Some(Confirmation { status, evidence })
}

fn routing(inventory: &Inventory, f: &Finding, of_lb: &[&Evidence]) -> Option<Confirmation> {
    if f.severity == Severity::Info {
        return None;
    }
    let subnet_id = inventory
        .subnets
        .iter()
        .find(|s| s.origin == f.origin)
        .map(|s| s.id.clone());
    let (inside, others): (Vec<&Evidence>, Vec<&Evidence>) = of_lb
        .iter()
        .partition(|e| e.node.subnet.as_ref().map(|(id, _)| Some(id)) == Some(subnet_id.as_ref()));
    let lines = |es: &[&Evidence]| -> Vec<String> {
        es.iter()
            .map(|e| format!("{}: {}", describe(e), tcp_words(&e.report.tcp)))
            .collect()
    };
    let mut evidence = lines(&inside);
    evidence.extend(lines(&others));
    if inside.is_empty() {
        let timeouts = others
            .iter()
            .filter(|e| matches!(e.report.tcp, TcpOutcome::Timeout))
            .count();
        evidence.insert(0, "no load balancer address could be tied to this subnet".into());
        if timeouts > 0 && timeouts < others.len() {
            evidence.insert(
                1,
                format!("{timeouts} of {} probed addresses time out at TCP", others.len()),
            );
        }
        return verdict(ConfirmationStatus::Inconclusive, evidence);
    }
    let inside_dead = inside.iter().all(|e| matches!(e.report.tcp, TcpOutcome::Timeout));
    let others_alive = others.iter().any(|e| connected(e));
    if inside.iter().any(|e| connected(e)) {
        verdict(ConfirmationStatus::Refuted, evidence)
    } else if inside_dead && others_alive {
        verdict(ConfirmationStatus::Confirmed, evidence)
    } else {
        verdict(ConfirmationStatus::Inconclusive, evidence)
    }
}

fn weak_tls(inventory: &Inventory, f: &Finding, of_lb: &[&Evidence]) -> Option<Confirmation> {
    let port = inventory
        .listeners
        .iter()
        .find(|l| l.name == f.resource || l.id == f.resource)
        .and_then(|l| l.port)?;
    let on_port: Vec<&&Evidence> = of_lb
        .iter()
        .filter(|e| e.report.port == port && connected(e))
        .collect();
    let mut evidence = Vec::new();
    for e in &on_port {
        let accepted = legacy_accepted(e);
        evidence.push(if accepted.is_empty() {
            format!("{}: TLS 1.0 and 1.1 refused", describe(e))
        } else {
            format!("{}: accepts {}", describe(e), accepted.join(" and "))
        });
    }
    if on_port.iter().any(|e| !legacy_accepted(e).is_empty()) {
        verdict(ConfirmationStatus::Confirmed, evidence)
    } else if !on_port.is_empty() && on_port.iter().all(|e| legacy_refused(e)) {
        verdict(ConfirmationStatus::Refuted, evidence)
    } else {
        verdict(ConfirmationStatus::Inconclusive, evidence)
    }
}

fn domain(f: &Finding, of_lb: &[&Evidence]) -> Option<Confirmation> {
    let name = f.resource.to_ascii_lowercase();
    let served: Vec<&&Evidence> = of_lb
        .iter()
        .filter(|e| e.https && e.report.sni.as_deref().map(str::to_ascii_lowercase) == Some(name.clone()))
        .collect();
    let mut evidence = Vec::new();
    let mut covered = None;
    for e in &served {
        if let Some(cert) = &e.report.certificate {
            let ok = cert.dns_names.iter().any(|n| covers(n, &name));
            evidence.push(format!(
                "{}: serves a certificate for {}",
                describe(e),
                cert.dns_names.join(", ")
            ));
            covered = Some(covered.unwrap_or(true) && ok);
        }
    }
    match covered {
        Some(true) => verdict(ConfirmationStatus::Refuted, evidence),
        Some(false) => verdict(ConfirmationStatus::Confirmed, evidence),
        None => None,
    }
}

fn covers(pattern: &str, name: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(rest) => name
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail == rest),
        None => pattern == name,
    }
}

/// A probe-only finding, before the policy gives it a severity.
pub struct ProbeFinding {
    pub check: &'static str,
    pub load_balancer: usize,
    pub resource: String,
    pub message: String,
    pub evidence: Vec<String>,
}

/// node-unreachable, handshake-failed and legacy-tls-accepted, one per address and port.
pub fn probe_findings(inventory: &Inventory, evidence: &[Evidence]) -> Vec<ProbeFinding> {
    let mut out = Vec::new();
    for e in evidence {
        let lb = &inventory.load_balancers[e.node.load_balancer];
        let resource = format!("{}:{}", e.report.ip, e.report.port);
        let mut push = |check, message: String| {
            out.push(ProbeFinding {
                check,
                load_balancer: e.node.load_balancer,
                resource: resource.clone(),
                message,
                evidence: vec![format!("{}: {}", describe(e), e.report.class)],
            })
        };
        if !connected(e) {
            push(
                "node-unreachable",
                format!(
                    "load balancer {} node {} does not complete TCP: {}",
                    lb.name,
                    describe(e),
                    tcp_words(&e.report.tcp)
                ),
            );
            continue;
        }
        if !e.https {
            continue;
        }
        let established = matches!(e.report.tls, Some(TlsOutcome::Established { .. }));
        let legacy = legacy_accepted(e);
        if !established && legacy.is_empty() {
            push(
                "handshake-failed",
                format!(
                    "load balancer {} node {} completes TCP but not TLS: {}",
                    lb.name,
                    describe(e),
                    e.report.class
                ),
            );
        }
        if !legacy.is_empty() {
            push(
                "legacy-tls-accepted",
                format!(
                    "load balancer {} node {} accepts {}",
                    lb.name,
                    describe(e),
                    legacy.join(" and ")
                ),
            );
        }
    }
    out
}
