use super::{Check, Context, Emitted, Meta, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// Reported by the live probe: an IP address of the load balancer completes TCP on an
    /// HTTPS listener port but not the TLS handshake. The finding gives the reason: a TLS alert
    /// (by name), a plaintext reply (an HTTP listener on the port), no reply, the connection
    /// closed, or a certificate the client cannot accept (expired, not yet valid, hostname
    /// mismatch, incomplete chain, unknown issuer).
    ///
    /// ## Why is this bad?
    /// Clients that reach this node get a browser error or a failed API call, while the load
    /// balancer's request metrics show nothing: a failed handshake never becomes a request.
    /// Typical causes are a certificate that does not cover the name, an expired certificate,
    /// or a policy that shares no cipher or version with the client.
    ///
    /// ## Example
    /// ```yaml
    /// HttpsListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     Port: 443
    ///     Protocol: HTTPS
    ///     SslPolicy: ELBSecurityPolicy-TLS13-1-3-2021-06   # TLS 1.3 only
    ///     Certificates:
    ///       - CertificateArn: !Ref Certificate
    ///     # clients limited to TLS 1.2 fail with a protocol_version alert
    /// ```
    ///
    /// ## Fix
    /// Follow the reason: attach a certificate that covers the domain
    /// (`certificate-domain-mismatch`), renew it (`certificate-expiring`), or choose a policy
    /// your clients support, such as `ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09`.
    ///
    /// ## Options
    /// None.
    ///
    /// ## How it is confirmed
    /// This is the probe's own evidence: a rustls handshake with the domain as SNI against each
    /// IP, reporting the TLS outcome and the certificate verdict per IP.
    pub struct HandshakeFailed {
        id: "handshake-failed",
        severity: High,
        summary: "(probe) an ALB IP completes TCP but not TLS, with the reason",
        modes: [Probe],
        options: [],
    }
}

impl Check for HandshakeFailed {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, _inventory: &Inventory, _cx: &Context<'_>, _out: &mut Vec<Emitted>) {
        // Nothing to do over the inventory: the probe pipeline emits this finding from its
        // per-IP TLS handshakes. The check exists for the registry, `checks` and `explain`.
    }
}
