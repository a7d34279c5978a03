//! Real TLS and TCP peers on loopback for tests: in-process rustls servers with rcgen
//! certificates, `openssl s_server`, nginx, plain TCP servers and black holes. Every peer binds
//! a 127.0.x.N address and stops when dropped.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, date_time_ymd};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::Value;

pub fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A port free on every one of `ips`.
pub fn free_port(ips: &[&str]) -> u16 {
    for _ in 0..50 {
        let port = TcpListener::bind((ip(ips[0]), 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if ips.iter().all(|a| TcpListener::bind((ip(a), port)).is_ok()) {
            return port;
        }
    }
    panic!("no free port shared by {ips:?}");
}

/// A child process killed and reaped on drop.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_listening(addr: SocketAddr, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "server exited ({status}): {}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "server on {addr} did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

/// Runs `albaudit probe ARGS --format json`; returns the exit code and the reports by IP.
pub fn probe_json(args: &[&str]) -> (i32, Vec<Value>) {
    let out = Command::cargo_bin("albaudit")
        .unwrap()
        .arg("probe")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.code().unwrap(), reports.as_array().unwrap().clone())
}

pub fn report<'a>(reports: &'a [Value], addr: &str) -> &'a Value {
    reports
        .iter()
        .find(|r| r["ip"] == addr)
        .unwrap_or_else(|| panic!("no report for {addr} in {reports:#?}"))
}

pub fn class(reports: &[Value], addr: &str) -> String {
    report(reports, addr)["class"].as_str().unwrap().to_string()
}

/// A test PKI: root -> intermediate -> leaves, all for `svc.test` unless told otherwise.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub root: Issuer<'static, KeyPair>,
    pub inter: Issuer<'static, KeyPair>,
    pub inter_der: CertificateDer<'static>,
}

pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Vec<u8>,
}

impl Pki {
    pub fn new() -> Pki {
        let ca = |cn: &str| {
            let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
            p.distinguished_name.push(DnType::CommonName, cn);
            p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            p
        };
        let root_key = KeyPair::generate().unwrap();
        let root_params = ca("Probe Test Root");
        let root_pem = root_params.self_signed(&root_key).unwrap().pem();
        let root = Issuer::new(root_params, root_key);
        let inter_key = KeyPair::generate().unwrap();
        let inter_params = ca("Probe Test Intermediate");
        let inter_der = inter_params.signed_by(&inter_key, &root).unwrap().der().clone();
        let inter = Issuer::new(inter_params, inter_key);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("root.pem"), root_pem).unwrap();
        Pki {
            dir,
            root,
            inter,
            inter_der,
        }
    }

    pub fn ca_file(&self) -> String {
        self.dir.path().join("root.pem").display().to_string()
    }

    /// A leaf for `name` signed by the intermediate (chain: leaf + intermediate), valid from
    /// `from` to `until` (years).
    pub fn leaf(&self, name: &str, from: i32, until: i32, send_intermediate: bool) -> Leaf {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        p.not_before = date_time_ymd(from, 1, 1);
        p.not_after = date_time_ymd(until, 1, 1);
        let cert = p.signed_by(&key, &self.inter).unwrap();
        let mut chain = vec![cert.der().clone()];
        if send_intermediate {
            chain.push(self.inter_der.clone());
        }
        Leaf {
            chain,
            key: key.serialize_der(),
        }
    }

    /// A leaf signed by the root directly, written as PEM files for openssl and nginx.
    pub fn leaf_files(&self, name: &str) -> (PathBuf, PathBuf) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, name);
        let cert = p.signed_by(&key, &self.root).unwrap();
        let (c, k) = (self.dir.path().join("leaf.pem"), self.dir.path().join("leaf.key"));
        std::fs::write(&c, cert.pem()).unwrap();
        std::fs::write(&k, key.serialize_pem()).unwrap();
        (c, k)
    }
}

/// An in-process rustls server (TLS 1.2 and 1.3) on `addr`, one thread per connection.
pub fn rustls_server(addr: SocketAddr, leaf: &Leaf) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            leaf.chain.clone(),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf.key.clone())),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = TcpListener::bind(addr).unwrap();
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            let config = config.clone();
            std::thread::spawn(move || {
                let mut sock = sock;
                let _ = sock.set_read_timeout(Some(Duration::from_secs(5)));
                let Ok(mut conn) = rustls::ServerConnection::new(config) else {
                    return;
                };
                while conn.is_handshaking() {
                    if conn.complete_io(&mut sock).is_err() {
                        return;
                    }
                }
                let _ = conn.complete_io(&mut sock);
            });
        }
    });
}

/// A listener that runs `serve` on each accepted connection in its own thread.
pub fn tcp_server(addr: SocketAddr, serve: fn(TcpStream)) {
    let listener = TcpListener::bind(addr).unwrap();
    std::thread::spawn(move || {
        for sock in listener.incoming().flatten() {
            std::thread::spawn(move || serve(sock));
        }
    });
}

/// A listener with backlog 0 whose accept queue is filled, so the kernel drops further SYNs:
/// connecting to it times out, without root or packet filters. Keep the value alive.
pub struct BlackHole {
    pub _listener: tokio::net::TcpListener,
    pub _fillers: Vec<TcpStream>,
    pub _rt: tokio::runtime::Runtime,
}

