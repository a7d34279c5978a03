//! `albaudit probe` against real peers on 127.0.0.0/8: in-process rustls servers with rcgen
//! certificates, `openssl s_server`, nginx, and misbehaving TCP peers. Every test uses its own
//! 127.0.x.N addresses and a free port, and kills the processes it starts.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::Command;
use std::time::{Duration, Instant};

use albaudit::probe::{ProbeOptions, Target, is_healthy, probe_all};
use assert_cmd::cargo::CommandCargoExt;
use common::peers::*;

// ---------- tests ----------

#[test]
fn certificate_problems_are_named() {
    let pki = Pki::new();
    let ips = [
        "127.0.0.11",
        "127.0.0.12",
        "127.0.0.13",
        "127.0.0.14",
        "127.0.0.15",
    ];
    let port = free_port(&ips);
    let at = |i: usize| SocketAddr::new(ip(ips[i]), port);
    rustls_server(at(0), &pki.leaf("svc.test", 2020, 2090, true));
    rustls_server(at(1), &pki.leaf("svc.test", 2020, 2021, true));
    rustls_server(at(2), &pki.leaf("svc.test", 2080, 2090, true));
    rustls_server(at(3), &pki.leaf("other.test", 2020, 2090, true));
    rustls_server(at(4), &pki.leaf("svc.test", 2020, 2090, false));

    let target = format!("svc.test:{port}");
    let resolve = format!("svc.test={}", ips.join(","));
    let ca = pki.ca_file();
    let (code, reports) = probe_json(&[&target, "--resolve", &resolve, "--ca-file", &ca]);
    assert_eq!(code, 1);
    assert_eq!(reports.len(), 5);
    assert_eq!(class(&reports, ips[0]), "healthy");
    assert_eq!(class(&reports, ips[1]), "certificate expired");
    assert_eq!(class(&reports, ips[2]), "certificate not yet valid");
    assert_eq!(class(&reports, ips[3]), "hostname mismatch");
    assert_eq!(class(&reports, ips[4]), "incomplete chain");
    let good = report(&reports, ips[0]);
    assert_eq!(good["tls"]["version"], "TLSv1.3");
    assert_eq!(good["certificate"]["dns_names"][0], "svc.test");
    assert_eq!(good["certificate"]["chain_len"], 2);
    assert_eq!(
        report(&reports, ips[3])["certificate"]["dns_names"][0],
        "other.test"
    );
    // rustls serves TLS 1.2 and 1.3 only: the raw TLS 1.0/1.1 ClientHellos are refused.
    for v in ["TLSv1.0", "TLSv1.1"] {
        assert_eq!(good["versions"][v]["status"], "rejected", "{v}: {good:#}");
    }
    for v in ["TLSv1.2", "TLSv1.3"] {
        assert_eq!(good["versions"][v]["status"], "accepted", "{v}: {good:#}");
    }

    // Only the healthy IP, as a table: exit 0.
    let out = Command::cargo_bin("albaudit")
        .unwrap()
        .args(["probe", &target, "--ip", ips[0], "--ca-file", &ca])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains(&format!("{}:{port}", ips[0])) && table.contains("healthy"),
        "{table}"
    );
    assert!(table.contains("TLSv1.0 rejected"), "{table}");

    // Without the test root, the same chain has an unknown issuer.
    let (code, reports) = probe_json(&[&target, "--ip", ips[0]]);
    assert_eq!(code, 1);
    assert_eq!(class(&reports, ips[0]), "unknown issuer");
}

