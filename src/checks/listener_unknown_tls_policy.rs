use super::common::{Protocol, describe_listener, finding, lb_name, protocol};
use super::tls_policies::lookup;
use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Flags an HTTPS listener whose `SslPolicy` names no security policy albaudit knows. The
    /// TLS versions such a listener accepts cannot be judged, so `listener-weak-tls-policy`
    /// cannot clear it: this finding says so instead of passing silently.
    ///
    /// ## Why is this bad?
    /// Application Load Balancers accept only the predefined `ELBSecurityPolicy-*` policies
    /// (no custom ones), and policy names are case-sensitive. An unknown name is usually a typo,
    /// which fails the deployment (`SSL policy ... not found`), or a policy newer than this
    /// version of albaudit, whose protocols have not been reviewed.
    ///
    /// ## Example
    /// ```yaml
    /// HttpsListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     LoadBalancerArn: !Ref LoadBalancer
    ///     Port: 443
    ///     Protocol: HTTPS
    ///     SslPolicy: ELBSecurityPolicy-TLS13-1-2-2021-07   # no such policy
    ///     Certificates:
    ///       - CertificateArn: !Ref Certificate
    ///     DefaultActions:
    ///       - Type: forward
    ///         TargetGroupArn: !Ref TargetGroup
    /// ```
    ///
    /// ## Fix
    /// Use one of the policies listed by `aws elbv2 describe-ssl-policies`, spelled exactly, for
    /// example `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`. If AWS has published a new policy,
    /// update albaudit (or suppress the finding with a reason until then).
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// The live probe offers TLS 1.0 and 1.1 to every IP (`legacy-tls-accepted`), which tells
    /// what the unknown policy actually accepts; the finding itself stays until the name is known.
    pub struct ListenerUnknownTlsPolicy {
        id: "listener-unknown-tls-policy",
        severity: Medium,
        summary: "HTTPS listener whose security policy is not a known ELB policy, so its TLS versions cannot be judged",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for ListenerUnknownTlsPolicy {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for listener in &inventory.listeners {
            // An unknown protocol or policy value is listener-weak-tls-policy's note.
            if protocol(listener) != Protocol::Https {
                continue;
            }
            let Some(policy) = &listener.ssl_policy else {
                continue;
            };
            let Some(name) = policy.value.as_deref() else {
                continue;
            };
            if lookup(name).is_some() {
                continue;
            }
            out.push(finding(
                &listener.name,
                lb_name(inventory, &listener.load_balancer),
                &policy.origin,
                format!(
                    "HTTPS {} uses SslPolicy \"{name}\", which is not a known ELB security policy for application load balancers, so the TLS versions it accepts cannot be judged",
                    describe_listener(listener)
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;

    fn inv(listeners: Vec<crate::model::Listener>) -> Inventory {
        Inventory {
            load_balancers: vec![alb("Alb")],
            listeners,
            ..Default::default()
        }
    }

    #[test]
    fn unknown_name_is_flagged() {
        let out = run(
            &ListenerUnknownTlsPolicy,
            &inv(vec![https(
                "Https",
                "Alb",
                "ELBSecurityPolicy-TLS13-1-2-2021-07",
                &[],
            )]),
        );
        assert_eq!(flagged(&out).len(), 1);
        assert!(out[0].message.contains("\"ELBSecurityPolicy-TLS13-1-2-2021-07\""));
        assert_eq!(out[0].origin, origin("Https.SslPolicy"));
    }

    #[test]
    fn known_omitted_or_unresolved_policies_are_not_this_checks_business() {
        let mut omitted = https("A", "Alb", "x", &[]);
        omitted.ssl_policy = Some(located(None, "A"));
        let mut unresolved = https("B", "Alb", "x", &[]);
        unresolved.ssl_policy = None;
        let known = https("C", "Alb", "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", &[]);
        let mut http = https("D", "Alb", "Bogus", &[]);
        http.protocol = Some("HTTP".into());
        assert!(
            run(
                &ListenerUnknownTlsPolicy,
                &inv(vec![omitted, unresolved, known, http])
            )
            .is_empty()
        );
    }
}
