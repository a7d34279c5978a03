//! Lowering: the resources of every template, evaluated, into the source-agnostic inventory.

use std::cell::RefCell;
use std::sync::Arc;

use super::intrinsics::{Evaluator, ResRef, Value};
use super::node::{Key, Node};
use super::{Stacks, TemplateError, TemplateSuppression};
use crate::model::*;

/// The inventory id of a template resource: unique across the templates given.
pub fn resource_id(r: &ResRef) -> String {
    format!("{}#{}", r.file, r.logical)
}

/// One resource being lowered: where it is and how to evaluate its properties.
struct Res<'a> {
    eval: Evaluator<'a>,
    file: Arc<str>,
    key: &'a Key,
    props: Option<&'a Node>,
    /// `Properties` is chosen by a condition decided only at deploy time.
    undecided_props: bool,
}

impl Res<'_> {
    fn id(&self) -> String {
        resource_id(&ResRef {
            file: self.eval.file,
            logical: self.key.name.clone(),
        })
    }
    fn name(&self) -> String {
        self.key.name.clone()
    }
    fn origin(&self) -> Origin {
        Origin::Template {
            file: self.file.clone(),
            logical_id: self.key.name.clone(),
            pos: self.key.pos,
        }
    }
    fn node(&self, prop: &str) -> Option<&Node> {
        self.props.and_then(|p| p.get(prop))
    }
    /// The evaluated property; `None` when absent (or `AWS::NoValue`).
    fn value(&self, prop: &str) -> Option<Value> {
        self.node(prop)
            .map(|n| self.eval.eval(n))
            .filter(|v| *v != Value::NoValue)
    }
    fn text(&self, prop: &str) -> Option<String> {
        self.value(prop).and_then(|v| v.as_text().map(str::to_string))
    }
    fn origin_of(&self, prop: &str) -> Origin {
        self.origin().at(self.node(prop).map(|n| n.pos))
    }
    fn link(&self, prop: &str) -> Option<Link> {
        self.value(prop).map(|v| link(&v))
    }
}

/// A value that names another resource, as a link.
pub fn link(value: &Value) -> Link {
    match value {
        Value::Ref(r) | Value::Att(r, _) => Link::Id(resource_id(r)),
        Value::Str(s) => Link::Id(s.clone()),
        Value::Unknown(why) => Link::Unknown(why.clone()),
        Value::Choice(options) => {
            let links: Vec<Link> = options.iter().map(link).collect();
            if links.windows(2).all(|w| w[0] == w[1]) {
                links
                    .into_iter()
                    .next()
                    .unwrap_or(Link::Unknown(Unresolved::Other("empty choice".into())))
            } else {
                Link::Unknown(Unresolved::Other(
                    "a value chosen by a condition at deploy time".into(),
                ))
            }
        }
        _ => Link::Unknown(Unresolved::Other("a value that names no resource".into())),
    }
}

fn text_of(value: &Value) -> Option<String> {
    value.as_text().map(str::to_string)
}

fn int_of(value: Option<&Value>) -> Option<i32> {
    value.and_then(Value::as_text).and_then(|s| s.trim().parse().ok())
}