#[test]
fn legacy_versions_against_openssl_and_nginx() {
    let pki = Pki::new();
    let ips = [
        "127.0.0.21",
        "127.0.0.22",
        "127.0.0.23",
        "127.0.0.24",
        "127.0.0.25",
    ];
    let port = free_port(&ips);
    let at = |i: usize| SocketAddr::new(ip(ips[i]), port);
    let (cert, key) = pki.leaf_files("svc.test");
    let dir = pki.dir.path();
    let legacy = ["-cipher", "DEFAULT@SECLEVEL=0", "-min_protocol", "TLSv1"];
    let _all = openssl_server(at(0), &cert, &key, dir, &legacy);
    let _tls13 = openssl_server(at(1), &cert, &key, dir, &["-tls1_3"]);
    let _nginx = nginx_server(at(2), &cert, &key, dir);
    // TLS 1.0 only: rustls cannot negotiate, which is not the server refusing TLS.
    let _tls10 = openssl_server(
        at(3),
        &cert,
        &key,
        dir,
        &["-cipher", "DEFAULT@SECLEVEL=0", "-tls1"],
    );
    // TLS 1.2 with a cipher rustls does not offer: the server refuses with an alert.
    let _cbc = openssl_server(at(4), &cert, &key, dir, &["-tls1_2", "-cipher", "AES128-SHA"]);

    let target = format!("svc.test:{port}");
    let resolve = format!("svc.test={}", ips.join(","));
    let (code, reports) = probe_json(&[&target, "--resolve", &resolve, "--ca-file", &pki.ca_file()]);
    assert_eq!(code, 1);
    for addr in [ips[0], ips[2]] {
        let r = report(&reports, addr);
        assert_eq!(r["class"], "legacy TLS accepted", "{r:#}");
        assert_eq!(r["certificate"]["status"], "valid", "{r:#}");
        for v in ["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
            assert_eq!(r["versions"][v]["status"], "accepted", "{addr} {v}: {r:#}");
        }
    }
    let only13 = report(&reports, ips[1]);
    assert_eq!(only13["class"], "healthy", "{only13:#}");
    assert_eq!(only13["tls"]["version"], "TLSv1.3");
    for v in ["TLSv1.0", "TLSv1.1", "TLSv1.2"] {
        assert_eq!(only13["versions"][v]["status"], "rejected", "{v}: {only13:#}");
        assert_eq!(
            only13["versions"][v]["alert"], "protocol_version",
            "{v}: {only13:#}"
        );
    }
    let tls10 = report(&reports, ips[3]);
    assert_eq!(tls10["class"], "legacy TLS only", "{tls10:#}");
    assert_eq!(tls10["versions"]["TLSv1.0"]["status"], "accepted", "{tls10:#}");
    assert_eq!(tls10["versions"]["TLSv1.1"]["status"], "downgraded", "{tls10:#}");
    assert_eq!(tls10["versions"]["TLSv1.1"]["to"], "TLSv1.0", "{tls10:#}");
    let cbc = report(&reports, ips[4]);
    assert_eq!(cbc["class"], "alert handshake_failure", "{cbc:#}");
    assert_eq!(cbc["versions"]["TLSv1.0"]["status"], "rejected", "{cbc:#}");
}

