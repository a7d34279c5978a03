//! TCP connect with a timeout, classified.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use super::classify::TcpOutcome;

/// Connects within `timeout`; on success returns the stream with its outcome.
pub async fn connect(addr: SocketAddr, timeout: Duration) -> (TcpOutcome, Option<TcpStream>) {
    let start = Instant::now();
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(stream)) => {
            // Handshake flights are small writes: do not let Nagle hold them back.
            let _ = stream.set_nodelay(true);
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            (TcpOutcome::Connected { ms }, Some(stream))
        }
        Ok(Err(e)) => (io_outcome(&e), None),
        Err(_) => (TcpOutcome::Timeout, None),
    }
}

fn io_outcome(e: &std::io::Error) -> TcpOutcome {
    match e.kind() {
        ErrorKind::ConnectionRefused => TcpOutcome::Refused,
        ErrorKind::ConnectionReset => TcpOutcome::Reset,
        ErrorKind::TimedOut => TcpOutcome::Timeout,
        _ => TcpOutcome::Error {
            reason: e.to_string(),
        },
    }
}