pub fn lower(
    stacks: &Stacks,
    incomplete: &RefCell<Vec<Incomplete>>,
) -> Result<(Inventory, Vec<TemplateSuppression>), TemplateError> {
    let mut inv = Inventory::default();
    let mut suppressions = Vec::new();
    // Resources that attach to others are applied after every template's own resources exist.
    let mut deferred: Vec<Res> = Vec::new();
    for (file, template) in stacks.templates.iter().enumerate() {
        let eval = Evaluator::new(stacks, file, incomplete);
        let resources = template
            .root
            .get("Resources")
            .and_then(Node::as_map)
            .unwrap_or_default();
        for (key, resource) in resources {
            if let Some(condition) = resource.get("Condition").and_then(Node::as_scalar) {
                if eval.condition(&condition) == Some(false) {
                    continue;
                }
            }
            suppressions.extend(metadata_suppressions(&template.file, key, resource)?);
            // `Type` given as a mapping (Rain modules) or missing: not a resource we model.
            let Some(ty) = resource.get("Type").and_then(Node::as_str) else {
                continue;
            };
            // `Properties: !If [...]` as a whole: take the branch the condition decides.
            let mut props = resource.get("Properties");
            let mut undecided_props = false;
            while let Some(("Fn::If", arg)) = props.and_then(Node::as_intrinsic) {
                let branches = arg.as_seq().unwrap_or_default();
                let decided = branches
                    .first()
                    .and_then(Node::as_scalar)
                    .and_then(|c| eval.condition(&c));
                match (decided, branches) {
                    (Some(true), [_, yes, _]) => props = Some(yes),
                    (Some(false), [_, _, no]) => props = Some(no),
                    _ => {
                        props = None;
                        undecided_props = true;
                    }
                }
            }
            let props = props.filter(|p| p.get("Ref").and_then(Node::as_str) != Some("AWS::NoValue"));
            let res = Res {
                eval: Evaluator::new(stacks, file, incomplete),
                file: template.file.clone(),
                key,
                props,
                undecided_props,
            };
            match ty {
                "AWS::EC2::VPC" => lower_vpc(&mut inv, &res),
                "AWS::EC2::Subnet" => inv.subnets.push(Subnet {
                    id: res.id(),
                    name: res.name(),
                    origin: res.origin(),
                    vpc: res
                        .link("VpcId")
                        .unwrap_or(Link::Unknown(Unresolved::Other("no VpcId".into()))),
                    availability_zone: res
                        .text("AvailabilityZone")
                        .or_else(|| res.text("AvailabilityZoneId")),
                    route_table: None,
                    network_acl: None,
                }),
                "AWS::EC2::RouteTable" => inv.route_tables.push(RouteTable {
                    id: res.id(),
                    name: res.name(),
                    origin: res.origin(),
                    vpc: res
                        .link("VpcId")
                        .unwrap_or(Link::Unknown(Unresolved::Other("no VpcId".into()))),
                    main: false,
                    routes: Vec::new(),
                    unknown_routes: Vec::new(),
                }),
                "AWS::EC2::InternetGateway" => inv.internet_gateways.push(InternetGateway {
                    id: res.id(),
                    name: res.name(),
                    origin: res.origin(),
                    attachments: Vec::new(),
                }),
                "AWS::EC2::SecurityGroup" => lower_security_group(&mut inv, &res),
                "AWS::EC2::NetworkAcl" => inv.network_acls.push(NetworkAcl {
                    id: res.id(),
                    name: res.name(),
                    origin: res.origin(),
                    vpc: res
                        .link("VpcId")
                        .unwrap_or(Link::Unknown(Unresolved::Other("no VpcId".into()))),
                    entries: Vec::new(),
                }),
                "AWS::ElasticLoadBalancingV2::LoadBalancer" => lower_load_balancer(&mut inv, &res),
                "AWS::CertificateManager::Certificate" => inv.certificates.push(Certificate {
                    id: res.id(),
                    name: res.name(),
                    origin: res.origin(),
                    domain: res.text("DomainName"),
                    alternative_names: res
                        .value("SubjectAlternativeNames")
                        .map(|v| v.items().into_iter().filter_map(text_of).collect())
                        .unwrap_or_default(),
                    status: None,
                    not_after: None,
                }),
                "AWS::EC2::Route"
                | "AWS::EC2::SubnetRouteTableAssociation"
                | "AWS::EC2::VPCGatewayAttachment"
                | "AWS::EC2::SecurityGroupIngress"
                | "AWS::EC2::NetworkAclEntry"
                | "AWS::EC2::SubnetNetworkAclAssociation"
                | "AWS::ElasticLoadBalancingV2::Listener"
                | "AWS::ElasticLoadBalancingV2::ListenerCertificate"
                | "AWS::ElasticLoadBalancingV2::ListenerRule"
                | "AWS::Route53::RecordSet"
                | "AWS::Route53::RecordSetGroup" => deferred.push(res),
                _ => {}
            }
        }
    }
    // Listeners before what attaches to listeners.
    deferred.sort_by_key(|r| {
        let ty = resource_type(stacks, r);
        (ty != "AWS::ElasticLoadBalancingV2::Listener") as u8
    });
    for res in &deferred {
        match resource_type(stacks, res) {
            "AWS::EC2::Route" => lower_route(&mut inv, res),
            "AWS::EC2::SubnetRouteTableAssociation" => {
                if let (Some(Link::Id(subnet)), Some(table)) =
                    (res.link("SubnetId"), res.link("RouteTableId"))
                {
                    if let Some(s) = inv.subnets.iter_mut().find(|s| s.id == subnet) {
                        s.route_table = Some(Located {
                            value: table,
                            origin: res.origin(),
                        });
                    }
                }
            }
            "AWS::EC2::SubnetNetworkAclAssociation" => {
                if let (Some(Link::Id(subnet)), Some(acl)) = (res.link("SubnetId"), res.link("NetworkAclId"))
                {
                    if let Some(s) = inv.subnets.iter_mut().find(|s| s.id == subnet) {
                        s.network_acl = Some(acl);
                    }
                }
            }
            "AWS::EC2::VPCGatewayAttachment" => {
                if let (Some(Link::Id(igw)), Some(vpc)) = (res.link("InternetGatewayId"), res.link("VpcId")) {
                    if let Some(g) = inv.internet_gateways.iter_mut().find(|g| g.id == igw) {
                        g.attachments.push(vpc);
                    }
                }
            }
            "AWS::EC2::SecurityGroupIngress" => {
                let group = res.link("GroupId").or_else(|| res.link("GroupName"));
                if let Some(Link::Id(group)) = group {
                    let rule = ingress_rule(
                        &res.props.map(|p| res.eval.eval(p)).unwrap_or(Value::Null),
                        res.origin(),
                    );
                    if let Some(sg) = inv.security_groups.iter_mut().find(|g| g.id == group) {
                        match rule {
                            Some(rule) => sg.ingress.push(rule),
                            None => sg.unknown_ingress = true,
                        }
                    }
                }
            }
            "AWS::EC2::NetworkAclEntry" => lower_acl_entry(&mut inv, res),
            "AWS::ElasticLoadBalancingV2::Listener" => lower_listener(&mut inv, res),
            "AWS::ElasticLoadBalancingV2::ListenerCertificate" => {
                if let Some(Link::Id(listener)) = res.link("ListenerArn") {
                    let certs = certificates(res);
                    if let Some(l) = inv.listeners.iter_mut().find(|l| l.id == listener) {
                        l.certificates.extend(certs);
                    }
                }
            }
            "AWS::ElasticLoadBalancingV2::ListenerRule" => lower_rule(&mut inv, res),
            "AWS::Route53::RecordSet" => {
                if let Some(props) = res.props {
                    lower_record(&mut inv, &res.eval.eval(props), res.origin());
                }
            }
            "AWS::Route53::RecordSetGroup" => {
                if let Some(sets) = res.node("RecordSets") {
                    for set in sets.as_seq().unwrap_or_default() {
                        lower_record(&mut inv, &res.eval.eval(set), res.origin().at(Some(set.pos)));
                    }
                }
            }
            _ => {}
        }
    }
    Ok((inv, suppressions))
}