pub fn black_hole(addr: SocketAddr) -> BlackHole {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let listener = {
        let _guard = rt.enter();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.bind(addr).unwrap();
        socket.listen(0).unwrap()
    };
    let mut fillers = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
        assert!(fillers.len() < 16, "accept queue of {addr} never filled");
    }
    BlackHole {
        _listener: listener,
        _fillers: fillers,
        _rt: rt,
    }
}

pub fn openssl_server(addr: SocketAddr, cert: &Path, key: &Path, dir: &Path, extra: &[&str]) -> Guard {
    let log = dir.join(format!("s_server-{}.log", addr.ip()));
    let mut child = Command::new("openssl")
        .args(["s_server", "-accept", &addr.to_string(), "-www", "-quiet"])
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::fs::File::create(dir.join("s_server.err")).unwrap())
        .spawn()
        .expect("openssl must be installed (apt-get install openssl)");
    wait_listening(addr, &mut child, &log);
    Guard(child)
}

pub fn nginx_server(addr: SocketAddr, cert: &Path, key: &Path, dir: &Path) -> Guard {
    let prefix = dir.join("nginx");
    std::fs::create_dir_all(&prefix).unwrap();
    let p = prefix.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {p}/nginx.pid;\nerror_log {p}/error.log;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n access_log off;\n client_body_temp_path {p}/body;\n proxy_temp_path {p}/proxy;\n\
          fastcgi_temp_path {p}/fastcgi;\n uwsgi_temp_path {p}/uwsgi;\n scgi_temp_path {p}/scgi;\n\
          server {{\n  listen {addr} ssl;\n  server_name svc.test;\n\
           ssl_certificate {};\n  ssl_certificate_key {};\n\
           ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;\n  ssl_ciphers DEFAULT:@SECLEVEL=0;\n\
           return 200 \"ok\\n\";\n }}\n}}\n",
        cert.display(),
        key.display()
    );
    let conf_path = prefix.join("nginx.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let log = prefix.join("error.log");
    let nginx = ["/usr/sbin/nginx", "nginx"]
        .into_iter()
        .find(|n| Command::new(n).arg("-v").output().is_ok())
        .expect("nginx must be installed (apt-get install nginx)");
    let mut child = Command::new(nginx)
        .arg("-p")
        .arg(&prefix)
        .arg("-e")
        .arg(&log)
        .arg("-c")
        .arg(&conf_path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx must be installed (apt-get install nginx)");
    wait_listening(addr, &mut child, &log);
    Guard(child)
}

// ---------- hostile peers ----------

/// Reads one TLS record (the client's ClientHello) from `s`: header, then as much body as it
/// announces. None when the client sent no record.
pub fn read_record(s: &mut TcpStream) -> Option<Vec<u8>> {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = [0u8; 5];
    s.read_exact(&mut head).ok()?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([head[3], head[4]]))];
    s.read_exact(&mut body).ok()?;
    Some([&head[..], &body].concat())
}

/// Closes `s` with a TCP reset instead of a FIN (SO_LINGER 0).
pub fn reset(s: TcpStream) {
    let socket = tokio::net::TcpSocket::from_std_stream(s);
    socket.set_zero_linger().unwrap();
    drop(socket);
}

/// A handshake record holding one ServerHello choosing `version` and ECDHE-RSA-AES128-GCM-SHA256;
/// `extensions` (raw bytes, after their own length field) is appended when given.
pub fn server_hello(version: u16, extensions: Option<&[u8]>) -> Vec<u8> {
    let mut hello = version.to_be_bytes().to_vec();
    hello.extend_from_slice(&[0x5a; 32]); // random
    hello.push(0); // no session id
    hello.extend_from_slice(&[0xc0, 0x2f, 0]); // cipher, null compression
    if let Some(ext) = extensions {
        hello.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        hello.extend_from_slice(ext);
    }
    handshake_record(0x0303, 2, &hello)
}

/// One handshake record of `kind` carrying `body`.
pub fn handshake_record(record_version: u16, kind: u8, body: &[u8]) -> Vec<u8> {
    let mut msg = vec![kind];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend_from_slice(body);
    let mut record = vec![22];
    record.extend_from_slice(&record_version.to_be_bytes());
    record.extend_from_slice(&(msg.len() as u16).to_be_bytes());
    record.extend_from_slice(&msg);
    record
}

/// What one run of the binary cost.
pub struct Measured {
    pub code: i32,
    pub reports: Vec<Value>,
    pub elapsed: Duration,
    /// Peak resident set of the albaudit process, in KiB.
    pub max_rss_kib: u64,
}

/// Runs `albaudit probe ARGS --format json` under GNU time and measures its wall time and
/// peak memory. (getrusage from this process would not do: a child exec'd from the test
/// process inherits its high-water mark, so only a small parent like time(1) sees the truth.)
pub fn probe_json_measured(args: &[&str]) -> Measured {
    let dir = tempfile::tempdir().unwrap();
    let rss_file = dir.path().join("rss");
    let bin = assert_cmd::cargo::cargo_bin("albaudit");
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&rss_file)
        .arg(bin)
        .arg("probe")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("GNU time must be installed (apt-get install time)");
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let reports: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let rss = std::fs::read_to_string(&rss_file).unwrap();
    Measured {
        code: out.status.code().unwrap(),
        reports: reports.as_array().unwrap().clone(),
        elapsed,
        max_rss_kib: rss.trim().lines().last().unwrap().parse().unwrap(),
    }
}
