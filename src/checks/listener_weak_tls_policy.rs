use super::common::{Protocol, and_list, describe_listener, finding, lb_name, note, protocol};
use super::tls_policies::{CLOUDFORMATION_DEFAULT, TlsVersion, lookup};
use super::{Check, Context, Emitted, Meta, OptionDefault, OptionKind, OptionSpec, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Flags an HTTPS listener whose security policy accepts a TLS version older than
    /// `min_tls_version` (TLS 1.2 by default). The verdict comes from the protocols each
    /// predefined ELB security policy allows, not from a list of names. A listener without
    /// `SslPolicy` is judged as `ELBSecurityPolicy-2016-08`: that is what CloudFormation, the
    /// CLI, the API and the CDK apply when none is given (only the console picks a TLS 1.3
    /// policy).
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996): no modern browser needs them, PCI DSS forbids
    /// them, and they rely on SHA-1 and CBC constructions. `ELBSecurityPolicy-2016-08` still
    /// accepts both, so a template that omits `SslPolicy` quietly ships them.
    ///
    /// ## Example
    /// ```yaml
    /// HttpsListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     LoadBalancerArn: !Ref LoadBalancer
    ///     Port: 443
    ///     Protocol: HTTPS
    ///     Certificates:
    ///       - CertificateArn: !Ref Certificate
    ///     DefaultActions:
    ///       - Type: forward
    ///         TargetGroupArn: !Ref TargetGroup
    ///     # no SslPolicy: ELBSecurityPolicy-2016-08, TLS 1.0 to 1.2
    /// ```
    ///
    /// ## Fix
    /// Set a policy whose lowest version is TLS 1.2, for example
    /// `SslPolicy: ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09` (what the console now uses) or
    /// `ELBSecurityPolicy-TLS13-1-2-2021-06`. Changing the policy does not replace the listener.
    ///
    /// ## Options
    /// - `min_tls_version` (string, default `"1.2"`): the oldest version a policy may accept
    ///   (`"1.0"`, `"1.1"`, `"1.2"` or `"1.3"`).
    /// - `allowed_policies` (list of strings, default empty = any): when set, a listener whose
    ///   policy is not in the list is flagged too.
    ///
    /// ## How it is confirmed
    /// The live probe offers TLS 1.0 and TLS 1.1 ClientHellos to every IP of the load balancer
    /// (`legacy-tls-accepted`): a ServerHello confirms the finding, a `protocol_version` alert
    /// on every IP refutes it.
    pub struct ListenerWeakTlsPolicy {
        id: "listener-weak-tls-policy",
        severity: High,
        summary: "HTTPS listener whose security policy allows TLS below 1.2 (an omitted SslPolicy means ELBSecurityPolicy-2016-08)",
        modes: [Lint, Live],
        options: [
            OptionSpec {
                name: "min_tls_version",
                kind: OptionKind::String,
                default: OptionDefault::String("1.2"),
                doc: "oldest TLS version a policy may accept: 1.0, 1.1, 1.2 or 1.3",
            },
            OptionSpec {
                name: "allowed_policies",
                kind: OptionKind::StringList,
                default: OptionDefault::StringList(&[]),
                doc: "when non-empty, the only security policies a listener may use",
            },
        ],
    }
}

impl Check for ListenerWeakTlsPolicy {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, cx: &Context<'_>, out: &mut Vec<Emitted>) {
        let meta = self.meta();
        let min_raw = cx.options.string(meta, "min_tls_version");
        let min = TlsVersion::parse(&min_raw);
        let allowed = cx.options.string_list(meta, "allowed_policies");