#[test]
fn port_80_redirect_is_checked() {
    let pki = Pki::new();
    let ips = ["127.0.0.41", "127.0.0.42"];
    let tls_port = free_port(&ips);
    let http_port = free_port(&ips);
    let leaf = pki.leaf("svc.test", 2020, 2090, true);
    for a in ips {
        rustls_server(SocketAddr::new(ip(a), tls_port), &leaf);
    }
    tcp_server(SocketAddr::new(ip(ips[0]), http_port), |mut s| {
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap_or(0);
        let host = String::from_utf8_lossy(&buf[..n])
            .lines()
            .find_map(|l| l.strip_prefix("Host: ").map(str::to_string))
            .unwrap_or_default();
        let reply = format!("HTTP/1.1 301 Moved Permanently\r\nLocation: https://{host}/\r\n\r\n");
        let _ = s.write_all(reply.as_bytes());
    });
    tcp_server(SocketAddr::new(ip(ips[1]), http_port), |mut s| {
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    let targets: Vec<Target> = ips
        .iter()
        .map(|a| Target {
            ip: ip(a),
            port: tls_port,
            sni: Some("svc.test".into()),
        })
        .collect();
    let opts = ProbeOptions {
        connect_timeout: Duration::from_secs(2),
        io_timeout: Duration::from_secs(2),
        ca_file: Some(pki.dir.path().join("root.pem")),
        concurrency: 8,
        http_redirect_port: Some(http_port),
    };
    let reports = probe_all(&targets, &opts).unwrap();
    assert!(reports.iter().all(is_healthy), "{reports:#?}");
    let redirected = reports[0].redirect.as_ref().unwrap();
    assert_eq!(redirected.status, Some(301));
    assert_eq!(redirected.location.as_deref(), Some("https://svc.test/"));
    assert!(redirected.to_https);
    let served = reports[1].redirect.as_ref().unwrap();
    assert_eq!(served.status, Some(200));
    assert!(!served.to_https);
}

#[test]
fn tcp_and_protocol_failures_are_named() {
    let ips = [
        "127.0.0.31",
        "127.0.0.32",
        "127.0.0.33",
        "127.0.0.34",
        "127.0.0.35",
        "127.0.0.36",
        "127.0.0.37",
    ];
    let port = free_port(&ips);
    let at = |i: usize| SocketAddr::new(ip(ips[i]), port);
    // A plain HTTP server on the TLS port.
    tcp_server(at(0), |mut s| {
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    // A plain server that answers without any status line.
    tcp_server(at(1), |mut s| {
        let _ = s.write_all(b"hello\n");
        std::thread::sleep(Duration::from_millis(100));
    });
    // Accepts and never answers.
    tcp_server(at(2), |s| {
        std::thread::sleep(Duration::from_secs(10));
        drop(s);
    });
    let _hole = black_hole(at(3));
    // at(4): nothing listens -> refused.
    // at(5): a server that resets every connection.
    let reset_addr = at(5);
    let std_listener = TcpListener::bind(reset_addr).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
            while let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 64];
                let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
                s.set_zero_linger().unwrap();
                drop(s);
            }
        });
    });

    // Answers every ClientHello with a TLS 1.0 ServerHello, as pre-1.1.1 servers did: rustls
    // cannot negotiate, yet the server did not refuse.
    tcp_server(at(6), |mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        let mut hello = vec![2, 0, 0, 40, 3, 1];
        hello.extend_from_slice(&[0x5a; 32]);
        hello.extend_from_slice(&[0, 0xc0, 0x13, 0, 0, 0]);
        let mut record = vec![22, 3, 1, 0, hello.len() as u8];
        record.extend_from_slice(&hello);
        let _ = s.write_all(&record);
        std::thread::sleep(Duration::from_millis(200));
    });
    let args: Vec<String> = ips
        .iter()
        .flat_map(|a| ["--ip".to_string(), a.to_string()])
        .collect();
    let mut all = vec![format!("svc.test:{port}"), "--timeout".into(), "1000".into()];
    all.extend(args);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let start = Instant::now();
    let (code, reports) = probe_json(&all);
    let took = start.elapsed();
    assert_eq!(code, 1);
    assert_eq!(class(&reports, ips[0]), "plaintext reply");
    assert!(
        report(&reports, ips[0])["tls"]["first_bytes"]
            .as_str()
            .unwrap()
            .starts_with("HTTP/1.1 400")
    );
    assert_eq!(class(&reports, ips[1]), "plaintext reply");
    assert_eq!(class(&reports, ips[2]), "no reply");
    assert_eq!(class(&reports, ips[3]), "connect timeout");
    assert_eq!(class(&reports, ips[4]), "refused");
    assert_eq!(class(&reports, ips[5]), "reset");
    let old_tls = report(&reports, ips[6]);
    assert_eq!(old_tls["tls"]["status"], "client-incompatible", "{old_tls:#}");
    assert_eq!(old_tls["class"], "legacy TLS only", "{old_tls:#}");
    assert_eq!(
        old_tls["versions"]["TLSv1.0"]["status"], "accepted",
        "{old_tls:#}"
    );
    assert_eq!(old_tls["versions"]["TLSv1.0"]["cipher"], "ECDHE-RSA-AES128-SHA");
    assert_eq!(
        old_tls["versions"]["TLSv1.1"]["status"], "downgraded",
        "{old_tls:#}"
    );
    assert_eq!(
        old_tls["versions"]["TLSv1.2"]["status"], "downgraded",
        "{old_tls:#}"
    );
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn hundred_ips_with_three_black_holes_take_about_one_timeout() {
    let pki = Pki::new();
    let addrs: Vec<String> = (1..=100).map(|n| format!("127.0.1.{n}")).collect();
    let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    let port = free_port(&refs);
    let holes = ["127.0.1.7", "127.0.1.50", "127.0.1.93"];
    let leaf = pki.leaf("fleet.test", 2020, 2090, true);
    let mut _keep = Vec::new();
    for a in &refs {
        let addr = SocketAddr::new(ip(a), port);
        if holes.contains(a) {
            _keep.push(black_hole(addr));
        } else {
            rustls_server(addr, &leaf);
        }
    }
    let timeout_ms = 1000;
    let resolve = format!("fleet.test={}", addrs.join(","));
    let start = Instant::now();
    let (code, reports) = probe_json(&[
        &format!("fleet.test:{port}"),
        "--resolve",
        &resolve,
        "--ca-file",
        &pki.ca_file(),
        "--timeout",
        &timeout_ms.to_string(),
    ]);
    let took = start.elapsed();
    assert_eq!(code, 1);
    assert_eq!(reports.len(), 100);
    for a in &refs {
        let expected = if holes.contains(a) {
            "connect timeout"
        } else {
            "healthy"
        };
        assert_eq!(class(&reports, a), expected, "{a}");
    }
    assert!(
        took < Duration::from_millis(3 * timeout_ms),
        "100 IPs took {took:?}"
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    for args in [
        vec!["svc.test:99999"],
        vec!["svc.test", "--resolve", "svc.test"],
        vec![
            "svc.test",
            "--ip",
            "127.0.0.1",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
    ] {
        let out = Command::cargo_bin("albaudit")
            .unwrap()
            .arg("probe")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("albaudit: "), "{args:?}: {stderr}");
    }
}
