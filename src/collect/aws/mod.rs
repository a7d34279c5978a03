//! The live collector: fills the [`Inventory`] from the AWS API (ELBv2, EC2, ACM), so every check
//! runs unchanged on a live account.
//!
//! Only failures before anything can be collected (no credentials, an unknown profile, no
//! region) are errors. Every failed API call afterwards (access denied, throttling after retries,
//! an unreachable endpoint, an unknown region, a malformed response) becomes an
//! [`Incomplete`] entry naming the call, and collection goes on with what it can see.
//!
//! Calls are read-only (`Describe*`/`List*`), run concurrently under one limit, and are counted
//! per operation ([`Calls`]) so that tests and benchmarks can check what was called and how often.

/// Walks a paginator stream page by page under the session's concurrency limit, running `body`
/// on each page. A failed page is recorded as a gap under `scope` (for `subject`, the resource
/// the call was about, if any) and ends the walk. Evaluates to whether every page was read.
macro_rules! each_page {
    ($session:expr, $scope:expr, $stream:expr, |$page:ident| $body:block) => {
        each_page!($session, $scope, None, $stream, |$page| $body)
    };
    ($session:expr, $scope:expr, $subject:expr, $stream:expr, |$page:ident| $body:block) => {{
        let mut stream = $stream;
        loop {
            match $session.call(stream.next()).await {
                None => break true,
                Some(Ok($page)) => $body,
                Some(Err(err)) => {
                    $session.gap_for($scope, $subject, &err);
                    break false;
                }
            }
        }
    }};
}

mod acm;
mod ec2;
mod elbv2;

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::provider_config::ProviderConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ec2::config::{
    ConfigBag, Intercept, ProvideCredentials, RuntimeComponents, SharedCredentialsProvider,
};
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_http_client::tls;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, Metadata};
use tokio::sync::Semaphore;

use crate::model::{Deployed, Incomplete, Inventory, Origin};

/// What to audit and how to reach it.
#[derive(Clone, Debug, Default)]
pub struct LiveOptions {
    /// Regions to audit; `"all"` means every region enabled for the account. Empty means the
    /// region of the default chain (`AWS_REGION`, the profile).
    pub regions: Vec<String>,
    pub profile: Option<String>,
    /// Overrides the endpoint of every service (an emulator); `AWS_ENDPOINT_URL` also works.
    pub endpoint_url: Option<String>,
    /// Attempts per call, retries included (default 6).
    pub max_attempts: Option<u32>,
    /// Retry mode (default standard: exponential backoff with jitter). Adaptive mode also
    /// slows the whole client down after a throttle, which is made for steady request streams:
    /// on an audit's burst of distinct calls, two throttles per operation took 129 s in adaptive
    /// mode and 6 s in standard mode (tests/faults.rs).
    pub retry_mode: Option<RetryMode>,
    /// Time limit of one attempt of a call (default 30 s); reading a response waits at most
    /// 15 s of it between bytes.
    pub attempt_timeout: Option<Duration>,
}

/// How throttled or failed calls are retried: the `AWS_RETRY_MODE` values (`legacy` behaves
/// as `standard` in this SDK).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryMode {
    Standard,
    Adaptive,
}

impl std::str::FromStr for RetryMode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "standard" | "legacy" => Ok(RetryMode::Standard),
            "adaptive" => Ok(RetryMode::Adaptive),
            other => Err(format!(
                "unknown retry mode `{other}` (expected standard, adaptive or legacy)"
            )),
        }
    }
}

/// Attempts per call when nothing else is configured.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;
/// Time limit of one attempt when nothing else is configured.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// A failure before anything could be collected.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    #[error("no usable AWS credentials: {0}")]
    Credentials(String),
    #[error("no AWS region: pass --region or set AWS_REGION")]
    NoRegion,
    #[error("cannot start the async runtime: {0}")]
    Runtime(String),
}

/// Every API action the collector may call, as IAM names them: the least-privilege policy.
/// All are read-only; `tests/live.rs` proves nothing else is called and that these suffice.
pub const IAM_ACTIONS: &[&str] = &[
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeTags",
    "ec2:DescribeRegions",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeNetworkInterfaces",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
];

/// Concurrent API calls at most, over all regions.
const CONCURRENCY: usize = 8;

