//! Live-collector benchmark against moto: seeds N ALBs (each with an HTTPS and an HTTP
//! listener), collects them, and prints wall time and API calls per ALB. Calls per ALB should
//! stay flat as N grows. Run with `bench/live.sh` (or `cargo bench --bench live -- 10 100`).
//!
//! Besides the collector alone, it times the whole `albaudit --no-probe --format json` binary
//! on the same data, and, when `LIVE_BENCH_PEER` holds a shell command, that command too (run
//! with `AWS_ENDPOINT_URL` pointing at the moto server, e.g. Prowler's elbv2 checks), printing
//! the peer's time over albaudit's.

#[path = "../tests/common/moto.rs"]
mod moto;

use std::process::Command;
use std::time::Instant;

use albaudit::collect::aws;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 500]
    } else {
        sizes
    };
    let peer = std::env::var("LIVE_BENCH_PEER").ok().filter(|p| !p.is_empty());
    println!(
        "{:>5} {:>9} {:>7} {:>10} {:>9} {:>9} {:>9} {:>7}",
        "ALBs", "collect s", "calls", "calls/ALB", "listeners", "binary s", "peer s", "peer/us"
    );
    for n in sizes {
        let moto = moto::start();
        moto.seed_many(n);
        let started = Instant::now();
        let (inventory, calls) = aws::collect_counted(&moto.options(), aws::PAGE_SIZE).expect("collect");
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(inventory.load_balancers.len(), n, "{:?}", inventory.incomplete);
        assert!(inventory.incomplete.is_empty(), "{:?}", inventory.incomplete);
        let binary = time_binary(&moto, n);
        let peer = peer.as_deref().map(|command| time_peer(&moto, command));
        let total = calls.total();
        let (peer_s, ratio) = match peer {
            Some(p) => (format!("{p:.2}"), format!("{:.1}", p / binary)),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "{n:>5} {seconds:>9.2} {total:>7} {:>10.2} {:>9} {binary:>9.2} {peer_s:>9} {ratio:>7}",
            total as f64 / n as f64,
            inventory.listeners.len()
        );
        for (action, count) in calls.by_action() {
            println!("        {count:>6}  {action}");
        }
    }
}

/// Seconds of one `albaudit --region R --endpoint-url E --no-probe --format json` run, which
/// must report all `n` load balancers.
fn time_binary(moto: &moto::Moto, n: usize) -> f64 {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_albaudit"))
        .args(["--region", moto::REGION, "--endpoint-url", &moto.endpoint()])
        .args(["--no-probe", "--format", "json"])
        .env("AWS_MAX_ATTEMPTS", "1")
        .output()
        .expect("run albaudit");
    let seconds = started.elapsed().as_secs_f64();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("albaudit: {e}\n{}", String::from_utf8_lossy(&out.stderr));
    });
    assert_eq!(report["summary"]["load_balancers"], n, "{report:#}");
    seconds
}

/// Seconds of the peer's shell command against this moto server; a failing peer stops the run.
fn time_peer(moto: &moto::Moto, command: &str) -> f64 {
    let started = Instant::now();
    let out = Command::new("sh")
        .args(["-c", command])
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_DEFAULT_REGION", moto::REGION)
        .output()
        .expect("run sh");
    let seconds = started.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "peer `{command}` failed ({}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    seconds
}
