//! Outcome types of each probe step, and the one plain-words class per IP.

use serde::Serialize;

/// TCP connect result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum TcpOutcome {
    Connected { ms: f64 },
    Refused,
    Reset,
    Timeout,
    Error { reason: String },
}

/// The main TLS handshake (rustls, TLS 1.2 and 1.3 offered, SNI sent).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum TlsOutcome {
    Established {
        version: String,
        cipher: String,
        group: Option<String>,
        ms: f64,
    },
    /// The server refused with a TLS alert.
    Alert {
        alert: String,
    },
    /// The server answered, but not in TLS (first byte is not a record type).
    PlaintextReply {
        first_bytes: String,
    },
    /// Nothing came back within the I/O timeout.
    NoReply,
    /// The server closed the connection without an alert.
    Closed,
    Reset,
    /// The server answered in TLS but rustls could not negotiate with it (e.g. it only picks
    /// TLS 1.0, or ciphers rustls does not implement). Not the same as the server refusing.
    ClientIncompatible {
        reason: String,
    },
    /// The server answered in TLS, but with a message no TLS implementation may send (a record
    /// or handshake message over the size limits, a ServerHello that does not parse, a message
    /// out of order): a broken or hostile server, not a client limitation.
    Malformed {
        reason: String,
    },
    Error {
        reason: String,
    },
}

/// Whether one protocol version is accepted when offered alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum VersionOutcome {
    Accepted {
        cipher: Option<String>,
    },
    Rejected {
        alert: String,
    },
    /// The server answered with an older version than the one offered.
    Downgraded {
        to: String,
    },
    Closed,
    NoReply,
    NotTls,
    /// rustls could not finish although the server answered in this version.
    ClientIncompatible {
        reason: String,
    },
    /// This check's own TCP connection failed.
    Tcp {
        tcp: TcpOutcome,
    },
    Error {
        reason: String,
    },
}

impl VersionOutcome {
    pub fn accepted(&self) -> bool {
        matches!(self, VersionOutcome::Accepted { .. })
    }

    pub fn summary(&self) -> String {
        match self {
            VersionOutcome::Accepted { .. } => "accepted".into(),
            VersionOutcome::Rejected { alert } => format!("rejected ({alert})"),
            VersionOutcome::Downgraded { to } => format!("rejected (server chose {to})"),
            VersionOutcome::Closed => "rejected (closed)".into(),
            VersionOutcome::NoReply => "no reply".into(),
            VersionOutcome::NotTls => "not TLS".into(),
            VersionOutcome::ClientIncompatible { reason } => format!("not negotiable: {reason}"),
            VersionOutcome::Tcp { tcp } => format!("no connection: {tcp:?}"),
            VersionOutcome::Error { reason } => format!("error: {reason}"),
        }
    }
}

/// TLS 1.0-1.3, each offered alone.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Versions {
    #[serde(rename = "TLSv1.0")]
    pub tls1_0: VersionOutcome,
    #[serde(rename = "TLSv1.1")]
    pub tls1_1: VersionOutcome,
    #[serde(rename = "TLSv1.2")]
    pub tls1_2: VersionOutcome,
    #[serde(rename = "TLSv1.3")]
    pub tls1_3: VersionOutcome,
}

impl Versions {
    pub fn iter(&self) -> [(&'static str, &VersionOutcome); 4] {
        [
            ("TLSv1.0", &self.tls1_0),
            ("TLSv1.1", &self.tls1_1),
            ("TLSv1.2", &self.tls1_2),
            ("TLSv1.3", &self.tls1_3),
        ]
    }

    /// Legacy versions (below TLS 1.2) the server accepts.
    pub fn legacy_accepted(&self) -> Vec<&'static str> {
        self.iter()
            .into_iter()
            .take(2)
            .filter(|(_, o)| o.accepted())
            .map(|(n, _)| n)
            .collect()
    }
}

/// The verdict on the certificate the server presented.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertStatus {
    Valid,
    Expired,
    NotYetValid,
    HostnameMismatch,
    IncompleteChain,
    UnknownIssuer,
    Invalid,
}

