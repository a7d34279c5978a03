use super::{Check, Context, Emitted, Meta};
use crate::finding::Severity;
use crate::model::*;

check! {
    /// ## What it does
    /// Follows every subnet of an internet-facing Application Load Balancer to the route table
    /// that really applies to it (its explicit association, or else the main route table of the
    /// subnet's own VPC) and checks that the table sends `0.0.0.0/0` (and `::/0` for a dualstack
    /// load balancer) to an internet gateway that is attached to that same VPC.
    ///
    /// ## Why is this bad?
    /// The load balancer puts one node in each of its subnets, and DNS hands out the address of
    /// every node. A node whose subnet has no route to an internet gateway cannot answer: clients
    /// that draw its address time out, a few times a day, while CloudWatch shows no 4xx/5xx and
    /// the access log shows nothing, because no handshake ever happens. A subnet that was never
    /// associated with the public route table silently falls back to the VPC's main route table,
    /// which usually holds only the local route. A NAT gateway, an egress-only gateway, or an
    /// internet gateway that is not attached to the subnet's VPC does not carry inbound traffic.
    ///
    /// ## Example
    /// ```yaml
    /// PublicSubnetB:
    ///   Type: AWS::EC2::Subnet
    ///   Properties: {VpcId: !Ref VPC, CidrBlock: 10.0.2.0/24, AvailabilityZone: ap-northeast-1c}
    /// # no AWS::EC2::SubnetRouteTableAssociation for PublicSubnetB: it uses the main table
    /// ALB:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties: {Subnets: [!Ref PublicSubnetA, !Ref PublicSubnetB]}
    /// ```
    ///
    /// ## Fix
    /// Associate every load balancer subnet with a route table that has
    /// `0.0.0.0/0 -> internet gateway` (and `::/0` for dualstack), and attach that gateway to the
    /// subnet's VPC:
    /// ```yaml
    /// PublicSubnetBRouteTableAssociation:
    ///   Type: AWS::EC2::SubnetRouteTableAssociation
    ///   Properties: {SubnetId: !Ref PublicSubnetB, RouteTableId: !Ref PublicRouteTable}
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// The probe connects to the address of the load balancer node in each subnet (found through
    /// the load balancer's network interfaces). The finding is confirmed when the node in the
    /// flagged subnet times out at TCP while the nodes in other subnets connect, and refuted when
    /// it connects.
    ///
    /// Values the templates cannot decide (a subnet, route table or gateway given as a parameter
    /// or imported from a stack that was not given) are reported as `info`, never as routed or
    /// not routed.
    pub struct SubnetNotInternetRouted {
        id: "subnet-not-internet-routed",
        severity: Critical,
        summary: "An internet-facing ALB subnet has no route to an internet gateway attached to its VPC",
        modes: [Lint, Live],
        options: [],
    }
}

/// How one subnet's routing was judged.
enum Verdict {
    Routed,
    /// Not routed, with the explanation after "has no route to an internet gateway: ".
    NotRouted(String),
    /// Cannot be judged from what the inventory holds, with the reason.
    Unknown(String),
}

impl Check for SubnetNotInternetRouted {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inv: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for lb in &inv.load_balancers {
            if lb.scheme == Some(Scheme::Internal) {
                continue;
            }
            if lb.subnets.is_empty() && !lb.unknowns.is_empty() {
                out.push(Emitted {
                    resource: lb.name.clone(),
                    load_balancer: Some(lb.name.clone()),
                    message: format!(
                        "cannot judge the routing of the subnets of {}: {}",
                        lb.name,
                        lb.unknowns.join("; ")
                    ),
                    origin: lb.origin.clone(),
                    severity: Some(Severity::Info),
                });
            }
            for subnet_link in &lb.subnets {
                let (resource, origin, verdict) = match &subnet_link.value {
                    Link::Unknown(why) => (
                        lb.name.clone(),
                        subnet_link.origin.clone(),
                        Verdict::Unknown(format!("a subnet of {} comes from {why}", lb.name)),
                    ),
                    Link::Id(id) => match inv.subnet(id) {
                        None => (
                            id.clone(),
                            subnet_link.origin.clone(),
                            Verdict::Unknown(format!("subnet {id} is not among the resources seen")),
                        ),
                        Some(subnet) => (subnet.name.clone(), subnet.origin.clone(), judge(inv, lb, subnet)),
                    },
                };
                let scheme_note = if lb.scheme.is_none() {
                    " (if the load balancer is deployed internet-facing; its scheme is decided at deploy time)"
                } else {
                    ""
                };
                let (message, severity) = match verdict {
                    Verdict::Routed => continue,
                    Verdict::NotRouted(why) => (
                        format!(
                            "subnet {} has no route to an internet gateway: {why}{scheme_note}",
                            describe_subnet(inv, &resource)
                        ),
                        lb.scheme.is_none().then_some(Severity::Info),
                    ),
                    Verdict::Unknown(why) => (
                        format!("cannot judge whether this subnet routes to an internet gateway: {why}"),
                        Some(Severity::Info),
                    ),
                };
                out.push(Emitted {
                    resource,
                    load_balancer: Some(lb.name.clone()),
                    message,
                    origin,
                    severity,
                });
            }
        }
    }
}

