//! The accept loop: HTTP/1.1 connections served by hyper with a
//! header-read timeout (`[limits] header_read_timeout_secs`), which
//! `axum::serve` does not set. A client that sends its request head one
//! line at a time is disconnected once the time is up instead of holding a
//! socket for as long as it likes. The body is bounded by the routes'
//! limits (`edge::input`) and the whole request by the 30-second timeout
//! layer. Graceful shutdown: stop accepting, let requests in flight
//! finish, close idle connections. Connections end with a lingering close
//! (below), so an early 413 reaches a client still sending its body.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

/// Serve `app` on `listener` until `shutdown` completes, then finish the
/// requests in flight.
pub async fn serve(
    app: Router,
    listener: tokio::net::TcpListener,
    header_read_timeout: Duration,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    // Every connection task holds a receiver; `closed()` resolves when
    // the last one is gone.
    let (done_tx, done_rx) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let mut stop = stop_rx.clone();
        let done = done_rx.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
                req.extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(remote));
                Box::pin(app.clone().oneshot(req.map(Body::new)))
            });
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(header_read_timeout)
                .keep_alive(true);
            let mut conn = builder.serve_connection(TokioIo::new(stream), service);
            let mut stopping = false;
            let ended = loop {
                tokio::select! {
                    result = std::future::poll_fn(|cx| conn.poll_without_shutdown(cx)) => break result,
                    _ = stop.wait_for(|s| *s), if !stopping => {
                        stopping = true;
                        std::pin::Pin::new(&mut conn).graceful_shutdown();
                    }
                }
            };
            match ended {
                Ok(()) => lingering_close(conn.into_parts().io.into_inner()).await,
                Err(e) => tracing::debug!(error = %e, %remote, "connection ended"),
            }
            drop(done);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(done_rx);
    done_tx.closed().await;
    Ok(())
}

/// Close a connection the way nginx does (`lingering_close`): stop
/// writing, then read and drop what the client is still sending for a
/// moment. A request refused before its body was read (413 from a declared
/// `Content-Length`) leaves that body in flight; closing at once would make
/// the kernel answer it with a reset, which can destroy the 413 before the
/// client reads it. Nothing read here is looked at.
async fn lingering_close(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if stream.shutdown().await.is_err() {
        return;
    }
    let deadline = tokio::time::Instant::now() + LINGER_TOTAL;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let wait = LINGER_IDLE.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(wait, stream.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => continue,
            _ => return,
        }
    }
}

/// At most this long lingering on a closed connection…
const LINGER_TOTAL: Duration = Duration::from_secs(5);
/// …and this long without anything arriving.
const LINGER_IDLE: Duration = Duration::from_secs(1);