impl CertStatus {
    pub fn words(self) -> &'static str {
        match self {
            CertStatus::Valid => "valid",
            CertStatus::Expired => "certificate expired",
            CertStatus::NotYetValid => "certificate not yet valid",
            CertStatus::HostnameMismatch => "hostname mismatch",
            CertStatus::IncompleteChain => "incomplete chain",
            CertStatus::UnknownIssuer => "unknown issuer",
            CertStatus::Invalid => "certificate invalid",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CertOutcome {
    pub status: CertStatus,
    /// The verifier's own words when the status is not valid.
    pub detail: Option<String>,
    pub subject: Option<String>,
    pub issuer: Option<String>,
    pub not_after: Option<String>,
    pub dns_names: Vec<String>,
    /// Certificates the server sent, leaf first.
    pub chain_len: usize,
}

/// Does the first byte of a reply look like a TLS record (change_cipher_spec, alert,
/// handshake, application_data)?
pub fn is_tls_content_type(b: u8) -> bool {
    (20..=23).contains(&b)
}

/// The RFC name of a TLS alert description.
pub fn alert_name(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        21 => "decryption_failed",
        22 => "record_overflow",
        30 => "decompression_failure",
        40 => "handshake_failure",
        41 => "no_certificate",
        42 => "bad_certificate",
        43 => "unsupported_certificate",
        44 => "certificate_revoked",
        45 => "certificate_expired",
        46 => "certificate_unknown",
        47 => "illegal_parameter",
        48 => "unknown_ca",
        49 => "access_denied",
        50 => "decode_error",
        51 => "decrypt_error",
        60 => "export_restriction",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        100 => "no_renegotiation",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        116 => "certificate_required",
        120 => "no_application_protocol",
        _ => return format!("alert {code}"),
    };
    name.to_string()
}

/// Printable head of a non-TLS reply: ASCII kept, the rest escaped, at most 32 bytes.
pub fn printable_head(bytes: &[u8]) -> String {
    bytes
        .iter()
        .take(32)
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect()
}

/// The class of one IP, in plain words, from the most basic failure up.
pub fn class_of(
    tcp: &TcpOutcome,
    tls: Option<&TlsOutcome>,
    cert: Option<&CertOutcome>,
    versions: Option<&Versions>,
) -> String {
    match tcp {
        TcpOutcome::Connected { .. } => {}
        TcpOutcome::Refused => return "refused".into(),
        TcpOutcome::Reset => return "reset".into(),
        TcpOutcome::Timeout => return "connect timeout".into(),
        TcpOutcome::Error { reason } => return format!("connect error: {reason}"),
    }
    let legacy = versions.map(Versions::legacy_accepted).unwrap_or_default();
    match tls {
        None | Some(TlsOutcome::Established { .. }) => {}
        // The server speaks TLS, only not a version rustls does: it did not refuse TLS.
        Some(
            TlsOutcome::Alert { .. } | TlsOutcome::ClientIncompatible { .. } | TlsOutcome::Malformed { .. },
        ) if !legacy.is_empty() => {
            return "legacy TLS only".into();
        }
        Some(TlsOutcome::Alert { alert }) => return format!("alert {alert}"),
        Some(TlsOutcome::PlaintextReply { .. }) => return "plaintext reply".into(),
        Some(TlsOutcome::NoReply) => return "no reply".into(),
        Some(TlsOutcome::Closed) => return "closed".into(),
        Some(TlsOutcome::Reset) => return "reset".into(),
        Some(TlsOutcome::ClientIncompatible { .. }) => return "not negotiable".into(),
        Some(TlsOutcome::Malformed { .. }) => return "malformed TLS reply".into(),
        Some(TlsOutcome::Error { reason }) => return format!("tls error: {reason}"),
    }
    if let Some(c) = cert.filter(|c| c.status != CertStatus::Valid) {
        return c.status.words().into();
    }
    if !legacy.is_empty() {
        return "legacy TLS accepted".into();
    }
    "healthy".into()
}

/// What a minimal DER read finds in a certificate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CertInfo {
    pub issuer_raw: Vec<u8>,
    pub subject_raw: Vec<u8>,
    pub issuer: String,
    pub subject: String,
    pub not_after: String,
    pub dns_names: Vec<String>,
}

impl CertInfo {
    /// Issued by itself (issuer equals subject): a root, or a self-signed leaf.
    pub fn self_issued(&self) -> bool {
        self.issuer_raw == self.subject_raw
    }
}

/// Reads issuer, subject, notAfter and the DNS names of a DER certificate. `None` when the
/// structure is not what X.509 v3 says; never panics.
pub fn read_cert(der: &[u8]) -> Option<CertInfo> {
    let (cert, _) = tlv(der, 0x30)?;
    let (mut tbs, _) = tlv(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = tlv(tbs, 0xa0)?.1; // version
    }
    let rest = tlv(tbs, 0x02)?.1; // serial
    let rest = tlv(rest, 0x30)?.1; // signature algorithm
    let (issuer, rest) = tlv(rest, 0x30)?;
    let (validity, rest) = tlv(rest, 0x30)?;
    let (subject, rest) = tlv(rest, 0x30)?;
    let mut rest = tlv(rest, 0x30)?.1; // subject public key info
    let not_after = {
        let after = skip_any(validity)?;
        let (tag, value, _) = any_tlv(after)?;
        format_time(tag, value)
    };
    let mut dns_names = Vec::new();
    while let Some((tag, value, next)) = any_tlv(rest) {
        if tag == 0xa3 {
            dns_names = san_dns_names(value).unwrap_or_default();
        }
        rest = next;
    }
    Some(CertInfo {
        issuer_raw: issuer.to_vec(),
        subject_raw: subject.to_vec(),
        issuer: name_string(issuer),
        subject: name_string(subject),
        not_after,
        dns_names,
    })
}

