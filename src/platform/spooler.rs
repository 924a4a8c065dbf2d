//! A Windows printer by name, through the spooler in RAW mode: the ESC/POS bytes reach the
//! printer untouched, so a receipt printer installed with its vendor's driver (or the "Generic /
//! Text Only" driver) prints tickets as it would over a serial cable.

use std::io::{self, Write};

use windows_sys::Win32::Graphics::Printing::{
    ClosePrinter, DOC_INFO_1W, EndDocPrinter, EndPagePrinter, OpenPrinterW, PRINTER_HANDLE, StartDocPrinterW,
    StartPagePrinter, WritePrinter,
};

/// `ERROR_INVALID_PRINTER_NAME`: no printer is installed under that name.
const ERROR_INVALID_PRINTER_NAME: i32 = 1801;

/// One print job in the spooler. Bytes written go to the job; [`RawJob::finish`] hands it to
/// the printer. A job dropped unfinished is still closed (the spooler prints what it got).
pub struct RawJob {
    handle: PRINTER_HANDLE,
    printer: String,
    in_page: bool,
    in_document: bool,
}

impl RawJob {
    /// Opens the printer and starts a RAW job named `document` (shown in the print queue).
    pub fn start(printer: &str, document: &str) -> io::Result<RawJob> {
        let name = wide(printer);
        let mut handle = PRINTER_HANDLE::default();
        // SAFETY: `name` is NUL-terminated and outlives the call; `handle` is a valid out pointer.
        if unsafe { OpenPrinterW(name.as_ptr(), &mut handle, std::ptr::null()) } == 0 {
            return Err(describe(printer, io::Error::last_os_error()));
        }
        let mut job = RawJob { handle, printer: printer.to_owned(), in_page: false, in_document: false };
        let mut doc_name = wide(document);
        let mut datatype = wide("RAW");
        let info = DOC_INFO_1W {
            pDocName: doc_name.as_mut_ptr(),
            pOutputFile: std::ptr::null_mut(),
            pDatatype: datatype.as_mut_ptr(),
        };
        // SAFETY: the handle is open; `info` and the strings it points to outlive the call.
        if unsafe { StartDocPrinterW(job.handle, 1, &info) } == 0 {
            return Err(job.error("start a job on"));
        }
        job.in_document = true;
        // SAFETY: the handle is open with a document started.
        if unsafe { StartPagePrinter(job.handle) } == 0 {
            return Err(job.error("start a page on"));
        }
        job.in_page = true;
        Ok(job)
    }

    /// Ends the job so the spooler sends it to the printer.
    pub fn finish(mut self) -> io::Result<()> {
        self.in_page = false;
        // SAFETY: the handle is open with a page started.
        if unsafe { EndPagePrinter(self.handle) } == 0 {
            return Err(self.error("end the page on"));
        }
        self.in_document = false;
        // SAFETY: the handle is open with a document started.
        if unsafe { EndDocPrinter(self.handle) } == 0 {
            return Err(self.error("end the job on"));
        }
        Ok(())
    }

    fn error(&self, action: &str) -> io::Error {
        let os = io::Error::last_os_error();
        io::Error::new(os.kind(), format!("could not {action} printer \"{}\": {os}", self.printer))
    }
}

impl Write for RawJob {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let length = u32::try_from(buf.len()).unwrap_or(u32::MAX);
        let mut written = 0u32;
        // SAFETY: the handle is open with a page started; `buf` holds at least `length` bytes.
        if unsafe { WritePrinter(self.handle, buf.as_ptr().cast(), length, &mut written) } == 0 {
            return Err(self.error("write to"));
        }
        Ok(written as usize)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for RawJob {
    fn drop(&mut self) {
        // SAFETY: each call matches a start that succeeded; the handle is closed exactly once.
        unsafe {
            if self.in_page {
                EndPagePrinter(self.handle);
            }
            if self.in_document {
                EndDocPrinter(self.handle);
            }
            ClosePrinter(self.handle);
        }
    }
}

/// Why a printer would not open, in words a technician can act on.
fn describe(printer: &str, error: io::Error) -> io::Error {
    if error.raw_os_error() == Some(ERROR_INVALID_PRINTER_NAME) {
        return io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "no printer named \"{printer}\" is installed: copy its exact name from Settings → Printers & scanners"
            ),
        );
    }
    io::Error::new(error.kind(), format!("printer \"{printer}\" cannot be opened: {error}"))
}

fn wide(text: &str) -> Vec<u16> {
    text.encode_utf16().chain(std::iter::once(0)).collect()
}
