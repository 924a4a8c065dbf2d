//! Tests of the capture worker with scripted frame sources (beside `worker.rs`, split for length).

use std::sync::mpsc::Receiver;

use chrono::{TimeZone, Utc};
use image::{Rgb, RgbImage};

use super::*;
use crate::clock::ManualClock;

/// What a scripted source does on each grab.
#[derive(Clone, Copy, Debug)]
enum Script {
    Frame,
    Fail,
    /// Blocks until the test ends (its release channel is dropped).
    Hang,
}

struct Scripted {
    script: Script,
    release: Arc<Mutex<Receiver<()>>>,
    thread_names: Arc<Mutex<Vec<String>>>,
}

impl FrameSource for Scripted {
    fn grab(&mut self, _timeout: Duration) -> Result<Frame, DeviceError> {
        let name = std::thread::current().name().unwrap_or("").to_string();
        lock(&self.thread_names).push(name);
        match self.script {
            Script::Frame => Ok(Frame::Rgb(RgbImage::from_pixel(64, 48, Rgb([9, 9, 9])))),
            Script::Fail => {
                Err(DeviceError::NotConnected { device: CAMERA_NAME.into(), port: "test".into() })
            }
            Script::Hang => {
                let _ = lock(&self.release).recv();
                Ok(Frame::Rgb(RgbImage::new(1, 1)))
            }
        }
    }
}

/// A camera whose n-th opened source follows `scripts[n]` (the last one repeats).
struct Rig {
    camera: CaptureWorker,
    opened: Arc<AtomicUsize>,
    thread_names: Arc<Mutex<Vec<String>>>,
    // Dropping it releases hung sources so their threads end with the test.
    _release: SyncSender<()>,
}

fn rig(scripts: Vec<Script>, preview: Option<Duration>) -> Rig {
    let (release_tx, release_rx) = mpsc::sync_channel(1);
    let release = Arc::new(Mutex::new(release_rx));
    let opened = Arc::new(AtomicUsize::new(0));
    let thread_names = Arc::new(Mutex::new(Vec::new()));
    let factory: SourceFactory = {
        let (opened, thread_names) = (Arc::clone(&opened), Arc::clone(&thread_names));
        Arc::new(move || {
            let n = opened.fetch_add(1, Ordering::SeqCst);
            let script = scripts[n.min(scripts.len() - 1)];
            Ok(Box::new(Scripted {
                script,
                release: Arc::clone(&release),
                thread_names: Arc::clone(&thread_names),
            }) as Box<dyn FrameSource>)
        })
    };
    let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 15, 1, 0, 0).unwrap()));
    let camera = CaptureWorker::new(
        "test",
        PhotoSettings::default(),
        preview,
        Duration::from_millis(100),
        factory,
        clock,
    );
    Rig { camera, opened, thread_names, _release: release_tx }
}

const SHORT: Duration = Duration::from_millis(60);

#[test]
fn captures_on_a_named_worker_thread() {
    let rig = rig(vec![Script::Frame], None);
    assert_eq!(rig.camera.status().state, LinkState::Connecting);
    let jpeg = rig.camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!((jpeg.width, jpeg.height), (64, 48));
    rig.camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!(rig.opened.load(Ordering::SeqCst), 1, "source kept open");
    assert_eq!(*lock(&rig.thread_names), vec!["camera-worker"; 2]);
    let status = rig.camera.status();
    assert_eq!(status.state, LinkState::Connected);
    assert_eq!(status.last_seen, Some(Utc.with_ymd_and_hms(2024, 3, 15, 1, 0, 0).unwrap()));
    assert!(rig.camera.preview().is_none(), "previews are off");
}

#[test]
fn a_failed_source_is_reopened_on_the_next_capture() {
    let rig = rig(vec![Script::Fail, Script::Frame], None);
    let err = rig.camera.capture(Duration::from_secs(5)).unwrap_err();
    assert!(matches!(err, DeviceError::NotConnected { .. }), "{err:?}");
    let status = rig.camera.status();
    assert_eq!(status.state, LinkState::Disconnected);
    assert!(status.last_error.unwrap().contains("not connected"));
    rig.camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!(rig.opened.load(Ordering::SeqCst), 2);
    assert_eq!(rig.camera.status().last_error, None);
}

#[test]
fn a_hung_worker_is_abandoned_and_replaced() {
    let rig = rig(vec![Script::Hang, Script::Frame], None);
    let err = rig.camera.capture(SHORT).unwrap_err();
    assert!(matches!(err, DeviceError::Timeout { timeout_ms: 60, .. }), "{err:?}");
    assert_eq!(rig.camera.status().state, LinkState::Disconnected);
    // The first worker is still stuck; the next capture gets a fresh one.
    rig.camera.capture(Duration::from_secs(5)).unwrap();
    assert_eq!(rig.opened.load(Ordering::SeqCst), 2);
    assert_eq!(rig.camera.status().state, LinkState::Connected);
}

#[test]
fn stuck_workers_are_bounded() {
    let rig = rig(vec![Script::Hang], None);
    for _ in 0..MAX_STUCK_WORKERS {
        let err = rig.camera.capture(SHORT).unwrap_err();
        assert!(matches!(err, DeviceError::Timeout { .. }), "{err:?}");
    }
    // Every worker so far is stuck: no further thread, a clear fault instead.
    let err = rig.camera.capture(SHORT).unwrap_err();
    assert!(matches!(err, DeviceError::Fault { .. }), "{err:?}");
    assert!(err.to_string().contains("stopped answering"));
    assert_eq!(rig.opened.load(Ordering::SeqCst), MAX_STUCK_WORKERS);
}

#[test]
fn previews_stream_when_enabled() {
    let rig = rig(vec![Script::Frame], Some(Duration::from_millis(5)));
    let mut preview = None;
    for _ in 0..1000 {
        preview = rig.camera.preview();
        if preview.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let preview = preview.expect("a preview frame within five seconds");
    assert_eq!((preview.width, preview.height), (64, 48));
    // Captures still work while previews stream.
    rig.camera.capture(Duration::from_secs(5)).unwrap();
}
