//! The capture worker every camera runs on: a named thread that owns the camera, takes requests
//! over a bounded channel and answers on a one-slot reply channel the caller waits on with a
//! timeout. A worker stuck in a capture past its deadline is abandoned and replaced, never waited
//! for; a bounded number of such stragglers may linger until their camera call returns.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::clock::Clock;
use crate::devices::camera::jpeg::{Frame, PhotoSettings, process_frame};
use crate::devices::camera::{CAMERA_NAME, Camera, Jpeg};
use crate::devices::{DeviceError, DeviceStatus, LinkState};

/// Where frames come from. Created and used only on the worker thread, so it need not be `Send`
/// (USB camera handles are not).
pub trait FrameSource {
    /// Grabs one frame, bounding its own wait by `timeout` where the source can.
    fn grab(&mut self, timeout: Duration) -> Result<Frame, DeviceError>;
}

/// Opens a frame source on the worker thread; called again after a failure to reconnect.
pub type SourceFactory = Arc<dyn Fn() -> Result<Box<dyn FrameSource>, DeviceError> + Send + Sync + 'static>;

/// Requests queued for one worker beyond the one it is working on.
const REQUEST_QUEUE_LEN: usize = 2;
/// Abandoned workers still stuck in a camera call; past this, captures fail at once instead of
/// starting yet another thread.
const MAX_STUCK_WORKERS: usize = 3;

struct Request {
    timeout: Duration,
    /// When the caller stops waiting; a worker still busy after it counts as hung.
    deadline: Instant,
    reply: SyncSender<Result<Jpeg, DeviceError>>,
}

/// State shared by the camera and its workers.
struct Shared {
    status: Mutex<DeviceStatus>,
    preview: Mutex<Option<Jpeg>>,
    stuck_workers: AtomicUsize,
}

/// What the camera knows about its current worker thread.
struct WorkerHandle {
    requests: SyncSender<Request>,
    /// When the capture in progress must be over by; `None` while idle.
    busy_until: Arc<Mutex<Option<Instant>>>,
    /// Set when the camera gave up on this worker: it exits after its current call.
    retired: Arc<AtomicBool>,
}

impl WorkerHandle {
    fn hung(&self, now: Instant) -> bool {
        lock(&self.busy_until).is_some_and(|deadline| now >= deadline)
    }
}

/// A camera driven by a worker thread; the HTTP, USB and simulated cameras are built on it.
pub struct CaptureWorker {
    thread_name: String,
    settings: PhotoSettings,
    preview_interval: Option<Duration>,
    default_timeout: Duration,
    factory: SourceFactory,
    clock: Arc<dyn Clock>,
    shared: Arc<Shared>,
    current: Mutex<Option<WorkerHandle>>,
}

impl CaptureWorker {
    /// A worker for the camera at `port` (shown in the status; never contains a password).
    /// `preview_interval` of `None` disables the preview stream; `default_timeout` bounds
    /// preview grabs. No thread starts until the first capture or preview.
    pub fn new(
        port: impl Into<String>,
        settings: PhotoSettings,
        preview_interval: Option<Duration>,
        default_timeout: Duration,
        factory: SourceFactory,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let worker = Self {
            thread_name: format!("{CAMERA_NAME}-worker"),
            settings,
            preview_interval,
            default_timeout,
            factory,
            clock,
            shared: Arc::new(Shared {
                status: Mutex::new(DeviceStatus::connecting(CAMERA_NAME, port)),
                preview: Mutex::new(None),
                stuck_workers: AtomicUsize::new(0),
            }),
            current: Mutex::new(None),
        };
        if worker.preview_interval.is_some() {
            // Previews stream from the start; a failure shows in the status, nothing more.
            let mut current = lock(&worker.current);
            if let Ok(handle) = worker.spawn() {
                *current = Some(handle);
            }
        }
        worker
    }

    fn spawn(&self) -> Result<WorkerHandle, DeviceError> {
        let (requests, inbox) = mpsc::sync_channel(REQUEST_QUEUE_LEN);
        let handle = WorkerHandle {
            requests,
            busy_until: Arc::new(Mutex::new(None)),
            retired: Arc::new(AtomicBool::new(false)),
        };
        let thread = WorkerThread {
            inbox,
            busy_until: Arc::clone(&handle.busy_until),
            retired: Arc::clone(&handle.retired),
            settings: self.settings,
            preview_interval: self.preview_interval,
            default_timeout: self.default_timeout,
            factory: Arc::clone(&self.factory),
            clock: Arc::clone(&self.clock),
            shared: Arc::clone(&self.shared),
        };
        std::thread::Builder::new().name(self.thread_name.clone()).spawn(move || thread.run()).map_err(
            |err| DeviceError::Io {
                device: CAMERA_NAME.to_string(),
                message: format!("cannot start the camera thread: {err}"),
            },
        )?;
        Ok(handle)
    }