/// Collects the inventory of every requested region. Blocking: it runs its own tokio runtime.
pub fn collect(opts: &LiveOptions) -> Result<Inventory, LiveError> {
    collect_counted(opts, PAGE_SIZE).map(|(inventory, _)| inventory)
}

/// Items per page for the paginated ELBv2 calls (the API maximum is 400).
pub const PAGE_SIZE: i32 = 400;

/// [`collect`] with a chosen page size, also returning the API calls it made.
pub fn collect_counted(opts: &LiveOptions, page_size: i32) -> Result<(Inventory, Calls), LiveError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| LiveError::Runtime(e.to_string()))?;
    runtime.block_on(collect_async(opts, page_size))
}

async fn collect_async(opts: &LiveOptions, page_size: i32) -> Result<(Inventory, Calls), LiveError> {
    let calls = Calls::default();
    let base = load_config(opts).await?;
    let limit = Arc::new(Semaphore::new(CONCURRENCY));
    let mut inventory = Inventory::default();

    let mut regions: Vec<String> = Vec::new();
    for name in &opts.regions {
        if name == "all" {
            let home = Session::new(&base, None, page_size, &calls, &limit);
            regions.extend(ec2::enabled_regions(&home).await);
            inventory.incomplete.extend(home.into_gaps());
        } else {
            regions.push(name.clone());
        }
    }
    if opts.regions.is_empty() {
        match base.region() {
            Some(region) => regions.push(region.to_string()),
            None => return Err(LiveError::NoRegion),
        }
    }
    let regions: BTreeSet<String> = regions.into_iter().collect();

    let sessions: Vec<Session> = regions
        .iter()
        .map(|name| Session::new(&base, Some(name), page_size, &calls, &limit))
        .collect();
    let parts = futures_util::future::join_all(sessions.iter().map(collect_region)).await;
    for (part, session) in parts.into_iter().zip(sessions) {
        merge(&mut inventory, part);
        inventory.incomplete.extend(session.into_gaps());
    }
    Ok((inventory, calls))
}

