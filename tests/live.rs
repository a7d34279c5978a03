//! The live collector against a real moto server: what it collects, what it calls, and how it
//! fails.
#![cfg(feature = "live")]

#[path = "common/moto.rs"]
mod moto;

use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use albaudit::collect::aws::{self, IAM_ACTIONS as ACTIONS, LiveError, LiveOptions, PAGE_SIZE};
use albaudit::model::{Action, Inventory, Link, RouteTarget, Scheme};

fn ids<'a>(links: impl IntoIterator<Item = &'a Link>) -> Vec<&'a str> {
    links.into_iter().filter_map(Link::id).collect()
}

fn listener<'a>(inv: &'a Inventory, arn: &str) -> &'a albaudit::model::Listener {
    inv.listeners
        .iter()
        .find(|l| l.id == arn)
        .unwrap_or_else(|| panic!("listener {arn} not collected"))
}

#[test]
fn outage_scenario_is_collected_as_seeded() {
    let moto = moto::start();
    let o = moto.seed_outage();
    let (inv, calls) = aws::collect_counted(&moto.options(), PAGE_SIZE).expect("collect");
    assert_eq!(inv.incomplete, vec![], "nothing should be missing");

    // Load balancers.
    let lbs: BTreeSet<&str> = inv.load_balancers.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(lbs, BTreeSet::from([o.alb.as_str(), o.healthy_alb.as_str()]));
    let lb = inv.load_balancer(&o.alb).unwrap();
    assert_eq!(lb.name, o.alb);
    assert_eq!(lb.scheme, Some(Scheme::InternetFacing));
    assert!(!lb.dualstack);
    let subnets: BTreeSet<&str> = lb.subnets.iter().filter_map(|s| s.value.id()).collect();
    assert_eq!(
        subnets,
        BTreeSet::from([o.subnet_a.as_str(), o.subnet_b.as_str()])
    );
    assert_eq!(ids(&lb.security_groups), vec![o.security_group.as_str()]);
    let attribute = |arn: &str, key: &str| {
        let lb = inv.load_balancer(arn).unwrap();
        lb.attribute(key).and_then(|a| a.value.clone())
    };
    assert_eq!(
        attribute(&o.alb, "waf.fail_open.enabled").as_deref(),
        Some("true")
    );
    assert_eq!(
        attribute(&o.healthy_alb, "waf.fail_open.enabled").as_deref(),
        Some("false")
    );

    // Routing: B has no table of its own and its VPC's main table has only the local route;
    // A's table sends 0.0.0.0/0 to an IGW attached to the same VPC.
    let b = inv.subnet(&o.subnet_b).unwrap();
    assert!(b.route_table.is_none());
    assert_eq!(b.vpc.id(), Some(o.vpc.as_str()));
    assert_eq!(b.availability_zone.as_deref(), Some("ap-northeast-1c"));
    assert_eq!(b.name, "public-b");
    let main = inv.main_route_table(&o.vpc).unwrap();
    assert_eq!(main.id, o.main_route_table);
    assert!(!main.routes.is_empty());
    assert!(main.routes.iter().all(|r| r.target == RouteTarget::Local));
    let a = inv.subnet(&o.subnet_a).unwrap();
    let table = a.route_table.as_ref().and_then(|t| t.value.id()).unwrap();
    assert_eq!(table, o.public_route_table);
    let table = inv.route_table(table).unwrap();
    assert!(!table.main);
    let default = table
        .routes
        .iter()
        .find(|r| r.destination == "0.0.0.0/0")
        .expect("default route");
    assert_eq!(
        default.target,
        RouteTarget::InternetGateway(Link::Id(o.igw.clone()))
    );
    let igw = inv.internet_gateway(&o.igw).unwrap();
    assert_eq!(ids(&igw.attachments), vec![o.vpc.as_str()]);
    assert!(
        inv.network_acl(a.network_acl.as_ref().and_then(Link::id).unwrap())
            .is_some()
    );

    // Security group: 80 and 443 open to the world.
    let sg = inv.security_group(&o.security_group).unwrap();
    let open: BTreeSet<i32> = sg
        .ingress
        .iter()
        .filter(|r| r.cidr.as_deref() == Some("0.0.0.0/0"))
        .filter_map(|r| r.from_port)
        .collect();
    assert_eq!(open, BTreeSet::from([80, 443]));

    // Listeners: the policy only on HTTPS, the SNI certificate once, the redirect.
    let https = listener(&inv, &o.https_listener);
    assert_eq!(https.load_balancer.id(), Some(o.alb.as_str()));
    assert_eq!(
        (https.protocol.as_deref(), https.port),
        (Some("HTTPS"), Some(443))
    );
    let policy = https.ssl_policy.as_ref().map(|p| p.value.as_deref());
    assert_eq!(policy, Some(Some("ELBSecurityPolicy-2016-08")));
    let certs: Vec<&str> = https.certificates.iter().filter_map(|c| c.value.id()).collect();
    assert_eq!(certs, vec![o.certificate.as_str(), o.sni_certificate.as_str()]);
    assert_eq!(https.default_actions, vec![Action::Forward]);
    let http = listener(&inv, &o.http_listener);
    assert!(http.ssl_policy.is_none(), "an HTTP listener has no TLS policy");
    assert!(http.certificates.is_empty());
    assert_eq!(
        http.default_actions,
        vec![Action::Redirect {
            protocol: Some("HTTPS".into()),
            port: Some("443".into())
        }]
    );
    let healthy = listener(&inv, &o.healthy_https_listener);
    let policy = healthy.ssl_policy.as_ref().map(|p| p.value.as_deref());
    assert_eq!(policy, Some(Some("ELBSecurityPolicy-TLS13-1-2-2021-06")));

    // The host-header rule (HostHeaderConfig form).
    let rule = inv.rules.iter().find(|r| r.id == o.rule).expect("rule");
    assert_eq!(rule.listener.id(), Some(o.https_listener.as_str()));
    let hosts: Vec<&str> = rule.hosts.iter().map(|h| h.value.as_str()).collect();
    assert_eq!(hosts, vec!["api.test.jp"]);
    assert_eq!(inv.rules.len(), 1, "default rules are not repeated as rules");

    // Certificates, with expiry.
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let cert = inv.certificate(&o.certificate).unwrap();
    assert_eq!(cert.domain.as_deref(), Some("test.jp"));
    assert!(cert.alternative_names.contains(&"www.test.jp".to_string()));
    assert_eq!(cert.status.as_deref(), Some("ISSUED"));
    let days = (cert.not_after.unwrap() - now) / 86_400;
    assert!((88..=90).contains(&days), "expires in {days} days");
    let sni = inv.certificate(&o.sni_certificate).unwrap();
    assert_eq!(sni.domain.as_deref(), Some("other.test.jp"));
    assert_eq!(inv.certificates.len(), 2);

    // The ALB's nodes, for the probe.
    let mut nodes: Vec<_> = inv
        .network_interfaces
        .iter()
        .filter(|n| n.load_balancer == o.alb)
        .collect();
    nodes.sort_by_key(|n| n.public_ip.clone());
    assert_eq!(nodes.len(), 2);
    for (node, seeded, subnet, az) in [
        (nodes[0], &o.eni_a, &o.subnet_a, "ap-northeast-1a"),
        (nodes[1], &o.eni_b, &o.subnet_b, "ap-northeast-1c"),
    ] {
        assert_eq!(node.id, seeded.id);
        assert_eq!(&node.subnet, subnet);
        assert_eq!(node.availability_zone.as_deref(), Some(az));
        assert_eq!(node.private_ip.as_deref(), Some(seeded.private_ip.as_str()));
        assert_eq!(node.public_ip.as_deref(), Some(seeded.public_ip.as_str()));
    }

    // TLS policies, judged by their protocols.
    let weak = inv
        .ssl_policy("ELBSecurityPolicy-2016-08")
        .expect("policy described");
    assert!(weak.protocols.contains(&"TLSv1".to_string()));

    // Only read-only calls from the least-privilege list; a constant number per region plus
    // two per ALB, one per listener and one per HTTPS listener.
    let by_action = calls.by_action();
    for action in by_action.keys() {
        assert!(ACTIONS.contains(&action.as_str()), "unexpected call {action}");
    }
    let count = |action: &str| by_action.get(action).copied().unwrap_or(0);
    assert_eq!(count("elasticloadbalancing:DescribeListeners"), 2);
    assert_eq!(count("elasticloadbalancing:DescribeLoadBalancerAttributes"), 2);
    assert_eq!(count("elasticloadbalancing:DescribeRules"), 4);
    assert_eq!(count("elasticloadbalancing:DescribeListenerCertificates"), 2);
    assert_eq!(count("acm:DescribeCertificate"), 2);
    assert_eq!(count("ec2:DescribeRouteTables"), 1);
    assert_eq!(count("ec2:DescribeNetworkInterfaces"), 1);
    // Tags of 2 ALBs and 4 listeners: one call of up to 20 ARNs.
    assert_eq!(count("elasticloadbalancing:DescribeTags"), 1);
}

