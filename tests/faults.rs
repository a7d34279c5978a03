//! AWS API faults: `albaudit --region R` through the real binary, against moto behind a
//! fault-injecting proxy (tests/common/faults.rs). Faults within the retry budget are survived
//! with the same report as a clean run; beyond it, the audit names the failed call in
//! `incomplete` and exits 3, and a fault never invents a finding.
#![cfg(feature = "live")]

#[path = "common/faults.rs"]
mod faults;
#[path = "common/moto.rs"]
mod moto;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use albaudit::collect::aws::IAM_ACTIONS;
use faults::{Fault, Proxy, Rule};
use serde_json::Value;

/// One audit through the binary.
struct Run {
    code: Option<i32>,
    report: Value,
    stderr: String,
    took: Duration,
}

impl Run {
    fn incomplete_scopes(&self) -> BTreeSet<String> {
        self.report["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["scope"].as_str().unwrap().to_string())
            .collect()
    }

    /// (check, resource) of every finding above info: the confident verdicts.
    fn verdicts(&self) -> BTreeSet<(String, String)> {
        self.report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] != "info")
            .map(|f| {
                (
                    f["check"].as_str().unwrap().to_string(),
                    f["resource"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// `albaudit --region R --endpoint-url PROXY --no-probe --format json` with `env` added to the
/// harness's environment (test credentials; AWS_MAX_ATTEMPTS and AWS_RETRY_MODE unset unless
/// given, so the tool's own retry defaults apply).
fn audit(proxy: &Proxy, regions: &[&str], args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_albaudit"));
    for region in regions {
        cmd.args(["--region", region]);
    }
    cmd.args([
        "--endpoint-url",
        &proxy.endpoint(),
        "--no-probe",
        "--format",
        "json",
    ])
    .args(args)
    .env_remove("AWS_MAX_ATTEMPTS")
    .env_remove("AWS_RETRY_MODE");
    for (key, value) in env {
        cmd.env(key, value);
    }
    let started = Instant::now();
    let out = cmd.output().expect("run albaudit");
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}):\n{}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    Run {
        code: out.status.code(),
        report,
        stderr,
        took,
    }
}

/// The outage seeded in a fresh moto, and the report of a fault-free audit of it.
fn seeded() -> (moto::Moto, Run) {
    let moto = moto::start();
    moto.seed_outage();
    let proxy = Proxy::start(moto.port(), vec![]);
    let clean = audit(&proxy, &[moto::REGION], &[], &[]);
    assert_eq!(clean.code, Some(1), "{:#}\n{}", clean.report, clean.stderr);
    assert_eq!(clean.report["incomplete"], serde_json::json!([]));
    (moto, clean)
}

/// The operations one region's audit performs (every read-only action but DescribeRegions).
fn region_operations() -> Vec<&'static str> {
    IAM_ACTIONS
        .iter()
        .copied()
        .filter(|a| *a != "ec2:DescribeRegions")
        .collect()
}

/// Survived: same exit code and the same findings as the clean run, nothing incomplete, and
/// `injected` faults were really injected, over every operation of the audit.
fn assert_survived(run: &Run, clean: &Run, proxy: &Proxy, injected: usize) {
    assert_eq!(run.report["incomplete"], serde_json::json!([]), "{}", run.stderr);
    assert_eq!(run.code, clean.code);
    assert_eq!(run.report["findings"], clean.report["findings"]);
    let operations: BTreeSet<String> = proxy.seen().into_iter().map(|s| s.operation).collect();
    assert_eq!(operations.len(), region_operations().len(), "{operations:?}");
    assert_eq!(proxy.injected(), injected);
}

#[test]
fn throttling_within_the_retry_budget_is_survived() {
    let (moto, clean) = seeded();
    // Every operation is throttled twice before it is answered; the default budget is 6
    // attempts with exponential backoff.
    let proxy = Proxy::start(moto.port(), vec![Rule::first("*", Fault::Throttle, 2)]);
    let run = audit(&proxy, &[moto::REGION], &[], &[]);
    assert_survived(&run, &clean, &proxy, 2 * region_operations().len());
    eprintln!("throttled twice per operation: survived in {:.1?}", run.took);
}

#[test]
fn server_errors_within_the_retry_budget_are_survived() {
    let (moto, clean) = seeded();
    let proxy = Proxy::start(moto.port(), vec![Rule::first("*", Fault::ServerError, 2)]);
    let run = audit(&proxy, &[moto::REGION], &[], &[]);
    assert_survived(&run, &clean, &proxy, 2 * region_operations().len());
    eprintln!("HTTP 500 twice per operation: survived in {:.1?}", run.took);
}

#[test]
fn truncated_answers_within_the_retry_budget_are_survived() {
    let (moto, clean) = seeded();
    let proxy = Proxy::start(moto.port(), vec![Rule::first("*", Fault::Truncated, 1)]);
    let run = audit(&proxy, &[moto::REGION], &[], &[]);
    assert_survived(&run, &clean, &proxy, region_operations().len());
    eprintln!("truncated body once per operation: survived in {:.1?}", run.took);
}

#[test]
fn slow_answers_within_the_time_limit_are_survived() {
    let (moto, clean) = seeded();
    let slow = Fault::Slow(Duration::from_millis(1500));
    let proxy = Proxy::start(moto.port(), vec![Rule::always("*", slow)]);
    let run = audit(&proxy, &[moto::REGION], &["--api-timeout", "5"], &[]);
    assert_survived(&run, &clean, &proxy, proxy.seen().len());
    eprintln!("every answer 1.5 s late: survived in {:.1?}", run.took);
}

/// Every operation of a region's audit, under every persistent fault: the audit names that
/// call in `incomplete`, exits 3, and reports no verdict the clean run did not.
#[test]
fn persistent_faults_make_the_audit_incomplete_and_never_invent_findings() {
    let (moto, clean) = seeded();
    let slow = Fault::Slow(Duration::from_millis(2500));
    let kinds = [
        Fault::Throttle,
        Fault::ServerError,
        Fault::Truncated,
        Fault::Malformed,
        slow,
    ];
    let cases: Vec<(&str, Fault)> = region_operations()
        .into_iter()
        .flat_map(|op| kinds.iter().map(move |k| (op, *k)))
        .collect();
    let queue = Mutex::new(cases.clone());
    let outcomes = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let Some((operation, fault)) = queue.lock().unwrap().pop() else {
                        break;
                    };
                    let proxy = Proxy::start(moto.port(), vec![Rule::always(operation, fault)]);
                    // Two attempts: the retry path is taken, and the test stays short.
                    let run = audit(
                        &proxy,
                        &[moto::REGION],
                        &["--api-timeout", "1"],
                        &[("AWS_MAX_ATTEMPTS", "2")],
                    );
                    let attempts = proxy
                        .seen()
                        .iter()
                        .filter(|s| s.operation == operation && s.fault.is_some())
                        .count();
                    outcomes.lock().unwrap().push((operation, fault, run, attempts));
                }
            });
        }
    });

    let mut outcomes = outcomes.into_inner().unwrap();
    outcomes.sort_by_key(|(op, fault, ..)| (*op, fault.name()));
    assert_eq!(outcomes.len(), cases.len());
    let clean_verdicts = clean.verdicts();
    for (operation, fault, run, attempts) in &outcomes {
        let case = format!("{operation} under {}", fault.name());
        assert!(*attempts >= 1, "{case}: the fault was never injected");
        assert_eq!(run.code, Some(3), "{case}: {:#}\n{}", run.report, run.stderr);
        // One entry per kind of failure (a slow answer may time out reading or in total).
        let reasons: Vec<&str> = run.report["incomplete"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["scope"] == *operation)
            .map(|g| g["reason"].as_str().unwrap())
            .collect();
        assert!(
            !reasons.is_empty(),
            "{case}: not named in incomplete: {:#}",
            run.report["incomplete"]
        );
        let reason = reasons.join(" / ");
        let expected: &[&str] = match fault {
            Fault::Throttle => &["RequestLimitExceeded", "Throttling"],
            Fault::ServerError => &["InternalError", "InternalFailure"],
            Fault::Slow(_) => &["timeout", "timed out"],
            Fault::Truncated | Fault::Malformed => &[""],
        };
        assert!(expected.iter().any(|e| reason.contains(e)), "{case}: {reason}");
        // A call about one load balancer names it: which ALBs went unaudited is in the report.
        if *operation == "elasticloadbalancing:DescribeListeners" {
            for alb in ["loadbalancer/app/outage/", "loadbalancer/app/healthy/"] {
                assert!(reason.contains(alb), "{case}: {alb} not named in {reason}");
            }
        }
        let invented: Vec<_> = run.verdicts().difference(&clean_verdicts).cloned().collect();
        assert!(invented.is_empty(), "{case}: invented {invented:?}");
        eprintln!(
            "{operation:<52} {:<15} exit 3 in {:>5.1?} after {attempts} faulted attempt(s): {reason}",
            fault.name(),
            run.took
        );
    }
}