/// Loads the shared configuration and resolves credentials once, so that a missing or broken
/// credential source is one clear error instead of a failure of every call.
async fn load_config(opts: &LiveOptions) -> Result<SdkConfig, LiveError> {
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring))
        .build_https();
    let attempts = opts.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1);
    let retry = match opts.retry_mode.unwrap_or(RetryMode::Standard) {
        RetryMode::Standard => RetryConfig::standard(),
        RetryMode::Adaptive => RetryConfig::adaptive(),
    }
    .with_max_attempts(attempts);
    let attempt = opts.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(attempt.min(Duration::from_secs(5)))
        .read_timeout(attempt.min(Duration::from_secs(15)))
        .operation_attempt_timeout(attempt)
        // Every attempt, plus the backoff between them (at most 20 s each).
        .operation_timeout(attempt * attempts + Duration::from_secs(20) * (attempts - 1))
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https.clone())
        .retry_config(retry)
        .timeout_config(timeouts);
    if let Some(profile) = &opts.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &opts.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    let mut config = loader.load().await;
    if let Some(profile) = &opts.profile {
        // An explicit profile wins over credentials in the environment, as in the AWS CLI (the
        // default chain looks at the environment first).
        let provider_config = ProviderConfig::default()
            .with_http_client(https)
            .with_behavior_version(Some(BehaviorVersion::latest()))
            .with_region(config.region().cloned());
        let credentials = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .configure(&provider_config)
            .profile_name(profile)
            .build();
        config = config
            .into_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
    }
    let provider = config
        .credentials_provider()
        .ok_or_else(|| LiveError::Credentials("no credential source is configured".to_string()))?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| LiveError::Credentials(crate::log::redact(&chain(&e))))?;
    crate::log::secret(credentials.access_key_id());
    crate::log::secret(credentials.secret_access_key());
    if let Some(token) = credentials.session_token() {
        crate::log::secret(token);
    }
    tracing::info!(
        endpoint = opts.endpoint_url.as_deref().unwrap_or("AWS"),
        "credentials resolved"
    );
    // Hand the resolved credentials on, so the chain is not asked again by every client.
    Ok(config
        .into_builder()
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// One region: its clients, the shared concurrency limit, and what could not be collected.
pub(crate) struct Session {
    pub region: String,
    pub elbv2: aws_sdk_elasticloadbalancingv2::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub acm: aws_sdk_acm::Client,
    pub page_size: i32,
    limit: Arc<Semaphore>,
    /// Failed calls: (IAM action, the resource it was about, reason).
    gaps: Mutex<Vec<(String, Option<String>, String)>>,
    /// Resources CloudFormation deployed, by ARN, from their tags.
    deployed: Mutex<BTreeMap<String, Deployed>>,
}

impl Session {
    fn new(
        base: &SdkConfig,
        region: Option<&str>,
        page_size: i32,
        calls: &Calls,
        limit: &Arc<Semaphore>,
    ) -> Self {
        let mut builder = base.to_builder();
        if let Some(region) = region {
            builder = builder.region(Region::new(region.to_string()));
        }
        let config = builder.build();
        // Without any region (only possible for `--region all`), ask us-east-1 for the list.
        let region = config
            .region()
            .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
        let config = config.into_builder().region(Region::new(region.clone())).build();
        Session {
            elbv2: aws_sdk_elasticloadbalancingv2::Client::from_conf(
                aws_sdk_elasticloadbalancingv2::config::Builder::from(&config)
                    .interceptor(calls.clone())
                    .interceptor(WholeBody)
                    .build(),
            ),
            ec2: aws_sdk_ec2::Client::from_conf(
                aws_sdk_ec2::config::Builder::from(&config)
                    .interceptor(calls.clone())
                    .interceptor(WholeBody)
                    .build(),
            ),
            acm: aws_sdk_acm::Client::from_conf(
                aws_sdk_acm::config::Builder::from(&config)
                    .interceptor(calls.clone())
                    .interceptor(WholeBody)
                    .build(),
            ),
            region,
            page_size,
            limit: limit.clone(),
            gaps: Mutex::new(Vec::new()),
            deployed: Mutex::new(BTreeMap::new()),
        }
    }

    /// Runs one API request under the shared concurrency limit.
    pub async fn call<T>(&self, request: impl Future<Output = T>) -> T {
        let _permit = self.limit.acquire().await;
        request.await
    }

    /// Records a failed call; `scope` is the IAM action (`ec2:DescribeRouteTables`).
    pub fn gap<E>(&self, scope: &str, err: &SdkError<E, HttpResponse>)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.gap_for(scope, None, err);
    }

    /// Records a failed call about one resource (an ARN), named in the `incomplete` entry.
    pub fn gap_for<E>(&self, scope: &str, subject: Option<&str>, err: &SdkError<E, HttpResponse>)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let reason = match err {
            SdkError::ServiceError(service) => {
                let e = service.err();
                match (e.code(), e.message()) {
                    (Some(code), Some(message)) => format!("{code}: {message}"),
                    (Some(code), None) => code.to_string(),
                    (None, message) => format!(
                        "HTTP {}{}",
                        service.raw().status().as_u16(),
                        message.map(|m| format!(": {m}")).unwrap_or_default()
                    ),
                }
            }
            other => chain(other),
        };
        let reason = crate::log::redact(&reason);
        let subject = subject.map(short_arn);
        tracing::warn!(region = %self.region, call = scope, subject, "{reason}");
        if let Ok(mut gaps) = self.gaps.lock() {
            gaps.push((scope.to_string(), subject.map(str::to_string), reason));
        }
    }

    /// Records the tags of a resource: those CloudFormation sets tell which stack and logical
    /// id it was deployed as.
    pub fn tags<'a>(&self, arn: &str, tags: impl IntoIterator<Item = (&'a str, &'a str)>) {
        if let Some(deployed) = Deployed::from_tags(tags)
            && let Ok(mut map) = self.deployed.lock()
        {
            map.insert(arn.to_string(), deployed);
        }
    }

    /// The origin of a fact read in this region.
    pub fn origin(&self, arn: impl Into<String>) -> Origin {
        Origin::Live {
            arn: arn.into(),
            region: self.region.clone(),
        }
    }

    /// The ARN of an EC2 resource (`subnet/subnet-0abc`), for its origin.
    pub fn ec2_arn(&self, owner: Option<&str>, resource: &str) -> String {
        let partition = if self.region.starts_with("cn-") {
            "aws-cn"
        } else if self.region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        format!(
            "arn:{partition}:ec2:{}:{}:{resource}",
            self.region,
            owner.unwrap_or_default()
        )
    }

    /// The failed calls, one entry per operation and error code, with a count of repeats and
    /// the first few resources they were about.
    fn into_gaps(self) -> Vec<Incomplete> {
        /// Resources named per entry; the rest are counted.
        const NAMED: usize = 3;
        let gaps = self.gaps.into_inner().unwrap_or_default();
        let mut grouped: BTreeMap<(String, String), (String, usize, BTreeSet<String>)> = BTreeMap::new();
        for (scope, subject, reason) in gaps {
            let code = reason.split(':').next().unwrap_or_default().to_string();
            let entry = grouped
                .entry((scope, code))
                .or_insert_with(|| (reason, 0, BTreeSet::new()));
            entry.1 += 1;
            entry.2.extend(subject);
        }
        grouped
            .into_iter()
            .map(|((scope, _), (reason, n, subjects))| {
                let mut context = format!("region {}", self.region);
                if !subjects.is_empty() {
                    let named: Vec<&str> = subjects.iter().take(NAMED).map(String::as_str).collect();
                    context.push_str(&format!("; for {}", named.join(", ")));
                    if subjects.len() > NAMED {
                        context.push_str(&format!(" and {} more", subjects.len() - NAMED));
                    }
                }
                let more = match n {
                    1 => String::new(),
                    n => format!(" ({} more calls failed the same way)", n - 1),
                };
                Incomplete {
                    scope,
                    reason: format!("{reason} ({context}){more}"),
                }
            })
            .collect()
    }
}

