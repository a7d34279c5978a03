//! Port 80 check: does a plain HTTP request get a redirect to https?

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::classify::TcpOutcome;
use super::tcp;

/// Most bytes of the response read: the status line and headers are all we need.
const MAX_READ: usize = 16 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RedirectOutcome {
    pub port: u16,
    pub tcp: TcpOutcome,
    /// HTTP status code, when a status line came back.
    pub status: Option<u16>,
    pub location: Option<String>,
    /// A 3xx whose Location starts with `https://`.
    pub to_https: bool,
    /// Why no status was read (timeout, closed, not HTTP).
    pub error: Option<String>,
}

pub async fn check(
    addr: SocketAddr,
    host: &str,
    connect_timeout: Duration,
    io_timeout: Duration,
) -> RedirectOutcome {
    let (tcp, stream) = tcp::connect(addr, connect_timeout).await;
    let mut out = RedirectOutcome {
        port: addr.port(),
        tcp,
        status: None,
        location: None,
        to_https: false,
        error: None,
    };
    let Some(mut stream) = stream else {
        return out;
    };
    let request = format!(
        "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: albaudit-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n"
    );
    let exchange = async {
        stream.write_all(request.as_bytes()).await?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while buf.len() < MAX_READ && !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Ok::<_, std::io::Error>(buf)
    };
    match tokio::time::timeout(io_timeout, exchange).await {
        Err(_) => out.error = Some("no reply".into()),
        Ok(Err(e)) => out.error = Some(e.to_string()),
        Ok(Ok(buf)) => match parse_head(&buf) {
            Some((status, location)) => {
                out.to_https = (300..400).contains(&status)
                    && location
                        .as_deref()
                        .is_some_and(|l| l.to_ascii_lowercase().starts_with("https://"));
                out.status = Some(status);
                out.location = location;
            }
            None if buf.is_empty() => out.error = Some("closed without a reply".into()),
            None => out.error = Some("reply is not HTTP".into()),
        },
    }
    out
}

/// Status code and Location header of an HTTP/1.x response head.
pub fn parse_head(buf: &[u8]) -> Option<(u16, Option<String>)> {
    let text = String::from_utf8_lossy(buf);
    let mut lines = text.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.split(' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let location = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.trim().to_string());
    Some((status, location))
}

#[cfg(test)]
mod tests {
    use super::parse_head;

    #[test]
    fn reads_status_and_location() {
        let head = b"HTTP/1.1 301 Moved Permanently\r\nlocation: https://a.test/\r\n\r\n";
        assert_eq!(parse_head(head), Some((301, Some("https://a.test/".into()))));
        assert_eq!(parse_head(b"HTTP/1.0 200 OK\r\n\r\nbody"), Some((200, None)));
        assert_eq!(parse_head(b"hello"), None);
    }
}
