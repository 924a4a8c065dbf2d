//! One-shot background tasks (login, store queries, sync, device tests): each runs on its own
//! named thread and delivers its result to an [`Inbox`], waking the screen.

use super::inbox::{Inbox, Waker};

/// A result that will arrive from a background thread.
pub struct Task<T> {
    inbox: Inbox<T>,
    result: Option<T>,
    running: bool,
}

impl<T: Send + 'static> Task<T> {
    /// Runs `work` on a thread named `name`. A thread that cannot start is logged and never
    /// delivers.
    pub fn spawn(name: &str, waker: &Waker, work: impl FnOnce() -> T + Send + 'static) -> Task<T> {
        let (sender, inbox) = Inbox::new(1, waker);
        let started = std::thread::Builder::new().name(name.to_string()).spawn(move || {
            let _ = sender.send(work());
        });
        if let Err(err) = &started {
            tracing::error!("background task {name} could not start: {err}");
        }
        Task { inbox, result: None, running: started.is_ok() }
    }

    /// The result once it has arrived (kept, so every frame sees it).
    pub fn poll(&mut self) -> Option<&T> {
        if self.result.is_none()
            && let Some(result) = self.inbox.drain().next()
        {
            self.result = Some(result);
            self.running = false;
        }
        self.result.as_ref()
    }

    /// Takes the result once it has arrived.
    pub fn take(&mut self) -> Option<T> {
        self.poll();
        self.result.take()
    }

    /// True while the work runs.
    pub fn running(&mut self) -> bool {
        self.poll();
        self.running
    }
}