#[test]
fn a_failed_region_listing_is_incomplete() {
    let moto = moto::start();
    moto.seed_outage();
    let proxy = Proxy::start(
        moto.port(),
        vec![Rule::always("ec2:DescribeRegions", Fault::Throttle)],
    );
    let run = audit(&proxy, &["all"], &[], &[("AWS_MAX_ATTEMPTS", "2")]);
    assert_eq!(run.code, Some(3), "{:#}", run.report);
    assert_eq!(
        run.incomplete_scopes(),
        BTreeSet::from(["ec2:DescribeRegions".to_string()])
    );
    assert_eq!(run.report["summary"]["load_balancers"], 0);
    // AWS_MAX_ATTEMPTS is the whole budget: the one call was tried exactly twice.
    assert_eq!(proxy.injected(), 2);
    // Without -v, a pipe gets the report and nothing else: the failure is in the report.
    assert_eq!(run.stderr, "");
}

/// A retry setting that cannot be used is a usage error naming the variable, before any call.
#[test]
fn bad_retry_settings_are_usage_errors() {
    let moto = moto::start();
    let proxy = Proxy::start(moto.port(), vec![]);
    for (var, value) in [("AWS_MAX_ATTEMPTS", "0"), ("AWS_RETRY_MODE", "fast")] {
        let out = Command::new(env!("CARGO_BIN_EXE_albaudit"))
            .args(["--region", moto::REGION, "--endpoint-url", &proxy.endpoint()])
            .env(var, value)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {stderr}");
        assert!(stderr.contains(&format!("{var}={value}")), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert!(proxy.seen().is_empty(), "no call is made on a bad setting");
}

/// What a failed call hid is said to be unknown, finding by finding: the verdicts the clean run
/// gave on those facts turn into info notes naming the failure, and none turns into silence.
#[test]
fn facts_behind_a_failed_call_are_reported_as_unknown() {
    let (moto, clean) = seeded();
    for (operation, check, unknown) in [
        (
            "elasticloadbalancing:DescribeLoadBalancerAttributes",
            "waf-fail-open",
            "DescribeLoadBalancerAttributes call failed",
        ),
        (
            "ec2:DescribeRouteTables",
            "subnet-not-internet-routed",
            "cannot judge whether this subnet routes",
        ),
    ] {
        let confident: BTreeSet<(String, String)> =
            clean.verdicts().into_iter().filter(|(c, _)| c == check).collect();
        assert!(!confident.is_empty(), "the clean run finds {check}");
        let proxy = Proxy::start(moto.port(), vec![Rule::always(operation, Fault::ServerError)]);
        let run = audit(&proxy, &[moto::REGION], &[], &[("AWS_MAX_ATTEMPTS", "1")]);
        assert_eq!(run.code, Some(3));
        for (_, resource) in &confident {
            let notes: Vec<&Value> = run.report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["check"] == check && f["resource"] == resource.as_str())
                .collect();
            assert!(
                notes
                    .iter()
                    .any(|f| f["severity"] == "info" && f["message"].as_str().unwrap().contains(unknown)),
                "{operation}: {check} on {resource} should be an unknown, got {notes:#?}"
            );
        }
    }
}
