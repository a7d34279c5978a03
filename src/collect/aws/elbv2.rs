//! Elastic Load Balancing v2: load balancers, attributes, listeners, listener certificates,
//! rules, tags and TLS policies. Calls per region: the load-balancer pages and the policy pages,
//! then per ALB two (listeners, attributes), per listener one (rules) and per HTTPS listener one
//! more (certificates), and one tag call per 20 ALBs and listeners.

use aws_sdk_elasticloadbalancingv2::types::{
    self as api, ActionTypeEnum, IpAddressType, LoadBalancerSchemeEnum, LoadBalancerTypeEnum, ProtocolEnum,
};
use futures_util::future::join_all;

use super::Session;
use crate::model::{
    Action, Attribute, Link, Listener, ListenerRule, LoadBalancer, Located, Scheme, SslPolicy,
};

/// An application load balancer and the ids the other services are asked about.
pub(crate) struct Balancer {
    pub model: LoadBalancer,
    pub vpc: Option<String>,
    pub security_groups: Vec<String>,
    pub subnets: Vec<String>,
}

impl Balancer {
    /// The description AWS gives the ALB's network interfaces: `ELB app/NAME/ID`.
    pub fn interface_description(&self) -> Option<String> {
        let (_, tail) = self.model.id.split_once(":loadbalancer/")?;
        Some(format!("ELB {tail}"))
    }
}

/// Listeners and rules of all ALBs of a region.
#[derive(Default)]
pub(crate) struct Details {
    pub listeners: Vec<Listener>,
    pub rules: Vec<ListenerRule>,
}

/// Resource ARNs per DescribeTags call (the API maximum).
const TAG_BATCH: usize = 20;

/// The tags of these load balancers and listeners, recorded on the session, 20 ARNs a call.
pub(crate) async fn tags(s: &Session, arns: &[&str]) {
    join_all(arns.chunks(TAG_BATCH).map(|chunk| async move {
        let request = s
            .elbv2
            .describe_tags()
            .set_resource_arns(Some(chunk.iter().map(|a| a.to_string()).collect()));
        match s.call(request.send()).await {
            Ok(out) => {
                for description in out.tag_descriptions() {
                    if let Some(arn) = description.resource_arn() {
                        let tags = description
                            .tags()
                            .iter()
                            .filter_map(|t| Some((t.key()?, t.value()?)));
                        s.tags(arn, tags);
                    }
                }
            }
            Err(err) => s.gap("elasticloadbalancing:DescribeTags", &err),
        }
    }))
    .await;
}

/// All application load balancers of the region (other types are skipped).
pub(crate) async fn load_balancers(s: &Session) -> Vec<Balancer> {
    let mut out = Vec::new();
    let request = s.elbv2.describe_load_balancers().page_size(s.page_size);
    each_page!(
        s,
        "elasticloadbalancing:DescribeLoadBalancers",
        request.into_paginator().send(),
        |page| {
            out.extend(page.load_balancers().iter().filter_map(|lb| balancer(s, lb)));
        }
    );
    out
}

fn balancer(s: &Session, lb: &api::LoadBalancer) -> Option<Balancer> {
    if lb.r#type() != Some(&LoadBalancerTypeEnum::Application) {
        return None;
    }
    let arn = lb.load_balancer_arn()?.to_string();
    let origin = s.origin(&arn);
    let subnets: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|az| az.subnet_id().map(str::to_string))
        .collect();
    let security_groups: Vec<String> = lb.security_groups().to_vec();
    let model = LoadBalancer {
        id: arn.clone(),
        name: arn.clone(),
        origin: origin.clone(),
        scheme: lb.scheme().and_then(|scheme| match scheme {
            LoadBalancerSchemeEnum::InternetFacing => Some(Scheme::InternetFacing),
            LoadBalancerSchemeEnum::Internal => Some(Scheme::Internal),
            _ => None,
        }),
        dualstack: matches!(
            lb.ip_address_type(),
            Some(IpAddressType::Dualstack | IpAddressType::DualstackWithoutPublicIpv4)
        ),
        subnets: subnets
            .iter()
            .map(|id| Located {
                value: Link::Id(id.clone()),
                origin: origin.clone(),
            })
            .collect(),
        security_groups: security_groups.iter().cloned().map(Link::Id).collect(),
        attributes: Vec::new(),
        dns_name: lb.dns_name().map(str::to_string),
        unknowns: Vec::new(),
    };
    Some(Balancer {
        model,
        vpc: lb.vpc_id().map(str::to_string),
        security_groups,
        subnets,
    })
}

