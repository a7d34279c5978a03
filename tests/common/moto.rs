//! A moto server (PyPI `moto[server]`) for live-mode tests: one process per [`Moto`], on
//! 127.0.0.1 with a free port, killed by PID on drop. Scenarios are seeded through boto3 by
//! `tests/common/seed.py`.
//!
//! Include it with `#[path = "common/moto.rs"] mod moto;`. Call [`start`] first: it also sets the
//! environment the AWS SDK reads (test credentials, no instance metadata, a private credentials
//! file), once per test process, before any test talks to AWS.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use albaudit::collect::aws::LiveOptions;
use serde::Deserialize;

/// The region every scenario is seeded in.
pub const REGION: &str = "ap-northeast-1";

pub struct Moto {
    child: Child,
    port: u16,
}

/// Starts a fresh moto server and waits until it answers.
pub fn start() -> Moto {
    tool_env();
    let port = free_port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_ACM_VALIDATION_WAIT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("moto_server is not installed: pip install 'moto[server]'");
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    while moto.request("GET", "/moto-api/", "").is_none() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not answer on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    moto
}

impl Moto {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Options that audit this server's seeded region, with one attempt per call.
    pub fn options(&self) -> LiveOptions {
        LiveOptions {
            regions: vec![REGION.to_string()],
            profile: None,
            endpoint_url: Some(self.endpoint()),
            max_attempts: Some(1),
            ..LiveOptions::default()
        }
    }

    /// Forgets every resource (and IAM enforcement).
    pub fn reset(&self) {
        let answer = self.request("POST", "/moto-api/reset", "");
        assert!(
            answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
            "moto reset failed"
        );
    }

    /// Enforces IAM from now on: every later request must be signed by an allowed user.
    pub fn enforce_iam(&self) {
        let answer = self.request("POST", "/moto-api/reset-auth", "0");
        assert!(
            answer.is_some_and(|a| a.starts_with("HTTP/1.1 200")),
            "moto reset-auth failed"
        );
    }

    /// The outage: see [`Outage`].
    pub fn seed_outage(&self) -> Outage {
        serde_json::from_str(&self.seed(&["outage"])).expect("seed.py output")
    }

    /// The outage with its listeners on other ports than 443 and 80 (for probe tests).
    pub fn seed_outage_on(&self, https_port: u16, http_port: u16) -> Outage {
        let (https, http) = (https_port.to_string(), http_port.to_string());
        serde_json::from_str(&self.seed(&["outage", &https, &http])).expect("seed.py output")
    }

    /// `n` healthy ALBs, each with an HTTPS and an HTTP listener; returns their ARNs.
    pub fn seed_many(&self, n: usize) -> Vec<String> {
        #[derive(Deserialize)]
        struct Many {
            albs: Vec<String>,
        }
        let many: Many = serde_json::from_str(&self.seed(&["many", &n.to_string()])).expect("seed.py output");
        many.albs
    }

    /// The lint example's two stacks (`dir`/network.yaml, then `dir`/alb.yaml) deployed
    /// through moto's CloudFormation, with the adaptations to moto's gaps listed in seed.py.
    pub fn seed_stacks(&self, dir: &Path) -> Stacks {
        let dir = dir.to_str().expect("utf-8 path");
        serde_json::from_str(&self.seed(&["stacks", dir])).expect("seed.py output")
    }

    /// An IAM user allowed only `actions`, written as profile `name` into the test credentials
    /// file; pass the name as `LiveOptions::profile`.
    pub fn seed_user(&self, name: &str, actions: &[&str]) {
        #[derive(Deserialize)]
        struct Key {
            access_key_id: String,
            secret_access_key: String,
        }
        let mut args = vec!["user", name];
        args.extend(actions);
        let key: Key = serde_json::from_str(&self.seed(&args)).expect("seed.py output");
        write_profile(name, &key.access_key_id, &key.secret_access_key, None);
    }

