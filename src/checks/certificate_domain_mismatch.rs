use super::common::{Protocol, finding, note, protocol, rule_name};
use super::{Check, Context, Emitted, Meta, check};
use crate::model::{Inventory, Link, LoadBalancer, Origin};

check! {
    /// ## What it does
    /// Collects the domains a load balancer serves: Route 53 alias records that point at it,
    /// `host-header` values of the rules on its listeners, and the names given with `--domain`
    /// (a `--domain` that a Route 53 record ties to one load balancer applies to that one; any
    /// other applies to every audited load balancer). Each domain must be covered by the domain
    /// name or a subject alternative name of a certificate on one of its HTTPS listeners.
    /// Matching is case-insensitive, and `*.example.com` covers exactly one label
    /// (`www.example.com`, not `example.com` nor `a.b.example.com`), as in browsers.
    /// Load balancers without HTTPS listeners are left to `http-not-redirected`.
    ///
    /// ## Why is this bad?
    /// The load balancer presents a certificate chosen by SNI, falling back to the listener's
    /// default certificate. When none covers the name, every browser refuses the connection
    /// (`NET::ERR_CERT_COMMON_NAME_INVALID`): the site is down for that name while health checks
    /// stay green.
    ///
    /// ## Example
    /// ```yaml
    /// Certificate:
    ///   Type: AWS::CertificateManager::Certificate
    ///   Properties:
    ///     DomainName: example.com
    ///     SubjectAlternativeNames: [www.example.com]
    ///     ValidationMethod: DNS
    /// ApiRule:
    ///   Type: AWS::ElasticLoadBalancingV2::ListenerRule
    ///   Properties:
    ///     ListenerArn: !Ref HttpsListener
    ///     Priority: 10
    ///     Conditions:
    ///       - Field: host-header
    ///         HostHeaderConfig:
    ///           Values: [api.example.com]   # no certificate covers it
    ///     Actions:
    ///       - Type: forward
    ///         TargetGroupArn: !Ref ApiTargetGroup
    /// ```
    ///
    /// ## Fix
    /// Add the name (or a wildcard one label above it) to the certificate's
    /// `SubjectAlternativeNames`, or attach another certificate that covers it with an
    /// `AWS::ElasticLoadBalancingV2::ListenerCertificate`.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// The live probe connects to every IP with the domain as SNI and verifies the certificate
    /// presented: a `hostname mismatch` confirms the finding, a valid certificate refutes it.
    pub struct CertificateDomainMismatch {
        id: "certificate-domain-mismatch",
        severity: High,
        summary: "a domain served by the ALB (Route 53 alias, host-header rule, --domain) that no listener certificate covers",
        modes: [Lint, Live],
        options: [],
    }
}

/// A domain the load balancer serves, and where we learned it.
struct Served {
    name: String,
    source: String,
    origin: Origin,
}

fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a certificate name covers a served name (both normalised). Served names may be
/// host-header patterns (`*` and `?` wildcards): a pattern is covered by the same certificate
/// name, or by `*.rest` when only its first label has wildcards.
pub(crate) fn covers(certificate: &str, served: &str) -> bool {
    if certificate == served {
        return true;
    }
    let Some(parent) = certificate.strip_prefix("*.") else {
        return false;
    };
    match served.split_once('.') {
        Some((label, rest)) => !label.is_empty() && rest == parent && !rest.contains(['*', '?']),
        None => false,
    }
}

fn served_domains(inventory: &Inventory, lb: &LoadBalancer, cx: &Context<'_>) -> Vec<Served> {
    let mut out: Vec<Served> = Vec::new();
    let mut add = |name: &str, source: String, origin: &Origin| {
        let name = normalise(name);
        if !name.is_empty() && !out.iter().any(|s| s.name == name) {
            out.push(Served {
                name,
                source,
                origin: origin.clone(),
            });
        }
    };
    for dns in &inventory.dns_names {
        if dns.load_balancer.id() == Some(lb.id.as_str()) {
            add(&dns.name, "a DNS record".to_string(), &dns.origin);
        }
    }
    for listener in inventory.listeners_of(lb) {
        for rule in &inventory.rules {
            if rule.listener.id() == Some(listener.id.as_str()) {
                for host in &rule.hosts {
                    add(
                        &host.value,
                        format!("the host-header condition of rule {}", rule_name(rule)),
                        &host.origin,
                    );
                }
            }
        }
    }
    for domain in cx.domains {
        let name = normalise(domain);
        let elsewhere = inventory
            .dns_names
            .iter()
            .any(|d| normalise(&d.name) == name && d.load_balancer.id().is_some_and(|id| id != lb.id));
        if !elsewhere {
            add(domain, "--domain".to_string(), &lb.origin);
        }
    }
    out
}

impl Check for CertificateDomainMismatch {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for lb in &inventory.load_balancers {
            let domains = served_domains(inventory, lb, cx);
            if domains.is_empty() {
                continue;
            }
            let listeners: Vec<_> = inventory.listeners_of(lb).collect();
            let https: Vec<_> = listeners
                .iter()
                .filter(|l| protocol(l) == Protocol::Https)
                .collect();
            if https.is_empty() {
                if let Some(l) = listeners.iter().find(|l| protocol(l) == Protocol::Unknown) {
                    out.push(note(
                        &lb.name,
                        Some(lb.name.clone()),
                        &l.origin,
                        format!(
                            "load balancer {} serves {} but the protocol of listener {} is not known before deployment, so certificate coverage cannot be judged",
                            lb.name,
                            domains.iter().map(|d| d.name.as_str()).collect::<Vec<_>>().join(", "),
                            l.name
                        ),
                    ));
                }
                continue;
            }