/// Attributes, listeners, rules and listener certificates of every ALB, concurrently. The
/// attributes are stored on the balancers.
pub(crate) async fn details(s: &Session, balancers: &mut [Balancer]) -> Details {
    let parts = join_all(balancers.iter_mut().map(|b| async move {
        let (attributes, listeners) =
            futures_util::future::join(attributes(s, &b.model.id), listeners(s, &b.model.id)).await;
        match attributes {
            Some(attributes) => b.model.attributes = attributes,
            None => b
                .model
                .unknowns
                .push("its DescribeLoadBalancerAttributes call failed".to_string()),
        }
        listeners
    }))
    .await;
    let mut out = Details::default();
    for part in parts {
        out.listeners.extend(part.listeners);
        out.rules.extend(part.rules);
    }
    out
}

/// The attributes set on a load balancer; `None` when they could not be read.
async fn attributes(s: &Session, arn: &str) -> Option<Vec<Attribute>> {
    let request = s.elbv2.describe_load_balancer_attributes().load_balancer_arn(arn);
    match s.call(request.send()).await {
        Ok(out) => Some(
            out.attributes()
                .iter()
                .filter_map(|a| {
                    Some(Attribute {
                        key: a.key()?.to_string(),
                        value: a.value().map(str::to_string),
                        origin: s.origin(arn),
                    })
                })
                .collect(),
        ),
        Err(err) => {
            s.gap_for(
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                Some(arn),
                &err,
            );
            None
        }
    }
}

async fn listeners(s: &Session, lb_arn: &str) -> Details {
    let mut found = Vec::new();
    let request = s
        .elbv2
        .describe_listeners()
        .load_balancer_arn(lb_arn)
        .page_size(s.page_size);
    each_page!(
        s,
        "elasticloadbalancing:DescribeListeners",
        Some(lb_arn),
        request.into_paginator().send(),
        |page| {
            found.extend(page.listeners().iter().filter_map(|l| listener(s, lb_arn, l)));
        }
    );
    let parts = join_all(found.iter_mut().map(|l| async move {
        let https = l.protocol.as_deref() == Some(ProtocolEnum::Https.as_str());
        let (rules, certificates) = futures_util::future::join(rules(s, &l.id), async {
            if https {
                certificates(s, &l.id).await
            } else {
                Vec::new()
            }
        })
        .await;
        for arn in certificates {
            if !l.certificates.iter().any(|c| c.value.id() == Some(&arn)) {
                l.certificates.push(Located {
                    value: Link::Id(arn),
                    origin: l.origin.clone(),
                });
            }
        }
        rules
    }))
    .await;
    Details {
        listeners: found,
        rules: parts.into_iter().flatten().collect(),
    }
}

fn listener(s: &Session, lb_arn: &str, l: &api::Listener) -> Option<Listener> {
    let arn = l.listener_arn()?.to_string();
    let origin = s.origin(&arn);
    let https = l.protocol() == Some(&ProtocolEnum::Https);
    Some(Listener {
        id: arn.clone(),
        name: arn.clone(),
        load_balancer: Link::Id(lb_arn.to_string()),
        protocol: l.protocol().map(|p| p.as_str().to_string()),
        port: l.port().and_then(|p| u16::try_from(p).ok()),
        // The API (and moto) may report a policy on HTTP listeners too; it applies only to HTTPS.
        ssl_policy: https.then(|| Located {
            value: l.ssl_policy().map(str::to_string),
            origin: origin.clone(),
        }),
        certificates: l
            .certificates()
            .iter()
            .filter_map(|c| c.certificate_arn())
            .map(|arn| Located {
                value: Link::Id(arn.to_string()),
                origin: origin.clone(),
            })
            .collect(),
        default_actions: actions(l.default_actions()),
        origin,
    })
}

