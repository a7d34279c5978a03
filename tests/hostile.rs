//! Hostile TLS peers on loopback, and the regression inputs of the fuzz targets.
//!
//! Each peer misbehaves on every connection (the main handshake, the TLS 1.0/1.1/1.2/1.3 probes
//! and the HTTP redirect check all meet it). Each is probed twice: in process through
//! `probe_all`, and through the real binary, whose wall time and peak memory are measured. A
//! probe must end within a small multiple of its timeout, stay within a fixed memory bound, and
//! name what it saw.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use albaudit::probe::{ProbeOptions, Target, probe_all};
use common::peers::*;

/// The connect and I/O timeout of every probe here.
const TIMEOUT: Duration = Duration::from_millis(1000);
/// A probe runs its five connections to one IP at once, each bounded by connect + I/O timeout,
/// so it should take about one timeout; the slack covers a loaded machine.
const K: u32 = 3;
/// Peak resident memory allowed for one `albaudit probe` run (it measures about 9 MiB; a
/// reader that buffered a 16 MiB announcement would not fit).
const MAX_RSS_KIB: u64 = 32 * 1024;

/// Serves `serve` on a fresh port of `addr_ip`, probes it in process and through the binary,
/// and checks the class, the time and the memory. Returns the in-process report's JSON.
fn probe_hostile(name: &str, addr_ip: &str, serve: fn(TcpStream), expected: &str) -> serde_json::Value {
    let port = free_port(&[addr_ip]);
    let addr = SocketAddr::new(ip(addr_ip), port);
    tcp_server(addr, serve);

    let opts = ProbeOptions {
        connect_timeout: TIMEOUT,
        io_timeout: TIMEOUT,
        ca_file: None,
        concurrency: 4,
        // The HTTP check meets the same peer.
        http_redirect_port: Some(port),
    };
    let target = Target {
        ip: addr.ip(),
        port,
        sni: Some("svc.test".into()),
    };
    let start = Instant::now();
    let reports = probe_all(&[target], &opts).unwrap();
    let took = start.elapsed();
    let report = serde_json::to_value(&reports[0]).unwrap();
    assert_eq!(report["class"], expected, "{name}: {report:#}");
    assert!(took < TIMEOUT * K, "{name}: probe_all took {took:?}");

    let target = format!("svc.test:{port}");
    let timeout_ms = TIMEOUT.as_millis().to_string();
    let run = probe_json_measured(&[&target, "--ip", addr_ip, "--timeout", &timeout_ms]);
    assert_eq!(run.code, 1, "{name}");
    assert_eq!(
        class(&run.reports, addr_ip),
        expected,
        "{name}: {:#?}",
        run.reports
    );
    assert!(
        run.elapsed < TIMEOUT * K,
        "{name}: the binary took {:?}",
        run.elapsed
    );
    assert!(
        run.max_rss_kib < MAX_RSS_KIB,
        "{name}: the binary peaked at {} KiB",
        run.max_rss_kib
    );
    eprintln!(
        "{name}: class {expected:?}; probe_all {took:?}; binary {:?}, peak RSS {} KiB",
        run.elapsed, run.max_rss_kib
    );
    report
}

/// Writes `chunk` again and again until the client goes away.
fn write_forever(mut s: TcpStream, chunk: &[u8]) {
    let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
    while s.write_all(chunk).is_ok() {}
}

#[test]
fn endless_plaintext_stream() {
    probe_hostile(
        "endless plaintext",
        "127.0.3.1",
        |s| write_forever(s, &[b'A'; 16 * 1024]),
        "plaintext reply",
    );
}

#[test]
fn endless_stream_of_tls_records() {
    probe_hostile(
        "endless handshake records",
        "127.0.3.2",
        |mut s| {
            let _ = read_record(&mut s);
            // Full-size handshake records of zeros, forever.
            let mut record = vec![22, 3, 3, 0x40, 0];
            record.resize(5 + 16384, 0);
            write_forever(s, &record);
        },
        "malformed TLS reply",
    );
}

#[test]
fn one_byte_per_second() {
    let report = probe_hostile(
        "one byte per second",
        "127.0.3.3",
        |mut s| {
            let _ = read_record(&mut s);
            for b in server_hello(0x0303, None).iter().cycle() {
                if s.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        },
        "no reply",
    );
    assert_eq!(report["versions"], serde_json::Value::Null, "{report:#}");
    assert_eq!(report["redirect"]["error"], "no reply", "{report:#}");
}

#[test]
fn record_header_announcing_64k() {
    probe_hostile(
        "record length 0xffff",
        "127.0.3.4",
        |mut s| {
            let _ = read_record(&mut s);
            let mut junk = vec![22, 3, 3, 0xff, 0xff];
            junk.resize(64 * 1024, 0xee);
            write_forever(s, &junk);
        },
        "malformed TLS reply",
    );
}

#[test]
fn record_just_over_the_limit_then_junk() {
    probe_hostile(
        "record length 2^14+2049",
        "127.0.3.5",
        |mut s| {
            let _ = read_record(&mut s);
            let len: u16 = 16384 + 2049;
            let mut junk = vec![22, 3, 3];
            junk.extend_from_slice(&len.to_be_bytes());
            junk.extend((0..=255u8).cycle().take(usize::from(len) + 4096));
            let _ = s.write_all(&junk);
            std::thread::sleep(Duration::from_secs(3));
        },
        "malformed TLS reply",
    );
}

#[test]
fn handshake_message_announcing_16_mb() {
    probe_hostile(
        "16 MB handshake message",
        "127.0.3.6",
        |mut s| {
            let _ = read_record(&mut s);
            // A ServerHello, then a Certificate message claiming 16 MB, fed in full records.
            let _ = s.write_all(&server_hello(0x0303, None));
            let mut first = vec![22, 3, 3, 0x40, 0, 11, 0xff, 0xff, 0xff];
            first.resize(5 + 16384, 0x30);
            let _ = s.write_all(&first);
            let mut more = vec![22, 3, 3, 0x40, 0];
            more.resize(5 + 16384, 0x30);
            write_forever(s, &more);
        },
        "malformed TLS reply",
    );
}

/// A real rustls server whose chain is the leaf plus about 4 MB of fat certificates.
fn huge_chain_config() -> Arc<rustls::ServerConfig> {
    static CONFIG: OnceLock<Arc<rustls::ServerConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let pki = Pki::new();
            let leaf = pki.leaf("svc.test", 2020, 2090, true);
            let key = rcgen::KeyPair::generate().unwrap();
            let mut p = rcgen::CertificateParams::new(vec!["fat.test".to_string()]).unwrap();
            p.custom_extensions.push(rcgen::CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 55555, 1],
                vec![0x04; 60 * 1024],
            ));
            let fat = p.self_signed(&key).unwrap().der().clone();
            let mut chain = leaf.chain.clone();
            chain.extend(std::iter::repeat_n(fat, 70));
            let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf.key.clone().into());
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(chain, key)
                .unwrap();
            Arc::new(config)
        })
        .clone()
}

