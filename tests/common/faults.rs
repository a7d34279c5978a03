//! A fault-injecting HTTP proxy for live-mode tests: it sits on 127.0.0.1 in front of a moto
//! server, forwards every AWS request, and answers chosen operations with throttling errors,
//! 500s, slow or truncated responses, or bodies that do not parse. It also records every
//! operation that reaches it, as IAM names it (`ec2:DescribeSubnets`), which makes it an
//! observer of what the tool really sends, independent of the tool's own bookkeeping.
//!
//! One request per connection: each answer carries `Connection: close`, which the SDK's client
//! handles by opening a new connection for the next request.
//!
//! Include it with `#[path = "common/faults.rs"] mod faults;`.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the proxy does to a matching request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The service's own throttling error (`RequestLimitExceeded` for EC2, `Throttling` for
    /// ELBv2, `ThrottlingException` for ACM).
    Throttle,
    /// HTTP 500 with the service's internal-error body.
    ServerError,
    /// The real answer, sent after this delay.
    Slow(Duration),
    /// The real answer's status and headers, then half of its body, then the connection closes.
    Truncated,
    /// HTTP 200 with a body that stops in the middle of the operation's XML or JSON.
    Malformed,
}

impl Fault {
    pub fn name(self) -> &'static str {
        match self {
            Fault::Throttle => "throttling",
            Fault::ServerError => "HTTP 500",
            Fault::Slow(_) => "slow response",
            Fault::Truncated => "truncated body",
            Fault::Malformed => "malformed body",
        }
    }
}

/// Injects `fault` into requests for `operation` (`ec2:DescribeRouteTables`, or `*` for every
/// operation): the first `skip` matching requests pass, then `times` of them are faulted
/// (`None`: all). With `*`, the counts are kept per operation.
#[derive(Clone, Debug)]
pub struct Rule {
    pub operation: String,
    pub fault: Fault,
    pub skip: usize,
    pub times: Option<usize>,
}

impl Rule {
    /// Every request for `operation`, from now on.
    pub fn always(operation: &str, fault: Fault) -> Rule {
        Rule {
            operation: operation.to_string(),
            fault,
            skip: 0,
            times: None,
        }
    }

    /// The first `times` requests for `operation` (each operation apart, with `*`).
    pub fn first(operation: &str, fault: Fault, times: usize) -> Rule {
        Rule {
            operation: operation.to_string(),
            fault,
            skip: 0,
            times: Some(times),
        }
    }
}

/// One request that reached the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    /// `service:Operation` as IAM names it, or the request line when it was not an AWS call.
    pub operation: String,
    /// The fault injected, if any.
    pub fault: Option<Fault>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    seen: Vec<Seen>,
}

