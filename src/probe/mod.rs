//! Live per-IP evidence: TCP connect, TLS handshake (rustls), TLS 1.0/1.1 acceptance (raw
//! ClientHello), certificate verdict and the port 80 redirect, for every IP of a target at once.
//!
//! Every step is bounded in time (`connect_timeout`, `io_timeout`) and in bytes read; all IPs
//! and all probes of one IP run concurrently, so the whole run takes about as long as the
//! slowest single probe.

pub mod classify;
pub mod cmd;
pub mod confirm;
pub mod http;
pub mod legacy;
pub mod resolve;
pub mod tcp;
pub mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde::Serialize;
use tokio::sync::Semaphore;

pub use classify::{CertOutcome, CertStatus, TcpOutcome, TlsOutcome, VersionOutcome, Versions};
pub use http::RedirectOutcome;
pub use resolve::{Resolver, StaticResolver, SystemResolver};

#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("cannot resolve {name}: {reason}")]
    Resolve { name: String, reason: String },
    #[error("bad --resolve entry `{entry}`: {reason}")]
    ResolveEntry { entry: String, reason: String },
    #[error("cannot use CA file {}: {reason}", path.display())]
    CaFile { path: PathBuf, reason: String },
    #[error("`{0}` is not a valid TLS server name")]
    ServerName(String),
    #[error("TLS setup failed: {0}")]
    Tls(String),
    #[error("cannot start the probe runtime: {0}")]
    Runtime(String),
}

#[derive(Clone, Debug)]
pub struct ProbeOptions {
    pub connect_timeout: Duration,
    /// Bound on each read/handshake after connecting.
    pub io_timeout: Duration,
    /// Trusted in addition to the webpki roots.
    pub ca_file: Option<PathBuf>,
    /// Most IPs probed at once (each IP opens up to six connections).
    pub concurrency: usize,
    /// When set, also send a plain HTTP request to this port and check for a redirect to https.
    pub http_redirect_port: Option<u16>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        ProbeOptions {
            connect_timeout: Duration::from_secs(3),
            io_timeout: Duration::from_secs(3),
            ca_file: None,
            concurrency: 64,
            http_redirect_port: None,
        }
    }
}

/// One address to probe; `sni` is the name the certificate must cover (None: the IP itself,
/// and no SNI is sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub ip: IpAddr,
    pub port: u16,
    pub sni: Option<String>,
}

/// Everything learnt about one IP.
#[derive(Clone, Debug, Serialize)]
pub struct IpReport {
    pub ip: IpAddr,
    pub port: u16,
    pub sni: Option<String>,
    /// One plain-words verdict: "healthy", "connect timeout", "refused", "reset",
    /// "plaintext reply", "no reply", "closed", "alert handshake_failure", "not negotiable",
    /// "malformed TLS reply",
    /// "certificate expired", "certificate not yet valid", "hostname mismatch",
    /// "incomplete chain", "unknown issuer", "legacy TLS accepted", "legacy TLS only" (the
    /// main handshake failed but TLS 1.0/1.1 is accepted: rustls cannot speak what the server
    /// speaks, which is not the server refusing TLS).
    pub class: String,
    pub healthy: bool,
    pub tcp: TcpOutcome,
    /// None when TCP did not connect.
    pub tls: Option<TlsOutcome>,
    /// None when TCP did not connect or the server did not answer in TLS.
    pub versions: Option<Versions>,
    /// None unless the handshake completed.
    pub certificate: Option<CertOutcome>,
    pub redirect: Option<RedirectOutcome>,
    pub elapsed_ms: f64,
}

/// Reachable, completes a TLS handshake with a valid certificate, and refuses TLS 1.0/1.1.
pub fn is_healthy(report: &IpReport) -> bool {
    report.class == "healthy"
}

/// Probes every target concurrently (at most `opts.concurrency` IPs at once) and returns one
/// report per target, in the order given. Blocking: runs its own single-threaded runtime.
pub fn probe_all(targets: &[Target], opts: &ProbeOptions) -> Result<Vec<IpReport>, ProbeError> {
    let names = targets
        .iter()
        .map(|t| server_name(t))
        .collect::<Result<Vec<_>, _>>()?;
    let client = Arc::new(tls::TlsClient::new(opts.ca_file.as_deref())?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ProbeError::Runtime(e.to_string()))?;
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    Ok(runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, (target, name)) in targets.iter().cloned().zip(names).enumerate() {
            let (client, limit, opts) = (client.clone(), limit.clone(), opts.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (i, probe_one(&target, name, &client, &opts).await)
            });
        }
        let mut reports: Vec<Option<IpReport>> = vec![None; targets.len()];
        while let Some(done) = tasks.join_next().await {
            if let Ok((i, report)) = done {
                reports[i] = Some(report);
            }
        }
        reports.into_iter().flatten().collect()
    }))
}

fn server_name(t: &Target) -> Result<ServerName<'static>, ProbeError> {
    match &t.sni {
        Some(name) => ServerName::try_from(name.clone()).map_err(|_| ProbeError::ServerName(name.clone())),
        None => Ok(ServerName::IpAddress(t.ip.into())),
    }
}

async fn probe_one(
    target: &Target,
    name: ServerName<'static>,
    client: &tls::TlsClient,
    opts: &ProbeOptions,
) -> IpReport {
    let start = Instant::now();
    let addr = SocketAddr::new(target.ip, target.port);
    let (ct, it) = (opts.connect_timeout, opts.io_timeout);
    let sni = target.sni.as_deref();

    let redirect = async {
        let port = opts.http_redirect_port?;
        let host = sni.map_or_else(|| target.ip.to_string(), str::to_string);
        Some(http::check(SocketAddr::new(target.ip, port), &host, ct, it).await)
    };
    let tls_side = async {
        let (tcp, stream) = tcp::connect(addr, ct).await;
        let Some(stream) = stream else {
            return (tcp, None, None, None);
        };
        let (main, v10, v11, v12, v13) = tokio::join!(
            client.handshake(stream, &name, it),
            legacy::probe_version(addr, legacy::TLS1_0, sni, ct, it),
            legacy::probe_version(addr, legacy::TLS1_1, sni, ct, it),
            client.probe_version(addr, 0x0303, &name, ct, it),
            client.probe_version(addr, 0x0304, &name, ct, it),
        );
        let (tls, cert) = main;
        let speaks_tls = !matches!(tls, TlsOutcome::PlaintextReply { .. } | TlsOutcome::NoReply);
        let versions = speaks_tls.then_some(Versions {
            tls1_0: v10,
            tls1_1: v11,
            tls1_2: v12,
            tls1_3: v13,
        });
        (tcp, Some(tls), versions, cert)
    };
    let ((tcp, tls, versions, certificate), redirect) = tokio::join!(tls_side, redirect);
    let class = classify::class_of(&tcp, tls.as_ref(), certificate.as_ref(), versions.as_ref());
    tracing::debug!(
        ip = %target.ip,
        port = target.port,
        sni = sni.unwrap_or("-"),
        "probed in {:.1?}: {class}",
        start.elapsed()
    );
    IpReport {
        ip: target.ip,
        port: target.port,
        sni: target.sni.clone(),
        healthy: class == "healthy",
        class,
        tcp,
        tls,
        versions,
        certificate,
        redirect,
        elapsed_ms: start.elapsed().as_secs_f64() * 1000.0,
    }
}
