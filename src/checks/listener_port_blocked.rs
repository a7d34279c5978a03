use super::common::{describe_listener, finding, note};
use super::{Check, Context, Emitted, Meta, check};
use crate::model::{AclEntry, Inventory, Link, Listener, LoadBalancer, NetworkAcl, Scheme};

check! {
    /// ## What it does
    /// For an internet-facing load balancer, checks that each listener port is let in:
    ///
    /// - by its security groups: at least one ingress rule with protocol `tcp` (`6`) or `-1`
    ///   whose port range covers the port (any source counts). A load balancer created without
    ///   `SecurityGroups` gets the VPC's default security group, which admits traffic only from
    ///   its own members, so its ports are flagged;
    /// - by the network ACL of each of its subnets that has one associated explicitly: the
    ///   inbound entries are read in ascending rule number, and the first that matches TCP to the
    ///   port from `0.0.0.0/0` decides; when none matches, the final `*` entry denies.
    ///
    /// A security group or ACL that is not in the audited inventory, or whose ingress is not
    /// known before deployment, gives an info note instead of a verdict.
    ///
    /// ## Why is this bad?
    /// Security groups and network ACLs drop packets silently: clients see a connection
    /// timeout, not an error, and the load balancer's own metrics stay empty because the
    /// traffic never reaches it.
    ///
    /// ## Example
    /// ```yaml
    /// AlbSecurityGroup:
    ///   Type: AWS::EC2::SecurityGroup
    ///   Properties:
    ///     GroupDescription: ALB
    ///     VpcId: !Ref Vpc
    ///     SecurityGroupIngress:
    ///       - IpProtocol: tcp
    ///         FromPort: 80
    ///         ToPort: 80
    ///         CidrIp: 0.0.0.0/0
    ///     # nothing admits 443, where the HTTPS listener is
    /// ```
    ///
    /// ## Fix
    /// Add an ingress rule for the listener port (`IpProtocol: tcp`, `FromPort`/`ToPort` the
    /// port, `CidrIp: 0.0.0.0/0` and `CidrIpv6: ::/0` for dualstack) to a security group of
    /// the load balancer, and an inbound `allow` entry for it, numbered before any `deny`, to
    /// the subnets' network ACLs (with outbound entries for the ephemeral ports 1024-65535).
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// The live probe opens a TCP connection to the port on every IP of the load balancer: a
    /// timeout on every IP confirms the finding (`node-unreachable`), a completed connection
    /// refutes it.
    pub struct ListenerPortBlocked {
        id: "listener-port-blocked",
        severity: High,
        summary: "listener port not allowed in by the ALB's security groups (or NACLs) from the internet",
        modes: [Lint, Live],
        options: [],
    }
}

fn is_tcp(protocol: &str) -> bool {
    matches!(protocol.trim().to_ascii_lowercase().as_str(), "tcp" | "6")
}

fn is_all(protocol: &str) -> bool {
    matches!(protocol.trim().to_ascii_lowercase().as_str(), "-1" | "all")
}

/// Whether a rule's port range covers a port: `Some(true/false)`, or `None` when the range
/// is not known.
fn range_covers(protocol: &str, from: Option<i32>, to: Option<i32>, port: u16) -> Option<bool> {
    if is_all(protocol) {
        return Some(true);
    }
    if !is_tcp(protocol) {
        return Some(false);
    }
    let (from, to) = (from?, to?);
    let port = i32::from(port);
    Some((from == -1 && to == -1) || (from <= port && port <= to))
}

enum Admission {
    Admitted,
    Blocked(String),
    Unknown(String),
}