fn resource_type<'a>(stacks: &'a Stacks, res: &Res) -> &'a str {
    stacks.templates[res.eval.file]
        .root
        .get("Resources")
        .and_then(|r| r.get(&res.key.name))
        .and_then(|r| r.get("Type"))
        .and_then(Node::as_str)
        .unwrap_or_default()
}

fn lower_vpc(inv: &mut Inventory, res: &Res) {
    inv.vpcs.push(Vpc {
        id: res.id(),
        origin: res.origin(),
    });
    // A VPC created by the template starts with a main route table holding only the local route.
    inv.route_tables.push(RouteTable {
        id: format!("{}#main-route-table", res.id()),
        name: format!("the main route table of {}", res.name()),
        origin: Origin::Implied {
            because: Box::new(res.origin()),
            what: "main route table".into(),
        },
        vpc: Link::Id(res.id()),
        main: true,
        routes: vec![Route {
            destination: "local".into(),
            target: RouteTarget::Local,
            origin: res.origin(),
        }],
        unknown_routes: Vec::new(),
    });
}

fn lower_route(inv: &mut Inventory, res: &Res) {
    let Some(Link::Id(table)) = res.link("RouteTableId") else {
        return;
    };
    let Some(table) = inv.route_tables.iter_mut().find(|t| t.id == table) else {
        return;
    };
    let destination = res
        .value("DestinationCidrBlock")
        .or_else(|| res.value("DestinationIpv6CidrBlock"))
        .or_else(|| res.value("DestinationPrefixListId"));
    let Some(destination) = destination.as_ref().and_then(Value::as_text) else {
        table.unknown_routes.push(format!(
            "route {} has a destination known only at deploy time",
            res.name()
        ));
        return;
    };
    let target_of = |link: Link, make: fn(Link) -> RouteTarget| match link {
        Link::Unknown(why) => RouteTarget::Unknown(why),
        link => make(link),
    };
    let target = if let Some(gw) = res.link("GatewayId") {
        match &gw {
            Link::Id(id) if id.starts_with("vgw-") => RouteTarget::Other("a virtual private gateway".into()),
            Link::Id(id) if id == "local" => RouteTarget::Local,
            _ => target_of(gw, RouteTarget::InternetGateway),
        }
    } else if let Some(nat) = res.link("NatGatewayId") {
        target_of(nat, RouteTarget::NatGateway)
    } else if let Some(eigw) = res.link("EgressOnlyInternetGatewayId") {
        target_of(eigw, RouteTarget::EgressOnlyGateway)
    } else {
        let kinds = [
            ("TransitGatewayId", "a transit gateway"),
            ("VpcPeeringConnectionId", "a VPC peering connection"),
            ("InstanceId", "an instance"),
            ("NetworkInterfaceId", "a network interface"),
            ("VpcEndpointId", "a VPC endpoint"),
            ("CarrierGatewayId", "a carrier gateway"),
            ("LocalGatewayId", "a local gateway"),
            ("CoreNetworkArn", "a core network"),
        ];
        let kind = kinds.iter().find(|(prop, _)| res.node(prop).is_some());
        RouteTarget::Other(kind.map_or("an unnamed target", |(_, k)| k).to_string())
    };
    // A gateway that is a resource of the templates but not an internet gateway (a VPN gateway).
    let target = match target {
        RouteTarget::InternetGateway(Link::Id(id))
            if id.contains('#') && !inv.internet_gateways.iter().any(|g| g.id == id) =>
        {
            RouteTarget::Other(format!("gateway {}", id.split('#').nth(1).unwrap_or(&id)))
        }
        other => other,
    };
    table.routes.push(Route {
        destination: destination.to_string(),
        target,
        origin: res.origin(),
    });
}