    /// Hands a request to a live, unstuck worker, replacing one that hangs or has died.
    fn submit(&self, request: Request) -> Result<(), DeviceError> {
        let mut current = lock(&self.current);
        if current.as_ref().is_some_and(|handle| handle.hung(Instant::now()))
            && let Some(old) = current.take()
        {
            old.retired.store(true, Ordering::SeqCst);
            self.shared.stuck_workers.fetch_add(1, Ordering::SeqCst);
            tracing::warn!("camera worker hangs in a capture; starting a new one");
        }
        let mut request = request;
        for _attempt in 0..2 {
            if current.is_none() {
                if self.shared.stuck_workers.load(Ordering::SeqCst) >= MAX_STUCK_WORKERS {
                    return Err(DeviceError::Fault {
                        device: CAMERA_NAME.to_string(),
                        message: "camera stopped answering: check its cable or network, then \
                                  restart the camera"
                            .into(),
                    });
                }
                *current = Some(self.spawn()?);
            }
            let Some(handle) = current.as_ref() else {
                break;
            };
            match handle.requests.try_send(request) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Full(_)) => {
                    return Err(DeviceError::Fault {
                        device: CAMERA_NAME.to_string(),
                        message: "camera is busy with earlier photos".into(),
                    });
                }
                Err(TrySendError::Disconnected(back)) => {
                    // The thread ended (panicked in a driver); start a fresh one.
                    request = back;
                    *current = None;
                }
            }
        }
        Err(DeviceError::Io {
            device: CAMERA_NAME.to_string(),
            message: "camera thread keeps stopping".into(),
        })
    }
}

impl Camera for CaptureWorker {
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.submit(Request { timeout, deadline: Instant::now() + timeout, reply })?;
        match answer.recv_timeout(timeout) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                let error = DeviceError::Timeout {
                    device: CAMERA_NAME.to_string(),
                    timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
                };
                let mut status = lock(&self.shared.status);
                status.state = LinkState::Disconnected;
                status.last_error = Some(error.to_string());
                Err(error)
            }
            Err(RecvTimeoutError::Disconnected) => Err(DeviceError::Io {
                device: CAMERA_NAME.to_string(),
                message: "camera thread stopped during the capture".into(),
            }),
        }
    }

    fn preview(&self) -> Option<Jpeg> {
        lock(&self.shared.preview).clone()
    }

    fn status(&self) -> DeviceStatus {
        lock(&self.shared.status).clone()
    }
}

/// The worker thread's side.
struct WorkerThread {
    inbox: Receiver<Request>,
    busy_until: Arc<Mutex<Option<Instant>>>,
    retired: Arc<AtomicBool>,
    settings: PhotoSettings,
    preview_interval: Option<Duration>,
    default_timeout: Duration,
    factory: SourceFactory,
    clock: Arc<dyn Clock>,
    shared: Arc<Shared>,
}

impl WorkerThread {
    fn run(self) {
        let mut source: Option<Box<dyn FrameSource>> = None;
        loop {
            // With previews on, an idle worker grabs a preview frame every interval.
            let request = match self.preview_interval {
                Some(interval) => match self.inbox.recv_timeout(interval) {
                    Ok(request) => Some(request),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match self.inbox.recv() {
                    Ok(request) => Some(request),
                    Err(_) => break,
                },
            };
            let (timeout, deadline) = match &request {
                // Its caller has given up already: nobody would see the photo.
                Some(request) if Instant::now() >= request.deadline => continue,
                Some(request) => (request.timeout, request.deadline),
                None => (self.default_timeout, Instant::now() + self.default_timeout),
            };
            *lock(&self.busy_until) = Some(deadline);
            let result = self.capture_once(&mut source, timeout);
            *lock(&self.busy_until) = None;
            if self.retired.load(Ordering::SeqCst) {
                // Replaced while stuck: the new worker owns the status now.
                self.shared.stuck_workers.fetch_sub(1, Ordering::SeqCst);
                return;
            }
            self.publish(&result);
            if result.is_err() {
                source = None;
            }
            match request {
                // The caller may have given up; a full or closed reply slot is fine.
                Some(request) => {
                    let _ = request.reply.try_send(result);
                }
                None => {
                    if let Ok(jpeg) = result {
                        *lock(&self.shared.preview) = Some(jpeg);
                    }
                }
            }
        }
    }

    fn capture_once(
        &self,
        source: &mut Option<Box<dyn FrameSource>>,
        timeout: Duration,
    ) -> Result<Jpeg, DeviceError> {
        if source.is_none() {
            *source = Some((self.factory)()?);
        }
        let Some(camera) = source.as_mut() else {
            return Err(DeviceError::Io {
                device: CAMERA_NAME.to_string(),
                message: "camera could not be opened".into(),
            });
        };
        let frame = camera.grab(timeout)?;
        let jpeg = process_frame(frame, &self.settings)?;
        if self.preview_interval.is_some() {
            *lock(&self.shared.preview) = Some(jpeg.clone());
        }
        Ok(jpeg)
    }

    fn publish(&self, result: &Result<Jpeg, DeviceError>) {
        let mut status = lock(&self.shared.status);
        match result {
            Ok(_) => {
                status.state = LinkState::Connected;
                status.last_error = None;
                status.last_seen = Some(self.clock.now());
            }
            Err(error) => {
                status.state = match error {
                    DeviceError::Fault { .. } | DeviceError::UnexpectedReply { .. } => LinkState::Fault,
                    _ => LinkState::Disconnected,
                };
                status.last_error = Some(error.to_string());
            }
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
#[path = "worker_tests.rs"]
mod tests;