fn security_groups(inventory: &Inventory, lb: &LoadBalancer, port: u16) -> Admission {
    if lb.security_groups.is_empty() {
        return Admission::Blocked(format!(
            "load balancer {} has no security groups, so AWS attaches the VPC's default security group, which admits traffic only from its own members: port {port} is closed to the internet",
            lb.name
        ));
    }
    let mut unknown = Vec::new();
    let mut names = Vec::new();
    for link in &lb.security_groups {
        let group = match link {
            Link::Unknown(why) => {
                unknown.push(format!("a security group comes from {why}"));
                continue;
            }
            Link::Id(id) => match inventory.security_group(id) {
                Some(g) => g,
                None => {
                    unknown.push(format!("security group {id} is not in the audited inventory"));
                    continue;
                }
            },
        };
        names.push(group.name.as_str());
        for rule in &group.ingress {
            match range_covers(&rule.protocol, rule.from_port, rule.to_port, port) {
                Some(true) => return Admission::Admitted,
                Some(false) => {}
                None => unknown.push(format!(
                    "an ingress rule of security group {} has a port range not known before deployment",
                    group.name
                )),
            }
        }
        if group.unknown_ingress {
            unknown.push(format!(
                "security group {} has ingress not known before deployment",
                group.name
            ));
        }
    }
    if unknown.is_empty() {
        Admission::Blocked(format!(
            "no ingress rule of the security groups of load balancer {} ({}) admits TCP port {port}",
            lb.name,
            names.join(", ")
        ))
    } else {
        Admission::Unknown(unknown.join("; "))
    }
}

/// How a network ACL treats inbound TCP to a port from 0.0.0.0/0.
enum AclVerdict {
    Allow,
    /// Denied, and by what.
    Deny(String),
    /// The deciding entry (by rule number) has a port range not known before deployment.
    Unknown(i32),
}

fn acl_verdict(acl: &NetworkAcl, port: u16) -> AclVerdict {
    let mut entries: Vec<&AclEntry> = acl.entries.iter().filter(|e| !e.egress).collect();
    entries.sort_by_key(|e| e.rule_number);
    for entry in entries {
        let protocol_matches = is_all(&entry.protocol) || is_tcp(&entry.protocol);
        if !protocol_matches || entry.cidr.as_deref().map(str::trim) != Some("0.0.0.0/0") {
            continue;
        }
        match range_covers(&entry.protocol, entry.from_port, entry.to_port, port) {
            Some(true) if entry.allow => return AclVerdict::Allow,
            Some(true) => {
                return AclVerdict::Deny(format!("its inbound rule {} denies it", entry.rule_number));
            }
            Some(false) => {}
            None => return AclVerdict::Unknown(entry.rule_number),
        }
    }
    AclVerdict::Deny("no inbound rule allows it, so the final * rule denies it".to_string())
}

impl Check for ListenerPortBlocked {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for lb in &inventory.load_balancers {
            let scheme_known = match lb.scheme {
                Some(Scheme::Internal) => continue,
                Some(Scheme::InternetFacing) => true,
                None => false,
            };
            let listeners: Vec<&Listener> = inventory.listeners_of(lb).collect();
            for listener in listeners {
                self.judge(inventory, lb, listener, scheme_known, out);
            }
        }
    }
}