fn lower_security_group(inv: &mut Inventory, res: &Res) {
    let mut sg = SecurityGroup {
        id: res.id(),
        name: res.name(),
        origin: res.origin(),
        vpc: res.link("VpcId"),
        ingress: Vec::new(),
        unknown_ingress: false,
    };
    if let Some(rules) = res.value("SecurityGroupIngress") {
        if matches!(rules, Value::Unknown(_)) {
            sg.unknown_ingress = true;
        }
        let origin = res.origin_of("SecurityGroupIngress");
        for rule in rules.items() {
            match ingress_rule(rule, origin.clone()) {
                Some(rule) => sg.ingress.push(rule),
                None => sg.unknown_ingress = true,
            }
        }
    }
    inv.security_groups.push(sg);
}

/// An ingress rule from its evaluated properties; `None` when a needed value is unknown.
fn ingress_rule(rule: &Value, origin: Origin) -> Option<IngressRule> {
    if !matches!(rule, Value::Map(_)) {
        return None;
    }
    let protocol = text_of(rule.get("IpProtocol")?)?;
    let cidr = rule.get("CidrIp").or_else(|| rule.get("CidrIpv6"));
    let cidr = match cidr {
        Some(v) => Some(text_of(v)?),
        None => None,
    };
    Some(IngressRule {
        protocol,
        from_port: int_of(rule.get("FromPort")),
        to_port: int_of(rule.get("ToPort")),
        cidr,
        origin,
    })
}

