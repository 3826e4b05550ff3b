//! The accept loop: hyper HTTP/1.1 connections with a header-read timeout and a header size cap,
//! TCP_NODELAY, a cap on open connections, a tower concurrency limit on requests in flight, and
//! graceful shutdown (idle connections close at once, busy ones finish within the grace period).

use super::livereload::stopped;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use super::idle::{Busy, Registry};
use tower::{ServiceBuilder, ServiceExt};

/// Slow-loris: a client must send its whole request head within this time.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(5);
/// Largest request head (request line + headers); larger ones get 431.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Open TCP connections. When all are taken, the oldest idle one is closed for the next client
/// (idle.rs); only when every one is busy do further clients wait in the listen backlog.
pub const MAX_CONNECTIONS: usize = 512;
/// Requests being handled at once; further requests wait for a slot.
pub const MAX_IN_FLIGHT: usize = 128;
/// How long open connections may take to finish after Ctrl-C / SIGTERM.
pub const GRACE: Duration = Duration::from_millis(1500);

/// Accepts until `shutdown` turns true. Connection tasks hold a permit of `slots` until they end,
/// so the caller can wait for them.
pub async fn accept_loop(listener: TcpListener, router: Router, slots: Arc<Semaphore>, shutdown: watch::Receiver<bool>) {
    let service = ServiceBuilder::new().concurrency_limit(MAX_IN_FLIGHT).service(router);
    let registry = Arc::new(Registry::default());
    let mut stop = shutdown.clone();
    loop {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning; never give up serving.
                    eprintln!("warning: accepting a connection failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopped(&mut stop) => return,
        };
        // A full house of idle connections (held open on purpose or by keep-alive) must not
        // lock a new client out: close the oldest idle one and give its slot to the new client.
        if slots.available_permits() == 0 {
            registry.close_oldest_idle();
        }
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => return },
            _ = stopped(&mut stop) => return,
        };
        let _ = stream.set_nodelay(true);
        let handle = registry.register();
        let (inner, active) = (service.clone(), handle.active.clone());
        let service = TowerToHyperService::new(tower::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
            let busy = Busy::new(&active);
            let call = inner.clone().oneshot(req);
            async move {
                let response = call.await;
                drop(busy);
                response
            }
        }));
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let close = handle.close.clone();
            let mut builder = http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(HEADER_TIMEOUT).max_header_size(MAX_HEAD_BYTES);
            let conn = builder.serve_connection(TokioIo::new(stream), service).with_upgrades();
            tokio::pin!(conn);
            tokio::select! {
                // I/O errors of one connection (resets, timeouts) end that connection only.
                _ = conn.as_mut() => return,
                _ = stopped(&mut shutdown) => {}
                _ = close.notified() => {}
            }
            drop(handle);
            conn.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(GRACE, conn).await;
        });
    }
}
