//! The console window. On Windows `gardu.exe` is a GUI program (no black window behind the
//! booth screen); a subcommand run from a terminal attaches to that terminal so it still prints.

/// Attaches to the console of the program that started this one (cmd, PowerShell), unless the
/// output is already redirected to a file or pipe. Started from Explorer or a shortcut there is
/// no parent console and nothing happens. Elsewhere this does nothing.
#[cfg(windows)]
pub fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{
        ATTACH_PARENT_PROCESS, AttachConsole, GetStdHandle, STD_OUTPUT_HANDLE,
    };
    // SAFETY: plain calls without pointers; a failed attach leaves the process as it was.
    unsafe {
        let stdout = GetStdHandle(STD_OUTPUT_HANDLE);
        if stdout.is_null() || stdout == windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }
}

/// Attaches to the console of the program that started this one (Windows only; a terminal
/// program already has it elsewhere).
#[cfg(not(windows))]
pub fn attach_parent_console() {}
