//! The console window. On Windows `gardu.exe` is a GUI program (no black window behind the
//! booth screen); a subcommand run from a terminal attaches to that terminal so it still prints,
//! and a start that fails with nowhere to print says why in a message box.

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

/// Shows why the program stops in a message box, when there is nowhere to print it: on Windows
/// a booth started from a shortcut has no terminal, and a start that failed would otherwise end
/// with nothing on the screen. Started from a terminal, or with its output redirected, the
/// message is printed there and this does nothing. Waits until the box is closed.
#[cfg(windows)]
pub fn tell_if_unseen(title: &str, message: &str) {
    use windows_sys::Win32::Foundation::INVALID_HANDLE_VALUE;
    use windows_sys::Win32::System::Console::{GetConsoleWindow, GetStdHandle, STD_ERROR_HANDLE};
    use windows_sys::Win32::UI::WindowsAndMessaging::{MB_ICONERROR, MB_OK, MB_SETFOREGROUND, MessageBoxW};
    let wide = |text: &str| text.encode_utf16().chain([0]).collect::<Vec<u16>>();
    let (title, message) = (wide(title), wide(message));
    // SAFETY: both strings are NUL-terminated UTF-16 buffers that outlive the call; the box
    // has no owner window.
    unsafe {
        let stderr = GetStdHandle(STD_ERROR_HANDLE);
        let printed = !stderr.is_null() && stderr != INVALID_HANDLE_VALUE;
        if printed || !GetConsoleWindow().is_null() {
            return;
        }
        MessageBoxW(
            std::ptr::null_mut(),
            message.as_ptr(),
            title.as_ptr(),
            MB_OK | MB_ICONERROR | MB_SETFOREGROUND,
        );
    }
}

/// Shows why the program stops when there is nowhere to print it (Windows only: elsewhere a
/// booth's console starts from a terminal or a service whose output is kept).
#[cfg(not(windows))]
pub fn tell_if_unseen(_title: &str, _message: &str) {}
