//! Where generated key pairs come from: a pool pre-generated in the
//! background, else a bounded set of blocking workers with a bounded queue
//! and a per-credential limit, so a cheap request cannot buy unbounded CPU.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use keygen_core::{EncodedKeyPair, RsaKeyPair};
use tokio::sync::{Notify, Semaphore};

use crate::metrics::Metrics;

/// Why no key pair could be had.
#[derive(Debug)]
pub(crate) enum KeySourceError {
    /// The queue is full, or the credential has its share in flight.
    Busy,
    /// The service is stopping.
    ShuttingDown,
    /// The generation failed (or its task did): the reason, for the log.
    Failed(String),
}

impl std::fmt::Display for KeySourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Busy => f.write_str("no capacity to generate a key pair now"),
            Self::ShuttingDown => f.write_str("the service is shutting down"),
            Self::Failed(reason) => write!(f, "key generation failed: {reason}"),
        }
    }
}

impl std::error::Error for KeySourceError {}

/// A generated key pair as the service uses it. keygen-core's type is
/// read here only, so the rest of the service does not depend on its
/// shape.
pub(crate) struct GeneratedKey(EncodedKeyPair);

impl GeneratedKey {
    /// `ssh-rsa <base64>`, no comment.
    pub(crate) fn public_key(&self) -> &str {
        self.0.public_key()
    }

    /// The `SHA256:` fingerprint.
    pub(crate) fn fingerprint(&self) -> &str {
        self.0.fingerprint()
    }

    /// The private key: one line of base64 PKCS#8 DER (zeroized on drop).
    pub(crate) fn private_key(&self) -> &str {
        self.0.private_key().as_str()
    }
}

/// The key source shared by all requests.
#[derive(Debug)]
pub(crate) struct KeySource {
    pool: Mutex<VecDeque<EncodedKeyPair>>,
    pool_size: usize,
    refill: Notify,
    /// Permits for generations running or queued.
    admission: Arc<Semaphore>,
    /// Permits for generations running.
    workers: Arc<Semaphore>,
    per_credential: Arc<Mutex<HashMap<String, usize>>>,
    per_credential_limit: usize,
    metrics: Arc<Metrics>,
}

/// A credential's share of generation capacity, released when dropped. It
/// is owned, so it travels with the generation onto its blocking thread:
/// a client that hangs up does not free its slot while its key is still
/// being generated.
struct CredentialSlot {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    name: String,
}

impl Drop for CredentialSlot {
    fn drop(&mut self) {
        let mut map = self
            .counts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.name) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.name);
            }
        }
    }
}

/// Counts a request waiting for a worker in the queue-depth gauge, until
/// it gets one or is cancelled.
struct Waiting<'a>(&'a Metrics);

impl<'a> Waiting<'a> {
    fn new(metrics: &'a Metrics) -> Self {
        metrics.queue_depth.inc();
        Self(metrics)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.queue_depth.dec();
    }
}

fn generate(metrics: &Metrics) -> Result<EncodedKeyPair, keygen_core::Error> {
    let start = Instant::now();
    let key = RsaKeyPair::generate_os()?;
    let encoded = key.to_encoded()?;
    metrics
        .keygen_seconds
        .observe(start.elapsed().as_secs_f64());
    Ok(encoded)
}

impl KeySource {
    /// A source with `pool_size` pooled keys, `workers` threads and room for
    /// `queue` waiting generations.
    #[must_use]
    pub(crate) fn new(
        pool_size: usize,
        workers: usize,
        queue: usize,
        per_credential_limit: usize,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            pool: Mutex::new(VecDeque::with_capacity(pool_size)),
            pool_size,
            refill: Notify::new(),
            admission: Arc::new(Semaphore::new(workers + queue)),
            workers: Arc::new(Semaphore::new(workers)),
            per_credential: Arc::new(Mutex::new(HashMap::new())),
            per_credential_limit,
            metrics,
        }
    }

    fn pooled(&self) -> Option<EncodedKeyPair> {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let key = pool.pop_front();
        self.metrics
            .pool_depth
            .set(i64::try_from(pool.len()).unwrap_or(i64::MAX));
        key
    }

    /// Keys now in the pool.
    #[must_use]
    pub(crate) fn pool_len(&self) -> usize {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }

    /// A fresh key pair for `credential`: from the pool when it has one,
    /// else generated now.
    ///
    /// # Errors
    ///
    /// [`KeySourceError::Busy`] at once when the queue is full or the
    /// credential already has its share of generations in flight.
    pub(crate) async fn take(&self, credential: &str) -> Result<GeneratedKey, KeySourceError> {
        if let Some(key) = self.pooled() {
            self.metrics.pool_hits.inc();
            self.refill.notify_one();
            return Ok(GeneratedKey(key));
        }
        self.metrics.pool_misses.inc();
        let slot = {
            let mut map = self
                .per_credential
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let n = map.entry(credential.to_owned()).or_insert(0);
            if *n >= self.per_credential_limit {
                self.metrics.generation_rejected.inc();
                return Err(KeySourceError::Busy);
            }
            *n += 1;
            CredentialSlot {
                counts: Arc::clone(&self.per_credential),
                name: credential.to_owned(),
            }
        };
        let Ok(admitted) = Arc::clone(&self.admission).try_acquire_owned() else {
            self.metrics.generation_rejected.inc();
            return Err(KeySourceError::Busy);
        };
        let waiting = Waiting::new(&self.metrics);
        let worker = Arc::clone(&self.workers).acquire_owned().await;
        drop(waiting);
        let worker = worker.map_err(|_| KeySourceError::ShuttingDown)?;
        let metrics = Arc::clone(&self.metrics);
        let key = tokio::task::spawn_blocking(move || {
            // Held until the key is made, even if the request is gone.
            let _held = (admitted, worker, slot);
            generate(&metrics)
        })
        .await
        .map_err(|e| KeySourceError::Failed(e.to_string()))?
        .map_err(|e| KeySourceError::Failed(e.to_string()))?;
        self.refill.notify_one();
        Ok(GeneratedKey(key))
    }

    /// Keeps the pool full, one key at a time on one blocking thread, so at
    /// most one core goes to refilling while requests use the rest. Runs
    /// until the task is dropped.
    pub(crate) async fn run_refill(self: Arc<Self>) {
        if self.pool_size == 0 {
            return;
        }
        loop {
            while self.pool_len() < self.pool_size {
                let metrics = Arc::clone(&self.metrics);
                match tokio::task::spawn_blocking(move || generate(&metrics)).await {
                    Ok(Ok(key)) => {
                        let mut pool = self
                            .pool
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        pool.push_back(key);
                        self.metrics
                            .pool_depth
                            .set(i64::try_from(pool.len()).unwrap_or(i64::MAX));
                    }
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "pool refill failed");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                    Err(_) => return,
                }
            }
            self.refill.notified().await;
        }
    }
}
