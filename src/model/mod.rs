//! The source-agnostic inventory: what both collectors (AWS API, CloudFormation) produce and
//! what every check reads. A check never learns which collector filled it; it sees facts and
//! their [`Origin`], which the reports turn into a location.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

/// A 1-based line/column position in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The CloudFormation stack and logical id a live resource was deployed as, read from the
/// `aws:cloudformation:*` tags CloudFormation puts on what it creates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployed {
    pub stack: String,
    pub logical_id: String,
}

impl Deployed {
    /// From a resource's tags (key, value), if CloudFormation created it.
    pub fn from_tags<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Deployed> {
        let (mut stack, mut logical_id) = (None, None);
        for (key, value) in tags {
            match key {
                "aws:cloudformation:stack-name" => stack = Some(value.to_string()),
                "aws:cloudformation:logical-id" => logical_id = Some(value.to_string()),
                _ => {}
            }
        }
        Some(Deployed {
            stack: stack?,
            logical_id: logical_id?,
        })
    }
}

impl fmt::Display for Deployed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "CloudFormation stack {}, resource {}",
            self.stack, self.logical_id
        )
    }
}

/// Where a fact came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Read from the AWS API.
    Live { arn: String, region: String },
    /// Read from a CloudFormation template: the resource's logical id and the position of
    /// the most precise node the fact came from (the resource key, or one of its properties).
    Template {
        file: Arc<str>,
        logical_id: String,
        pos: Pos,
    },
    /// Synthesised by albaudit itself (e.g. the implicit main route table of a VPC created in a
    /// template), carried on the origin of the fact that implies it.
    Implied { because: Box<Origin>, what: String },
}

impl Origin {
    /// The template location of this fact, if it has one.
    pub fn location(&self) -> Option<(&str, Pos)> {
        match self {
            Origin::Template { file, pos, .. } => Some((file, *pos)),
            Origin::Implied { because, .. } => because.location(),
            Origin::Live { .. } => None,
        }
    }

    /// The same origin pointing at a more precise position (a property of the resource).
    pub fn at(&self, at: Option<Pos>) -> Origin {
        match (self, at) {
            (Origin::Template { file, logical_id, .. }, Some(pos)) => Origin::Template {
                file: file.clone(),
                logical_id: logical_id.clone(),
                pos,
            },
            _ => self.clone(),
        }
    }
}

/// A reference from one fact to another (a subnet of an ALB, the VPC of a subnet, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Link {
    /// The id of a fact in the same inventory (a logical id qualified by file in lint mode,
    /// an AWS id in live mode). It may still be absent from the inventory (a literal id).
    Id(String),
    /// A reference that could not be resolved to a fact: a parameter, an import that matched
    /// no export, a value the template computes at deploy time.
    Unknown(Unresolved),
}

impl Link {
    pub fn id(&self) -> Option<&str> {
        match self {
            Link::Id(id) => Some(id),
            Link::Unknown(_) => None,
        }
    }
}

/// Why a value is not known before deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// Comes from a template parameter (with no usable value).
    Parameter(String),
    /// `Fn::ImportValue` of an export that none of the given templates declares.
    ImportMissing(String),
    /// `Fn::ImportValue` of a name that several given templates export.
    ImportAmbiguous(String, Vec<String>),
    /// Any other value computed at deploy time, described in words.
    Other(String),
}

impl fmt::Display for Unresolved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unresolved::Parameter(name) => write!(f, "parameter {name}"),
            Unresolved::ImportMissing(name) => {
                write!(f, "import {name}, which none of the given templates exports")
            }
            Unresolved::ImportAmbiguous(name, files) => {
                write!(
                    f,
                    "import {name}, which several templates export ({})",
                    files.join(", ")
                )
            }
            Unresolved::Other(what) => f.write_str(what),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    InternetFacing,
    Internal,
}

