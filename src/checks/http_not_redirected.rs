use super::common::{
    Protocol, and_list, describe_listener, finding, lb_name, lb_of, note, protocol, rule_name,
};
use super::{Check, Context, Emitted, Meta, check};
use crate::model::{Action, Inventory, Scheme};

check! {
    /// ## What it does
    /// Flags an HTTP listener of an internet-facing (or unknown-scheme) load balancer whose
    /// default actions, or the actions of any of its listener rules, forward (or authenticate
    /// and forward) requests instead of redirecting them to HTTPS. A `redirect` action with
    /// `Protocol: HTTPS` passes, as does a `fixed-response`. A redirect that leaves `Protocol`
    /// out keeps the request's protocol (`#{protocol}`, the AWS default), so it is flagged too.
    ///
    /// ## Why is this bad?
    /// Requests that reach the application over plain HTTP travel unencrypted, cookies and
    /// credentials included, and can be altered on the way. Browsers that type the bare domain
    /// start on port 80: without a redirect they never reach the HTTPS listener.
    ///
    /// ## Example
    /// ```yaml
    /// HttpListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     LoadBalancerArn: !Ref LoadBalancer
    ///     Port: 80
    ///     Protocol: HTTP
    ///     DefaultActions:
    ///       - Type: forward
    ///         TargetGroupArn: !Ref TargetGroup
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///     DefaultActions:
    ///       - Type: redirect
    ///         RedirectConfig:
    ///           Protocol: HTTPS
    ///           Port: "443"
    ///           StatusCode: HTTP_301
    /// ```
    /// and give the listener's rules the same redirect (or remove them).
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe: the handshake probes speak TLS, and the verdict follows from
    /// the listener's actions alone.
    pub struct HttpNotRedirected {
        id: "http-not-redirected",
        severity: Medium,
        summary: "HTTP listener that serves traffic instead of redirecting to HTTPS",
        modes: [Lint, Live],
        options: [],
    }
}

/// What a list of actions does with a request, as far as this check cares.
enum Verdict {
    /// Redirects to HTTPS or answers itself.
    Fine,
    /// Serves the request: what it does, in words.
    Serves(Vec<String>),
    /// An action whose type is not known.
    Unknown(Vec<String>),
}

fn judge(actions: &[Action]) -> Verdict {
    let mut serves = Vec::new();
    let mut unknown = Vec::new();
    for action in actions {
        match action {
            Action::Forward => serves.push("forwards requests to a target group".to_string()),
            Action::Authenticate => serves.push("authenticates and forwards requests".to_string()),
            Action::Redirect { protocol, .. } => match protocol.as_deref() {
                Some(p) if p.eq_ignore_ascii_case("HTTPS") => {}
                Some(p) => serves.push(format!("redirects with protocol {p}, not HTTPS")),
                None => serves.push(
                    "redirects without Protocol: HTTPS, so the AWS default #{protocol} keeps HTTP"
                        .to_string(),
                ),
            },
            Action::FixedResponse { .. } => {}
            Action::Unknown(what) => unknown.push(what.clone()),
        }
    }
    serves.dedup();
    if !serves.is_empty() {
        Verdict::Serves(serves)
    } else if !unknown.is_empty() {
        Verdict::Unknown(unknown)
    } else {
        Verdict::Fine
    }
}

