use super::common::require_true;
use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

const KEY: &str = "routing.http.drop_invalid_header_fields.enabled";

check! {
    /// ## What it does
    /// Flags a load balancer whose attribute `routing.http.drop_invalid_header_fields.enabled`
    /// is not `true`. The AWS default is `false`, so an absent attribute is flagged too.
    ///
    /// ## Why is this bad?
    /// With the default, the load balancer passes on header fields whose names do not match
    /// `[-A-Za-z0-9]+` (for example `X_Forwarded_For` or names with spaces). Back ends and
    /// proxies parse such names differently, which is the raw material of request smuggling
    /// and header-spoofing attacks (an underscore variant of a header your app trusts).
    ///
    /// ## Example
    /// ```yaml
    /// LoadBalancer:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties:
    ///     Subnets: [!Ref PublicSubnetA, !Ref PublicSubnetB]
    ///     # no routing.http.drop_invalid_header_fields.enabled: defaults to false
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///     LoadBalancerAttributes:
    ///       - Key: routing.http.drop_invalid_header_fields.enabled
    ///         Value: "true"
    /// ```
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe: what the load balancer forwards is visible only at the targets.
    pub struct InvalidHeadersKept {
        id: "invalid-headers-kept",
        severity: Low,
        summary: "routing.http.drop_invalid_header_fields.enabled is not true",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for InvalidHeadersKept {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        require_true(
            inventory,
            KEY,
            "header fields with invalid names are passed on to the targets",
            out,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;

    fn inv(value: Option<Option<&str>>) -> Inventory {
        let mut lb = alb("Alb");
        if let Some(v) = value {
            lb.attributes.push(attr(KEY, v));
        }
        Inventory {
            load_balancers: vec![lb],
            ..Default::default()
        }
    }

    #[test]
    fn absent_is_flagged_at_the_load_balancer() {
        let out = run(&InvalidHeadersKept, &inv(None));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].origin, origin("Alb"));
        assert!(out[0].message.contains("AWS default \"false\""));
    }

    #[test]
    fn false_is_flagged_at_the_attribute_true_passes_unknown_is_a_note() {
        let out = run(&InvalidHeadersKept, &inv(Some(Some("false"))));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].origin, origin(&format!("attr:{KEY}")));
        assert!(run(&InvalidHeadersKept, &inv(Some(Some("True")))).is_empty());
        assert_eq!(notes(&run(&InvalidHeadersKept, &inv(Some(None)))).len(), 1);
    }
}
