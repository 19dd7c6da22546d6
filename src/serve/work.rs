//! The work a request may cost: each runs on one of a few blocking threads, within the
//! server's deadline, and stops when its client goes away; at most a few exports stream at
//! once. Abandoned or runaway requests therefore cannot keep the threads from anyone else.
//!
//! The blocking work is handed a [`Stop`] that it checks between hits, passages and export
//! rows: the flag is set when the request's future is dropped (hyper drops it when the client
//! closes the connection) or its deadline passes, and the work returns at its next check.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout, timeout_at};

use super::error::ApiError;

/// Searches (and export chunks) that run at once; more wait their turn, within their deadline
/// (two cores gain nothing from more, and a burst of requests cannot start hundreds of threads).
pub const SEARCH_THREADS: usize = 4;
/// Exports that stream at once; each holds its hits in memory until it is sent.
pub const MAX_EXPORTS: usize = 16;
/// Of the [`SEARCH_THREADS`], how many exports' work may hold at once, so that a burst of
/// exports leaves threads for the searches of the page.
pub const EXPORT_THREADS: usize = SEARCH_THREADS / 2;
/// How long an export waits for another to finish before it is refused.
const EXPORT_WAIT: Duration = Duration::from_secs(1);

/// The bounds every request's work runs within, shared by the server.
#[derive(Debug)]
pub struct Limits {
    searches: Arc<Semaphore>,
    export_threads: Arc<Semaphore>,
    exports: Arc<Semaphore>,
    deadline: Duration,
}

/// When a request's work must be done by, and the limit it came from (for the message).
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
    limit: Duration,
}

/// What blocking work checks between units of work.
#[derive(Debug)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    deadline: Deadline,
}

/// `FAZHI_SERVE_TEST_PAUSE_MS=N` makes every check point take N ms: the tests' way to make a
/// request slow on a small index (real slow work is a property of the code that passages, which
/// keeps getting faster), so that they can see it stopped. It is read once; in every build, so
/// that the tests run against the release build CI tests too.
fn test_pause() -> Option<Duration> {
    static PAUSE: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    *PAUSE.get_or_init(|| {
        let ms = std::env::var("FAZHI_SERVE_TEST_PAUSE_MS").ok()?;
        ms.parse().ok().map(Duration::from_millis)
    })
}

impl Stop {
    /// An error once the client has gone or the deadline has passed.
    pub fn check(&self) -> Result<(), ApiError> {
        if let Some(pause) = test_pause() {
            std::thread::sleep(pause);
        }
        if self.flag.load(Ordering::Relaxed) || Instant::now() >= self.deadline.at {
            return Err(ApiError::deadline(self.deadline.limit));
        }
        Ok(())
    }
}