fn describe_subnet(inv: &Inventory, name: &str) -> String {
    match inv
        .subnets
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.availability_zone.as_deref())
    {
        Some(az) if !az.starts_with('(') => format!("{name} ({az})"),
        _ => name.to_string(),
    }
}

fn judge(inv: &Inventory, lb: &LoadBalancer, subnet: &Subnet) -> Verdict {
    let (table, how) = match &subnet.route_table {
        Some(Located {
            value: Link::Unknown(why),
            ..
        }) => {
            return Verdict::Unknown(format!("its route table comes from {why}"));
        }
        Some(Located {
            value: Link::Id(id), ..
        }) => match inv.route_table(id) {
            Some(t) => (t, format!("its route table {}", t.name)),
            None => return Verdict::Unknown(format!("its route table {id} is not among the resources seen")),
        },
        None => {
            let vpc = match &subnet.vpc {
                Link::Id(vpc) => vpc,
                Link::Unknown(why) => {
                    return Verdict::Unknown(format!(
                        "no route table is associated with it and its VPC comes from {why}, so its main route table is unknown"
                    ));
                }
            };
            match inv.main_route_table(vpc) {
                Some(t) => (
                    t,
                    "no route table is associated with it, so it uses the VPC main route table".to_string(),
                ),
                None => {
                    return Verdict::Unknown(format!(
                        "no route table is associated with it and the main route table of VPC {vpc} is not among the resources seen"
                    ));
                }
            }
        }
    };
    let mut families = vec!["0.0.0.0/0"];
    if lb.dualstack {
        families.push("::/0");
    }
    for family in families {
        let routes: Vec<&Route> = table.routes.iter().filter(|r| r.destination == family).collect();
        let Some(route) = routes.first() else {
            if !table.unknown_routes.is_empty() {
                return Verdict::Unknown(format!("{how}, which has {}", table.unknown_routes.join("; ")));
            }
            let only_local = table.routes.iter().all(|r| r.target == RouteTarget::Local);
            return Verdict::NotRouted(if only_local {
                format!("{how}, which has only the local route")
            } else {
                format!("{how}, which has no {family} route")
            });
        };
        match &route.target {
            RouteTarget::InternetGateway(Link::Id(gw)) => {
                let Some(igw) = inv.internet_gateway(gw) else {
                    return Verdict::Unknown(format!(
                        "{how} sends {family} to gateway {gw}, which is not among the resources seen"
                    ));
                };
                let vpc = match &subnet.vpc {
                    Link::Id(vpc) => vpc,
                    Link::Unknown(why) => {
                        return Verdict::Unknown(format!(
                            "its VPC comes from {why}, so the gateway attachment cannot be checked"
                        ));
                    }
                };
                if igw.attachments.iter().any(|a| a.id() == Some(vpc.as_str())) {
                    continue;
                }
                if igw.attachments.iter().any(|a| matches!(a, Link::Unknown(_))) {
                    return Verdict::Unknown(format!(
                        "internet gateway {} is attached to a VPC known only at deploy time",
                        igw.name
                    ));
                }
                return Verdict::NotRouted(format!(
                    "{how} sends {family} to internet gateway {}, which is not attached to the subnet's VPC",
                    igw.name
                ));
            }
            RouteTarget::InternetGateway(Link::Unknown(why)) | RouteTarget::Unknown(why) => {
                return Verdict::Unknown(format!("{how} sends {family} to a target that comes from {why}"));
            }
            RouteTarget::NatGateway(_) => {
                return Verdict::NotRouted(format!(
                    "{how} sends {family} to a NAT gateway, which carries only outbound connections"
                ));
            }
            RouteTarget::EgressOnlyGateway(_) => {
                return Verdict::NotRouted(format!(
                    "{how} sends {family} to an egress-only internet gateway, which carries only outbound connections"
                ));
            }
            RouteTarget::Local => {
                return Verdict::NotRouted(format!("{how} sends {family} to the local route"));
            }
            RouteTarget::Other(kind) => {
                return Verdict::NotRouted(format!(
                    "{how} sends {family} to {kind}, not an internet gateway"
                ));
            }
        }
    }
    Verdict::Routed
}
