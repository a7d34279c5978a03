//! TLS 1.2 / 1.3 handshakes through rustls (ring backend) and certificate classification.
//!
//! The handshake itself accepts any certificate (signatures are still checked), so a bad
//! certificate does not hide the negotiated version, cipher and group. The presented chain is then
//! verified separately against webpki roots plus `--ca-file`, and the verifier's error becomes the
//! certificate's class.

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, Error as RustlsError, PeerIncompatible,
    RootCertStore, SignatureScheme, SupportedProtocolVersion,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use super::ProbeError;
use super::classify::{
    CertOutcome, CertStatus, TlsOutcome, VersionOutcome, alert_name, is_tls_content_type, printable_head,
    read_cert,
};

/// Most bytes read from a server during one handshake (a handshake with a long chain is well
/// under this).
const MAX_HANDSHAKE_READ: u64 = 256 * 1024;

/// Client configurations for the main handshake and the per-version checks, and the verifier
/// used to judge the presented certificate.
pub struct TlsClient {
    any: Arc<ClientConfig>,
    only12: Arc<ClientConfig>,
    only13: Arc<ClientConfig>,
    verifier: Arc<WebPkiServerVerifier>,
}

impl TlsClient {
    pub fn new(ca_file: Option<&Path>) -> Result<Self, ProbeError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = ca_file {
            let bad = |reason: String| ProbeError::CaFile {
                path: path.to_path_buf(),
                reason,
            };
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| bad(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| bad(e.to_string()))?;
            if certs.is_empty() {
                return Err(bad("no PEM certificate in it".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
            }
        }
        let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| ProbeError::Tls(e.to_string()))?;
        let accept = Arc::new(AcceptAnyCert(provider.signature_verification_algorithms));
        let config = |versions: &[&'static SupportedProtocolVersion]| {
            ClientConfig::builder_with_provider(provider.clone())
                .with_protocol_versions(versions)
                .map(|b| {
                    Arc::new(
                        b.dangerous()
                            .with_custom_certificate_verifier(accept.clone())
                            .with_no_client_auth(),
                    )
                })
                .map_err(|e| ProbeError::Tls(e.to_string()))
        };
        Ok(TlsClient {
            any: config(&[&rustls::version::TLS13, &rustls::version::TLS12])?,
            only12: config(&[&rustls::version::TLS12])?,
            only13: config(&[&rustls::version::TLS13])?,
            verifier,
        })
    }

    /// The main handshake on an open connection: TLS 1.2 and 1.3 offered. The certificate is
    /// classified when the handshake completes.
    pub async fn handshake(
        &self,
        stream: TcpStream,
        name: &ServerName<'static>,
        io_timeout: Duration,
    ) -> (TlsOutcome, Option<CertOutcome>) {
        let start = Instant::now();
        let mut stream = Recorded::new(stream);
        let connector = TlsConnector::from(self.any.clone());
        let attempt = connector.connect(name.clone(), &mut stream);
        match tokio::time::timeout(io_timeout, attempt).await {
            Ok(Ok(tls)) => {
                let conn = tls.get_ref().1;
                let outcome = TlsOutcome::Established {
                    version: conn
                        .protocol_version()
                        .map_or_else(|| "unknown".into(), |v| version_name(u16::from(v))),
                    cipher: conn
                        .negotiated_cipher_suite()
                        .map_or_else(|| "unknown".into(), |s| format!("{:?}", s.suite())),
                    group: conn
                        .negotiated_key_exchange_group()
                        .map(|g| format!("{:?}", g.name())),
                    ms: start.elapsed().as_secs_f64() * 1000.0,
                };
                let chain = conn.peer_certificates().unwrap_or_default();
                (outcome, Some(self.classify_cert(chain, name)))
            }
            Ok(Err(e)) => (failure(&e, &stream), None),
            Err(_) => match stream.head() {
                [first, ..] if !is_tls_content_type(*first) => (plaintext(&stream), None),
                _ => (TlsOutcome::NoReply, None),
            },
        }
    }

    /// Offers only TLS 1.2 (`version` 0x0303) or only TLS 1.3 (0x0304) on a new connection.
    pub async fn probe_version(
        &self,
        addr: SocketAddr,
        version: u16,
        name: &ServerName<'static>,
        connect_timeout: Duration,
        io_timeout: Duration,
    ) -> VersionOutcome {
        let config = if version == 0x0304 {
            &self.only13
        } else {
            &self.only12
        };
        let stream = match super::tcp::connect(addr, connect_timeout).await {
            (_, Some(s)) => s,
            (tcp, None) => return VersionOutcome::Tcp { tcp },
        };
        let mut stream = Recorded::new(stream);
        let attempt = TlsConnector::from(config.clone()).connect(name.clone(), &mut stream);
        match tokio::time::timeout(io_timeout, attempt).await {
            Ok(Ok(tls)) => VersionOutcome::Accepted {
                cipher: tls
                    .get_ref()
                    .1
                    .negotiated_cipher_suite()
                    .map(|s| format!("{:?}", s.suite())),
            },
            Ok(Err(e)) => match failure(&e, &stream) {
                TlsOutcome::Alert { alert } => VersionOutcome::Rejected { alert },
                TlsOutcome::Closed | TlsOutcome::Reset => VersionOutcome::Closed,
                TlsOutcome::PlaintextReply { .. } => VersionOutcome::NotTls,
                TlsOutcome::NoReply => VersionOutcome::NoReply,
                TlsOutcome::ClientIncompatible { reason } => match rustls_error(&e) {
                    Some(RustlsError::PeerIncompatible(
                        PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
                        | PeerIncompatible::ServerDoesNotSupportTls12Or13,
                    )) => VersionOutcome::Downgraded {
                        to: "an older version".into(),
                    },
                    _ => VersionOutcome::ClientIncompatible { reason },
                },
                TlsOutcome::Established { .. } | TlsOutcome::Malformed { .. } | TlsOutcome::Error { .. } => {
                    VersionOutcome::Error {
                        reason: e.to_string(),
                    }
                }
            },
            Err(_) => VersionOutcome::NoReply,
        }
    }

