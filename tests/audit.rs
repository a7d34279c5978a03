//! `albaudit --region R` through the real binary against moto on 127.0.0.1: the outage
//! scenario built through the API, reports in every format, a missing permission, and the
//! routing finding confirmed by probing the ALB's nodes (real peers on loopback).
#![cfg(feature = "live")]

mod common;
#[path = "common/moto.rs"]
mod moto;

use std::net::SocketAddr;

use assert_cmd::Command;
use common::peers::*;
use serde_json::Value;

/// `albaudit` against this moto, in the seeded region; the SDK environment comes from the
/// harness (test credentials, no instance metadata).
fn albaudit(moto: &moto::Moto) -> Command {
    let mut cmd = Command::cargo_bin("albaudit").unwrap();
    cmd.args(["--region", moto::REGION, "--endpoint-url", &moto.endpoint()])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("COLUMNS", "120");
    cmd
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn findings<'a>(report: &'a Value, check: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == check)
        .collect()
}

#[test]
fn the_outage_built_through_the_api_is_found_in_every_format() {
    let moto = moto::start();
    let o = moto.seed_outage();

    let out = albaudit(&moto)
        .args(["--no-probe", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    assert_eq!(report["incomplete"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["summary"]["load_balancers"], 2);

    let routing: Vec<&Value> = findings(&report, "subnet-not-internet-routed");
    assert_eq!(routing.len(), 1, "{report:#}");
    assert_eq!(routing[0]["load_balancer"], o.alb.as_str());
    assert!(
        routing[0]["resource"].as_str().unwrap().contains(&o.subnet_b),
        "{:#}",
        routing[0]
    );
    assert!(
        routing[0]["message"]
            .as_str()
            .unwrap()
            .contains("main route table")
    );
    assert!(routing[0]["location"].is_null());

    let weak = findings(&report, "listener-weak-tls-policy");
    assert_eq!(weak.len(), 1, "{report:#}");
    assert_eq!(weak[0]["resource"], o.https_listener.as_str());
    let waf = findings(&report, "waf-fail-open");
    assert_eq!(waf.len(), 1);
    assert_eq!(waf[0]["resource"], o.alb.as_str());

    // Nothing of substance on the healthy ALB.
    for f in report["findings"].as_array().unwrap() {
        if f["load_balancer"] == o.healthy_alb.as_str() {
            assert!(
                ["low", "info"].contains(&f["severity"].as_str().unwrap()),
                "{f:#}"
            );
        }
    }

    let out = albaudit(&moto).args(["--no-probe"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("subnet-not-internet-routed") && table.contains(&o.subnet_b),
        "{table}"
    );

    let out = albaudit(&moto)
        .args(["--no-probe", "--format", "sarif"])
        .output()
        .unwrap();
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let routing = results
        .iter()
        .find(|r| r["ruleId"] == "subnet-not-internet-routed")
        .unwrap();
    // GitHub needs a file on every result; the ARN goes in as a logical location.
    assert!(routing["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].is_string());
    assert!(
        routing["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap()
            .contains(&o.subnet_b)
    );
}

/// `-v` shows albaudit's progress only, `-vv` each AWS call and no SDK trace (that is `-vvv`,
/// tested in tests/secrets.rs), and no level changes the report.
#[test]
fn verbosity_levels_add_diagnostics_on_stderr_only() {
    let moto = moto::start();
    moto.seed_outage();
    let run = |flag: Option<&str>| {
        let mut cmd = albaudit(&moto);
        cmd.args(["--no-probe", "--format", "json"]);
        cmd.args(flag);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        (json(&out), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (quiet, nothing) = run(None);
    assert_eq!(nothing, "");
    let (report, v) = run(Some("-v"));
    assert_eq!(report["findings"], quiet["findings"]);
    assert!(v.contains("region collected"), "{v}");
    assert!(!v.contains("calling "), "{v}");
    let (report, vv) = run(Some("-vv"));
    assert_eq!(report["findings"], quiet["findings"]);
    assert!(
        vv.contains("calling elasticloadbalancing:DescribeLoadBalancers"),
        "{vv}"
    );
    assert!(!vv.contains(" TRACE "), "{vv}");
}

#[test]
fn a_denied_call_makes_the_audit_incomplete_and_exit_3() {
    let moto = moto::start();
    moto.seed_outage();
    let actions: Vec<&str> = albaudit::collect::aws::IAM_ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "ec2:DescribeRouteTables")
        .collect();
    moto.seed_user("auditor", &actions);
    moto.enforce_iam();
    let out = albaudit(&moto)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args(["--profile", "auditor", "--no-probe", "--format", "json"])
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    let incomplete = report["incomplete"].as_array().unwrap();
    assert!(
        incomplete.iter().any(|i| i["scope"] == "ec2:DescribeRouteTables"),
        "{report:#}"
    );
    // Without route tables the routing check cannot give a verdict, only notes.
    for f in findings(&report, "subnet-not-internet-routed") {
        assert_eq!(f["severity"], "info", "{f:#}");
    }
    // What was seen is still reported.
    assert_eq!(findings(&report, "waf-fail-open").len(), 1);
}

#[test]
fn the_routing_finding_is_confirmed_by_the_node_that_times_out() {
    let moto = moto::start();
    // Node A (127.0.0.2) serves; node B (127.0.0.3, the unrouted subnet) is a black hole; the
    // healthy ALB's address (127.0.0.4) serves TLS 1.2+ only.
    let ips = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    let https = free_port(&ips);
    let http = free_port(&ips);
    let o = moto.seed_outage_on(https, http);
    let pki = Pki::new();
    let (cert, key) = pki.leaf_files("test.jp");
    let at = |i: usize, port: u16| SocketAddr::new(ip(ips[i]), port);
    let legacy = ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"];
    let _a = openssl_server(at(0, https), &cert, &key, pki.dir.path(), &legacy);
    tcp_server(at(0, http), |_| {});
    let _b_https = black_hole(at(1, https));
    let _b_http = black_hole(at(1, http));
    let _healthy = openssl_server(at(2, https), &cert, &key, pki.dir.path(), &["-tls1_2"]);
    tcp_server(at(2, http), |_| {});

    let out = albaudit(&moto)
        .args([
            "--format",
            "json",
            "--probe-timeout",
            "1000",
            "--ca-file",
            &pki.ca_file(),
        ])
        .args(["--resolve", &format!("{}=127.0.0.2,127.0.0.3", o.alb_dns)])
        .args(["--resolve", &format!("{}=127.0.0.4", o.healthy_dns)])
        .output()
        .unwrap();
    let report = json(&out);
    assert_eq!(out.status.code(), Some(1), "{report:#}");

    let routing = findings(&report, "subnet-not-internet-routed");
    assert_eq!(routing.len(), 1, "{report:#}");
    assert_eq!(routing[0]["confirmation"]["status"], "confirmed", "{report:#}");
    let evidence = routing[0]["confirmation"]["evidence"].to_string();
    assert!(
        evidence.contains(&format!("127.0.0.3:{https}")) && evidence.contains("connect timeout"),
        "{evidence}"
    );
    assert!(
        evidence.contains(&format!("127.0.0.2:{https}")) && evidence.contains("TCP connected"),
        "{evidence}"
    );

    let weak = findings(&report, "listener-weak-tls-policy");
    assert_eq!(weak[0]["confirmation"]["status"], "confirmed", "{report:#}");

    let unreachable = findings(&report, "node-unreachable");
    let resources: Vec<&str> = unreachable
        .iter()
        .map(|f| f["resource"].as_str().unwrap())
        .collect();
    assert!(
        resources.contains(&format!("127.0.0.3:{https}").as_str()),
        "{report:#}"
    );
    assert!(
        unreachable.iter().all(|f| f["load_balancer"] == o.alb.as_str()),
        "{report:#}"
    );
    assert!(
        unreachable[0]["message"]
            .as_str()
            .unwrap()
            .contains("subnet public-b"),
        "{report:#}"
    );

    // The healthy ALB refuses TLS 1.0/1.1 and answers: no probe finding on it.
    for check in ["node-unreachable", "handshake-failed", "legacy-tls-accepted"] {
        for f in findings(&report, check) {
            assert_ne!(f["load_balancer"], o.healthy_alb.as_str(), "{f:#}");
        }
    }
}
