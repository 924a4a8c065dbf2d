//! Lane workers: one named thread owns each lane, drains its bounded command queue and the
//! booth's device events in arrival order, and publishes a state snapshot the console renders.
//!
//! The console never calls a lane (or the store, or a device) itself: it sends a command and
//! reads the latest snapshot. After each change the worker calls a notify hook (the console's
//! repaint request), so an idle booth does no work at all.

mod entry;
mod exit;
mod observed;
mod picture;

use std::sync::{Arc, Mutex};

pub use entry::{
    EntryCommand, EntryNotice, EntrySnapshot, EntryStage, EntryWorker, EntryWorkerSetup, RecentTicket,
};
pub use exit::{ExitCommand, ExitNotice, ExitSnapshot, ExitStage, ExitView, ExitWorker, ExitWorkerSetup};
pub use picture::Picture;

use crate::devices::Notify;

/// How many commands may wait for a worker; a full queue refuses the command at once rather
/// than blocking the screen.
pub const COMMAND_QUEUE: usize = 16;

/// Why a command was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The worker is still busy with earlier commands; try again in a moment.
    #[error("the lane is busy; try again")]
    Busy,
    /// The worker has stopped (it is being restarted or the booth is closing).
    #[error("the lane has stopped")]
    Stopped,
}

impl<T> From<crossbeam_channel::TrySendError<T>> for SendError {
    fn from(err: crossbeam_channel::TrySendError<T>) -> Self {
        match err {
            crossbeam_channel::TrySendError::Full(_) => SendError::Busy,
            crossbeam_channel::TrySendError::Disconnected(_) => SendError::Stopped,
        }
    }
}

/// The latest snapshot of a worker, shared with the screens. Readers get an `Arc` of the
/// current value, so a frame never holds the lock while it draws.
pub struct Published<T> {
    cell: Arc<Mutex<Arc<T>>>,
    notify: Notify,
}

impl<T> Clone for Published<T> {
    fn clone(&self) -> Self {
        Self { cell: Arc::clone(&self.cell), notify: Arc::clone(&self.notify) }
    }
}

impl<T: Clone> Published<T> {
    /// A cell holding `initial`; `notify` is called after every change.
    pub fn new(initial: T, notify: Notify) -> Self {
        Self { cell: Arc::new(Mutex::new(Arc::new(initial))), notify }
    }

    /// The current snapshot.
    pub fn get(&self) -> Arc<T> {
        Arc::clone(&self.cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Changes the snapshot and notifies the screens.
    pub fn update(&self, change: impl FnOnce(&mut T)) {
        {
            let mut cell = self.cell.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            change(Arc::make_mut(&mut cell));
        }
        (self.notify)();
    }
}

/// The console's handle on one lane thread: a bounded command queue in, a snapshot out.
/// Dropping it closes the queue and waits for the thread to finish its current command.
pub(crate) struct LaneThread<C, S> {
    name: &'static str,
    commands: Option<crossbeam_channel::Sender<C>>,
    snapshot: Published<S>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<C: Send + 'static, S: Clone> LaneThread<C, S> {
    /// Starts the named thread; `run` drains the command queue until it closes.
    pub(crate) fn spawn(
        name: &'static str,
        snapshot: Published<S>,
        run: impl FnOnce(crossbeam_channel::Receiver<C>) + Send + 'static,
    ) -> std::io::Result<Self> {
        let (commands, commands_rx) = crossbeam_channel::bounded(COMMAND_QUEUE);
        let thread = std::thread::Builder::new().name(name.into()).spawn(move || run(commands_rx))?;
        Ok(Self { name, commands: Some(commands), snapshot, thread: Some(thread) })
    }

    /// Queues a command; refused at once (and `refused` told) when it cannot be taken.
    pub(crate) fn send(&self, command: C, refused: impl FnOnce(&mut S, SendError)) -> Result<(), SendError> {
        let result = match &self.commands {
            Some(commands) => commands.try_send(command).map_err(SendError::from),
            None => Err(SendError::Stopped),
        };
        if let Err(err) = result {
            self.snapshot.update(|s| refused(s, err));
        }
        result
    }

    /// The latest snapshot.
    pub(crate) fn snapshot(&self) -> Arc<S> {
        self.snapshot.get()
    }
}

impl<C, S> Drop for LaneThread<C, S> {
    fn drop(&mut self) {
        self.commands.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the {} thread panicked", self.name);
        }
    }
}