fn lower_acl_entry(inv: &mut Inventory, res: &Res) {
    let Some(Link::Id(acl)) = res.link("NetworkAclId") else {
        return;
    };
    let range = res.value("PortRange");
    let entry = AclEntry {
        rule_number: int_of(res.value("RuleNumber").as_ref()).unwrap_or(i32::MAX),
        egress: res.text("Egress").is_some_and(|e| e.eq_ignore_ascii_case("true")),
        protocol: res.text("Protocol").unwrap_or_else(|| "-1".into()),
        allow: res
            .text("RuleAction")
            .is_some_and(|a| a.eq_ignore_ascii_case("allow")),
        cidr: res.text("CidrBlock").or_else(|| res.text("Ipv6CidrBlock")),
        from_port: int_of(range.as_ref().and_then(|r| r.get("From"))),
        to_port: int_of(range.as_ref().and_then(|r| r.get("To"))),
    };
    if let Some(a) = inv.network_acls.iter_mut().find(|a| a.id == acl) {
        a.entries.push(entry);
    }
}

fn lower_load_balancer(inv: &mut Inventory, res: &Res) {
    let ty = res.text("Type");
    if ty.as_deref().is_some_and(|t| t != "application") {
        return;
    }
    let mut unknowns = Vec::new();
    if res.undecided_props {
        unknowns.push("its Properties are chosen by a condition decided at deploy time".to_string());
    }
    let scheme = match res.value("Scheme") {
        None => Some(Scheme::InternetFacing),
        Some(v) => match v.as_text() {
            Some("internal") => Some(Scheme::Internal),
            Some(_) => Some(Scheme::InternetFacing),
            None => None,
        },
    };
    let mut subnets = Vec::new();
    for (prop, mapping) in [("Subnets", false), ("SubnetMappings", true)] {
        let Some(value) = res.value(prop) else { continue };
        let origin = res.origin_of(prop);
        if let Value::Unknown(why) = &value {
            subnets.push(Located {
                value: Link::Unknown(why.clone()),
                origin,
            });
            continue;
        }
        for item in value.items() {
            let item = if mapping {
                match item.get("SubnetId") {
                    Some(id) => id,
                    None => continue,
                }
            } else {
                item
            };
            let value = link(item);
            if !subnets.iter().any(|s: &Located<Link>| s.value == value) {
                subnets.push(Located {
                    value,
                    origin: origin.clone(),
                });
            }
        }
    }
    let security_groups = match res.value("SecurityGroups") {
        Some(Value::Unknown(why)) => vec![Link::Unknown(why)],
        Some(v) => v.items().into_iter().map(link).collect(),
        None => Vec::new(),
    };
    let mut attributes = Vec::new();
    if let Some(list) = res.node("LoadBalancerAttributes") {
        let value = res.eval.eval(list);
        if matches!(value, Value::Unknown(_)) {
            unknowns.push("LoadBalancerAttributes".to_string());
        }
        let nodes = list.as_seq().unwrap_or_default();
        for (i, item) in value.items().into_iter().enumerate() {
            let Some(key) = item.get("Key").and_then(Value::as_text) else {
                continue;
            };
            let pos = nodes.get(i).map(|n| n.pos);
            attributes.push(Attribute {
                key: key.to_string(),
                value: item.get("Value").and_then(text_of),
                origin: res.origin().at(pos),
            });
        }
    }
    let dualstack = res
        .text("IpAddressType")
        .is_some_and(|t| t.starts_with("dualstack"));
    inv.load_balancers.push(LoadBalancer {
        id: res.id(),
        name: res.name(),
        origin: res.origin(),
        scheme,
        dualstack,
        subnets,
        security_groups,
        attributes,
        dns_name: None,
        unknowns,
    });
}