/// Every certificate of an HTTPS listener, the default one first, then the SNI certificates.
async fn certificates(s: &Session, listener_arn: &str) -> Vec<String> {
    let mut found: Vec<(bool, String)> = Vec::new();
    let request = s
        .elbv2
        .describe_listener_certificates()
        .listener_arn(listener_arn)
        .page_size(s.page_size);
    each_page!(
        s,
        "elasticloadbalancing:DescribeListenerCertificates",
        Some(listener_arn),
        request.into_paginator().send(),
        |page| {
            for c in page.certificates() {
                if let Some(arn) = c.certificate_arn() {
                    found.push((c.is_default() == Some(true), arn.to_string()));
                }
            }
        }
    );
    found.sort_by_key(|(default, _)| !default);
    let mut out: Vec<String> = Vec::new();
    for (_, arn) in found {
        if !out.contains(&arn) {
            out.push(arn);
        }
    }
    out
}

async fn rules(s: &Session, listener_arn: &str) -> Vec<ListenerRule> {
    let mut out = Vec::new();
    let request = s
        .elbv2
        .describe_rules()
        .listener_arn(listener_arn)
        .page_size(s.page_size);
    each_page!(
        s,
        "elasticloadbalancing:DescribeRules",
        Some(listener_arn),
        request.into_paginator().send(),
        |page| {
            for rule in page.rules() {
                // The default rule repeats the listener's default actions.
                if rule.is_default() == Some(true) {
                    continue;
                }
                let Some(arn) = rule.rule_arn() else { continue };
                let origin = s.origin(arn);
                let hosts = rule
                    .conditions()
                    .iter()
                    .filter(|c| c.field() == Some("host-header"))
                    .flat_map(|c| {
                        let config = c.host_header_config().map(|h| h.values());
                        c.values().iter().chain(config.unwrap_or_default())
                    })
                    .map(|host| Located {
                        value: host.clone(),
                        origin: origin.clone(),
                    })
                    .collect();
                out.push(ListenerRule {
                    id: arn.to_string(),
                    origin,
                    listener: Link::Id(listener_arn.to_string()),
                    hosts,
                    actions: actions(rule.actions()),
                });
            }
        }
    );
    out
}

fn actions(actions: &[api::Action]) -> Vec<Action> {
    let mut sorted: Vec<&api::Action> = actions.iter().collect();
    sorted.sort_by_key(|a| a.order().unwrap_or(i32::MAX));
    sorted.into_iter().map(action).collect()
}

fn action(a: &api::Action) -> Action {
    match a.r#type() {
        Some(ActionTypeEnum::Forward) => Action::Forward,
        Some(ActionTypeEnum::Redirect) => Action::Redirect {
            protocol: a.redirect_config().and_then(|r| r.protocol()).map(str::to_string),
            port: a.redirect_config().and_then(|r| r.port()).map(str::to_string),
        },
        Some(ActionTypeEnum::FixedResponse) => Action::FixedResponse {
            status: a
                .fixed_response_config()
                .and_then(|f| f.status_code())
                .map(str::to_string),
        },
        Some(ActionTypeEnum::AuthenticateCognito | ActionTypeEnum::AuthenticateOidc) => Action::Authenticate,
        Some(other) => Action::Unknown(other.as_str().to_string()),
        None => Action::Unknown("no type".to_string()),
    }
}

/// The TLS policies the region offers for application load balancers, with their protocols.
pub(crate) async fn ssl_policies(s: &Session) -> Vec<SslPolicy> {
    let mut out = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let request = s
            .elbv2
            .describe_ssl_policies()
            .load_balancer_type(LoadBalancerTypeEnum::Application)
            .page_size(s.page_size)
            .set_marker(marker.take());
        match s.call(request.send()).await {
            Ok(page) => {
                out.extend(page.ssl_policies().iter().filter_map(|p| {
                    Some(SslPolicy {
                        name: p.name()?.to_string(),
                        protocols: p.ssl_protocols().to_vec(),
                    })
                }));
                match page.next_marker() {
                    Some(next) if !next.is_empty() => marker = Some(next.to_string()),
                    _ => break,
                }
            }
            Err(err) => {
                s.gap("elasticloadbalancing:DescribeSSLPolicies", &err);
                break;
            }
        }
    }
    out
}
