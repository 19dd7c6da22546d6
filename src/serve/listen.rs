//! Connections: the accept loop, each connection served by hyper on a task of its own, and the
//! bounds that keep slow or hostile clients from blocking anyone else.
//!
//! - A client must send a request's head within the idle timeout, and a kept-alive connection
//!   is closed after the idle timeout without a request (hyper's header-read timer restarts
//!   after each response). A client that reads nothing of an answer for as long is dropped.
//! - At most [`MAX_CONNECTIONS`] are open. Past that, or when the process is out of file
//!   descriptors (EMFILE), the connection idle the longest (no request under way) is closed to
//!   make room; when none is idle the loop waits, backing off, instead of spinning or exiting.
//! - On Ctrl-C or SIGTERM it stops accepting, lets the requests under way finish for
//!   [`SHUTDOWN_GRACE`], then closes whatever is left.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep, sleep, timeout};

/// Connections open at once (each costs a file descriptor and some kilobytes).
pub const MAX_CONNECTIONS: usize = 1024;
/// How long the requests under way may take to finish after Ctrl-C or SIGTERM.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);
/// The first and the longest wait when connections cannot be accepted.
const BACKOFF_FIRST: Duration = Duration::from_millis(10);
const BACKOFF_MAX: Duration = Duration::from_secs(1);

/// Serves `app` on the connections of `listener` until `stop` resolves.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    idle: Duration,
    stop: impl Future<Output = ()>,
) {
    let open = Arc::new(Open::default());
    let (stopping, stop_signal) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut backoff = BACKOFF_FIRST;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => break,
            Some(_) = tasks.join_next() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    backoff = BACKOFF_FIRST;
                    if open.count() >= MAX_CONNECTIONS && !open.close_idlest() {
                        continue;
                    }
                    let connection = open.add();
                    tasks.spawn(serve_connection(
                        stream,
                        app.clone(),
                        connection,
                        idle,
                        stop_signal.clone(),
                    ));
                }
                Err(e) if is_the_clients(&e) => {}
                Err(e) => {
                    // Out of file descriptors (or memory): make room by closing the connection
                    // idle the longest and try again once it is closed; with none idle, wait.
                    if open.close_idlest() {
                        sleep(Duration::from_millis(1)).await;
                        continue;
                    }
                    if backoff == BACKOFF_FIRST {
                        eprintln!(
                            "fazhi-query: cannot accept connections ({e}; {} open); waiting",
                            open.count()
                        );
                    }
                    sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    let finished = timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        eprintln!(
            "fazhi-query: closing {} connections that did not finish within {} s",
            tasks.len(),
            SHUTDOWN_GRACE.as_secs()
        );
    }
    tasks.shutdown().await;
}

/// Accept errors that concern one client only (it went before it was accepted).
fn is_the_clients(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
            | io::ErrorKind::WouldBlock
    )
}

/// One connection, until the client closes it, a timeout, room is needed, or shutdown.
async fn serve_connection(
    stream: TcpStream,
    app: Router,
    connection: Registered,
    idle: Duration,
    mut stop_signal: watch::Receiver<bool>,
) {
    let state = Arc::clone(&connection.state);
    let io = TokioIo::new(Watched::new(
        stream,
        Arc::clone(&state),
        connection.open.started,
        idle,
    ));
    let app = TowerToHyperService::new(app);
    let service = service_fn(move |request: Request<Incoming>| {
        let under_way = UnderWay::start(&state);
        let answer = app.call(request);
        async move {
            let _under_way = under_way;
            answer.await
        }
    });
    let http = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .serve_connection(io, service);
    tokio::pin!(http);
    let mut stopping = false;
    loop {
        tokio::select! {
            _ = http.as_mut() => break,
            () = connection.state.close.notified() => break,
            _ = stop_signal.changed(), if !stopping => {
                stopping = true;
                http.as_mut().graceful_shutdown();
            }
        }
    }
}

/// What the accept loop knows of one open connection.
#[derive(Debug, Default)]
struct Connection {
    /// Milliseconds since the server started when bytes last moved either way.
    active_at: AtomicU64,
    /// Requests being answered (their handler has not finished).
    under_way: AtomicUsize,
    /// Set when chosen to be closed, so that it is not chosen twice.
    closing: AtomicBool,
    close: Notify,
}

/// The open connections.
#[derive(Debug)]
struct Open {
    started: Instant,
    next_id: AtomicU64,
    connections: Mutex<HashMap<u64, Arc<Connection>>>,
}