    fn seed(&self, args: &[&str]) -> String {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/seed.py");
        let out = Command::new("python3")
            .arg(script)
            .arg(self.endpoint())
            .args(args)
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "seed.py {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    }

    /// A minimal HTTP/1.1 exchange; the whole answer, or `None` if the server is not up.
    fn request(&self, method: &str, path: &str, body: &str) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .ok()?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer).ok()?;
        Some(answer)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Adds profile `name` to the test credentials file (after [`start`]).
pub fn write_profile(name: &str, access_key_id: &str, secret_access_key: &str, session_token: Option<&str>) {
    let _guard = PROFILES.lock().unwrap_or_else(|e| e.into_inner());
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(credentials_file())
        .expect("test credentials file");
    let token = session_token
        .map(|t| format!("aws_session_token = {t}\n"))
        .unwrap_or_default();
    writeln!(
        file,
        "[{name}]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {secret_access_key}\n{token}"
    )
    .expect("write test credentials");
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

static ENV: Once = Once::new();
static PROFILES: Mutex<()> = Mutex::new(());

fn test_dir() -> PathBuf {
    std::env::temp_dir().join(format!("albaudit-moto-{}", std::process::id()))
}

fn credentials_file() -> PathBuf {
    test_dir().join("credentials")
}

/// The environment the SDK reads: test credentials, no instance metadata (which would also
/// leave loopback), and private config and credentials files instead of the user's ~/.aws.
fn tool_env() {
    ENV.call_once(|| {
        let dir = test_dir();
        std::fs::create_dir_all(&dir).expect("temp dir");
        let credentials = credentials_file();
        let config = dir.join("config");
        std::fs::write(&credentials, "").expect("credentials file");
        std::fs::write(&config, "").expect("config file");
        // SAFETY: runs once, before any test of this process reads the environment: every test
        // that uses AWS calls `start` first, and `Once` holds the others until this is done.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
            std::env::remove_var("AWS_SESSION_TOKEN");
            std::env::remove_var("AWS_PROFILE");
            std::env::remove_var("AWS_ENDPOINT_URL");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
            std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", &credentials);
            std::env::set_var("AWS_CONFIG_FILE", &config);
        }
    });
}

/// What [`Moto::seed_outage`] created: a VPC with an attached IGW and a public route table
/// (0.0.0.0/0 -> IGW) associated with subnets A, C and D only; subnet B uses the main table,
/// which has only the local route. ALB `outage` (internet-facing, over A and B) has an HTTPS
/// listener on ELBSecurityPolicy-2016-08 with a certificate for test.jp (+ www.test.jp), an SNI
/// certificate for other.test.jp and a host-header rule for api.test.jp, an HTTP listener that
/// redirects to HTTPS, `waf.fail_open.enabled=true`, and one network interface per subnet
/// (public IPs 127.0.0.2 in A, 127.0.0.3 in B). ALB `healthy` (over C and D) has the same
/// listeners on ELBSecurityPolicy-TLS13-1-2-2021-06 and WAF fail-open off.
#[derive(Debug, Deserialize)]
pub struct Outage {
    pub alb_dns: String,
    pub healthy_dns: String,
    pub vpc: String,
    pub igw: String,
    pub public_route_table: String,
    pub main_route_table: String,
    pub subnet_a: String,
    pub subnet_b: String,
    pub subnet_c: String,
    pub subnet_d: String,
    pub security_group: String,
    pub certificate: String,
    pub sni_certificate: String,
    pub alb: String,
    pub https_listener: String,
    pub http_listener: String,
    pub rule: String,
    pub eni_a: Interface,
    pub eni_b: Interface,
    pub healthy_alb: String,
    pub healthy_https_listener: String,
    pub healthy_http_listener: String,
}

#[derive(Debug, Deserialize)]
pub struct Interface {
    pub id: String,
    pub private_ip: String,
    pub public_ip: String,
}

/// What [`Moto::seed_stacks`] deployed: each stack's logical id -> physical id (for an ALB or a
/// listener, its ARN), and the ARNs of the network stack's two subnets.
#[derive(Debug, Deserialize)]
pub struct Stacks {
    pub network: std::collections::BTreeMap<String, String>,
    pub alb: std::collections::BTreeMap<String, String>,
    pub certificate: String,
    pub subnet_a_arn: String,
    pub subnet_b_arn: String,
}
