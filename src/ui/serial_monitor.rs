//! The technician's raw serial monitor: a named thread opens a typed port path, shows what
//! arrives as hex and ASCII lines, and writes what the technician sends.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};

use super::inbox::Waker;
use crate::devices::serial::{hex_ascii_line, open_port};

/// Lines the monitor keeps on screen.
const MAX_LINES: usize = 400;
/// Sends that may wait for the port.
const SEND_QUEUE: usize = 8;

/// A running monitor; dropping it closes the port.
pub struct SerialMonitor {
    lines: Arc<Mutex<VecDeque<String>>>,
    sends: Option<Sender<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SerialMonitor {
    /// Opens `path` at `baud` on the thread `serial-monitor`.
    pub fn start(path: &str, baud: u32, waker: &Waker) -> std::io::Result<SerialMonitor> {
        let lines = Arc::new(Mutex::new(VecDeque::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (sends, sends_rx) = crossbeam_channel::bounded(SEND_QUEUE);
        let (shared, stopping, waker, path) = (lines.clone(), stop.clone(), waker.clone(), path.to_string());
        let thread = std::thread::Builder::new()
            .name("serial-monitor".into())
            .spawn(move || run(&path, baud, &shared, &stopping, &sends_rx, &waker))?;
        Ok(SerialMonitor { lines, sends: Some(sends), stop, thread: Some(thread) })
    }

    /// The lines so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|p| p.into_inner()).iter().cloned().collect()
    }

    /// Queues bytes to write; false when the queue is full or the port has closed.
    pub fn send(&self, bytes: Vec<u8>) -> bool {
        self.sends.as_ref().is_some_and(|sends| sends.try_send(bytes).is_ok())
    }
}

impl Drop for SerialMonitor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        self.sends.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn push(lines: &Mutex<VecDeque<String>>, line: String, waker: &Waker) {
    let mut lines = lines.lock().unwrap_or_else(|p| p.into_inner());
    lines.push_back(line);
    while lines.len() > MAX_LINES {
        lines.pop_front();
    }
    drop(lines);
    waker.wake();
}

fn run(
    path: &str,
    baud: u32,
    lines: &Mutex<VecDeque<String>>,
    stop: &AtomicBool,
    sends: &Receiver<Vec<u8>>,
    waker: &Waker,
) {
    let mut port = match open_port(path, baud) {
        Ok(port) => port,
        Err(err) => {
            push(lines, format!("ERR {path}: {err}"), waker);
            return;
        }
    };
    push(lines, format!("OPEN {path} @ {baud} baud"), waker);
    let mut buffer = [0u8; 256];
    while !stop.load(Ordering::Acquire) {
        match port.read(&mut buffer) {
            Ok(0) => {
                push(lines, format!("ERR {path}: closed"), waker);
                return;
            }
            Ok(count) => {
                for chunk in buffer[..count].chunks(16) {
                    push(lines, format!("RX  {}", hex_ascii_line(chunk)), waker);
                }
            }
            Err(err)
                if matches!(err.kind(), std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock) => {}
            Err(err) => {
                push(lines, format!("ERR {path}: {err}"), waker);
                return;
            }
        }
        while let Ok(bytes) = sends.try_recv() {
            match port.write_all(&bytes).and_then(|()| port.flush()) {
                Ok(()) => {
                    for chunk in bytes.chunks(16) {
                        push(lines, format!("TX  {}", hex_ascii_line(chunk)), waker);
                    }
                }
                Err(err) => push(lines, format!("ERR write: {err}"), waker),
            }
        }
    }
}

/// What the technician typed, as bytes: `hex:A0 01 01 A2` as hex, otherwise text with `\r`,
/// `\n` and `\t` escapes. `None` for malformed hex.
pub fn parse_send(text: &str) -> Option<Vec<u8>> {
    if let Some(hex) = text.trim().strip_prefix("hex:") {
        // By characters, never byte offsets: the text is whatever the technician typed.
        let digits: Vec<u32> =
            hex.chars().filter(|c| !c.is_whitespace()).map(|c| c.to_digit(16)).collect::<Option<_>>()?;
        if digits.is_empty() || !digits.len().is_multiple_of(2) {
            return None;
        }
        return digits.chunks(2).map(|pair| u8::try_from(pair[0] * 16 + pair[1]).ok()).collect();
    }
    Some(text.replace("\\r", "\r").replace("\\n", "\n").replace("\\t", "\t").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_commands_become_bytes() {
        let cases: [(&str, Option<&[u8]>); 5] = [
            ("hex:A0 01 01 A2", Some(&[0xA0, 0x01, 0x01, 0xA2])),
            ("hex:a00101a2", Some(&[0xA0, 0x01, 0x01, 0xA2])),
            ("hex:A0 1", None),
            ("OPEN\\n", Some(b"OPEN\n")),
            ("hex:zz", None),
        ];
        for (input, expected) in cases {
            assert_eq!(parse_send(input).as_deref(), expected, "{input}");
        }
        // A multi-byte character where a digit belongs used to panic the UI thread.
        assert_eq!(parse_send("hex:AéB"), None);
        assert_eq!(parse_send("hex:éé"), None);
        assert_eq!(parse_send("hex:٣٣"), None, "only ASCII hex digits");
    }

    proptest::proptest! {
        #[test]
        fn any_typed_text_is_parsed_without_panicking(text in "\\PC*", hex in "\\PC*") {
            let _ = parse_send(&text);
            let parsed = parse_send(&format!("hex:{hex}"));
            if let Some(bytes) = parsed {
                proptest::prop_assert_eq!(bytes.len() * 2, hex.chars().filter(|c| !c.is_whitespace()).count());
            }
        }
    }
}
