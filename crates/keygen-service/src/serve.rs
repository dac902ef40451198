//! The accept loop: plain TCP or TLS (rustls), HTTP/1.1 and HTTP/2
//! (hyper-util's automatic builder), and the limits on slow and idle
//! clients that `axum::serve` does not have.
//!
//! - At most `max_connections` connections are open at once: a connection
//!   holds a semaphore permit from `accept` to its end, and no `accept`
//!   happens without a permit, so further clients wait in the kernel's
//!   listen backlog and no task is spawned for them.
//! - A TLS handshake must finish within `header_timeout`.
//! - A request head must arrive within `header_timeout` of the connection's
//!   start and, on HTTP/1.1, of the first byte of each following request
//!   (a half-sent head is cut off). hyper's own HTTP/1 header timeout is
//!   not used: it also runs while a keep-alive connection is idle, which
//!   would make `idle_timeout` meaningless.
//! - A connection with no request in flight closes after `idle_timeout`
//!   (gracefully: HTTP/2 gets a GOAWAY); if it has not closed
//!   `header_timeout` later (a client that reads nothing), it is dropped.
//! - The body's limit (`body_timeout`) is enforced where the body is read
//!   (`http`, reading the create body), which answers 408.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::metrics::{CloseLabels, Metrics};

/// The limits of one listener.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Time for a TLS handshake, and for a request head.
    pub header_timeout: Duration,
    /// Time a connection may stay without a request in flight.
    pub idle_timeout: Duration,
    /// Connections open at once.
    pub max_connections: usize,
}

/// One listener's serving loop.
pub struct Server {
    router: Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    /// `None` for listeners whose connections are not counted (metrics).
    metrics: Option<Arc<Metrics>>,
    builder: auto::Builder<TokioExecutor>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("tls", &self.tls.is_some())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// A server of `router`, over TLS when `tls` is given.
    #[must_use]
    pub fn new(
        router: Router,
        tls: Option<Arc<rustls::ServerConfig>>,
        limits: Limits,
        metrics: Option<Arc<Metrics>>,
    ) -> Self {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        // Timeouts are this module's (see above), not hyper's.
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(None)
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        Self {
            router,
            tls: tls.map(TlsAcceptor::from),
            limits,
            metrics,
            builder,
        }
    }

    /// Accepts connections until `shutdown` turns true, then waits for the
    /// open connections to finish (each is asked to close gracefully: the
    /// requests in flight complete).
    pub async fn run(self, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
        let this = Arc::new(self);
        let max = this.limits.max_connections;
        let permits = Arc::new(Semaphore::new(max));
        loop {
            let permit = tokio::select! {
                p = Arc::clone(&permits).acquire_owned() => match p {
                    Ok(p) => p,
                    Err(_) => break,
                },
                () = stopping(&mut shutdown) => break,
            };
            let (stream, _peer) = tokio::select! {
                r = listener.accept() => match r {
                    Ok(accepted) => accepted,
                    Err(e) => {
                        // Out of file descriptors, say: wait a little
                        // rather than spin on the error.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = stopping(&mut shutdown) => break,
            };
            let _ = stream.set_nodelay(true);
            let this = Arc::clone(&this);
            let shutdown = shutdown.clone();
            tokio::spawn(async move { this.connection(stream, permit, shutdown).await });
        }
        drop(listener);
        // Every connection holds a permit until it ends.
        let _all = permits
            .acquire_many(u32::try_from(max).unwrap_or(u32::MAX))
            .await;
    }

    fn closed(&self, reason: &'static str) {
        if let Some(m) = &self.metrics {
            m.connections_closed
                .get_or_create(&CloseLabels { reason })
                .inc();
        }
    }

    async fn connection(
        &self,
        stream: TcpStream,
        _permit: OwnedSemaphorePermit,
        shutdown: watch::Receiver<bool>,
    ) {
        let _open = self.metrics.as_ref().map(|m| {
            m.connections_accepted.inc();
            OpenGuard::new(Arc::clone(m))
        });
        match &self.tls {
            None => self.drive(stream, false, shutdown).await,
            Some(acceptor) => {
                match tokio::time::timeout(self.limits.header_timeout, acceptor.accept(stream))
                    .await
                {
                    Ok(Ok(tls)) => {
                        let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                        self.drive(tls, h2, shutdown).await;
                    }
                    Ok(Err(e)) => {
                        // A plain HTTP request to this port ends here too.
                        tracing::debug!(error = %e, "tls handshake failed");
                        self.closed("tls_handshake_failed");
                    }
                    Err(_) => {
                        tracing::debug!("tls handshake not finished within header_timeout");
                        self.closed("tls_handshake_timeout");
                    }
                }
            }
        }
    }

    /// Serves HTTP on one connection, enforcing the head and idle limits.
    async fn drive<S>(&self, io: S, h2: bool, mut shutdown: watch::Receiver<bool>)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let activity = Arc::new(Activity::new(h2));
        let io = TokioIo::new(Tracked {
            inner: io,
            activity: Arc::clone(&activity),
        });
        let router = self.router.clone();
        let tracker = Arc::clone(&activity);
        let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let guard = tracker.start(request.version());
            let response = router.clone().oneshot(request);
            async move {
                let response = response.await;
                drop(guard);
                response
            }
        });
        let conn = self.builder.serve_connection(io, service);
        tokio::pin!(conn);
        loop {
            let notified = activity.notify.notified();
            let deadline = activity.deadline(&self.limits);
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended with an error");
                    }
                    return;
                }
                () = notified => {}
                () = sleep_until(deadline.map(|(at, _)| at)) => {
                    match activity.expired(Instant::now(), &self.limits) {
                        Some(Deadline::Head) => {
                            tracing::debug!("request head not received within header_timeout: closing");
                            self.closed("header_timeout");
                            return;
                        }
                        Some(Deadline::Idle) => {
                            self.closed("idle_timeout");
                            activity.begin_closing();
                            conn.as_mut().graceful_shutdown();
                        }
                        Some(Deadline::Closing) => return,
                        None => {}
                    }
                }
                () = stopping(&mut shutdown), if !activity.closing() => {
                    activity.begin_closing();
                    conn.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Resolves once `shutdown` is true (or its sender is gone).
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    // The borrow the wait returns is dropped here, not held by a caller.
    let _ = shutdown.wait_for(|&s| s).await.map(|_| ());
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Keeps the open-connections gauge right, however a connection ends.
struct OpenGuard(Arc<Metrics>);

impl OpenGuard {
    fn new(metrics: Arc<Metrics>) -> Self {
        metrics.connections_open.inc();
        Self(metrics)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.connections_open.dec();
    }
}

/// Which limit a connection is waiting under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Deadline {
    /// A request head is due (connection start, or bytes of a new head).
    Head,
    /// No request in flight and none begun.
    Idle,
    /// Asked to close; dropped if it has not within `header_timeout`.
    Closing,
}

