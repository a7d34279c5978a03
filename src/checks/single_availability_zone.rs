use super::common::{and_list, finding, note};
use super::{Check, Context, Emitted, Meta, check};
use crate::model::{Inventory, Link};

check! {
    /// ## What it does
    /// Flags a load balancer with fewer than two distinct subnets, or, when the inventory knows
    /// the Availability Zone of every one of its subnets, fewer than two distinct zones. When
    /// some subnets are not known before deployment and fewer than two known ones remain, it
    /// gives an info note instead.
    ///
    /// ## Why is this bad?
    /// An Application Load Balancer places one node per enabled zone. With a single zone, a
    /// zone outage takes the whole entry point down, and there is no second node for DNS to
    /// fail over to. AWS itself requires subnets in at least two zones when it creates an ALB
    /// (`At least two subnets in two different Availability Zones must be specified`), so in a
    /// template this finding is also a failed deployment waiting to happen.
    ///
    /// ## Example
    /// ```yaml
    /// LoadBalancer:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties:
    ///     Type: application
    ///     Subnets:
    ///       - !Ref PublicSubnetA
    /// ```
    ///
    /// ## Fix
    /// List one public subnet in each of at least two zones:
    /// `Subnets: [!Ref PublicSubnetA, !Ref PublicSubnetB]`, the second subnet in another
    /// `AvailabilityZone` and associated with a route table that routes `0.0.0.0/0` to the
    /// internet gateway.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe directly; the probe maps each IP of the load balancer to its
    /// subnet and zone, so a live audit shows how many zones actually answer.
    pub struct SingleAvailabilityZone {
        id: "single-availability-zone",
        severity: Medium,
        summary: "fewer than two subnets/AZs",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for SingleAvailabilityZone {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for lb in &inventory.load_balancers {
            let name = Some(lb.name.clone());
            let origin = lb.subnets.first().map_or(&lb.origin, |s| &s.origin);
            let mut known: Vec<&str> = Vec::new();
            let mut unknown = Vec::new();
            for subnet in &lb.subnets {
                match &subnet.value {
                    Link::Id(id) if !known.contains(&id.as_str()) => known.push(id),
                    Link::Id(_) => {}
                    Link::Unknown(why) => unknown.push(why.to_string()),
                }
            }
            let names: Vec<&str> = known
                .iter()
                .map(|id| inventory.subnet(id).map_or(*id, |s| s.name.as_str()))
                .collect();

            if known.len() < 2 {
                if !unknown.is_empty() {
                    out.push(note(
                        &lb.name,
                        name,
                        origin,
                        format!(
                            "load balancer {} has {} known subnet(s){} and others from {}, so whether it spans two Availability Zones cannot be judged",
                            lb.name,
                            known.len(),
                            if names.is_empty() { String::new() } else { format!(" ({})", names.join(", ")) },
                            and_list(&unknown)
                        ),
                    ));
                } else if lb.subnets.is_empty() && !lb.unknowns.is_empty() {
                    out.push(note(
                        &lb.name,
                        name,
                        origin,
                        format!(
                            "the subnets of load balancer {} could not be read ({}), so whether it spans two Availability Zones cannot be judged",
                            lb.name,
                            lb.unknowns.join("; ")
                        ),
                    ));
                } else if lb.subnets.is_empty() {
                    // The API refuses an ALB without subnets: a broken template, not one AZ.
                    out.push(note(
                        &lb.name,
                        name,
                        origin,
                        format!(
                            "load balancer {} sets neither Subnets nor SubnetMappings, which CloudFormation refuses for an Application Load Balancer",
                            lb.name
                        ),
                    ));
                } else {
                    let what = match names.as_slice() {
                        [] => "no subnets".to_string(),
                        [one] => format!("a single subnet ({one})"),
                        _ => unreachable!("fewer than two"),
                    };
                    out.push(finding(
                        &lb.name,
                        name,
                        origin,
                        format!(
                            "load balancer {} has {what}, so it runs in a single Availability Zone at most",
                            lb.name
                        ),
                    ));
                }
                continue;
            }

            // Two or more distinct subnets: compare zones when every one of them is known.
            let zones: Option<Vec<&str>> = known
                .iter()
                .map(|id| inventory.subnet(id).and_then(|s| s.availability_zone.as_deref()))
                .collect();
            let Some(mut zones) = zones else { continue };
            zones.sort_unstable();
            zones.dedup();
            if zones.len() < 2 && unknown.is_empty() {
                out.push(finding(
                    &lb.name,
                    name,
                    origin,
                    format!(
                        "load balancer {} has subnets {} all in one Availability Zone ({})",
                        lb.name,
                        and_list(&names),
                        zones.first().copied().unwrap_or("unknown")
                    ),
                ));
            } else if zones.len() < 2 {
                out.push(note(
                    &lb.name,
                    name,
                    origin,
                    format!(
                        "the known subnets of load balancer {} ({}) are all in {}, and others come from {}, so whether it spans two Availability Zones cannot be judged",
                        lb.name,
                        names.join(", "),
                        zones.first().copied().unwrap_or("one zone"),
                        and_list(&unknown)
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;

    fn inv(subnets: Vec<Link>, zones: &[(&str, Option<&str>)]) -> Inventory {
        let mut lb = alb("Alb");
        lb.subnets = subnets.into_iter().map(|s| located(s, "Alb.Subnets")).collect();
        Inventory {
            load_balancers: vec![lb],
            subnets: zones.iter().map(|(id, az)| subnet(id, *az)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn one_subnet_is_flagged() {
        let out = run(&SingleAvailabilityZone, &inv(vec![id("A"), id("A")], &[]));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(
            out[0].message,
            "load balancer Alb has a single subnet (A), so it runs in a single Availability Zone at most"
        );
        assert_eq!(out[0].origin, origin("Alb.Subnets"));
    }

    #[test]
    fn two_subnets_in_one_zone_are_flagged() {
        let zones = [("A", Some("eu-west-1a")), ("B", Some("eu-west-1a"))];
        let out = run(&SingleAvailabilityZone, &inv(vec![id("A"), id("B")], &zones));
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("A and B all in one Availability Zone (eu-west-1a)")
        );
    }

    #[test]
    fn two_zones_pass_and_unknown_zones_are_judged_by_subnet_count() {
        let zones = [("A", Some("eu-west-1a")), ("B", Some("eu-west-1b"))];
        assert!(run(&SingleAvailabilityZone, &inv(vec![id("A"), id("B")], &zones)).is_empty());
        let zones = [("A", Some("eu-west-1a")), ("B", None)];
        assert!(run(&SingleAvailabilityZone, &inv(vec![id("A"), id("B")], &zones)).is_empty());
        // Literal subnet ids not in the inventory: two distinct ones pass.
        assert!(
            run(
                &SingleAvailabilityZone,
                &inv(vec![id("subnet-1"), id("subnet-2")], &[])
            )
            .is_empty()
        );
    }

    #[test]
    fn unknown_subnets_leave_a_note_when_fewer_than_two_known_remain() {
        let out = run(
            &SingleAvailabilityZone,
            &inv(vec![id("A"), unknown("SubnetB")], &[]),
        );
        assert_eq!(notes(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("1 known subnet(s) (A) and others from parameter SubnetB")
        );
        let zones = [("A", Some("eu-west-1a")), ("B", Some("eu-west-1b"))];
        let both = inv(vec![id("A"), id("B"), unknown("SubnetC")], &zones);
        assert!(run(&SingleAvailabilityZone, &both).is_empty());
    }
}