impl ListenerPortBlocked {
    fn judge(
        &self,
        inventory: &Inventory,
        lb: &LoadBalancer,
        listener: &Listener,
        scheme_known: bool,
        out: &mut Vec<Emitted>,
    ) {
        let name = Some(lb.name.clone());
        let what = describe_listener(listener);
        let Some(port) = listener.port else {
            out.push(note(
                &listener.name,
                name,
                &listener.origin,
                format!("the port of {what} is not known before deployment, so whether it is let in cannot be judged"),
            ));
            return;
        };
        // With an unknown scheme the verdict is only a note: an internal load balancer
        // needs no internet access.
        let emit = |out: &mut Vec<Emitted>, resource: &str, origin, message: String| {
            if scheme_known {
                out.push(finding(resource, name.clone(), origin, message));
            } else {
                out.push(note(
                    resource,
                    name.clone(),
                    origin,
                    format!("the scheme of load balancer {} is not known before deployment; if it is internet-facing: {message}", lb.name),
                ));
            }
        };

        match security_groups(inventory, lb, port) {
            Admission::Admitted => {}
            Admission::Blocked(why) => emit(
                out,
                &listener.name,
                &listener.origin,
                format!("{what} cannot be reached from the internet: {why}"),
            ),
            Admission::Unknown(why) => out.push(note(
                &listener.name,
                name.clone(),
                &listener.origin,
                format!("whether the security groups admit {what} cannot be judged: {why}"),
            )),
        }

        for subnet_link in &lb.subnets {
            let Some(subnet) = subnet_link.value.id().and_then(|id| inventory.subnet(id)) else {
                continue;
            };
            let Some(acl_link) = &subnet.network_acl else {
                continue;
            };
            let acl = match acl_link {
                Link::Id(id) => match inventory.network_acl(id) {
                    Some(acl) => acl,
                    None => {
                        out.push(note(
                            &subnet.name,
                            name.clone(),
                            &subnet.origin,
                            format!("network ACL {id} of subnet {} is not in the audited inventory, so whether it lets {what} in cannot be judged", subnet.name),
                        ));
                        continue;
                    }
                },
                Link::Unknown(why) => {
                    out.push(note(
                        &subnet.name,
                        name.clone(),
                        &subnet.origin,
                        format!("the network ACL of subnet {} comes from {why}, so whether it lets {what} in cannot be judged", subnet.name),
                    ));
                    continue;
                }
            };
            match acl_verdict(acl, port) {
                AclVerdict::Allow => {}
                AclVerdict::Unknown(rule) => out.push(note(
                    &acl.name,
                    name.clone(),
                    &acl.origin,
                    format!(
                        "inbound rule {rule} of network ACL {} has a port range not known before deployment, so whether it lets TCP port {port} in cannot be judged",
                        acl.name
                    ),
                )),
                AclVerdict::Deny(why) => emit(
                    out,
                    &acl.name,
                    &acl.origin,
                    format!(
                        "network ACL {} of subnet {} blocks TCP port {port} ({what}) from 0.0.0.0/0: {why}",
                        acl.name, subnet.name
                    ),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;
    use crate::model::{IngressRule, SecurityGroup};

    fn ingress(protocol: &str, from: i32, to: i32) -> IngressRule {
        IngressRule {
            protocol: protocol.to_string(),
            from_port: Some(from),
            to_port: Some(to),
            cidr: Some("0.0.0.0/0".into()),
            origin: origin("Sg"),
        }
    }

    fn group(rules: Vec<IngressRule>) -> SecurityGroup {
        SecurityGroup {
            id: "Sg".into(),
            name: "Sg".into(),
            origin: origin("Sg"),
            vpc: Some(id("Vpc")),
            ingress: rules,
            unknown_ingress: false,
        }
    }

    fn entry(rule_number: i32, protocol: &str, allow: bool, ports: Option<(i32, i32)>) -> AclEntry {
        AclEntry {
            rule_number,
            egress: false,
            protocol: protocol.to_string(),
            allow,
            cidr: Some("0.0.0.0/0".into()),
            from_port: ports.map(|p| p.0),
            to_port: ports.map(|p| p.1),
        }
    }

    fn inv(rules: Vec<IngressRule>) -> Inventory {
        let mut lb = alb("Alb");
        lb.security_groups = vec![id("Sg")];
        lb.subnets = vec![located(id("SubnetA"), "Alb")];
        Inventory {
            load_balancers: vec![lb],
            listeners: vec![https("Https", "Alb", "p", &[])],
            security_groups: vec![group(rules)],
            subnets: vec![subnet("SubnetA", Some("eu-west-1a"))],
            ..Default::default()
        }
    }

    fn with_acl(mut i: Inventory, entries: Vec<AclEntry>) -> Inventory {
        i.subnets[0].network_acl = Some(id("Acl"));
        i.network_acls.push(NetworkAcl {
            id: "Acl".into(),
            name: "Acl".into(),
            origin: origin("Acl"),
            vpc: id("Vpc"),
            entries,
        });
        i
    }

    #[test]
    fn admitted_ports_pass() {
        assert!(run(&ListenerPortBlocked, &inv(vec![ingress("tcp", 443, 443)])).is_empty());
        assert!(run(&ListenerPortBlocked, &inv(vec![ingress("-1", 0, 0)])).is_empty());
        assert!(run(&ListenerPortBlocked, &inv(vec![ingress("6", 1, 1024)])).is_empty());
    }

    #[test]
    fn port_missing_from_security_groups_is_flagged() {
        let out = run(
            &ListenerPortBlocked,
            &inv(vec![ingress("tcp", 80, 80), ingress("udp", 443, 443)]),
        );
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(
            out[0].message,
            "listener Https (port 443) cannot be reached from the internet: no ingress rule of the security groups of load balancer Alb (Sg) admits TCP port 443"
        );
    }

    #[test]
    fn no_security_groups_means_the_default_group() {
        let mut i = inv(vec![]);
        i.load_balancers[0].security_groups.clear();
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("VPC's default security group, which admits traffic only from its own members")
        );
    }

    #[test]
    fn unknown_groups_are_notes_unless_a_known_one_admits() {
        let mut i = inv(vec![ingress("tcp", 80, 80)]);
        i.load_balancers[0].security_groups.push(id("sg-0123"));
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("sg-0123 is not in the audited inventory"));

        let mut i = inv(vec![ingress("tcp", 80, 80)]);
        i.security_groups[0].unknown_ingress = true;
        assert_eq!(notes(&run(&ListenerPortBlocked, &i)).len(), 1);

        let mut i = inv(vec![ingress("tcp", 443, 443)]);
        i.load_balancers[0].security_groups.push(unknown("ExtraSg"));
        assert!(run(&ListenerPortBlocked, &i).is_empty());
    }

    #[test]
    fn internal_load_balancers_are_skipped_unknown_scheme_gives_notes() {
        let mut i = inv(vec![]);
        i.load_balancers[0].scheme = Some(Scheme::Internal);
        assert!(run(&ListenerPortBlocked, &i).is_empty());
        i.load_balancers[0].scheme = None;
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("if it is internet-facing"));
    }

    #[test]
    fn acl_first_matching_rule_decides() {
        let sg = vec![ingress("tcp", 443, 443)];
        // Deny 443 at 90 comes before the allow-all at 100.
        let i = with_acl(
            inv(sg.clone()),
            vec![
                entry(100, "-1", true, None),
                entry(90, "6", false, Some((443, 443))),
            ],
        );
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].resource, "Acl");
        assert!(out[0].message.contains("its inbound rule 90 denies it"));

        let i = with_acl(
            inv(sg.clone()),
            vec![
                entry(100, "tcp", true, Some((443, 443))),
                entry(200, "-1", false, None),
            ],
        );
        assert!(run(&ListenerPortBlocked, &i).is_empty());

        // Only port 80 allowed: nothing matches 443, the * rule denies.
        let i = with_acl(inv(sg.clone()), vec![entry(100, "tcp", true, Some((80, 80)))]);
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(flagged(&out).len(), 1);
        assert!(out[0].message.contains("final * rule denies it"));

        // Egress entries do not count.
        let mut egress = entry(100, "-1", true, None);
        egress.egress = true;
        assert_eq!(
            flagged(&run(&ListenerPortBlocked, &with_acl(inv(sg), vec![egress]))).len(),
            1
        );
    }

    #[test]
    fn acl_unknowns_are_notes() {
        let sg = vec![ingress("tcp", 443, 443)];
        let i = with_acl(inv(sg.clone()), vec![entry(100, "tcp", true, None)]);
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("inbound rule 100 of network ACL Acl"));

        let mut i = inv(sg);
        i.subnets[0].network_acl = Some(unknown("AclId"));
        let out = run(&ListenerPortBlocked, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("parameter AclId"));
    }
}
