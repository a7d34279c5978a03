use super::common::require_true;
use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

const KEY: &str = "connection_logs.s3.enabled";

check! {
    /// ## What it does
    /// Flags a load balancer whose attribute `connection_logs.s3.enabled` is not `true`. The
    /// AWS default is `false`, so an absent attribute is flagged too.
    ///
    /// ## Why is this bad?
    /// Connection logs are the only record of TLS handshakes: client IP, TLS version, cipher,
    /// handshake latency, the client certificate and, above all, the handshakes that fail. A
    /// failed handshake never becomes a request, so it appears in neither access logs nor the
    /// `HTTPCode_*` metrics: without connection logs, clients rejected by a TLS policy change
    /// or an expired certificate leave no trace.
    ///
    /// ## Example
    /// ```yaml
    /// LoadBalancer:
    ///   Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    ///   Properties:
    ///     LoadBalancerAttributes:
    ///       - Key: access_logs.s3.enabled
    ///         Value: "true"
    ///       - Key: access_logs.s3.bucket
    ///         Value: !Ref LogBucket
    ///       # no connection_logs.s3.enabled
    /// ```
    ///
    /// ## Fix
    /// ```yaml
    ///       - Key: connection_logs.s3.enabled
    ///         Value: "true"
    ///       - Key: connection_logs.s3.bucket
    ///         Value: !Ref LogBucket
    /// ```
    /// The bucket policy must let the regional ELB account (or
    /// `logdelivery.elasticloadbalancing.amazonaws.com`) write to it, as for access logs.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// Not confirmed by a probe: logging is invisible from the outside.
    pub struct ConnectionLogsDisabled {
        id: "connection-logs-disabled",
        severity: Low,
        summary: "connection logs off: handshake failures leave no trace anywhere else",
        modes: [Lint, Live],
        options: [],
    }
}

impl Check for ConnectionLogsDisabled {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, _cx: &Context<'_>, out: &mut Vec<Emitted>) {
        require_true(
            inventory,
            KEY,
            "failed TLS handshakes are not logged anywhere",
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
    fn absent_or_false_is_flagged() {
        let out = run(&ConnectionLogsDisabled, &inv(None));
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(
            out[0].message,
            "load balancer Alb does not set connection_logs.s3.enabled, so the AWS default \"false\" applies: failed TLS handshakes are not logged anywhere"
        );
        assert_eq!(
            flagged(&run(&ConnectionLogsDisabled, &inv(Some(Some("false"))))).len(),
            1
        );
    }

    #[test]
    fn true_passes_and_unknown_is_a_note() {
        assert!(run(&ConnectionLogsDisabled, &inv(Some(Some("true")))).is_empty());
        let out = run(&ConnectionLogsDisabled, &inv(Some(None)));
        assert_eq!(notes(&out).len(), 1);
        assert!(out[0].message.contains("not known before deployment"));
    }
}