#[test]
fn more_load_balancers_than_one_page() {
    let moto = moto::start();
    let albs = moto.seed_many(7);
    let (inv, calls) = aws::collect_counted(&moto.options(), 3).expect("collect");
    assert_eq!(inv.incomplete, vec![]);
    let found: BTreeSet<&str> = inv.load_balancers.iter().map(|l| l.id.as_str()).collect();
    let seeded: BTreeSet<&str> = albs.iter().map(String::as_str).collect();
    assert_eq!(found, seeded);
    assert_eq!(inv.listeners.len(), 14);
    let pages = calls.by_action()["elasticloadbalancing:DescribeLoadBalancers"];
    assert_eq!(pages, 3, "7 ALBs in pages of 3");
}

#[test]
fn missing_permission_is_an_incomplete_entry_naming_the_call() {
    let moto = moto::start();
    let o = moto.seed_outage();
    let allowed: Vec<&str> = ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "ec2:DescribeRouteTables")
        .collect();
    moto.seed_user("auditor", &allowed);
    moto.enforce_iam();
    let opts = LiveOptions {
        profile: Some("auditor".into()),
        ..moto.options()
    };
    let inv = aws::collect(&opts).expect("collect");
    assert_eq!(inv.incomplete.len(), 1, "{:?}", inv.incomplete);
    let gap = &inv.incomplete[0];
    assert_eq!(gap.scope, "ec2:DescribeRouteTables");
    assert!(
        gap.reason.contains("not authorized") || gap.reason.contains("AccessDenied"),
        "{}",
        gap.reason
    );
    // Everything else was still collected.
    assert_eq!(inv.load_balancers.len(), 2);
    assert!(inv.subnet(&o.subnet_b).is_some());
    assert!(inv.route_tables.is_empty());
    assert!(inv.certificate(&o.certificate).is_some());
}

