//! Confirmation by live handshakes in lint mode (`--probe-host`): real peers on loopback stand
//! in for the deployed load balancer's nodes.

mod common;

use std::net::SocketAddr;

use assert_cmd::Command;
use common::peers::*;
use serde_json::Value;

#[test]
fn a_weak_policy_is_confirmed_and_a_dead_node_is_found() {
    let pki = Pki::new();
    let ips = ["127.0.4.1", "127.0.4.2"];
    let port = free_port(&ips);
    let at = |i: usize| SocketAddr::new(ip(ips[i]), port);
    let (cert, key) = pki.leaf_files("app.test");
    let legacy = ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"];
    let _node = openssl_server(at(0), &cert, &key, pki.dir.path(), &legacy);
    let _dead = black_hole(at(1));

    let out = Command::cargo_bin("albaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "lint",
            "tests/fixtures/probe/alb.yaml",
            "--format",
            "json",
            "--probe-host",
            "app.test",
        ])
        .args(["--param", &format!("ListenerPort={port}")])
        .args(["--resolve", &format!("app.test={}", ips.join(","))])
        .args(["--ca-file", &pki.ca_file(), "--probe-timeout", "1000"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{report:#}");
    let find = |check: &str| -> Vec<&Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check"] == check)
            .collect()
    };

    let weak = find("listener-weak-tls-policy");
    assert_eq!(weak.len(), 1, "{report:#}");
    assert_eq!(weak[0]["confirmation"]["status"], "confirmed", "{report:#}");
    let evidence = weak[0]["confirmation"]["evidence"].to_string();
    assert!(
        evidence.contains(&format!("127.0.4.1:{port}: accepts TLS 1.0 and TLS 1.1")),
        "{evidence}"
    );

    let unreachable = find("node-unreachable");
    assert_eq!(unreachable.len(), 1, "{report:#}");
    assert_eq!(unreachable[0]["resource"], format!("127.0.4.2:{port}"));
    assert_eq!(unreachable[0]["severity"], "critical");
    assert!(
        unreachable[0]["message"]
            .as_str()
            .unwrap()
            .contains("connect timeout")
    );

    let legacy = find("legacy-tls-accepted");
    assert_eq!(legacy.len(), 1, "{report:#}");
    assert_eq!(legacy[0]["resource"], format!("127.0.4.1:{port}"));
    assert!(find("handshake-failed").is_empty(), "{report:#}");
}

#[test]
fn without_probe_host_lint_makes_no_connection_and_says_not_probed() {
    let out = Command::cargo_bin("albaudit")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["lint", "tests/fixtures/probe/alb.yaml", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for f in report["findings"].as_array().unwrap() {
        assert_eq!(f["confirmation"]["status"], "not-probed");
        assert!(!f["check"].as_str().unwrap().starts_with("node-"));
    }
}
