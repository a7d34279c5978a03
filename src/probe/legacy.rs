//! TLS 1.0 / 1.1 probe: rustls speaks only TLS 1.2 and 1.3, so these versions are checked with a
//! hand-built ClientHello over a plain TCP stream. Only the server's first record is read and
//! parsed: a ServerHello (which version it picked) or an Alert (why it refused).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::classify::{VersionOutcome, alert_name, is_tls_content_type};

pub const TLS1_0: u16 = 0x0301;
pub const TLS1_1: u16 = 0x0302;

/// Most bytes read while waiting for the server's first record (a full record is at most
/// 5 + 16384 + 2048 bytes; we stop well before that since only the ServerHello head matters).
const MAX_READ: usize = 18 * 1024;

/// Cipher suites offered: the common ones a TLS 1.0/1.1 server would pick from, plus the
/// renegotiation SCSV.
const CIPHERS: &[(u16, &str)] = &[
    (0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"),
    (0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"),
    (0xc009, "ECDHE-ECDSA-AES128-SHA"),
    (0xc00a, "ECDHE-ECDSA-AES256-SHA"),
    (0xc013, "ECDHE-RSA-AES128-SHA"),
    (0xc014, "ECDHE-RSA-AES256-SHA"),
    (0x0033, "DHE-RSA-AES128-SHA"),
    (0x0039, "DHE-RSA-AES256-SHA"),
    (0x002f, "AES128-SHA"),
    (0x0035, "AES256-SHA"),
    (0x000a, "DES-CBC3-SHA"),
    (0x00ff, "EMPTY-RENEGOTIATION-INFO-SCSV"),
];

/// The name of a cipher suite we offered, or its code point.
pub fn cipher_name(code: u16) -> String {
    CIPHERS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or_else(|| format!("0x{code:04x}"), |(_, n)| (*n).to_string())
}

/// A ClientHello offering exactly `version` (0x0301 or 0x0302), with SNI when `sni` is a name.
pub fn client_hello(version: u16, sni: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(name) = sni {
        let name = name.as_bytes();
        let mut list = vec![0u8]; // host_name
        put_u16(&mut list, name.len());
        list.extend_from_slice(name);
        let mut body = Vec::new();
        put_u16(&mut body, list.len());
        body.extend_from_slice(&list);
        put_ext(&mut ext, 0x0000, &body);
    }
    // supported_groups: x25519, secp256r1, secp384r1
    put_ext(&mut ext, 0x000a, &[0, 6, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]);
    // ec_point_formats: uncompressed
    put_ext(&mut ext, 0x000b, &[1, 0]);

    let mut hello = Vec::new();
    hello.extend_from_slice(&version.to_be_bytes());
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    put_u16(&mut hello, CIPHERS.len() * 2);
    for (code, _) in CIPHERS {
        hello.extend_from_slice(&code.to_be_bytes());
    }
    hello.extend_from_slice(&[1, 0]); // compression: null only
    put_u16(&mut hello, ext.len());
    hello.extend_from_slice(&ext);

    let mut handshake = vec![1u8]; // client_hello
    handshake.extend_from_slice(&(hello.len() as u32).to_be_bytes()[1..]);
    handshake.extend_from_slice(&hello);

    let mut record = vec![22u8]; // handshake
    record.extend_from_slice(&TLS1_0.to_be_bytes()); // record layer version, as browsers sent it
    put_u16(&mut record, handshake.len());
    record.extend_from_slice(&handshake);
    record
}

fn put_u16(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u16).to_be_bytes());
}

fn put_ext(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    put_u16(out, body.len());
    out.extend_from_slice(body);
}

/// What the server's first bytes say, as far as they go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerResponse {
    /// Not enough bytes yet to decide.
    Incomplete,
    /// A ServerHello: the version the server picked and its cipher (if it fit in the first record).
    Hello { version: u16, cipher: Option<u16> },
    /// An Alert record.
    Alert { level: u8, description: u8 },
    /// The first byte is not a TLS record type: something else answered (e.g. plain HTTP).
    NotTls { first: u8 },
    /// A TLS record that is not what a server may send first.
    Malformed(&'static str),
}

/// Parses the start of a server's reply to a ClientHello. Pure and total: any input gives an
/// answer, never a panic, so it can be fuzzed.
pub fn parse_server_response(buf: &[u8]) -> ServerResponse {
    let Some(&first) = buf.first() else {
        return ServerResponse::Incomplete;
    };
    if !is_tls_content_type(first) {
        return ServerResponse::NotTls { first };
    }
    if buf.len() < 5 {
        return ServerResponse::Incomplete;
    }
    if buf[1] != 3 {
        return ServerResponse::Malformed("record version is not 3.x");
    }
    let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
    if len == 0 || len > 16384 + 2048 {
        return ServerResponse::Malformed("bad record length");
    }
    let body = &buf[5..buf.len().min(5 + len)];
    let complete = body.len() == len;
    match first {
        21 => match body {
            [level, description, ..] => ServerResponse::Alert {
                level: *level,
                description: *description,
            },
            _ if complete => ServerResponse::Malformed("short alert"),
            _ => ServerResponse::Incomplete,
        },
        22 => parse_server_hello(body, complete),
        _ => ServerResponse::Malformed("unexpected record type before ServerHello"),
    }
}