impl Default for Open {
    fn default() -> Open {
        Open {
            started: Instant::now(),
            next_id: AtomicU64::new(0),
            connections: Mutex::default(),
        }
    }
}

/// A connection's place in [`Open`], given up when its task ends however it ends.
struct Registered {
    open: Arc<Open>,
    id: u64,
    state: Arc<Connection>,
}

impl Drop for Registered {
    fn drop(&mut self) {
        self.open.lock().remove(&self.id);
    }
}

impl Open {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Connection>>> {
        // The map stays whole whatever panicked while it was held.
        self.connections
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self) -> usize {
        self.lock().len()
    }

    fn add(self: &Arc<Open>) -> Registered {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let state = Arc::new(Connection::default());
        state.active_at.store(self.now(), Ordering::Relaxed);
        self.lock().insert(id, Arc::clone(&state));
        Registered {
            open: Arc::clone(self),
            id,
            state,
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Asks the connection without a request under way that has been quiet the longest to
    /// close; false when every connection is answering a request.
    fn close_idlest(&self) -> bool {
        let connections = self.lock();
        let idlest = connections
            .values()
            .filter(|c| {
                c.under_way.load(Ordering::Relaxed) == 0 && !c.closing.load(Ordering::Relaxed)
            })
            .min_by_key(|c| c.active_at.load(Ordering::Relaxed));
        match idlest {
            Some(connection) => {
                connection.closing.store(true, Ordering::Relaxed);
                connection.close.notify_one();
                true
            }
            None => false,
        }
    }
}

/// Counts a request as under way until its handler's future ends (answered or dropped).
struct UnderWay(Arc<Connection>);

impl UnderWay {
    fn start(connection: &Arc<Connection>) -> UnderWay {
        connection.under_way.fetch_add(1, Ordering::Relaxed);
        UnderWay(Arc::clone(connection))
    }
}

impl Drop for UnderWay {
    fn drop(&mut self) {
        self.0.under_way.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A client's socket that records when bytes last moved and fails a write that has waited
/// longer than the idle timeout for the client to read (hyper has no write timeout).
struct Watched {
    stream: TcpStream,
    connection: Arc<Connection>,
    started: Instant,
    idle: Duration,
    stalled: Pin<Box<Sleep>>,
    waiting: bool,
}

impl Watched {
    /// `started` is the clock of [`Open`], so that connections compare.
    fn new(
        stream: TcpStream,
        connection: Arc<Connection>,
        started: Instant,
        idle: Duration,
    ) -> Watched {
        Watched {
            stream,
            connection,
            started,
            idle,
            stalled: Box::pin(sleep(idle)),
            waiting: false,
        }
    }

    fn moved(&self) {
        let at = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.connection.active_at.fetch_max(at, Ordering::Relaxed);
    }

    /// A write's outcome, or a timeout once it has been pending for the idle timeout.
    fn write_or_stall<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Ready(result) => {
                self.waiting = false;
                if result.is_ok() {
                    self.moved();
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                if !self.waiting {
                    self.waiting = true;
                    self.stalled.as_mut().reset(Instant::now() + self.idle);
                }
                match self.stalled.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        format!("the client read nothing for {} s", self.idle.as_secs_f64()),
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.moved();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write(cx, data);
        this.write_or_stall(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write_vectored(cx, data);
        this.write_or_stall(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_flush(cx);
        this.write_or_stall(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_idlest_connection_without_a_request_is_closed_first() {
        let open = Arc::new(Open::default());
        let connections: Vec<Registered> = (0..4).map(|_| open.add()).collect();
        for (c, at) in connections.iter().zip([30, 10, 20, 5]) {
            c.state.active_at.store(at, Ordering::Relaxed);
        }
        let _busy = UnderWay::start(&connections[3].state);
        let closed = |open: &Open| -> Vec<bool> {
            assert!(open.close_idlest(), "one is idle");
            connections
                .iter()
                .map(|c| c.state.closing.load(Ordering::Relaxed))
                .collect()
        };
        assert_eq!(
            closed(&open),
            [false, true, false, false],
            "10 is the idlest idle"
        );
        assert_eq!(closed(&open), [false, true, true, false], "then 20");
        assert_eq!(closed(&open), [true, true, true, false], "then 30");
        assert!(!open.close_idlest(), "the last has a request under way");
        drop(connections);
        assert_eq!(open.count(), 0, "every connection gave up its place");
    }
}