/// Sets the flag when dropped: the request's future ended, finished, timed out or was
/// dropped with its connection. Set after the work has finished, it changes nothing.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl Limits {
    pub fn new(deadline: Duration) -> Limits {
        Limits {
            searches: Arc::new(Semaphore::new(SEARCH_THREADS)),
            export_threads: Arc::new(Semaphore::new(EXPORT_THREADS)),
            exports: Arc::new(Semaphore::new(MAX_EXPORTS)),
            deadline,
        }
    }

    /// The deadline of work that starts now.
    pub fn deadline(&self) -> Deadline {
        Deadline {
            at: Instant::now() + self.deadline,
            limit: self.deadline,
        }
    }

    /// Runs `work` on a blocking thread once one of the [`SEARCH_THREADS`] is free, and answers
    /// 503 if that does not happen by `deadline` or the work is not done by then. The thread is
    /// counted until the work returns (at its next [`Stop::check`]), not only until the answer,
    /// so that the bound is true of the threads; a panic in it becomes a 500.
    pub async fn blocking<T: Send + 'static>(
        &self,
        deadline: Deadline,
        work: impl FnOnce(&Stop) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let flag = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(Arc::clone(&flag));
        let stop = Stop { flag, deadline };
        let permit = match timeout_at(deadline.at, Arc::clone(&self.searches).acquire_owned()).await
        {
            Ok(Ok(permit)) => permit,
            Ok(Err(closed)) => {
                return Err(ApiError::failed(format!("no search thread: {closed}")));
            }
            Err(_) => return Err(ApiError::busy(deadline.limit)),
        };
        let running = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            work(&stop)
        });
        match timeout_at(deadline.at, running).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => Err(ApiError::failed(format!("the search failed: {e}"))),
            Err(_) => Err(ApiError::deadline(deadline.limit)),
        }
    }

    /// [`Limits::blocking`] for an export's work, on one of the [`EXPORT_THREADS`]: the
    /// search before its first byte, whose wait for a thread counts against `deadline`.
    pub async fn blocking_export<T: Send + 'static>(
        &self,
        deadline: Deadline,
        work: impl FnOnce(&Stop) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let thread = match timeout_at(deadline.at, self.export_thread()).await {
            Ok(thread) => thread?,
            Err(_) => return Err(ApiError::busy(deadline.limit)),
        };
        self.blocking(deadline, move |stop| {
            let _thread = thread;
            work(stop)
        })
        .await
    }

    /// An export's chunk, on one of the [`EXPORT_THREADS`], within a deadline that starts
    /// once a thread is free: a download under way waits its turn among the other exports
    /// (at most [`MAX_EXPORTS`], so not for ever) rather than being cut short for it.
    pub async fn blocking_export_chunk<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Stop) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let thread = self.export_thread().await?;
        self.blocking(self.deadline(), move |stop| {
            let _thread = thread;
            work(stop)
        })
        .await
    }

    async fn export_thread(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        Arc::clone(&self.export_threads)
            .acquire_owned()
            .await
            .map_err(|closed| ApiError::failed(format!("no export thread: {closed}")))
    }

    /// A stop for work run outside [`Limits::blocking`] (unit tests of the work).
    #[cfg(test)]
    pub fn stop(&self) -> Stop {
        Stop {
            flag: Arc::new(AtomicBool::new(false)),
            deadline: self.deadline(),
        }
    }

    /// One of the [`MAX_EXPORTS`], held until the download has been sent or abandoned;
    /// refused after a short wait.
    pub async fn export(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match timeout(EXPORT_WAIT, Arc::clone(&self.exports).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(closed)) => Err(ApiError::failed(format!("no export slot: {closed}"))),
            Err(_) => Err(ApiError::too_many_exports(MAX_EXPORTS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .max_blocking_threads(SEARCH_THREADS)
            .enable_all()
            .build()
            .expect("a runtime")
    }

    /// Work that passes check points until it is stopped.
    fn until_stopped(stop: &Stop) -> Result<(), ApiError> {
        loop {
            stop.check()?;
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    #[test]
    fn work_past_its_deadline_is_a_503_and_frees_its_thread() {
        runtime().block_on(async {
            let limits = Limits::new(Duration::from_millis(50));
            for _ in 0..3 * SEARCH_THREADS {
                let error = limits
                    .blocking(limits.deadline(), until_stopped)
                    .await
                    .expect_err("stopped");
                assert_eq!(error.status().as_u16(), 503, "{error:?}");
                assert!(error.message().contains("调高 --deadline"), "{error:?}");
            }
            let quick = limits.blocking(limits.deadline(), |_| Ok(7)).await;
            assert_eq!(quick.ok(), Some(7), "threads are free again");
        });
    }

    #[test]
    fn dropped_work_stops_at_its_next_check() {
        runtime().block_on(async {
            let limits = Arc::new(Limits::new(Duration::from_secs(600)));
            for _ in 0..3 * SEARCH_THREADS {
                let abandoned = limits.blocking(limits.deadline(), until_stopped);
                // Polled until the work runs, then dropped as hyper drops a closed connection's.
                let _ = timeout(Duration::from_millis(20), abandoned).await;
            }
            let quick = timeout(
                Duration::from_secs(60),
                limits.blocking(limits.deadline(), |_| Ok(7)),
            )
            .await;
            assert_eq!(quick.ok().and_then(Result::ok), Some(7));
        });
    }

    #[test]
    fn exports_leave_threads_for_searches() {
        runtime().block_on(async {
            let limits = Arc::new(Limits::new(Duration::from_secs(600)));
            let mut exports = Vec::new();
            for _ in 0..3 * SEARCH_THREADS {
                let limits = Arc::clone(&limits);
                exports.push(tokio::spawn(async move {
                    limits
                        .blocking_export(limits.deadline(), until_stopped)
                        .await
                }));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            let searches: Vec<_> = (0..SEARCH_THREADS - EXPORT_THREADS)
                .map(|_| limits.blocking(limits.deadline(), |_| Ok(7)))
                .collect();
            for search in searches {
                let answer = timeout(Duration::from_secs(60), search).await;
                assert_eq!(answer.ok().and_then(Result::ok), Some(7));
            }
            for export in exports {
                export.abort();
            }
        });
    }

    #[test]
    fn exports_past_the_bound_are_refused() {
        runtime().block_on(async {
            let limits = Limits::new(Duration::from_secs(5));
            let mut held = Vec::new();
            for _ in 0..MAX_EXPORTS {
                held.push(limits.export().await.expect("a slot"));
            }
            let refused = limits.export().await.expect_err("no slot");
            assert_eq!(refused.status().as_u16(), 503);
            assert!(
                refused.message().contains("同时进行的导出过多"),
                "{refused:?}"
            );
            held.pop();
            assert!(limits.export().await.is_ok(), "a slot freed");
        });
    }
}