    /// Verifies the presented chain for `name` and names what is wrong with it.
    pub fn classify_cert(&self, chain: &[CertificateDer<'_>], name: &ServerName<'_>) -> CertOutcome {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return CertOutcome {
                status: CertStatus::Invalid,
                detail: Some("no certificate presented".into()),
                subject: None,
                issuer: None,
                not_after: None,
                dns_names: Vec::new(),
                chain_len: 0,
            };
        };
        let info = read_cert(leaf);
        let verdict = self
            .verifier
            .verify_server_cert(leaf, intermediates, name, &[], UnixTime::now());
        let (status, detail) = match verdict {
            Ok(_) => (CertStatus::Valid, None),
            Err(e) => {
                let status = match &e {
                    RustlsError::InvalidCertificate(c) => match c {
                        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                            CertStatus::Expired
                        }
                        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                            CertStatus::NotYetValid
                        }
                        CertificateError::NotValidForName
                        | CertificateError::NotValidForNameContext { .. } => CertStatus::HostnameMismatch,
                        // A leaf sent alone whose issuer is someone else: the server left out
                        // the intermediate. A self-issued leaf, or a chain that ends in a
                        // root we do not know, is an unknown issuer.
                        CertificateError::UnknownIssuer
                            if intermediates.is_empty()
                                && info.as_ref().is_some_and(|i| !i.self_issued()) =>
                        {
                            CertStatus::IncompleteChain
                        }
                        CertificateError::UnknownIssuer => CertStatus::UnknownIssuer,
                        _ => CertStatus::Invalid,
                    },
                    _ => CertStatus::Invalid,
                };
                (status, Some(e.to_string()))
            }
        };
        CertOutcome {
            status,
            detail,
            subject: info.as_ref().map(|i| i.subject.clone()),
            issuer: info.as_ref().map(|i| i.issuer.clone()),
            not_after: info.as_ref().map(|i| i.not_after.clone()),
            dns_names: info.map(|i| i.dns_names).unwrap_or_default(),
            chain_len: chain.len(),
        }
    }
}

pub fn version_name(v: u16) -> String {
    super::legacy::version_name(v)
}

fn rustls_error(e: &io::Error) -> Option<&RustlsError> {
    e.get_ref().and_then(|inner| inner.downcast_ref::<RustlsError>())
}

fn plaintext(stream: &Recorded) -> TlsOutcome {
    TlsOutcome::PlaintextReply {
        first_bytes: printable_head(stream.head()),
    }
}

/// Classifies a failed handshake: what the server sent decides, then the rustls error.
fn failure(e: &io::Error, stream: &Recorded) -> TlsOutcome {
    if stream.head().first().is_some_and(|b| !is_tls_content_type(*b)) {
        return plaintext(stream);
    }
    if let Some(err) = rustls_error(e) {
        return match err {
            RustlsError::AlertReceived(desc) => TlsOutcome::Alert {
                alert: alert_name(u8::from(*desc)),
            },
            // What the server sent breaks TLS itself: no client could negotiate with it.
            RustlsError::InvalidMessage(_)
            | RustlsError::PeerMisbehaved(_)
            | RustlsError::PeerSentOversizedRecord
            | RustlsError::InappropriateMessage { .. }
            | RustlsError::InappropriateHandshakeMessage { .. } => TlsOutcome::Malformed {
                reason: err.to_string(),
            },
            other => TlsOutcome::ClientIncompatible {
                reason: other.to_string(),
            },
        };
    }
    match e.kind() {
        io::ErrorKind::UnexpectedEof => TlsOutcome::Closed,
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => TlsOutcome::Reset,
        _ => TlsOutcome::Error {
            reason: e.to_string(),
        },
    }
}

/// Accepts any certificate but still checks handshake signatures, so the handshake finishes
/// and the certificate is judged on its own afterwards.
#[derive(Debug)]
struct AcceptAnyCert(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, RustlsError> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, RustlsError> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// A TCP stream that remembers the first bytes the server sent and refuses to read more than
/// [`MAX_HANDSHAKE_READ`] bytes.
struct Recorded {
    inner: TcpStream,
    head: [u8; 32],
    head_len: usize,
    total: u64,
}

impl Recorded {
    fn new(inner: TcpStream) -> Self {
        Recorded {
            inner,
            head: [0; 32],
            head_len: 0,
            total: 0,
        }
    }

    fn head(&self) -> &[u8] {
        &self.head[..self.head_len]
    }
}

impl AsyncRead for Recorded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.total >= MAX_HANDSHAKE_READ {
            return Poll::Ready(Err(io::Error::other("server sent too much during the handshake")));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let new = &buf.filled()[before..];
            let this = &mut *self;
            let room = this.head.len() - this.head_len;
            let take = room.min(new.len());
            this.head[this.head_len..this.head_len + take].copy_from_slice(&new[..take]);
            this.head_len += take;
            this.total += new.len() as u64;
        }
        polled
    }
}

impl AsyncWrite for Recorded {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
