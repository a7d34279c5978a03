//! EC2: the network around the ALBs (subnets, route tables, internet gateways, network ACLs,
//! security groups) and the ALBs' own network interfaces. Every call is filtered by the ids or
//! VPCs of all ALBs of the region at once, in batches of [`BATCH`] filter values, so the number
//! of calls does not grow with the number of resources.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_ec2::types::{self as api, AttachmentStatus, Filter, RouteState, RuleAction};
use futures_util::future::join_all;

use super::Session;
use super::elbv2::Balancer;
use crate::model::{
    AclEntry, IngressRule, InternetGateway, Inventory, Link, Located, NetworkAcl, NetworkInterface, Origin,
    Route, RouteTable, RouteTarget, SecurityGroup, Subnet, Unresolved, Vpc,
};

/// Filter values per call (the EC2 limit is 200 values per filter).
const BATCH: usize = 200;

/// The regions enabled for the account (`--region all`).
pub(crate) async fn enabled_regions(s: &Session) -> Vec<String> {
    match s.call(s.ec2.describe_regions().send()).await {
        Ok(out) => out
            .regions()
            .iter()
            .filter_map(|r| r.region_name().map(str::to_string))
            .collect(),
        Err(err) => {
            s.gap("ec2:DescribeRegions", &err);
            Vec::new()
        }
    }
}

/// What the ALBs of a region refer to in EC2.
#[derive(Default)]
pub(crate) struct Wanted {
    vpcs: BTreeSet<String>,
    subnets: BTreeSet<String>,
    security_groups: BTreeSet<String>,
    /// Interface description (`ELB app/NAME/ID`) -> ALB ARN.
    interfaces: BTreeMap<String, String>,
}

impl Wanted {
    pub fn of(balancers: &[Balancer]) -> Wanted {
        let mut w = Wanted::default();
        for b in balancers {
            w.vpcs.extend(b.vpc.clone());
            w.subnets.extend(b.subnets.iter().cloned());
            w.security_groups.extend(b.security_groups.iter().cloned());
            if let Some(description) = b.interface_description() {
                w.interfaces.insert(description, b.model.id.clone());
            }
        }
        w
    }
}

/// Batches of one filter's values.
fn filters<'a>(name: &'a str, values: impl IntoIterator<Item = &'a String>) -> Vec<Filter> {
    let values: Vec<&String> = values.into_iter().collect();
    values
        .chunks(BATCH)
        .map(|chunk| {
            Filter::builder()
                .name(name)
                .set_values(Some(chunk.iter().map(|v| v.to_string()).collect()))
                .build()
        })
        .collect()
}

fn name_of(tags: &[api::Tag], id: &str) -> String {
    tags.iter()
        .find(|t| t.key() == Some("Name"))
        .and_then(|t| t.value())
        .unwrap_or(id)
        .to_string()
}

/// The origin of a resource, recording its tags (CloudFormation's tell its stack).
fn tagged(s: &Session, arn: String, tags: &[api::Tag]) -> Origin {
    s.tags(&arn, tags.iter().filter_map(|t| Some((t.key()?, t.value()?))));
    s.origin(arn)
}