/// What one connection is doing, as its I/O and its requests report.
#[derive(Debug)]
struct Activity {
    state: Mutex<ActivityState>,
    notify: Notify,
}

#[derive(Debug)]
struct ActivityState {
    in_flight: usize,
    /// HTTP/2: reads while idle are control frames (window updates,
    /// pings), not the start of a request head.
    h2: bool,
    idle_since: Instant,
    head_since: Option<Instant>,
    closing_since: Option<Instant>,
}

impl Activity {
    fn new(h2: bool) -> Self {
        let now = Instant::now();
        Self {
            state: Mutex::new(ActivityState {
                in_flight: 0,
                h2,
                idle_since: now,
                // The first request's head is due from the start.
                head_since: Some(now),
                closing_since: None,
            }),
            notify: Notify::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Bytes arrived.
    fn read(&self) {
        let mut s = self.lock();
        if s.in_flight == 0 && s.head_since.is_none() && !s.h2 {
            s.head_since = Some(Instant::now());
            drop(s);
            self.notify.notify_one();
        }
    }

    /// A request's head arrived; the guard marks its end.
    fn start(self: &Arc<Self>, version: hyper::Version) -> RequestGuard {
        let mut s = self.lock();
        s.in_flight += 1;
        s.head_since = None;
        if version == hyper::Version::HTTP_2 {
            s.h2 = true;
        }
        RequestGuard(Arc::clone(self))
    }

    fn begin_closing(&self) {
        self.lock().closing_since = Some(Instant::now());
    }

    fn closing(&self) -> bool {
        self.lock().closing_since.is_some()
    }

    fn deadline(&self, limits: &Limits) -> Option<(Instant, Deadline)> {
        let s = self.lock();
        if s.in_flight > 0 {
            return None;
        }
        Some(match (s.closing_since, s.head_since) {
            (Some(c), _) => (
                c.max(s.idle_since) + limits.header_timeout,
                Deadline::Closing,
            ),
            (None, Some(h)) => (h + limits.header_timeout, Deadline::Head),
            (None, None) => (s.idle_since + limits.idle_timeout, Deadline::Idle),
        })
    }

    fn expired(&self, now: Instant, limits: &Limits) -> Option<Deadline> {
        self.deadline(limits)
            .and_then(|(at, which)| (now >= at).then_some(which))
    }
}

/// Ends a request's time in flight when dropped (also when the request's
/// future is dropped unfinished).
struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.in_flight -= 1;
        if s.in_flight == 0 {
            s.idle_since = Instant::now();
        }
        drop(s);
        self.0.notify.notify_one();
    }
}

/// A connection's byte stream, reporting reads to its [`Activity`].
struct Tracked<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        result
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn deadlines_follow_the_connection_s_activity() {
        let l = limits();
        let a = Arc::new(Activity::new(false));
        let start = Instant::now();
        assert_eq!(
            a.deadline(&l),
            Some((start + l.header_timeout, Deadline::Head))
        );
        let guard = a.start(hyper::Version::HTTP_11);
        assert_eq!(a.deadline(&l), None);
        a.read(); // body bytes: no new head
        assert_eq!(a.deadline(&l), None);
        tokio::time::advance(Duration::from_secs(3)).await;
        drop(guard);
        let idle = Instant::now();
        assert_eq!(
            a.deadline(&l),
            Some((idle + l.idle_timeout, Deadline::Idle))
        );
        tokio::time::advance(Duration::from_secs(5)).await;
        a.read(); // a new head begins
        let head = Instant::now();
        assert_eq!(
            a.deadline(&l),
            Some((head + l.header_timeout, Deadline::Head))
        );
        assert_eq!(a.expired(head + l.header_timeout, &l), Some(Deadline::Head));
        assert_eq!(a.expired(head, &l), None);
        a.begin_closing();
        assert_eq!(a.deadline(&l).unwrap().1, Deadline::Closing);
    }

    #[tokio::test(start_paused = true)]
    async fn on_http2_idle_reads_are_not_a_head() {
        let l = limits();
        let a = Arc::new(Activity::new(true));
        drop(a.start(hyper::Version::HTTP_2));
        let idle = Instant::now();
        a.read();
        assert_eq!(
            a.deadline(&l),
            Some((idle + l.idle_timeout, Deadline::Idle))
        );
    }
}
