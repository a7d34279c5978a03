//! Live-collector benchmark against moto: seeds N ALBs (each with an HTTPS and an HTTP
//! listener), collects them, and prints wall time and API calls per ALB. Calls per ALB should
//! stay flat as N grows. Run with `bench/live.sh` (or `cargo bench --bench live -- 10 100`).

#[path = "../tests/common/moto.rs"]
mod moto;

use std::time::Instant;

use albaudit::collect::aws;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![10, 100, 500]
    } else {
        sizes
    };
    println!(
        "{:>5} {:>9} {:>7} {:>10} {:>9}",
        "ALBs", "seconds", "calls", "calls/ALB", "listeners"
    );
    for n in sizes {
        let moto = moto::start();
        moto.seed_many(n);
        let started = Instant::now();
        let (inventory, calls) = aws::collect_counted(&moto.options(), aws::PAGE_SIZE).expect("collect");
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(inventory.load_balancers.len(), n, "{:?}", inventory.incomplete);
        assert!(inventory.incomplete.is_empty(), "{:?}", inventory.incomplete);
        let total = calls.total();
        println!(
            "{n:>5} {seconds:>9.2} {total:>7} {:>10.2} {:>9}",
            total as f64 / n as f64,
            inventory.listeners.len()
        );
        for (action, count) in calls.by_action() {
            println!("        {count:>6}  {action}");
        }
    }
}
