//! Prometheus metrics: requests by route and status, latency histograms,
//! key generation time, pool and queue depth.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// Labels of one request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    /// The route template, e.g. `/v1/projects/{projectId}/zones/{zoneName}/keypairs`.
    pub route: String,
    /// HTTP method.
    pub method: String,
    /// HTTP status code.
    pub status: u16,
}

/// Why the server closed a connection.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CloseLabels {
    /// `header_timeout`, `idle_timeout`, `tls_handshake_timeout` or
    /// `tls_handshake_failed`.
    pub reason: &'static str,
}

/// Labels of a latency histogram.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The route template.
    pub route: String,
    /// HTTP method.
    pub method: String,
}

fn latency_histogram() -> Histogram {
    // 100 µs to ~6.5 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 17))
}

/// Every metric the service exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Requests served.
    pub requests: Family<RequestLabels, Counter>,
    /// Request latency in seconds.
    pub latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    /// Time to generate one key pair, in seconds.
    pub keygen_seconds: Histogram,
    /// Keys waiting in the pool.
    pub pool_depth: Gauge,
    /// Generations waiting for a worker.
    pub queue_depth: Gauge,
    /// Creates answered from the pool.
    pub pool_hits: Counter,
    /// Creates that had to generate (the pool was empty).
    pub pool_misses: Counter,
    /// Creates refused with 503 for lack of capacity.
    pub generation_rejected: Counter,
    /// Client connections open (on the API's address).
    pub connections_open: Gauge,
    /// Client connections accepted.
    pub connections_accepted: Counter,
    /// Connections closed by the server for a client's slowness or
    /// idleness, or a failed TLS handshake.
    pub connections_closed: Family<CloseLabels, Counter>,
    /// Certificate reloads that put a new pair in force.
    pub tls_reloads_ok: Counter,
    /// Certificate reloads refused (the old pair stayed).
    pub tls_reloads_failed: Counter,
}

impl Metrics {
    /// Registers every metric.
    #[must_use]
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("keygen");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let keygen_seconds = Histogram::new(exponential_buckets(0.01, 1.5, 16));
        let pool_depth = Gauge::default();
        let queue_depth = Gauge::default();
        let pool_hits = Counter::default();
        let pool_misses = Counter::default();
        let generation_rejected = Counter::default();
        let connections_open = Gauge::default();
        let connections_accepted = Counter::default();
        let connections_closed = Family::<CloseLabels, Counter>::default();
        let tls_reloads_ok = Counter::default();
        let tls_reloads_failed = Counter::default();
        registry.register(
            "connections_open",
            "Client connections open on the API address",
            connections_open.clone(),
        );
        registry.register(
            "connections_accepted",
            "Client connections accepted on the API address",
            connections_accepted.clone(),
        );
        registry.register(
            "connections_closed_by_server",
            "Connections the server closed: slow or idle clients, failed TLS handshakes",
            connections_closed.clone(),
        );
        registry.register(
            "tls_reloads",
            "Certificate reloads that put a new certificate and key in force",
            tls_reloads_ok.clone(),
        );
        registry.register(
            "tls_reload_failures",
            "Certificate reloads refused (the previous certificate and key stayed)",
            tls_reloads_failed.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency",
            latency.clone(),
        );
        registry.register(
            "keygen_duration_seconds",
            "Time to generate one RSA-4096 key pair",
            keygen_seconds.clone(),
        );
        registry.register(
            "pool_depth",
            "Pre-generated key pairs waiting in the pool",
            pool_depth.clone(),
        );
        registry.register(
            "queue_depth",
            "Generations waiting for a worker",
            queue_depth.clone(),
        );
        registry.register(
            "pool_hits",
            "Creates served from the key pool",
            pool_hits.clone(),
        );
        registry.register(
            "pool_misses",
            "Creates that generated because the pool was empty",
            pool_misses.clone(),
        );
        registry.register(
            "generation_rejected",
            "Creates refused with 503 for lack of generation capacity",
            generation_rejected.clone(),
        );
        Self {
            registry,
            requests,
            latency,
            keygen_seconds,
            pool_depth,
            queue_depth,
            pool_hits,
            pool_misses,
            generation_rejected,
            connections_open,
            connections_accepted,
            connections_closed,
            tls_reloads_ok,
            tls_reloads_failed,
        }
    }

    /// The Prometheus text exposition.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