#[test]
fn unknown_profile_is_one_line_error() {
    let moto = moto::start();
    let opts = LiveOptions {
        profile: Some("no-such-profile".into()),
        ..moto.options()
    };
    let err = aws::collect(&opts).expect_err("an unknown profile cannot collect");
    assert!(matches!(err, LiveError::Credentials(_)));
    let text = err.to_string();
    assert!(text.contains("no-such-profile"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn unreachable_endpoint_is_incomplete_and_quick() {
    moto::start(); // for the test environment only
    let opts = LiveOptions {
        regions: vec![moto::REGION.into()],
        endpoint_url: Some(format!("http://127.0.0.1:{}", moto::free_port())),
        max_attempts: Some(1),
        ..LiveOptions::default()
    };
    let started = Instant::now();
    let inv = aws::collect(&opts).expect("collect");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(inv.load_balancers.is_empty());
    let scopes: BTreeSet<&str> = inv.incomplete.iter().map(|g| g.scope.as_str()).collect();
    assert!(scopes.contains("elasticloadbalancing:DescribeLoadBalancers"));
    assert!(scopes.contains("acm:ListCertificates"));
    let gap = &inv.incomplete[0];
    assert!(gap.reason.contains("Connection refused"), "{}", gap.reason);
    assert!(gap.reason.contains(moto::REGION), "{}", gap.reason);
}

#[test]
fn silent_endpoint_times_out_instead_of_hanging() {
    moto::start(); // for the test environment only
    // The kernel accepts connections into the backlog; nobody ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let opts = LiveOptions {
        regions: vec![moto::REGION.into()],
        endpoint_url: Some(format!("http://{}", silent.local_addr().unwrap())),
        max_attempts: Some(1),
        attempt_timeout: Some(Duration::from_secs(2)),
        ..LiveOptions::default()
    };
    let started = Instant::now();
    let inv = aws::collect(&opts).expect("collect");
    assert!(started.elapsed() < Duration::from_secs(15));
    let gap = inv
        .incomplete
        .iter()
        .find(|g| g.scope == "elasticloadbalancing:DescribeLoadBalancers")
        .expect("DescribeLoadBalancers incomplete");
    assert!(
        gap.reason.contains("timeout") || gap.reason.contains("timed out"),
        "{}",
        gap.reason
    );
}

#[test]
fn all_regions_are_audited() {
    let moto = moto::start();
    let o = moto.seed_outage();
    let opts = LiveOptions {
        regions: vec!["all".into()],
        ..moto.options()
    };
    let (inv, calls) = aws::collect_counted(&opts, PAGE_SIZE).expect("collect");
    assert_eq!(inv.incomplete, vec![]);
    assert_eq!(inv.load_balancers.len(), 2);
    assert!(inv.load_balancer(&o.alb).is_some());
    let by_action = calls.by_action();
    let regions = by_action["elasticloadbalancing:DescribeLoadBalancers"];
    assert!(regions > 10, "every enabled region is asked ({regions})");
    // The interceptor saw every action of the least-privilege list, and no other.
    let recorded: BTreeSet<&str> = by_action.keys().map(String::as_str).collect();
    assert_eq!(recorded, ACTIONS.iter().copied().collect());
}