            // Names on the known certificates, and why the others are not known.
            let mut names: Vec<String> = Vec::new();
            let mut unknown: Vec<String> = Vec::new();
            for listener in &https {
                for cert in &listener.certificates {
                    match &cert.value {
                        Link::Id(id) => match inventory.certificate(id) {
                            Some(c) => match &c.domain {
                                Some(d) => {
                                    names.push(normalise(d));
                                    names.extend(c.alternative_names.iter().map(|n| normalise(n)));
                                }
                                None => unknown.push(format!(
                                    "the domain of certificate {} is not known before deployment",
                                    c.name
                                )),
                            },
                            None => unknown.push(format!(
                                "certificate {id} of listener {} is not in the audited inventory",
                                listener.name
                            )),
                        },
                        Link::Unknown(why) => unknown.push(format!(
                            "a certificate of listener {} comes from {why}",
                            listener.name
                        )),
                    }
                }
            }
            names.sort();
            names.dedup();
            let listed = if names.is_empty() {
                "no known names".to_string()
            } else {
                names.join(", ")
            };

            for domain in domains {
                if names.iter().any(|n| covers(n, &domain.name)) {
                    continue;
                }
                let resource = domain.name.as_str();
                if unknown.is_empty() {
                    out.push(finding(
                        resource,
                        Some(lb.name.clone()),
                        &domain.origin,
                        format!(
                            "{} (from {}) is served by load balancer {} but no certificate of its HTTPS listeners covers it (certificates cover: {listed})",
                            domain.name, domain.source, lb.name
                        ),
                    ));
                } else {
                    out.push(note(
                        resource,
                        Some(lb.name.clone()),
                        &domain.origin,
                        format!(
                            "{} (from {}) is covered by none of the known certificates of load balancer {} ({listed}), and {}, so whether it is covered cannot be judged",
                            domain.name,
                            domain.source,
                            lb.name,
                            unknown.join("; ")
                        ),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;
    use crate::model::DnsName;

    fn inv(cert_sans: &[&str], hosts: &[&str]) -> Inventory {
        Inventory {
            load_balancers: vec![alb("Alb")],
            listeners: vec![
                https("Https", "Alb", "ELBSecurityPolicy-TLS13-1-2-2021-06", &["Cert"]),
                listener("Http", "Alb", "HTTP", 80),
            ],
            certificates: vec![certificate("Cert", "example.com", cert_sans)],
            rules: vec![rule("HostRule", "Https", hosts, vec![])],
            dns_names: vec![DnsName {
                name: "WWW.example.com.".into(),
                load_balancer: id("Alb"),
                origin: origin("Record"),
            }],
            ..Default::default()
        }
    }

    #[test]
    fn wildcard_covers_exactly_one_label() {
        assert!(covers("*.example.com", "www.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(covers("*.example.com", "api-?.example.com"));
        assert!(!covers("www.example.com", "api.example.com"));
    }

    #[test]
    fn covered_domains_pass_case_insensitively() {
        let out = run(
            &CertificateDomainMismatch,
            &inv(&["*.Example.com"], &["api.example.com"]),
        );
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn uncovered_host_header_and_record_are_flagged() {
        let out = run(
            &CertificateDomainMismatch,
            &inv(&["www.example.com"], &["api.example.com"]),
        );
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].resource, "api.example.com");
        assert_eq!(out[0].origin, origin("HostRule"));
        assert!(
            out[0]
                .message
                .contains("from the host-header condition of rule HostRule")
        );
        assert!(out[0].message.contains("example.com, www.example.com"));

        let out = run(&CertificateDomainMismatch, &inv(&[], &[]));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].resource, "www.example.com");
    }

    #[test]
    fn cli_domains_are_checked() {
        let i = inv(&["www.example.com"], &[]);
        let out = run_with(
            &CertificateDomainMismatch,
            &i,
            &Default::default(),
            0,
            &["shop.example.com".into()],
        );
        assert_eq!(flagged(&out).len(), 1);
        assert!(out[0].message.contains("shop.example.com (from --domain)"));
    }

    #[test]
    fn literal_or_unresolved_certificate_makes_it_a_note() {
        let mut i = inv(&["www.example.com"], &["api.example.com"]);
        i.listeners[0]
            .certificates
            .push(located(id("arn:aws:acm:eu-west-1:1:certificate/x"), "Https"));
        let out = run(&CertificateDomainMismatch, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("is not in the audited inventory"));

        i.listeners[0].certificates[1] = located(unknown("CertArn"), "Https");
        let out = run(&CertificateDomainMismatch, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("parameter CertArn"));
    }

    #[test]
    fn http_only_or_domainless_load_balancers_are_skipped() {
        let mut i = inv(&[], &[]);
        i.listeners.remove(0);
        assert!(run(&CertificateDomainMismatch, &i).is_empty());
        let mut i = inv(&[], &[]);
        i.dns_names.clear();
        assert!(run(&CertificateDomainMismatch, &i).is_empty());
    }
}
