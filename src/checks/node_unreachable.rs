use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Reported by the live probe: an IP address of the load balancer (one node, in one subnet
    /// and Availability Zone) does not complete a TCP connection to a listener port: the
    /// connection times out, is refused or is reset.
    ///
    /// ## Why is this bad?
    /// DNS hands out every node's IP address, so clients that get the dead one fail while the
    /// others work: an outage for a share of users that health checks and CloudWatch do not
    /// show, because the traffic never arrives. The usual cause is a subnet whose route table
    /// has no route to the internet gateway (`subnet-not-internet-routed`), a network ACL, or a
    /// security group.
    ///
    /// ## Example
    /// ```yaml
    /// PublicSubnetB:
    ///   Type: AWS::EC2::Subnet
    ///   Properties:
    ///     VpcId: !Ref Vpc
    ///     CidrBlock: 10.0.1.0/24
    ///     AvailabilityZone: eu-west-1b
    ///     # no SubnetRouteTableAssociation: the main table has only the local route,
    ///     # so the node in this subnet is unreachable from the internet
    /// ```
    ///
    /// ## Fix
    /// Associate the subnet with a route table that sends `0.0.0.0/0` (and `::/0` for
    /// dualstack) to the VPC's internet gateway, and make sure its network ACL and the load
    /// balancer's security groups let the listener port in.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// This is the probe's own evidence: it resolves every A/AAAA record of the load balancer
    /// and connects to each address; the finding names the IP, its subnet and zone, and how the
    /// connection failed. It confirms `subnet-not-internet-routed` for the subnet behind that IP.
    pub struct NodeUnreachable {
        id: "node-unreachable",
        severity: Critical,
        summary: "(probe) an ALB IP does not complete TCP",
        modes: [Probe],
        options: [],
    }
}

impl Check for NodeUnreachable {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, _inventory: &Inventory, _cx: &Context<'_>, _out: &mut Vec<Emitted>) {
        // Nothing to do over the inventory: the probe pipeline emits this finding from its
        // per-IP TCP results. The check exists for the registry, `checks` and `explain`.
    }
}