fn actions(value: Option<Value>) -> Vec<Action> {
    let Some(value) = value else { return Vec::new() };
    value
        .items()
        .into_iter()
        .map(|a| match a.get("Type").and_then(Value::as_text) {
            Some("forward") => Action::Forward,
            Some("redirect") => {
                let config = a.get("RedirectConfig");
                let field = |k: &str| config.and_then(|c| c.get(k)).and_then(text_of);
                Action::Redirect {
                    protocol: field("Protocol"),
                    port: field("Port"),
                }
            }
            Some("fixed-response") => Action::FixedResponse {
                status: a
                    .get("FixedResponseConfig")
                    .and_then(|c| c.get("StatusCode"))
                    .and_then(text_of),
            },
            Some(t) if t.starts_with("authenticate") => Action::Authenticate,
            Some(t) => Action::Unknown(t.to_string()),
            None => Action::Unknown("an action type known only at deploy time".into()),
        })
        .collect()
}

fn certificates(res: &Res) -> Vec<Located<Link>> {
    let Some(value) = res.value("Certificates") else {
        return Vec::new();
    };
    let origin = res.origin_of("Certificates");
    value
        .items()
        .into_iter()
        .filter_map(|c| c.get("CertificateArn"))
        .map(|arn| Located {
            value: link(arn),
            origin: origin.clone(),
        })
        .collect()
}

fn lower_listener(inv: &mut Inventory, res: &Res) {
    let load_balancer = res
        .link("LoadBalancerArn")
        .unwrap_or(Link::Unknown(Unresolved::Other("no LoadBalancerArn".into())));
    // Listeners of load balancers in the templates that are not ALBs (NLBs) are not ours.
    if let Link::Id(id) = &load_balancer {
        if id.contains('#') && inv.load_balancer(id).is_none() {
            return;
        }
    }
    let protocol = res.text("Protocol").map(|p| p.to_ascii_uppercase());
    if protocol.as_deref().is_some_and(|p| p != "HTTP" && p != "HTTPS") {
        return;
    }
    let ssl_policy = match res.value("SslPolicy") {
        None => Some(Located {
            value: None,
            origin: res.origin(),
        }),
        Some(v) => v.as_text().map(|name| Located {
            value: Some(name.to_string()),
            origin: res.origin_of("SslPolicy"),
        }),
    };
    inv.listeners.push(Listener {
        id: res.id(),
        name: res.name(),
        origin: res.origin(),
        load_balancer,
        port: res.text("Port").and_then(|p| p.trim().parse().ok()),
        protocol,
        ssl_policy,
        certificates: certificates(res),
        default_actions: actions(res.value("DefaultActions")),
    });
}

