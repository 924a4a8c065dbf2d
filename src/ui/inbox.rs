//! Inboxes in the style of `egui_inbox`: a bounded channel whose sender wakes the screen, so
//! background work never knows about egui and the UI thread never waits.

use std::sync::{Arc, OnceLock};

use crossbeam_channel::{Receiver, Sender, TrySendError};

use crate::devices::Notify;

/// Wakes the console from any thread. The egui context is bound on the first frame, so
/// workers can be started before the window exists (and in tests before the harness).
#[derive(Clone, Default)]
pub struct Waker(Arc<OnceLock<egui::Context>>);

impl Waker {
    /// A waker not yet bound to a context; wakes are dropped until [`Waker::bind`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Binds the egui context (the first call wins).
    pub fn bind(&self, ctx: &egui::Context) {
        let _ = self.0.set(ctx.clone());
    }

    /// Asks for a repaint.
    pub fn wake(&self) {
        if let Some(ctx) = self.0.get() {
            ctx.request_repaint();
        }
    }

    /// The wake as a plain callback for workers and devices.
    pub fn notify(&self) -> Notify {
        let waker = self.clone();
        Arc::new(move || waker.wake())
    }
}

/// The sending half: every message wakes the screen.
pub struct InboxSender<T> {
    sender: Sender<T>,
    waker: Waker,
}

impl<T> Clone for InboxSender<T> {
    fn clone(&self) -> Self {
        Self { sender: self.sender.clone(), waker: self.waker.clone() }
    }
}

impl<T> InboxSender<T> {
    /// Delivers `message` and wakes the screen; waits while the inbox is full (workers only).
    /// Returns false when the screen has gone.
    pub fn send(&self, message: T) -> bool {
        let delivered = self.sender.send(message).is_ok();
        self.waker.wake();
        delivered
    }

    /// Delivers `message` unless the inbox is full (progress updates that may be skipped).
    pub fn offer(&self, message: T) {
        match self.sender.try_send(message) {
            Ok(()) => self.waker.wake(),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {}
        }
    }
}

/// The receiving half, read by the screen once per frame.
pub struct Inbox<T> {
    receiver: Receiver<T>,
}

impl<T> Inbox<T> {
    /// A bounded inbox of `capacity` messages and its sender.
    pub fn new(capacity: usize, waker: &Waker) -> (InboxSender<T>, Inbox<T>) {
        let (sender, receiver) = crossbeam_channel::bounded(capacity);
        (InboxSender { sender, waker: waker.clone() }, Inbox { receiver })
    }

    /// Every message that arrived since the last frame.
    pub fn drain(&self) -> impl Iterator<Item = T> + '_ {
        self.receiver.try_iter()
    }
}