/// The network facts for the given ALBs; an inventory with only those fields filled.
pub(crate) async fn network(s: &Session, wanted: &Wanted) -> Inventory {
    let (subnets, tables, gateways) = futures_util::future::join3(
        subnets(s, &wanted.subnets),
        route_tables(s, &wanted.vpcs),
        internet_gateways(s, &wanted.vpcs),
    )
    .await;
    let (acls, groups, interfaces) = futures_util::future::join3(
        network_acls(s, &wanted.vpcs),
        security_groups(s, &wanted.security_groups),
        interfaces(s, &wanted.interfaces),
    )
    .await;

    // Explicit associations, read from the tables and ACLs. A subnet whose association was not
    // seen because a listing failed part-way has an unknown table or ACL, not the VPC's main
    // table or none: a missing page must not turn into a confident verdict.
    let (tables, tables_complete) = tables;
    let (acls, acls_complete) = acls;
    let mut table_of: BTreeMap<String, Located<Link>> = BTreeMap::new();
    for (table, associated) in &tables {
        for subnet in associated {
            table_of.insert(
                subnet.clone(),
                Located {
                    value: Link::Id(table.id.clone()),
                    origin: table.origin.clone(),
                },
            );
        }
    }
    let mut acl_of: BTreeMap<String, String> = BTreeMap::new();
    for (acl, associated) in &acls {
        for subnet in associated {
            acl_of.insert(subnet.clone(), acl.id.clone());
        }
    }

    Inventory {
        vpcs: wanted
            .vpcs
            .iter()
            .map(|id| Vpc {
                id: id.clone(),
                origin: s.origin(s.ec2_arn(None, &format!("vpc/{id}"))),
            })
            .collect(),
        subnets: subnets
            .into_iter()
            .map(|mut subnet| {
                subnet.route_table = table_of.remove(&subnet.id);
                if subnet.route_table.is_none() && !tables_complete {
                    subnet.route_table = Some(Located {
                        value: unseen("ec2:DescribeRouteTables"),
                        origin: subnet.origin.clone(),
                    });
                }
                subnet.network_acl = acl_of.remove(&subnet.id).map(Link::Id);
                if subnet.network_acl.is_none() && !acls_complete {
                    subnet.network_acl = Some(unseen("ec2:DescribeNetworkAcls"));
                }
                subnet
            })
            .collect(),
        route_tables: tables.into_iter().map(|(t, _)| t).collect(),
        internet_gateways: gateways,
        network_acls: acls.into_iter().map(|(a, _)| a).collect(),
        security_groups: groups,
        network_interfaces: interfaces,
        ..Inventory::default()
    }
}

/// A link that a failed listing left unknown.
fn unseen(call: &str) -> Link {
    Link::Unknown(Unresolved::Other(format!("a {call} call that failed")))
}

async fn subnets(s: &Session, ids: &BTreeSet<String>) -> Vec<Subnet> {
    let mut out = Vec::new();
    for filter in filters("subnet-id", ids) {
        let request = s.ec2.describe_subnets().filters(filter);
        each_page!(
            s,
            "ec2:DescribeSubnets",
            request.into_paginator().send(),
            |page| {
                for subnet in page.subnets() {
                    let (Some(id), Some(vpc)) = (subnet.subnet_id(), subnet.vpc_id()) else {
                        continue;
                    };
                    let arn = subnet.subnet_arn().map_or_else(
                        || s.ec2_arn(subnet.owner_id(), &format!("subnet/{id}")),
                        str::to_string,
                    );
                    out.push(Subnet {
                        id: id.to_string(),
                        name: name_of(subnet.tags(), id),
                        origin: tagged(s, arn, subnet.tags()),
                        vpc: Link::Id(vpc.to_string()),
                        availability_zone: subnet.availability_zone().map(str::to_string),
                        route_table: None,
                        network_acl: None,
                    });
                }
            }
        );
    }
    out
}

/// Route tables of the VPCs, each with the subnets explicitly associated with it, and whether
/// every page was read.
async fn route_tables(s: &Session, vpcs: &BTreeSet<String>) -> (Vec<(RouteTable, Vec<String>)>, bool) {
    let mut out = Vec::new();
    let mut complete = true;
    for filter in filters("vpc-id", vpcs) {
        let request = s.ec2.describe_route_tables().filters(filter);
        complete &= each_page!(
            s,
            "ec2:DescribeRouteTables",
            request.into_paginator().send(),
            |page| {
                for table in page.route_tables() {
                    let (Some(id), Some(vpc)) = (table.route_table_id(), table.vpc_id()) else {
                        continue;
                    };
                    let arn = s.ec2_arn(table.owner_id(), &format!("route-table/{id}"));
                    let origin = tagged(s, arn, table.tags());
                    let associations = table.associations();
                    out.push((
                        RouteTable {
                            id: id.to_string(),
                            name: name_of(table.tags(), id),
                            vpc: Link::Id(vpc.to_string()),
                            main: associations.iter().any(|a| a.main() == Some(true)),
                            routes: table.routes().iter().map(|r| route(r, &origin)).collect(),
                            unknown_routes: Vec::new(),
                            origin,
                        },
                        associations
                            .iter()
                            .filter_map(|a| a.subnet_id().map(str::to_string))
                            .collect(),
                    ));
                }
            }
        );
    }
    (out, complete)
}