#[derive(Clone, Debug)]
pub struct LoadBalancer {
    pub id: String,
    /// What users call it: the logical id in lint mode, the ARN in live mode.
    pub name: String,
    pub origin: Origin,
    /// Only application load balancers are audited; other types are kept out by the collectors.
    pub scheme: Option<Scheme>,
    /// `dualstack` (or `dualstack-without-public-ipv4`) means IPv6 clients reach it too.
    pub dualstack: bool,
    pub subnets: Vec<Located<Link>>,
    pub security_groups: Vec<Link>,
    /// Load balancer attributes as written; a missing key takes the AWS default.
    pub attributes: Vec<Attribute>,
    /// DNS name of the load balancer itself (live mode).
    pub dns_name: Option<String>,
    /// A value the collector could not read at all (e.g. `Subnets: !If` over an unknown list).
    pub unknowns: Vec<String>,
}

impl LoadBalancer {
    /// The attribute's value, or `None` when absent (AWS default applies) or unknown.
    pub fn attribute(&self, key: &str) -> Option<&Attribute> {
        self.attributes.iter().rev().find(|a| a.key == key)
    }
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub key: String,
    /// `None` when the value is not known before deployment.
    pub value: Option<String>,
    pub origin: Origin,
}

/// A value with the origin of the node it was read from.
#[derive(Clone, Debug)]
pub struct Located<T> {
    pub value: T,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Listener {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub load_balancer: Link,
    /// HTTP or HTTPS (TCP/TLS/UDP listeners belong to network load balancers).
    pub protocol: Option<String>,
    pub port: Option<u16>,
    /// `Known(None)` is the listener without a policy (CloudFormation then applies
    /// ELBSecurityPolicy-2016-08).
    pub ssl_policy: Option<Located<Option<String>>>,
    /// Certificate ARNs or links to certificates in the inventory.
    pub certificates: Vec<Located<Link>>,
    pub default_actions: Vec<Action>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    Forward,
    Redirect {
        protocol: Option<String>,
        port: Option<String>,
    },
    FixedResponse {
        status: Option<String>,
    },
    Authenticate,
    Unknown(String),
}

#[derive(Clone, Debug)]
pub struct ListenerRule {
    pub id: String,
    pub origin: Origin,
    pub listener: Link,
    pub hosts: Vec<Located<String>>,
    pub actions: Vec<Action>,
}

#[derive(Clone, Debug)]
pub struct Certificate {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub domain: Option<String>,
    pub alternative_names: Vec<String>,
    /// ACM status (ISSUED, PENDING_VALIDATION, EXPIRED, ...); `None` when not known (lint mode).
    pub status: Option<String>,
    /// Expiry as seconds since the Unix epoch; `None` when not known (lint mode).
    pub not_after: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct Vpc {
    pub id: String,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Subnet {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub vpc: Link,
    pub availability_zone: Option<String>,
    /// The explicitly associated route table; `None` means the VPC's main route table.
    pub route_table: Option<Located<Link>>,
    /// The explicitly associated network ACL; `None` means the VPC's default ACL.
    pub network_acl: Option<Link>,
}

#[derive(Clone, Debug)]
pub struct RouteTable {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub vpc: Link,
    pub main: bool,
    pub routes: Vec<Route>,
    /// Routes whose destination or table could not be resolved, described in words.
    pub unknown_routes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct Route {
    /// Destination CIDR, IPv4 or IPv6, or a prefix list id.
    pub destination: String,
    pub target: RouteTarget,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RouteTarget {
    Local,
    InternetGateway(Link),
    /// An egress-only internet gateway: outbound IPv6 only, never reachable from the internet.
    EgressOnlyGateway(Link),
    NatGateway(Link),
    /// Anything else (transit gateway, peering, instance, ENI, VPC endpoint), by kind.
    Other(String),
    /// The target was not known before deployment.
    Unknown(Unresolved),
}

#[derive(Clone, Debug)]
pub struct InternetGateway {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    /// VPCs the gateway is attached to.
    pub attachments: Vec<Link>,
}

#[derive(Clone, Debug)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub vpc: Option<Link>,
    pub ingress: Vec<IngressRule>,
    /// Ingress given through values not known before deployment.
    pub unknown_ingress: bool,
}

#[derive(Clone, Debug)]
pub struct IngressRule {
    /// "-1" for all, "tcp", "6", ...
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// CIDR source (v4 or v6); `None` for a security-group or prefix-list source.
    pub cidr: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct NetworkAcl {
    pub id: String,
    pub name: String,
    pub origin: Origin,
    pub vpc: Link,
    pub entries: Vec<AclEntry>,
}

#[derive(Clone, Debug)]
pub struct AclEntry {
    pub rule_number: i32,
    pub egress: bool,
    pub protocol: String,
    pub allow: bool,
    pub cidr: Option<String>,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
}

/// A node of a load balancer: one network interface in one subnet (live mode).
#[derive(Clone, Debug)]
pub struct NetworkInterface {
    pub id: String,
    pub load_balancer: String,
    pub subnet: String,
    pub availability_zone: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
}

/// A domain name served by a load balancer: a Route 53 alias record or a host-header rule.
#[derive(Clone, Debug)]
pub struct DnsName {
    pub name: String,
    pub load_balancer: Link,
    pub origin: Origin,
}

/// A TLS security policy as the API describes it (live mode: `DescribeSSLPolicies`), so a policy
/// missing from the built-in table can still be judged by its protocols.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslPolicy {
    pub name: String,
    /// `TLSv1`, `TLSv1.1`, `TLSv1.2`, `TLSv1.3`, ...
    pub protocols: Vec<String>,
}

/// Something the collector could not see; the audit is then incomplete and fails closed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Incomplete {
    pub scope: String,
    pub reason: String,
}

#[derive(Clone, Debug, Default)]
pub struct Inventory {
    pub load_balancers: Vec<LoadBalancer>,
    pub listeners: Vec<Listener>,
    pub rules: Vec<ListenerRule>,
    pub certificates: Vec<Certificate>,
    pub vpcs: Vec<Vpc>,
    pub subnets: Vec<Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub internet_gateways: Vec<InternetGateway>,
    pub security_groups: Vec<SecurityGroup>,
    pub network_acls: Vec<NetworkAcl>,
    pub network_interfaces: Vec<NetworkInterface>,
    pub dns_names: Vec<DnsName>,
    /// TLS policies described by the API (live mode only; empty in lint mode).
    pub ssl_policies: Vec<SslPolicy>,
    /// Live resources that CloudFormation deployed, by ARN (live mode only).
    pub deployed: std::collections::BTreeMap<String, Deployed>,
    pub incomplete: Vec<Incomplete>,
}

impl Inventory {
    pub fn subnet(&self, id: &str) -> Option<&Subnet> {
        self.subnets.iter().find(|s| s.id == id)
    }
    pub fn route_table(&self, id: &str) -> Option<&RouteTable> {
        self.route_tables.iter().find(|r| r.id == id)
    }
    pub fn internet_gateway(&self, id: &str) -> Option<&InternetGateway> {
        self.internet_gateways.iter().find(|g| g.id == id)
    }
    pub fn security_group(&self, id: &str) -> Option<&SecurityGroup> {
        self.security_groups.iter().find(|g| g.id == id)
    }
    pub fn network_acl(&self, id: &str) -> Option<&NetworkAcl> {
        self.network_acls.iter().find(|a| a.id == id)
    }
    pub fn certificate(&self, id: &str) -> Option<&Certificate> {
        self.certificates.iter().find(|c| c.id == id)
    }
    pub fn ssl_policy(&self, name: &str) -> Option<&SslPolicy> {
        self.ssl_policies.iter().find(|p| p.name == name)
    }
    pub fn load_balancer(&self, id: &str) -> Option<&LoadBalancer> {
        self.load_balancers.iter().find(|l| l.id == id)
    }
    /// The main route table of a VPC, if the inventory knows it.
    pub fn main_route_table(&self, vpc: &str) -> Option<&RouteTable> {
        self.route_tables
            .iter()
            .find(|r| r.main && r.vpc.id() == Some(vpc))
    }
    /// Listeners of a load balancer.
    pub fn listeners_of<'a>(&'a self, lb: &'a LoadBalancer) -> impl Iterator<Item = &'a Listener> {
        self.listeners
            .iter()
            .filter(move |l| l.load_balancer.id() == Some(lb.id.as_str()))
    }
}