/// One TLV with the expected tag: (value, rest).
fn tlv(buf: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, value, rest) = any_tlv(buf)?;
    (t == tag).then_some((value, rest))
}

fn any_tlv(buf: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *buf.first()?;
    let first = *buf.get(1)?;
    let (len, head) = if first < 0x80 {
        (usize::from(first), 2)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let bytes = buf.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |acc, &b| acc << 8 | usize::from(b)),
            2 + n,
        )
    };
    let value = buf.get(head..head.checked_add(len)?)?;
    Some((tag, value, &buf[head + len..]))
}

fn skip_any(buf: &[u8]) -> Option<&[u8]> {
    any_tlv(buf).map(|(_, _, rest)| rest)
}

/// "CN=a.test, O=Example" from the attributes we know by name.
fn name_string(mut name: &[u8]) -> String {
    let mut parts = Vec::new();
    while let Some((_, set, rest)) = any_tlv(name) {
        let mut set = set;
        while let Some((atv, next)) = tlv(set, 0x30) {
            let attr = tlv(atv, 0x06).and_then(|(oid, rest)| Some((oid, any_tlv(rest)?.1)));
            if let Some((oid, value)) = attr {
                let key = match oid {
                    [0x55, 0x04, 0x03] => "CN",
                    [0x55, 0x04, 0x0a] => "O",
                    [0x55, 0x04, 0x0b] => "OU",
                    [0x55, 0x04, 0x06] => "C",
                    _ => "",
                };
                if !key.is_empty() {
                    parts.push(format!("{key}={}", String::from_utf8_lossy(value)));
                }
            }
            set = next;
        }
        name = rest;
    }
    parts.join(", ")
}

/// "2027-01-31T12:00:00Z" from UTCTime (0x17) or GeneralizedTime (0x18).
fn format_time(tag: u8, value: &[u8]) -> String {
    let s = String::from_utf8_lossy(value);
    let full = match tag {
        0x17 if s.len() >= 12 => {
            let century = if s[..2].parse::<u8>().unwrap_or(0) >= 50 {
                "19"
            } else {
                "20"
            };
            format!("{century}{s}")
        }
        _ => s.to_string(),
    };
    if full.len() >= 14 && full.is_ascii() {
        format!(
            "{}-{}-{}T{}:{}:{}Z",
            &full[0..4],
            &full[4..6],
            &full[6..8],
            &full[8..10],
            &full[10..12],
            &full[12..14]
        )
    } else {
        full
    }
}

/// dNSName entries of the subjectAltName extension, from the [3] extensions wrapper.
fn san_dns_names(exts: &[u8]) -> Option<Vec<String>> {
    let (mut list, _) = tlv(exts, 0x30)?;
    while let Some((ext, next)) = tlv(list, 0x30) {
        let (oid, mut rest) = tlv(ext, 0x06)?;
        if oid == [0x55, 0x1d, 0x11] {
            if rest.first() == Some(&0x01) {
                rest = skip_any(rest)?; // critical flag
            }
            let (octets, _) = tlv(rest, 0x04)?;
            let (mut names, _) = tlv(octets, 0x30)?;
            let mut out = Vec::new();
            while let Some((tag, value, next)) = any_tlv(names) {
                if tag == 0x82 {
                    out.push(String::from_utf8_lossy(value).into_owned());
                }
                names = next;
            }
            return Some(out);
        }
        list = next;
    }
    Some(Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_reader_survives_truncation() {
        let junk = [0x30, 0x82, 0x01, 0x00, 0x30, 0x10, 0xa0, 0x03, 0x02, 0x01, 0x02];
        for end in 0..junk.len() {
            assert_eq!(read_cert(&junk[..end]), None);
        }
    }

    #[test]
    fn utc_time_is_expanded() {
        assert_eq!(format_time(0x17, b"270131120000Z"), "2027-01-31T12:00:00Z");
        assert_eq!(format_time(0x18, b"20500101000000Z"), "2050-01-01T00:00:00Z");
    }
}