fn route(r: &api::Route, origin: &crate::model::Origin) -> Route {
    let destination = r
        .destination_cidr_block()
        .or(r.destination_ipv6_cidr_block())
        .or(r.destination_prefix_list_id())
        .unwrap_or("unknown destination")
        .to_string();
    let target = if let Some(gateway) = r.gateway_id() {
        if gateway == "local" {
            RouteTarget::Local
        } else if gateway.starts_with("igw-") {
            RouteTarget::InternetGateway(Link::Id(gateway.to_string()))
        } else if gateway.starts_with("vgw-") {
            RouteTarget::Other(format!("virtual private gateway {gateway}"))
        } else if gateway.starts_with("vpce-") {
            RouteTarget::Other(format!("VPC endpoint {gateway}"))
        } else {
            RouteTarget::Other(format!("gateway {gateway}"))
        }
    } else if let Some(id) = r.egress_only_internet_gateway_id() {
        RouteTarget::EgressOnlyGateway(Link::Id(id.to_string()))
    } else if let Some(id) = r.nat_gateway_id() {
        RouteTarget::NatGateway(Link::Id(id.to_string()))
    } else if let Some(id) = r.transit_gateway_id() {
        RouteTarget::Other(format!("transit gateway {id}"))
    } else if let Some(id) = r.vpc_peering_connection_id() {
        RouteTarget::Other(format!("peering connection {id}"))
    } else if let Some(id) = r.network_interface_id().or(r.instance_id()) {
        RouteTarget::Other(format!("network interface or instance {id}"))
    } else {
        RouteTarget::Other("unknown target".to_string())
    };
    // A blackhole route (its target deleted or detached) carries no traffic.
    let target = match (r.state(), target) {
        (Some(RouteState::Blackhole), t) if t != RouteTarget::Local => {
            let to = r
                .gateway_id()
                .or(r.egress_only_internet_gateway_id())
                .or(r.nat_gateway_id())
                .or(r.transit_gateway_id())
                .or(r.vpc_peering_connection_id())
                .or(r.network_interface_id())
                .unwrap_or("a deleted target");
            RouteTarget::Other(format!("blackhole (to {to})"))
        }
        (_, t) => t,
    };
    Route {
        destination,
        target,
        origin: origin.clone(),
    }
}

async fn internet_gateways(s: &Session, vpcs: &BTreeSet<String>) -> Vec<InternetGateway> {
    let mut out = Vec::new();
    for filter in filters("attachment.vpc-id", vpcs) {
        let request = s.ec2.describe_internet_gateways().filters(filter);
        each_page!(
            s,
            "ec2:DescribeInternetGateways",
            request.into_paginator().send(),
            |page| {
                for gateway in page.internet_gateways() {
                    let Some(id) = gateway.internet_gateway_id() else {
                        continue;
                    };
                    out.push(InternetGateway {
                        id: id.to_string(),
                        name: name_of(gateway.tags(), id),
                        origin: tagged(
                            s,
                            s.ec2_arn(gateway.owner_id(), &format!("internet-gateway/{id}")),
                            gateway.tags(),
                        ),
                        attachments: gateway
                            .attachments()
                            .iter()
                            // AWS reports an attached gateway as "available".
                            .filter(|a| {
                                matches!(
                                    a.state().map(AttachmentStatus::as_str),
                                    Some("available" | "attached")
                                )
                            })
                            .filter_map(|a| a.vpc_id().map(|v| Link::Id(v.to_string())))
                            .collect(),
                    });
                }
            }
        );
    }
    out
}

/// Network ACLs of the VPCs, each with the subnets associated with it, and whether every page
/// was read.
async fn network_acls(s: &Session, vpcs: &BTreeSet<String>) -> (Vec<(NetworkAcl, Vec<String>)>, bool) {
    let mut out = Vec::new();
    let mut complete = true;
    for filter in filters("vpc-id", vpcs) {
        let request = s.ec2.describe_network_acls().filters(filter);
        complete &= each_page!(
            s,
            "ec2:DescribeNetworkAcls",
            request.into_paginator().send(),
            |page| {
                for acl in page.network_acls() {
                    let (Some(id), Some(vpc)) = (acl.network_acl_id(), acl.vpc_id()) else {
                        continue;
                    };
                    let entries = acl
                        .entries()
                        .iter()
                        .map(|e| AclEntry {
                            rule_number: e.rule_number().unwrap_or_default(),
                            egress: e.egress() == Some(true),
                            protocol: e.protocol().unwrap_or("-1").to_string(),
                            allow: e.rule_action() == Some(&RuleAction::Allow),
                            cidr: e.cidr_block().or(e.ipv6_cidr_block()).map(str::to_string),
                            from_port: e.port_range().and_then(|p| p.from()),
                            to_port: e.port_range().and_then(|p| p.to()),
                        })
                        .collect();
                    out.push((
                        NetworkAcl {
                            id: id.to_string(),
                            name: name_of(acl.tags(), id),
                            origin: tagged(
                                s,
                                s.ec2_arn(acl.owner_id(), &format!("network-acl/{id}")),
                                acl.tags(),
                            ),
                            vpc: Link::Id(vpc.to_string()),
                            entries,
                        },
                        acl.associations()
                            .iter()
                            .filter_map(|a| a.subnet_id().map(str::to_string))
                            .collect(),
                    ));
                }
            }
        );
    }
    (out, complete)
}

