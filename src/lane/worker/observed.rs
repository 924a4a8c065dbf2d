//! Device wrappers that tell the screen what the lane is doing right now (photographing,
//! printing) before they hand the call to the real device.

use std::sync::Arc;
use std::time::Duration;

use crate::devices::camera::{Camera, Jpeg};
use crate::devices::printer::{PrintJob, Printer};
use crate::devices::{DeviceError, DeviceStatus};

/// Called before the device starts work.
pub(super) type Announce = Arc<dyn Fn() + Send + Sync>;

/// A camera that announces each capture.
pub(super) struct ObservedCamera {
    pub(super) inner: Arc<dyn Camera>,
    pub(super) announce: Announce,
}

impl Camera for ObservedCamera {
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError> {
        (self.announce)();
        self.inner.capture(timeout)
    }

    fn preview(&self) -> Option<Jpeg> {
        self.inner.preview()
    }

    fn status(&self) -> DeviceStatus {
        self.inner.status()
    }
}

/// A printer that announces each job.
pub(super) struct ObservedPrinter {
    pub(super) inner: Arc<dyn Printer>,
    pub(super) announce: Announce,
}

impl Printer for ObservedPrinter {
    fn print(&self, job: &PrintJob) -> Result<(), DeviceError> {
        (self.announce)();
        self.inner.print(job)
    }

    fn status(&self) -> DeviceStatus {
        self.inner.status()
    }
}