fn lower_rule(inv: &mut Inventory, res: &Res) {
    let listener = res
        .link("ListenerArn")
        .unwrap_or(Link::Unknown(Unresolved::Other("no ListenerArn".into())));
    let mut hosts = Vec::new();
    if let Some(conditions) = res.value("Conditions") {
        let origin = res.origin_of("Conditions");
        for c in conditions.items() {
            let is_host = c.get("Field").and_then(Value::as_text) == Some("host-header")
                || c.get("HostHeaderConfig").is_some();
            if !is_host {
                continue;
            }
            let values = c
                .get("HostHeaderConfig")
                .and_then(|h| h.get("Values"))
                .or_else(|| c.get("Values"));
            for v in values.map(Value::items).unwrap_or_default() {
                if let Some(host) = v.as_text() {
                    hosts.push(Located {
                        value: host.to_string(),
                        origin: origin.clone(),
                    });
                }
            }
        }
    }
    inv.rules.push(ListenerRule {
        id: res.id(),
        origin: res.origin(),
        listener,
        hosts,
        actions: actions(res.value("Actions")),
    });
}

fn lower_record(inv: &mut Inventory, record: &Value, origin: Origin) {
    let Some(name) = record.get("Name").and_then(Value::as_text) else {
        return;
    };
    let mut targets: Vec<&Value> = Vec::new();
    if let Some(dns) = record.get("AliasTarget").and_then(|a| a.get("DNSName")) {
        targets.push(dns);
    }
    if let Some(records) = record.get("ResourceRecords") {
        targets.extend(records.items());
    }
    for target in targets {
        if let Value::Att(r, attr) = target {
            let id = resource_id(r);
            if attr == "DNSName" && inv.load_balancer(&id).is_some() {
                inv.dns_names.push(DnsName {
                    name: name.trim_end_matches('.').to_ascii_lowercase(),
                    load_balancer: Link::Id(id),
                    origin: origin.clone(),
                });
            }
        }
    }
}

/// `Metadata: {albaudit: {ignore: [{check: ID, reason: TEXT}]}}` of one resource.
fn metadata_suppressions(
    file: &Arc<str>,
    key: &Key,
    resource: &Node,
) -> Result<Vec<TemplateSuppression>, TemplateError> {
    let Some(meta) = resource.get("Metadata").and_then(|m| m.get("albaudit")) else {
        return Ok(Vec::new());
    };
    let error = |node: &Node, message: String| TemplateError {
        file: file.to_string(),
        pos: node.pos,
        message,
    };
    let mut out = Vec::new();
    for (k, v) in meta
        .as_map()
        .ok_or_else(|| error(meta, "`albaudit` metadata must be a mapping".into()))?
    {
        if k.name != "ignore" {
            return Err(error(
                v,
                format!(
                    "unknown key `{}` in albaudit metadata (expected `ignore`)",
                    k.name
                ),
            ));
        }
        let items = v
            .as_seq()
            .ok_or_else(|| error(v, "`ignore` must be a list of {check, reason}".into()))?;
        for item in items {
            let map = item.as_map().ok_or_else(|| {
                error(
                    item,
                    "each `ignore` entry must be a mapping with check and reason".into(),
                )
            })?;
            for (k, _) in map {
                if k.name != "check" && k.name != "reason" {
                    return Err(error(
                        item,
                        format!(
                            "unknown key `{}` in an ignore entry (expected check, reason)",
                            k.name
                        ),
                    ));
                }
            }
            let check = item.get("check").and_then(Node::as_scalar).unwrap_or_default();
            if crate::checks::find(&check).is_none() {
                return Err(error(
                    item,
                    format!("unknown check `{check}` in an ignore entry (see `albaudit checks`)"),
                ));
            }
            let reason = item.get("reason").and_then(Node::as_scalar).unwrap_or_default();
            if reason.trim().is_empty() {
                return Err(error(
                    item,
                    format!("the ignore entry for `{check}` needs a reason"),
                ));
            }
            out.push(TemplateSuppression {
                file: file.clone(),
                logical_id: key.name.clone(),
                check,
                reason,
            });
        }
    }
    Ok(out)
}