fn parse_server_hello(body: &[u8], complete: bool) -> ServerResponse {
    let need_more = |what| {
        if complete {
            ServerResponse::Malformed(what)
        } else {
            ServerResponse::Incomplete
        }
    };
    // handshake header (4) + server_version (2)
    if body.len() < 6 {
        return need_more("short handshake message");
    }
    if body[0] != 2 {
        return ServerResponse::Malformed("first handshake message is not a ServerHello");
    }
    let version = u16::from_be_bytes([body[4], body[5]]);
    // random (32) then session id
    let cipher = body.get(38).and_then(|&sid_len| {
        let at = 39 + usize::from(sid_len);
        Some(u16::from_be_bytes([*body.get(at)?, *body.get(at + 1)?]))
    });
    if cipher.is_none() && !complete {
        return ServerResponse::Incomplete;
    }
    ServerResponse::Hello { version, cipher }
}

/// Offers exactly `version` and reports whether the server accepts it. `Err` means TCP itself
/// failed (the caller has already classified TCP on its own connection).
pub async fn probe_version(
    addr: SocketAddr,
    version: u16,
    sni: Option<&str>,
    connect_timeout: Duration,
    io_timeout: Duration,
) -> VersionOutcome {
    let stream = match super::tcp::connect(addr, connect_timeout).await {
        (_, Some(s)) => s,
        (tcp, None) => return VersionOutcome::Tcp { tcp },
    };
    match tokio::time::timeout(io_timeout, exchange(stream, version, sni)).await {
        Ok(outcome) => outcome,
        Err(_) => VersionOutcome::NoReply,
    }
}

async fn exchange(mut stream: TcpStream, version: u16, sni: Option<&str>) -> VersionOutcome {
    if let Err(e) = stream.write_all(&client_hello(version, sni, random())).await {
        return VersionOutcome::Error {
            reason: format!("send: {e}"),
        };
    }
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        match parse_server_response(&buf) {
            ServerResponse::Incomplete => {}
            ServerResponse::Hello { version: v, cipher } if v == version => {
                return VersionOutcome::Accepted {
                    cipher: cipher.map(cipher_name),
                };
            }
            ServerResponse::Hello { version: v, .. } => {
                return VersionOutcome::Downgraded { to: version_name(v) };
            }
            ServerResponse::Alert { description, .. } => {
                return VersionOutcome::Rejected {
                    alert: alert_name(description),
                };
            }
            ServerResponse::NotTls { .. } => return VersionOutcome::NotTls,
            ServerResponse::Malformed(what) => {
                return VersionOutcome::Error {
                    reason: what.to_string(),
                };
            }
        }
        if buf.len() >= MAX_READ {
            return VersionOutcome::Error {
                reason: "no ServerHello in the first 18 KiB".into(),
            };
        }
        match stream.read(&mut chunk).await {
            Ok(0) => return VersionOutcome::Closed,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return VersionOutcome::Closed;
            }
            Err(e) => {
                return VersionOutcome::Error {
                    reason: format!("read: {e}"),
                };
            }
        }
    }
}

/// "TLSv1.0" for 0x0301 and so on.
pub fn version_name(v: u16) -> String {
    match v {
        0x0300 => "SSLv3".into(),
        0x0301 => "TLSv1.0".into(),
        0x0302 => "TLSv1.1".into(),
        0x0303 => "TLSv1.2".into(),
        0x0304 => "TLSv1.3".into(),
        _ => format!("0x{v:04x}"),
    }
}

/// ClientHello randomness need not be secret for a probe, only fresh.
fn random() -> [u8; 32] {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0x9e37_79b9_7f4a_7c15, |d| d.as_nanos() as u64);
    let mut x = seed | 1;
    let mut out = [0u8; 32];
    for b in &mut out {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = x as u8;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_is_one_well_formed_record() {
        let h = client_hello(TLS1_1, Some("a.test"), [7; 32]);
        assert_eq!(h[0], 22);
        assert_eq!(usize::from(u16::from_be_bytes([h[3], h[4]])), h.len() - 5);
        assert_eq!(h[5], 1);
        assert_eq!(&h[9..11], &[3, 2]);
        assert!(h.windows(6).any(|w| w == b"a.test"));
    }

    #[test]
    fn parses_server_hello_alert_and_plaintext() {
        // ServerHello for TLS 1.0 with an empty session id and cipher 0xc013.
        let mut hello = vec![2, 0, 0, 38, 3, 1];
        hello.extend_from_slice(&[0; 32]);
        hello.extend_from_slice(&[0, 0xc0, 0x13, 0]);
        let mut rec = vec![22, 3, 1, 0, hello.len() as u8];
        rec.extend_from_slice(&hello);
        assert_eq!(
            parse_server_response(&rec),
            ServerResponse::Hello {
                version: 0x0301,
                cipher: Some(0xc013)
            }
        );
        assert_eq!(parse_server_response(&rec[..20]), ServerResponse::Incomplete);
        assert_eq!(
            parse_server_response(&[21, 3, 1, 0, 2, 2, 70]),
            ServerResponse::Alert {
                level: 2,
                description: 70
            }
        );
        assert_eq!(
            parse_server_response(b"HTTP/1.1 400"),
            ServerResponse::NotTls { first: b'H' }
        );
        assert_eq!(parse_server_response(&[]), ServerResponse::Incomplete);
        assert!(matches!(
            parse_server_response(&[23, 3, 3, 0, 1, 0]),
            ServerResponse::Malformed(_)
        ));
    }

    #[test]
    fn never_panics_on_prefixes_of_garbage() {
        let mut junk = vec![22, 3, 1, 0, 60, 2, 0, 0, 56, 3, 1];
        junk.extend((0..80u8).map(|i| i.wrapping_mul(37)));
        for end in 0..junk.len() {
            let _ = parse_server_response(&junk[..end]);
        }
    }
}
