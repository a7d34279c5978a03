//! ACM: the certificates the listeners use. `ListCertificates` (with every key type: ACM lists
//! only RSA by default) once per region, then `DescribeCertificate` for each certificate in use;
//! when a describe fails, the listed summary stands in for it.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_acm::types::{CertificateSummary, Filters, KeyAlgorithm};
use futures_util::future::join_all;

use super::Session;
use crate::model::Certificate;

/// Every certificate of the region, by ARN.
pub(crate) async fn list_certificates(s: &Session) -> BTreeMap<String, CertificateSummary> {
    let mut out = BTreeMap::new();
    let all_keys = Filters::builder()
        .set_key_types(Some(
            KeyAlgorithm::values()
                .iter()
                .map(|k| KeyAlgorithm::from(*k))
                .collect(),
        ))
        .build();
    let request = s.acm.list_certificates().includes(all_keys);
    each_page!(
        s,
        "acm:ListCertificates",
        request.into_paginator().send(),
        |page| {
            for summary in page.certificate_summary_list() {
                if let Some(arn) = summary.certificate_arn() {
                    out.insert(arn.to_string(), summary.clone());
                }
            }
        }
    );
    out
}

/// The certificates in use. Only ACM ARNs can be described: an IAM server certificate stays a
/// bare link on its listener.
pub(crate) async fn describe_certificates(
    s: &Session,
    arns: &BTreeSet<&str>,
    listed: &BTreeMap<String, CertificateSummary>,
) -> Vec<Certificate> {
    let found = join_all(
        arns.iter()
            .filter(|arn| arn.contains(":acm:"))
            .map(|arn| describe(s, arn, listed.get(*arn))),
    )
    .await;
    found.into_iter().flatten().collect()
}

async fn describe(s: &Session, arn: &str, listed: Option<&CertificateSummary>) -> Option<Certificate> {
    let request = s.acm.describe_certificate().certificate_arn(arn);
    match s.call(request.send()).await {
        Ok(out) => {
            let detail = out.certificate()?;
            Some(Certificate {
                id: arn.to_string(),
                name: arn.to_string(),
                origin: s.origin(arn),
                domain: detail.domain_name().map(str::to_string),
                alternative_names: detail.subject_alternative_names().to_vec(),
                status: detail.status().map(|x| x.as_str().to_string()),
                not_after: detail.not_after().map(|t| t.secs()),
            })
        }
        Err(err) => {
            s.gap_for("acm:DescribeCertificate", Some(arn), &err);
            let summary = listed?;
            Some(Certificate {
                id: arn.to_string(),
                name: arn.to_string(),
                origin: s.origin(arn),
                domain: summary.domain_name().map(str::to_string),
                alternative_names: summary.subject_alternative_name_summaries().to_vec(),
                status: summary.status().map(|x| x.as_str().to_string()),
                not_after: summary.not_after().map(|t| t.secs()),
            })
        }
    }
}