pub struct Proxy {
    port: u16,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Starts forwarding 127.0.0.1:(a free port) to 127.0.0.1:`upstream`, with these rules.
    pub fn start(upstream: u16, rules: Vec<Rule>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let state = Arc::new(Mutex::new(State {
            rules,
            seen: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (state2, stop2) = (state.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let state = state2.clone();
                std::thread::spawn(move || {
                    // A client that hangs up early is its own business, not the proxy's.
                    let _ = serve(client, upstream, &state);
                });
            }
        });
        Proxy { port, state, stop }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// How many requests got a fault.
    pub fn injected(&self) -> usize {
        self.seen().iter().filter(|s| s.fault.is_some()).count()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so that it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// A parsed HTTP/1.1 request: the raw head and the body.
struct Request {
    head: Vec<String>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }

    /// The credential scope's service (`ec2`, `elasticloadbalancing`, `acm`).
    fn service(&self) -> Option<&str> {
        let auth = self.header("authorization")?;
        let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
        scope.split('/').nth(3)
    }

    /// The operation: the `Action` form field (query protocol: EC2, ELBv2) or the
    /// `X-Amz-Target` header (JSON protocol: ACM).
    fn operation(&self) -> Option<String> {
        let service = self.service()?;
        let action = match self.header("x-amz-target") {
            Some(target) => target.rsplit('.').next()?.to_string(),
            None => String::from_utf8_lossy(&self.body)
                .split('&')
                .find_map(|pair| pair.strip_prefix("Action="))?
                .to_string(),
        };
        Some(format!("{service}:{action}"))
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<Request>> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let mut request = Request {
        head,
        body: Vec::new(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    request.body = vec![0; length];
    reader.read_exact(&mut request.body)?;
    Ok(Some(request))
}

fn serve(client: TcpStream, upstream: u16, state: &Mutex<State>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(request) = read_request(&mut reader)? else {
        return Ok(());
    };
    let operation = request
        .operation()
        .unwrap_or_else(|| request.head.first().cloned().unwrap_or_default());
    let fault = decide(state, &operation);
    let service = request.service().unwrap_or_default().to_string();
    let action = operation.split(':').nth(1).unwrap_or_default().to_string();
    let mut client = client;
    match fault {
        Some(Fault::Throttle) => {
            let (status, content_type, body, error_type) = throttling(&service);
            respond(&mut client, status, content_type, error_type, body.as_bytes())?;
        }
        Some(Fault::ServerError) => {
            let (content_type, body, error_type) = internal_error(&service);
            respond(&mut client, 500, content_type, error_type, body.as_bytes())?;
        }
        Some(Fault::Malformed) => {
            let (content_type, body) = malformed(&service, &action);
            respond(&mut client, 200, content_type, None, body.as_bytes())?;
        }
        Some(Fault::Slow(delay)) => {
            std::thread::sleep(delay);
            let answer = forward(&request, upstream)?;
            answer.send(&mut client, None)?;
        }
        Some(Fault::Truncated) => {
            let answer = forward(&request, upstream)?;
            let half = answer.body.len() / 2;
            answer.send(&mut client, Some(half))?;
        }
        None => {
            let answer = forward(&request, upstream)?;
            answer.send(&mut client, None)?;
        }
    }
    client.flush()?;
    client.shutdown(Shutdown::Both)
}

/// The fault of the first rule that applies to this request, which is recorded as seen (under
/// one lock, so that concurrent requests are counted apart).
fn decide(state: &Mutex<State>, operation: &str) -> Option<Fault> {
    let mut state = state.lock().unwrap();
    let before = state.seen.iter().filter(|s| s.operation == operation).count();
    let fault = state.rules.iter().find_map(|rule| {
        if rule.operation != "*" && rule.operation != operation {
            return None;
        }
        let n = before.checked_sub(rule.skip)?;
        match rule.times {
            Some(times) if n >= times => None,
            _ => Some(rule.fault),
        }
    });
    state.seen.push(Seen {
        operation: operation.to_string(),
        fault,
    });
    fault
}

/// The upstream's answer: status line, headers (without framing headers), body.
struct Answer {
    status_line: String,
    headers: Vec<String>,
    body: Vec<u8>,
}

impl Answer {
    /// Sends it with a `Content-Length` of the whole body, but only `cut` bytes of the body.
    fn send(&self, client: &mut TcpStream, cut: Option<usize>) -> std::io::Result<()> {
        let mut head = format!("{}\r\n", self.status_line);
        for h in &self.headers {
            head.push_str(h);
            head.push_str("\r\n");
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        client.write_all(head.as_bytes())?;
        client.write_all(&self.body[..cut.unwrap_or(self.body.len())])
    }
}

fn forward(request: &Request, upstream: u16) -> std::io::Result<Answer> {
    let mut server = TcpStream::connect(("127.0.0.1", upstream))?;
    server.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut head = String::new();
    for line in &request.head {
        let name = line.split(':').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    server.write_all(head.as_bytes())?;
    server.write_all(&request.body)?;
    let mut raw = Vec::new();
    server.read_to_end(&mut raw)?;
    parse_answer(&raw).ok_or_else(|| std::io::Error::other("upstream sent no HTTP answer"))
}

fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..split]).ok()?;
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?.to_string();
    let mut headers = Vec::new();
    let mut chunked = false;
    for line in lines {
        let name = line
            .split(':')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match name.as_str() {
            "transfer-encoding" => chunked = line.to_ascii_lowercase().contains("chunked"),
            "content-length" | "connection" => {}
            _ => headers.push(line.to_string()),
        }
    }
    if chunked {
        body = dechunk(&body)?;
    }
    Some(Answer {
        status_line,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let size_text = std::str::from_utf8(&data[..end]).ok()?;
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        data = &data[end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(data.get(..size)?);
        data = data.get(size + 2..)?;
    }
}

fn respond(
    client: &mut TcpStream,
    status: u16,
    content_type: &str,
    error_type: Option<&str>,
    body: &[u8],
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    };
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nx-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\nConnection: close\r\n",
        body.len()
    );
    if let Some(error_type) = error_type {
        head.push_str(&format!("x-amzn-ErrorType: {error_type}\r\n"));
    }
    head.push_str("\r\n");
    client.write_all(head.as_bytes())?;
    client.write_all(body)
}

const XML: &str = "text/xml";
const JSON: &str = "application/x-amz-json-1.1";

/// Status, content type, body and JSON error type of the service's throttling error.
fn throttling(service: &str) -> (u16, &'static str, String, Option<&'static str>) {
    match service {
        "ec2" => (
            503,
            XML,
            ec2_error("RequestLimitExceeded", "Request limit exceeded."),
            None,
        ),
        "acm" => (
            400,
            JSON,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
            Some("ThrottlingException"),
        ),
        _ => (
            400,
            XML,
            query_error("Sender", "Throttling", "Rate exceeded"),
            None,
        ),
    }
}

fn internal_error(service: &str) -> (&'static str, String, Option<&'static str>) {
    match service {
        "ec2" => (
            XML,
            ec2_error("InternalError", "An internal error has occurred"),
            None,
        ),
        "acm" => (
            JSON,
            r#"{"__type":"InternalFailure","message":"An internal error has occurred"}"#.to_string(),
            Some("InternalFailure"),
        ),
        _ => (
            XML,
            query_error("Receiver", "InternalFailure", "An internal error has occurred"),
            None,
        ),
    }
}

fn malformed(service: &str, action: &str) -> (&'static str, String) {
    match service {
        "acm" => (
            JSON,
            r#"{"CertificateSummaryList": [{"CertificateArn": "arn:aws:acm:"#.to_string(),
        ),
        _ => (
            XML,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{action}Response><{action}Result><item><id>x</id"
            ),
        ),
    }
}

fn ec2_error(code: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>"
    )
}

fn query_error(kind: &str, code: &str, message: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
    )
}