/// The resource part of an ARN (`loadbalancer/app/web/50dc6c495c0c9188`), enough to tell
/// resources apart in a message about one region and account.
fn short_arn(arn: &str) -> &str {
    arn.splitn(6, ':').nth(5).unwrap_or(arn)
}

/// An error and its sources, joined with ": " (the SDK's `Display` alone says only
/// "dispatch failure").
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(e) = source {
        let text = e.to_string();
        // The wrapper of an error raised by one of our interceptors says only which hook failed.
        if parts
            .last()
            .is_some_and(|p| p.ends_with("interceptor encountered an error"))
        {
            parts.pop();
        }
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

async fn collect_region(session: &Session) -> Inventory {
    let started = std::time::Instant::now();
    let (mut balancers, policies, listed) = futures_util::future::join3(
        elbv2::load_balancers(session),
        elbv2::ssl_policies(session),
        acm::list_certificates(session),
    )
    .await;
    let wanted = ec2::Wanted::of(&balancers);
    let (details, network) = futures_util::future::join(
        elbv2::details(session, &mut balancers),
        ec2::network(session, &wanted),
    )
    .await;
    let arns: BTreeSet<&str> = details
        .listeners
        .iter()
        .flat_map(|l| &l.certificates)
        .filter_map(|c| c.value.id())
        .collect();
    let tagged: Vec<&str> = balancers
        .iter()
        .map(|b| b.model.id.as_str())
        .chain(details.listeners.iter().map(|l| l.id.as_str()))
        .collect();
    let (certificates, ()) = futures_util::future::join(
        acm::describe_certificates(session, &arns, &listed),
        elbv2::tags(session, &tagged),
    )
    .await;

    let mut inventory = network;
    inventory.load_balancers = balancers.into_iter().map(|b| b.model).collect();
    inventory.listeners = details.listeners;
    inventory.rules = details.rules;
    inventory.certificates = certificates;
    inventory.ssl_policies = policies;
    inventory.deployed = session
        .deployed
        .lock()
        .map(|mut m| std::mem::take(&mut *m))
        .unwrap_or_default();
    tracing::info!(
        region = %session.region,
        load_balancers = inventory.load_balancers.len(),
        listeners = inventory.listeners.len(),
        subnets = inventory.subnets.len(),
        "region collected in {:.1?}",
        started.elapsed()
    );
    inventory
}

fn merge(into: &mut Inventory, from: Inventory) {
    into.load_balancers.extend(from.load_balancers);
    into.listeners.extend(from.listeners);
    into.rules.extend(from.rules);
    into.certificates.extend(from.certificates);
    into.vpcs.extend(from.vpcs);
    into.subnets.extend(from.subnets);
    into.route_tables.extend(from.route_tables);
    into.internet_gateways.extend(from.internet_gateways);
    into.security_groups.extend(from.security_groups);
    into.network_acls.extend(from.network_acls);
    into.network_interfaces.extend(from.network_interfaces);
    into.dns_names.extend(from.dns_names);
    into.deployed.extend(from.deployed);
    into.incomplete.extend(from.incomplete);
    for policy in from.ssl_policies {
        if !into.ssl_policies.iter().any(|p| p.name == policy.name) {
            into.ssl_policies.push(policy);
        }
    }
}

/// Counts API calls per IAM action (`ec2:DescribeSubnets`), one per operation executed
/// (retries are not counted). Cloning shares the counts.
#[derive(Clone, Debug, Default)]
pub struct Calls(Arc<Mutex<BTreeMap<String, u64>>>);

impl Calls {
    /// Calls per action.
    pub fn by_action(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn total(&self) -> u64 {
        self.by_action().values().sum()
    }
}

impl Intercept for Calls {
    fn name(&self) -> &'static str {
        "albaudit-call-counter"
    }

    // Not `read_before_execution`: client interceptors see that hook before the operation has
    // stored its `Metadata`.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            let prefix = match meta.service() {
                "EC2" => "ec2",
                "ACM" => "acm",
                "Elastic Load Balancing v2" => "elasticloadbalancing",
                other => other,
            };
            let action = format!("{prefix}:{}", meta.name());
            tracing::debug!(
                region = cfg.load::<Region>().map(|r| r.as_ref()),
                "calling {action}"
            );
            if let Ok(mut counts) = self.0.lock() {
                *counts.entry(action).or_default() += 1;
            }
        }
        Ok(())
    }
}