#[test]
fn certificate_chain_of_several_megabytes() {
    // Built before the clock starts (key generation and signing take a while).
    let _ = huge_chain_config();
    probe_hostile(
        "4 MB certificate chain",
        "127.0.3.7",
        |mut s| {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.set_write_timeout(Some(Duration::from_secs(5)));
            let Ok(mut conn) = rustls::ServerConnection::new(huge_chain_config()) else {
                return;
            };
            while conn.is_handshaking() {
                if conn.complete_io(&mut s).is_err() {
                    return;
                }
            }
        },
        "malformed TLS reply",
    );
}

#[test]
fn reset_in_the_middle_of_the_handshake() {
    let report = probe_hostile(
        "reset after half a ServerHello",
        "127.0.3.8",
        |mut s| {
            if read_record(&mut s).is_none() {
                return reset(s);
            }
            let hello = server_hello(0x0303, None);
            let _ = s.write_all(&hello[..hello.len() / 2]);
            std::thread::sleep(Duration::from_millis(50));
            reset(s);
        },
        "reset",
    );
    assert_eq!(report["tls"]["status"], "reset", "{report:#}");
}

#[test]
fn reset_right_after_the_client_hello() {
    probe_hostile(
        "reset after the ClientHello",
        "127.0.3.9",
        |mut s| {
            let _ = read_record(&mut s);
            reset(s);
        },
        "reset",
    );
}

#[test]
fn server_hello_with_garbage_extensions() {
    probe_hostile(
        "ServerHello with garbage extensions",
        "127.0.3.10",
        |mut s| {
            let _ = read_record(&mut s);
            // An extension announcing more bytes than the block holds, then noise.
            let mut ext = vec![0xff, 0x01, 0x7f, 0xff];
            ext.extend((0..64u8).map(|i| i.wrapping_mul(151)));
            let _ = s.write_all(&server_hello(0x0303, Some(&ext)));
            std::thread::sleep(Duration::from_secs(2));
        },
        "malformed TLS reply",
    );
}

#[test]
fn endless_warning_alerts() {
    probe_hostile(
        "endless warning alerts",
        "127.0.3.11",
        |mut s| {
            let _ = read_record(&mut s);
            // user_canceled warnings, which a TLS 1.2 peer may send and a client may ignore.
            write_forever(s, &[21, 3, 3, 0, 2, 1, 90].repeat(2048));
        },
        "malformed TLS reply",
    );
}

#[test]
fn endless_empty_records() {
    probe_hostile(
        "endless empty handshake records",
        "127.0.3.12",
        |mut s| {
            let _ = read_record(&mut s);
            write_forever(s, &[22, 3, 3, 0, 0].repeat(4096));
        },
        "malformed TLS reply",
    );
}

// ---------- fuzz regressions ----------

/// Every input the template fuzz target ever failed on: parsed and lowered again, each must
/// give a result or a one-line error, quickly (the fuzz timeout was 5 s with ASan).
#[test]
fn template_fuzz_regressions() {
    use albaudit::collect::cfn::{Settings, Source, collect};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz/template");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let start = Instant::now();
        let result = collect(
            &[Source {
                name: name.clone(),
                text,
            }],
            &Settings::default(),
        );
        let took = start.elapsed();
        assert!(took < Duration::from_secs(1), "{name} took {took:?}");
        if let Err(e) = result {
            assert_eq!(e.to_string().lines().count(), 1, "{name}: {e}");
        }
        seen += 1;
    }
    assert!(seen > 0);
}

/// A line the indentation retry could never fix used to be re-indented 200 times, each a
/// full re-parse (1.9 s for this 33 KB template in a debug build).
#[test]
fn hopeless_indentation_is_not_retried_forever() {
    use albaudit::collect::cfn::{Settings, Source, collect};
    let path = "tests/fixtures/fuzz/template/indentation-retry-storm.yaml";
    let text = std::fs::read_to_string(path).unwrap();
    let start = Instant::now();
    let Err(e) = collect(
        &[Source {
            name: path.into(),
            text,
        }],
        &Settings::default(),
    ) else {
        panic!("{path} parsed");
    };
    assert_eq!(e.to_string(), format!("{path}:591:3: invalid indentation"));
    assert!(
        start.elapsed() < Duration::from_millis(700),
        "took {:?}",
        start.elapsed()
    );
}
