//! The plate-reading thread: photos go in on a bounded queue, reads come back on a channel the
//! lane drains when it likes. A full queue refuses the photo at once: the lane never waits.

use std::sync::Arc;

use crossbeam_channel::{Receiver, Sender, TrySendError, bounded};

use super::{PlateRead, PlateReader};
use crate::devices::camera::Jpeg;
use crate::logging::TurnedAway;

/// Photos that may wait for the reader beyond the one it is reading.
const QUEUE_LEN: usize = 4;

/// A read (or why there is none) for the photo sent with `tag`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlateOutcome<T> {
    /// What the caller sent with the photo (which presence, which entry).
    pub tag: T,
    /// The read, or the reader's error as text (logged, never shown as a plate).
    pub read: Result<PlateRead, String>,
}

/// The running reader thread. Dropping it lets the thread finish the photo in hand and end.
pub struct PlateWorker<T> {
    jobs: Option<Sender<(T, Jpeg)>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Photos the reader was too far behind to take.
    unread: TurnedAway,
}

impl<T: Send + 'static> PlateWorker<T> {
    /// Starts the thread `plate-reader`; outcomes arrive on the returned receiver.
    pub fn start(
        reader: Arc<dyn PlateReader>,
    ) -> std::io::Result<(PlateWorker<T>, Receiver<PlateOutcome<T>>)> {
        let (jobs, inbox) = bounded::<(T, Jpeg)>(QUEUE_LEN);
        let (outcomes, results) = bounded(QUEUE_LEN * 4);
        let thread = std::thread::Builder::new().name("plate-reader".into()).spawn(move || {
            if let Err(err) = reader.prepare() {
                tracing::error!("the plate reader is not ready: {err}");
            }
            for (tag, photo) in inbox {
                let read = reader.read(&photo).map_err(|err| err.to_string());
                if let Err(err) = &read {
                    tracing::warn!("no plate read: {err}");
                }
                // The lane may have gone; its reads with it.
                if outcomes.send(PlateOutcome { tag, read }).is_err() {
                    break;
                }
            }
        })?;
        Ok((PlateWorker { jobs: Some(jobs), thread: Some(thread), unread: TurnedAway::default() }, results))
    }

    /// Queues a photo; `false` (logged) when the reader is too far behind to take it.
    pub fn submit(&self, tag: T, photo: Jpeg) -> bool {
        let Some(jobs) = &self.jobs else { return false };
        match jobs.try_send((tag, photo)) {
            Ok(()) => {
                if let Some(run) = self.unread.taken() {
                    tracing::warn!("the plate reader caught up; {run} photo(s) went unread");
                }
                true
            }
            Err(TrySendError::Full(_)) => {
                if self.unread.turned_away() {
                    tracing::warn!("the plate reader is behind; photos go unread until it catches up");
                }
                false
            }
            Err(TrySendError::Disconnected(_)) => {
                tracing::warn!("the plate reader has stopped; this photo is not read");
                false
            }
        }
    }
}

impl<T> Drop for PlateWorker<T> {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the plate-reader thread panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::plate::{PlateError, PlateSource};

    struct FirstByte;

    impl PlateReader for FirstByte {
        fn read(&self, photo: &Jpeg) -> Result<PlateRead, PlateError> {
            match photo.bytes.first() {
                Some(1) => Ok(PlateRead {
                    plate: Some("B 1 A".into()),
                    raw: Some("B1A".into()),
                    confidence: 0.9,
                    candidates: Vec::new(),
                    ms: 1,
                }),
                Some(_) => Ok(PlateRead::nothing(1)),
                None => Err(PlateError::Decode("empty".into())),
            }
        }
    }

    fn jpeg(first: &[u8]) -> Jpeg {
        Jpeg { bytes: first.to_vec(), width: 1, height: 1 }
    }

    #[test]
    fn reads_come_back_with_their_tags_in_order() {
        let (worker, reads) = PlateWorker::start(Arc::new(FirstByte)).unwrap();
        assert!(worker.submit(7, jpeg(&[1])));
        assert!(worker.submit(8, jpeg(&[2])));
        assert!(worker.submit(9, jpeg(&[])));
        let first = reads.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!((first.tag, first.read.unwrap().plate.as_deref()), (7, Some("B 1 A")));
        let second = reads.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!((second.tag, second.read.unwrap().plate), (8, None));
        let third = reads.recv_timeout(Duration::from_secs(5)).unwrap();
        assert!(third.read.unwrap_err().contains("decoded"));
        assert_eq!(PlateSource::Anpr.as_str(), "anpr");
    }
}
