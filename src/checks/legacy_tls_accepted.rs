use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Reported by the live probe: an IP address of the load balancer accepts a TLS 1.0 or
    /// TLS 1.1 ClientHello (answers with a ServerHello of that version) on an HTTPS listener.
    ///
    /// ## Why is this bad?
    /// TLS 1.0 and 1.1 are deprecated (RFC 8996) and forbidden by PCI DSS. Accepting them shows
    /// the listener uses a policy such as `ELBSecurityPolicy-2016-08`, which CloudFormation
    /// applies when a listener names no `SslPolicy`. This is the observed counterpart of
    /// `listener-weak-tls-policy`.
    ///
    /// ## Example
    /// ```yaml
    /// HttpsListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     Port: 443
    ///     Protocol: HTTPS
    ///     Certificates:
    ///       - CertificateArn: !Ref Certificate
    ///     # no SslPolicy: TLS 1.0 and 1.1 are accepted
    /// ```
    ///
    /// ## Fix
    /// Set `SslPolicy` to a policy whose lowest version is TLS 1.2, for example
    /// `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// This is the probe's own evidence: a hand-built TLS 1.0 and TLS 1.1 ClientHello is sent
    /// to each IP and the reply (ServerHello version, or the alert) is recorded per IP.
    pub struct LegacyTlsAccepted {
        id: "legacy-tls-accepted",
        severity: High,
        summary: "(probe) an ALB IP accepts TLS 1.0 or 1.1",
        modes: [Probe],
        options: [],
    }
}

impl Check for LegacyTlsAccepted {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, _inventory: &Inventory, _cx: &Context<'_>, _out: &mut Vec<Emitted>) {
        // Nothing to do over the inventory: the probe pipeline emits this finding from its
        // legacy ClientHello results. The check exists for the registry, `checks` and `explain`.
    }
}