impl Check for HttpNotRedirected {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        for listener in &inventory.listeners {
            if lb_of(inventory, listener).is_some_and(|lb| lb.scheme == Some(Scheme::Internal)) {
                continue;
            }
            let lb = lb_name(inventory, &listener.load_balancer);
            let what = describe_listener(listener);
            let proto = protocol(listener);
            // A listener of unknown protocol with certificates or a TLS policy is HTTPS.
            let maybe_http = proto == Protocol::Unknown
                && listener.certificates.is_empty()
                && listener.ssl_policy.is_none();
            if proto != Protocol::Http && !maybe_http {
                continue;
            }
            let kind = if proto == Protocol::Http { "HTTP " } else { "" };
            let rules = inventory
                .rules
                .iter()
                .filter(|r| r.listener.id() == Some(listener.id.as_str()));
            let judged = std::iter::once((
                listener.name.as_str(),
                &listener.origin,
                format!("{kind}{what}"),
                judge(&listener.default_actions),
            ))
            .chain(rules.map(|r| {
                (
                    rule_name(r),
                    &r.origin,
                    format!("rule {} of {kind}{what}", rule_name(r)),
                    judge(&r.actions),
                )
            }));
            for (resource, origin, subject, verdict) in judged {
                match (verdict, proto) {
                    (Verdict::Fine, _) => {}
                    (Verdict::Serves(what_it_does), Protocol::Unknown) => out.push(note(
                        resource,
                        lb.clone(),
                        origin,
                        format!(
                            "the protocol of {subject} is not known before deployment; if it is HTTP, it {} instead of redirecting to HTTPS",
                            and_list(&what_it_does)
                        ),
                    )),
                    (Verdict::Serves(what_it_does), _) => out.push(finding(
                        resource,
                        lb.clone(),
                        origin,
                        format!("{subject} {} instead of redirecting to HTTPS", and_list(&what_it_does)),
                    )),
                    (Verdict::Unknown(kinds), _) => out.push(note(
                        resource,
                        lb.clone(),
                        origin,
                        format!(
                            "{subject} has actions whose type is not known ({}), so whether it redirects to HTTPS cannot be judged",
                            kinds.join(", ")
                        ),
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::common::build::*;

    fn redirect(protocol: Option<&str>) -> Action {
        Action::Redirect {
            protocol: protocol.map(str::to_string),
            port: Some("443".into()),
        }
    }

    fn inv(actions: Vec<Action>) -> Inventory {
        let mut http = listener("Http", "Alb", "HTTP", 80);
        http.default_actions = actions;
        Inventory {
            load_balancers: vec![alb("Alb")],
            listeners: vec![http],
            ..Default::default()
        }
    }

    #[test]
    fn forwarding_http_listener_is_flagged() {
        let out = run(&HttpNotRedirected, &inv(vec![Action::Forward]));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(
            out[0].message,
            "HTTP listener Http (port 80) forwards requests to a target group instead of redirecting to HTTPS"
        );
        assert_eq!(out[0].resource, "Http");
    }

    #[test]
    fn https_redirect_and_fixed_response_pass() {
        assert!(run(&HttpNotRedirected, &inv(vec![redirect(Some("HTTPS"))])).is_empty());
        let fixed = Action::FixedResponse {
            status: Some("404".into()),
        };
        assert!(run(&HttpNotRedirected, &inv(vec![fixed])).is_empty());
    }

    #[test]
    fn redirect_that_keeps_http_is_flagged() {
        let out = run(&HttpNotRedirected, &inv(vec![redirect(None)]));
        assert_eq!(flagged(&out).len(), 1);
        assert!(out[0].message.contains("#{protocol} keeps HTTP"));
        assert_eq!(
            flagged(&run(&HttpNotRedirected, &inv(vec![redirect(Some("HTTP"))]))).len(),
            1
        );
    }

    #[test]
    fn a_forwarding_rule_on_a_redirecting_listener_is_flagged() {
        let mut i = inv(vec![redirect(Some("HTTPS"))]);
        i.rules.push(rule(
            "ApiRule",
            "Http",
            &["api.example.com"],
            vec![Action::Authenticate, Action::Forward],
        ));
        i.rules.push(rule("Other", "Https", &[], vec![Action::Forward]));
        let out = run(&HttpNotRedirected, &i);
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(out[0].resource, "ApiRule");
        assert!(
            out[0]
                .message
                .starts_with("rule ApiRule of HTTP listener Http (port 80) authenticates")
        );
    }

    #[test]
    fn internal_load_balancers_are_skipped_unknown_scheme_is_not() {
        let mut i = inv(vec![Action::Forward]);
        i.load_balancers[0].scheme = Some(Scheme::Internal);
        assert!(run(&HttpNotRedirected, &i).is_empty());
        i.load_balancers[0].scheme = None;
        assert_eq!(flagged(&run(&HttpNotRedirected, &i)).len(), 1);
    }

    #[test]
    fn unknown_actions_and_protocols_are_notes() {
        let out = run(&HttpNotRedirected, &inv(vec![Action::Unknown("!If".into())]));
        assert_eq!(notes(&out).len(), 1);
        let mut i = inv(vec![Action::Forward]);
        i.listeners[0].protocol = None;
        let out = run(&HttpNotRedirected, &i);
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("if it is HTTP"));
    }
}