/// Rejects a successful answer whose body was cut short. The SDK's XML reader takes a document
/// that ends before its root element closes as a complete (and possibly empty) answer, which
/// would turn a broken response into "nothing there"; such a call fails instead, and becomes an
/// `incomplete` entry.
#[derive(Debug)]
struct WholeBody;

impl Intercept for WholeBody {
    fn name(&self) -> &'static str {
        "albaudit-whole-body"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let response = context.response();
        if !response.status().is_success() || context.output_or_error().is_err() {
            return Ok(());
        }
        match response.body().bytes() {
            Some(body) => whole_body(body).map_err(Into::into),
            None => Ok(()),
        }
    }
}

/// Whether a response body is complete: JSON that parses, or XML whose root element closes at
/// its end.
fn whole_body(body: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.starts_with('{') || text.starts_with('[') {
        return serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map(drop)
            .map_err(|e| format!("malformed response: invalid JSON ({e})"));
    }
    // The root element: the first tag that is not a declaration, comment or doctype.
    let mut rest = text;
    let root = loop {
        let Some(start) = rest.find('<') else {
            return Err(format!(
                "malformed response: no XML or JSON in {} bytes",
                body.len()
            ));
        };
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        break &rest[..end];
    };
    let self_closed = rest.find('>').is_some_and(|i| rest[..i].ends_with('/')) && text.ends_with("/>");
    if root.is_empty() || !(text.ends_with(&format!("</{root}>")) || self_closed) {
        return Err(format!(
            "malformed response: the XML ends before its root element <{root}> closes ({} bytes)",
            body.len()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::whole_body;

    #[test]
    fn complete_bodies_pass() {
        let ec2 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeSubnetsResponse xmlns=\"x\"><requestId>1</requestId><subnetSet/></DescribeSubnetsResponse>\n";
        assert_eq!(whole_body(ec2.as_bytes()), Ok(()));
        assert_eq!(whole_body(b"<Empty/>"), Ok(()));
        assert_eq!(whole_body(br#"{"CertificateSummaryList": []}"#), Ok(()));
    }

    #[test]
    fn bodies_cut_short_are_rejected() {
        let cut = "<?xml version=\"1.0\"?>\n<DescribeSubnetsResponse><subnetSet><item><subnetId>subnet-1</subnetId>";
        let err = whole_body(cut.as_bytes()).unwrap_err();
        assert!(err.contains("<DescribeSubnetsResponse>"), "{err}");
        assert!(whole_body(b"").is_err());
        assert!(whole_body(b"<R><a/>").is_err());
        assert!(whole_body(br#"{"CertificateSummaryList": [{"#).is_err());
        assert!(whole_body(b"<!-- only a comment -->").is_err());
    }
}