        for listener in &inventory.listeners {
            let lb = lb_name(inventory, &listener.load_balancer);
            let what = describe_listener(listener);
            match protocol(listener) {
                Protocol::Https => {}
                Protocol::Unknown if listener.ssl_policy.is_some() => {
                    out.push(note(
                        &listener.name,
                        lb,
                        &listener.origin,
                        format!("the protocol of {what} is not known before deployment, so whether its TLS policy applies cannot be judged"),
                    ));
                    continue;
                }
                _ => continue,
            }
            let Some(policy) = &listener.ssl_policy else {
                out.push(note(
                    &listener.name,
                    lb,
                    &listener.origin,
                    format!("the SslPolicy of HTTPS {what} is not known before deployment, so the TLS versions it allows cannot be judged"),
                ));
                continue;
            };
            let Some(min) = min else {
                out.push(note(
                    &listener.name,
                    lb,
                    &policy.origin,
                    format!("option min_tls_version is \"{min_raw}\", which is not a TLS version (1.0, 1.1, 1.2 or 1.3), so the policy of {what} cannot be judged"),
                ));
                continue;
            };
            let name = policy.value.as_deref().unwrap_or(CLOUDFORMATION_DEFAULT);

            let mut reasons = Vec::new();
            // An unknown name is listener-unknown-tls-policy's finding; only the allow-list
            // can still judge it here.
            if let Some(known) = lookup(name) {
                let old: Vec<&str> = known
                    .protocols
                    .iter()
                    .filter(|v| **v < min)
                    .map(|v| v.as_str())
                    .collect();
                if !old.is_empty() {
                    reasons.push(format!("accepts {} (the minimum is {min})", and_list(&old)));
                }
            }
            if !allowed.is_empty() && !allowed.iter().any(|a| a == name) {
                reasons.push(format!(
                    "is not one of the allowed policies ({})",
                    allowed.join(", ")
                ));
            }
            if reasons.is_empty() {
                continue;
            }
            let subject = if policy.value.is_some() {
                format!("HTTPS {what} uses {name}, which")
            } else {
                format!("HTTPS {what} sets no SslPolicy, so CloudFormation and the API apply {name}, which")
            };
            out.push(finding(
                &listener.name,
                lb,
                &policy.origin,
                format!("{subject} {}", reasons.join(" and ")),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::OptionValue;
    use crate::checks::common::build::*;
    use crate::model::Inventory;

    fn inventory_with(listener: crate::model::Listener) -> Inventory {
        Inventory {
            load_balancers: vec![alb("Alb")],
            listeners: vec![listener],
            ..Default::default()
        }
    }

    #[test]
    fn omitted_policy_is_the_2016_08_default_and_flagged() {
        let mut l = https("Https", "Alb", "x", &[]);
        l.ssl_policy = Some(located(None, "Https"));
        let out = run(&ListenerWeakTlsPolicy, &inventory_with(l));
        assert_eq!(flagged(&out).len(), 1);
        let m = &out[0].message;
        assert!(m.contains("sets no SslPolicy"), "{m}");
        assert!(m.contains("ELBSecurityPolicy-2016-08"), "{m}");
        assert!(m.contains("TLS 1.0 and TLS 1.1"), "{m}");
        assert_eq!(out[0].load_balancer.as_deref(), Some("Alb"));
    }

    #[test]
    fn weak_named_policy_is_flagged_at_the_policy() {
        let l = https("Https", "Alb", "ELBSecurityPolicy-TLS-1-1-2017-01", &[]);
        let out = run(&ListenerWeakTlsPolicy, &inventory_with(l));
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("accepts TLS 1.1 (the minimum is TLS 1.2)")
        );
        assert_eq!(out[0].origin, origin("Https.SslPolicy"));
    }

    #[test]
    fn tls_1_2_policies_pass_and_http_listeners_are_ignored() {
        let mut inv = inventory_with(https("Https", "Alb", "ELBSecurityPolicy-TLS13-1-2-2021-06", &[]));
        inv.listeners.push(listener("Http", "Alb", "HTTP", 80));
        assert!(run(&ListenerWeakTlsPolicy, &inv).is_empty());
    }

    #[test]
    fn min_tls_version_option_moves_the_bar() {
        let inv = inventory_with(https("Https", "Alb", "ELBSecurityPolicy-TLS13-1-2-2021-06", &[]));
        let opts = options(&[("min_tls_version", OptionValue::String("1.3".into()))]);
        let out = run_with(&ListenerWeakTlsPolicy, &inv, &opts, 0, &[]);
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("accepts TLS 1.2 (the minimum is TLS 1.3)")
        );

        let opts = options(&[("min_tls_version", OptionValue::String("1.0".into()))]);
        let mut l = https("Https", "Alb", "x", &[]);
        l.ssl_policy = Some(located(None, "Https"));
        assert!(run_with(&ListenerWeakTlsPolicy, &inventory_with(l), &opts, 0, &[]).is_empty());
    }

    #[test]
    fn allowed_policies_flag_other_policies_even_unknown_ones() {
        let opts = options(&[(
            "allowed_policies",
            OptionValue::StringList(vec!["ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09".into()]),
        )]);
        let inv = inventory_with(https("Https", "Alb", "ELBSecurityPolicy-TLS13-1-2-2021-06", &[]));
        let out = run_with(&ListenerWeakTlsPolicy, &inv, &opts, 0, &[]);
        assert_eq!(flagged(&out).len(), 1);
        assert!(out[0].message.contains("is not one of the allowed policies"));

        let inv = inventory_with(https("Https", "Alb", "MyPolicy", &[]));
        assert_eq!(
            flagged(&run_with(&ListenerWeakTlsPolicy, &inv, &opts, 0, &[])).len(),
            1
        );
        // Without the option, an unknown name is left to listener-unknown-tls-policy.
        assert!(run(&ListenerWeakTlsPolicy, &inv).is_empty());
    }

    #[test]
    fn unknown_policy_value_and_bad_option_are_notes() {
        let mut l = https("Https", "Alb", "x", &[]);
        l.ssl_policy = None;
        let out = run(&ListenerWeakTlsPolicy, &inventory_with(l));
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("not known before deployment"));

        let inv = inventory_with(https("Https", "Alb", "ELBSecurityPolicy-2016-08", &[]));
        let opts = options(&[("min_tls_version", OptionValue::String("strong".into()))]);
        let out = run_with(&ListenerWeakTlsPolicy, &inv, &opts, 0, &[]);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("\"strong\""));
    }

    #[test]
    fn unknown_protocol_with_a_policy_is_a_note() {
        let mut l = https("L", "Alb", "ELBSecurityPolicy-2016-08", &[]);
        l.protocol = None;
        let out = run(&ListenerWeakTlsPolicy, &inventory_with(l));
        assert_eq!(notes(&out).len(), 1);
    }
}
