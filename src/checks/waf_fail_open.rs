use super::common::{AttrValue, attribute, finding, is_true, note};
use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

const KEY: &str = "waf.fail_open.enabled";

check! {
    /// ## What it does
    /// Flags a load balancer whose attribute `waf.fail_open.enabled` is `true`. The AWS default
    /// is `false`, so an absent attribute passes.
    ///
    /// ## Why is this bad?
    /// With fail-open, when the load balancer cannot reach AWS WAF (throttling, an outage, a
    /// deleted web ACL association), it forwards requests to the targets unfiltered. The rules
    /// that block injection attempts or bots silently stop applying, and nothing in the
    /// response tells you. Fail-closed (the default) answers HTTP 403 instead.
    ///
    /// ## Example
    /// ```yaml
    /// LoadBalancer:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties:
    ///     LoadBalancerAttributes:
    ///       - Key: waf.fail_open.enabled
    ///         Value: "true"
    /// ```
    ///
    /// ## Fix
    /// Remove the attribute or set it to `"false"`. If availability matters more than filtering
    /// for this load balancer, suppress the finding with the reason in the policy file.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe: fail-open behaviour shows only while WAF is unreachable.
    pub struct WafFailOpen {
        id: "waf-fail-open",
        severity: Medium,
        summary: "waf.fail_open.enabled is true: requests bypass WAF when it cannot be reached",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for WafFailOpen {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for lb in &inventory.load_balancers {
            match attribute(lb, KEY) {
                AttrValue::Known(a, v) if is_true(v) => out.push(finding(
                    &lb.name,
                    Some(lb.name.clone()),
                    &a.origin,
                    format!("load balancer {} sets {KEY} to \"{v}\": when AWS WAF cannot be reached, requests go to the targets unfiltered", lb.name),
                )),
                AttrValue::Unknown(a) => out.push(note(
                    &lb.name,
                    Some(lb.name.clone()),
                    &a.origin,
                    format!("the value of {KEY} on load balancer {} is not known before deployment, so whether WAF fails open cannot be judged", lb.name),
                )),
                AttrValue::Unreadable => out.push(note(
                    &lb.name,
                    Some(lb.name.clone()),
                    &lb.origin,
                    format!("the attributes of load balancer {} could not be read ({}), so whether WAF fails open cannot be judged", lb.name, lb.unknowns.join("; ")),
                )),
                AttrValue::Known(..) | AttrValue::Absent => {}
            }
        }
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
    fn true_is_flagged_in_any_case() {
        for v in ["true", "TRUE", "True"] {
            let out = run(&WafFailOpen, &inv(Some(Some(v))));
            assert_eq!(flagged(&out).len(), 1, "{v}");
            assert_eq!(out[0].origin, origin(&format!("attr:{KEY}")));
        }
    }

    #[test]
    fn false_or_absent_passes_and_unknown_is_a_note() {
        assert!(run(&WafFailOpen, &inv(Some(Some("false")))).is_empty());
        assert!(run(&WafFailOpen, &inv(None)).is_empty());
        assert_eq!(notes(&run(&WafFailOpen, &inv(Some(None)))).len(), 1);
    }
}
