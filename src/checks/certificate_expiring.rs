use std::collections::HashSet;

use super::common::{finding, lb_name};
use super::{Check, Context, Emitted, Meta, OptionDefault, OptionKind, OptionSpec, check};
use crate::model::Inventory;

check! {
    /// ## What it does
    /// For every certificate a listener uses, flags one that ACM does not report as `ISSUED`
    /// (`PENDING_VALIDATION`, `EXPIRED`, `REVOKED`, `FAILED`, `INACTIVE`, ...), one that has
    /// expired, and one that expires within `days` days. Live audits only: a template does not
    /// say when a certificate expires, so lint mode reports nothing here.
    ///
    /// ## Why is this bad?
    /// An expired certificate fails every handshake with a certificate error. ACM renews the
    /// certificates it issued only while DNS (or email) validation still succeeds; imported
    /// certificates are never renewed. A certificate close to its expiry has usually missed
    /// its renewal (ACM starts 60 days ahead).
    ///
    /// ## Example
    /// ```yaml
    /// HttpsListener:
    ///   Type: AWS::ElasticLoadBalancingV2::Listener
    ///   Properties:
    ///     Protocol: HTTPS
    ///     Port: 443
    ///     Certificates:
    ///       # imported in ACM, expires in 12 days
    ///       - CertificateArn: arn:aws:acm:eu-west-1:111122223333:certificate/0c1d...
    /// ```
    ///
    /// ## Fix
    /// Renew or re-import the certificate; for ACM-issued ones, restore the validation CNAME
    /// record so managed renewal succeeds. Then check `aws acm describe-certificate`
    /// (`RenewalSummary`).
    ///
    /// ## Options
    /// - `days` (integer, default `30`): how many days before expiry to start flagging.
    ///
    /// ## How it is confirmed
    /// The live probe completes a TLS handshake with every IP and reads the certificate
    /// presented: `expired` confirms the finding; otherwise the probe reports its `notAfter`.
    pub struct CertificateExpiring {
        id: "certificate-expiring",
        severity: High,
        summary: "certificate expired, not ISSUED, or expiring within the policy's window (default 30 days)",
        modes: [Live],
        options: [OptionSpec {
            name: "days",
            kind: OptionKind::Integer,
            default: OptionDefault::Integer(30),
            doc: "flag certificates expiring within this many days",
        }],
    }
}

const DAY: i64 = 86_400;

/// A date (UTC) as YYYY-MM-DD, from seconds since the Unix epoch.
pub(crate) fn date(secs: i64) -> String {
    // Howard Hinnant's civil_from_days.
    let z = secs.div_euclid(DAY) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

impl Check for CertificateExpiring {
    fn meta(&self) -> &'static Meta {
        &Self::META
    }

    fn run(&self, inventory: &Inventory, cx: &Context<'_>, out: &mut Vec<Emitted>) {
        let days = cx.options.integer(self.meta(), "days");
        let mut seen = HashSet::new();
        for listener in &inventory.listeners {
            for link in &listener.certificates {
                let Some(cert) = link.value.id().and_then(|id| inventory.certificate(id)) else {
                    continue;
                };
                let lb = lb_name(inventory, &listener.load_balancer);
                if !seen.insert((cert.id.as_str(), lb.clone())) {
                    continue;
                }
                let mut problems = Vec::new();
                if let Some(status) = cert.status.as_deref() {
                    if !status.eq_ignore_ascii_case("ISSUED") {
                        problems.push(format!("has status {status}, not ISSUED"));
                    }
                }
                if let Some(not_after) = cert.not_after {
                    let left = not_after - cx.now;
                    if left <= 0 {
                        problems.push(format!("expired on {}", date(not_after)));
                    } else if left < days.saturating_mul(DAY) {
                        let whole = left / DAY;
                        let when = match whole {
                            0 => "in less than a day".to_string(),
                            1 => "in 1 day".to_string(),
                            n => format!("in {n} days"),
                        };
                        problems.push(format!(
                            "expires on {} ({when}, within the {days}-day window)",
                            date(not_after)
                        ));
                    }
                }
                if problems.is_empty() {
                    continue;
                }
                out.push(finding(
                    &cert.name,
                    lb,
                    &cert.origin,
                    format!(
                        "certificate {} of listener {} {}",
                        cert.name,
                        listener.name,
                        problems.join(" and ")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::OptionValue;
    use crate::checks::common::build::*;

    const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

    fn inv(status: Option<&str>, not_after: Option<i64>) -> Inventory {
        let mut cert = certificate("Cert", "example.com", &[]);
        cert.status = status.map(str::to_string);
        cert.not_after = not_after;
        let mut second = https("Https2", "Alb", "p", &["Cert"]);
        second.port = Some(8443);
        Inventory {
            load_balancers: vec![alb("Alb")],
            listeners: vec![https("Https", "Alb", "p", &["Cert"]), second],
            certificates: vec![cert],
            ..Default::default()
        }
    }

    #[test]
    fn dates_format_in_utc() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(NOW), "2026-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
    }

    #[test]
    fn expired_certificate_is_flagged_once_per_load_balancer() {
        let out = run_with(
            &CertificateExpiring,
            &inv(Some("ISSUED"), Some(NOW - DAY)),
            &Default::default(),
            NOW,
            &[],
        );
        assert_eq!(flagged(&out).len(), 1);
        assert_eq!(
            out[0].message,
            "certificate Cert of listener Https expired on 2025-12-31"
        );
    }

    #[test]
    fn expiring_within_the_window_is_flagged_and_the_window_is_an_option() {
        let i = inv(Some("ISSUED"), Some(NOW + 12 * DAY + 5));
        let out = run_with(&CertificateExpiring, &i, &Default::default(), NOW, &[]);
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("expires on 2026-01-13 (in 12 days, within the 30-day window)")
        );
        let opts = options(&[("days", OptionValue::Integer(10))]);
        assert!(run_with(&CertificateExpiring, &i, &opts, NOW, &[]).is_empty());
    }

    #[test]
    fn status_other_than_issued_is_flagged() {
        let out = run_with(
            &CertificateExpiring,
            &inv(Some("PENDING_VALIDATION"), None),
            &Default::default(),
            NOW,
            &[],
        );
        assert_eq!(flagged(&out).len(), 1);
        assert!(
            out[0]
                .message
                .contains("has status PENDING_VALIDATION, not ISSUED")
        );
    }

    #[test]
    fn healthy_or_unknown_certificates_give_nothing() {
        let far = Some(NOW + 200 * DAY);
        assert!(
            run_with(
                &CertificateExpiring,
                &inv(Some("ISSUED"), far),
                &Default::default(),
                NOW,
                &[]
            )
            .is_empty()
        );
        assert!(
            run_with(
                &CertificateExpiring,
                &inv(None, None),
                &Default::default(),
                NOW,
                &[]
            )
            .is_empty()
        );
    }
}