async fn security_groups(s: &Session, ids: &BTreeSet<String>) -> Vec<SecurityGroup> {
    let mut out = Vec::new();
    for filter in filters("group-id", ids) {
        let request = s.ec2.describe_security_groups().filters(filter);
        each_page!(
            s,
            "ec2:DescribeSecurityGroups",
            request.into_paginator().send(),
            |page| {
                for group in page.security_groups() {
                    let Some(id) = group.group_id() else { continue };
                    let arn = s.ec2_arn(group.owner_id(), &format!("security-group/{id}"));
                    let origin = tagged(s, arn, group.tags());
                    out.push(SecurityGroup {
                        id: id.to_string(),
                        name: group.group_name().unwrap_or(id).to_string(),
                        vpc: group.vpc_id().map(|v| Link::Id(v.to_string())),
                        ingress: group
                            .ip_permissions()
                            .iter()
                            .flat_map(|p| ingress(p, &origin))
                            .collect(),
                        unknown_ingress: false,
                        origin,
                    });
                }
            }
        );
    }
    out
}

/// One rule per source: each CIDR, and one without a CIDR for group or prefix-list sources.
fn ingress(p: &api::IpPermission, origin: &crate::model::Origin) -> Vec<IngressRule> {
    let rule = |cidr: Option<&str>| IngressRule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        cidr: cidr.map(str::to_string),
        origin: origin.clone(),
    };
    let mut rules: Vec<IngressRule> = p
        .ip_ranges()
        .iter()
        .filter_map(|r| r.cidr_ip())
        .chain(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()))
        .map(|cidr| rule(Some(cidr)))
        .collect();
    if !p.user_id_group_pairs().is_empty() || !p.prefix_list_ids().is_empty() {
        rules.push(rule(None));
    }
    rules
}

/// The ALBs' network interfaces, found by their description (`ELB app/NAME/ID`).
async fn interfaces(s: &Session, by_description: &BTreeMap<String, String>) -> Vec<NetworkInterface> {
    // The filter asks for `ELB?app/NAME/ID` (`?` matches one character): the same interfaces,
    // without a space in the request, which moto's signature check re-encodes differently from
    // the SDK. The exact description is matched below.
    let patterns: Vec<String> = by_description.keys().map(|d| d.replacen(' ', "?", 1)).collect();
    let parts = join_all(
        filters("description", &patterns)
            .into_iter()
            .map(|filter| async move {
                let mut out = Vec::new();
                let request = s.ec2.describe_network_interfaces().filters(filter);
                each_page!(
                    s,
                    "ec2:DescribeNetworkInterfaces",
                    request.into_paginator().send(),
                    |page| {
                        for eni in page.network_interfaces() {
                            let (Some(id), Some(subnet)) = (eni.network_interface_id(), eni.subnet_id())
                            else {
                                continue;
                            };
                            let Some(lb) = eni.description().and_then(|d| by_description.get(d)) else {
                                continue;
                            };
                            out.push(NetworkInterface {
                                id: id.to_string(),
                                load_balancer: lb.clone(),
                                subnet: subnet.to_string(),
                                availability_zone: eni.availability_zone().map(str::to_string),
                                private_ip: eni.private_ip_address().map(str::to_string),
                                public_ip: eni.association().and_then(|a| a.public_ip()).map(str::to_string),
                            });
                        }
                    }
                );
                out
            }),
    )
    .await;
    parts.into_iter().flatten().collect()
}
