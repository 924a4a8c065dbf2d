//! Serial port names as a technician types them into the config, `gardu device monitor` or the
//! diagnostics: `COM1` … `COM256` and `\\.\COM10` on Windows, device paths on Linux. Pure, so
//! the Windows rules are tested on every platform.

/// The highest COM port number Windows hands out.
pub const MAX_COM_PORT: u16 = 256;

/// Why a serial port name cannot be right, in words that say what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortNameError {
    /// `COM0`, `COM257`, `COM03`.
    #[error("{0} is not a COM port: they are numbered COM1 to COM256")]
    ComOutOfRange(String),
    /// `COM 3`, `COM3:`, `COMx`.
    #[error("{0} is not a COM port name: write it as COM3 (or \\\\.\\COM10)")]
    NotAComName(String),
    /// `\\.\` with nothing after it.
    #[error("{0} names no device: write it as \\\\.\\COM10")]
    EmptyDevice(String),
    /// A Linux device path in a Windows booth's config.
    #[error("{0} is a Linux device path: on Windows use a COM port such as COM3 (gardu ports lists them)")]
    UnixPathOnWindows(String),
}

/// What a port name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortName<'a> {
    /// A numbered COM port, whether written `COM10`, `com10` or `\\.\COM10`.
    Com(u16),
    /// Another Windows device name after `\\.\`, such as a virtual port pair (`CNCA0`).
    Device(&'a str),
    /// A path as written (`/dev/ttyUSB0`, `/dev/serial/by-id/…`, a pseudo-terminal).
    Path(&'a str),
}

/// Reads a port name; `windows` says which rules apply (`cfg!(windows)` outside tests). A COM
/// name is checked on every platform, so a config made for a Windows booth is checked on Linux.
pub fn parse(name: &str, windows: bool) -> Result<PortName<'_>, PortNameError> {
    let name = name.trim();
    let device = strip_prefix_ignore_case(name, r"\\.\").or_else(|| strip_prefix_ignore_case(name, "//./"));
    if let Some(device) = device {
        if device.is_empty() {
            return Err(PortNameError::EmptyDevice(name.to_owned()));
        }
        return Ok(match com_number(name, device)? {
            Some(number) => PortName::Com(number),
            None => PortName::Device(device),
        });
    }
    if let Some(number) = com_number(name, name)? {
        return Ok(PortName::Com(number));
    }
    if windows && name.starts_with('/') {
        return Err(PortNameError::UnixPathOnWindows(name.to_owned()));
    }
    Ok(PortName::Path(name))
}

/// Checks a port name by this platform's rules.
pub fn check(name: &str) -> Result<(), PortNameError> {
    parse(name, cfg!(windows)).map(|_| ())
}

/// Orders port names as a person counts them: COM ports by number (COM2 before COM10), then
/// everything else by name.
pub fn sort_key(name: &str) -> (u8, u16, String) {
    match parse(name, true) {
        Ok(PortName::Com(number)) => (0, number, String::new()),
        _ => (1, 0, name.to_owned()),
    }
}

/// `Some(number)` for a COM name (`COM7`), an error for a name that starts like one but is not
/// (`COM 7`, `COM0`), `None` for anything else.
fn com_number(whole: &str, name: &str) -> Result<Option<u16>, PortNameError> {
    let Some(digits) = strip_prefix_ignore_case(name, "COM") else {
        return Ok(None);
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PortNameError::NotAComName(whole.to_owned()));
    }
    match digits.parse::<u16>() {
        Ok(number) if (1..=MAX_COM_PORT).contains(&number) && !digits.starts_with('0') => Ok(Some(number)),
        _ => Err(PortNameError::ComOutOfRange(whole.to_owned())),
    }
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_and_paths() {
        let cases = [
            ("COM1", PortName::Com(1)),
            ("com3", PortName::Com(3)),
            (" COM10 ", PortName::Com(10)),
            ("COM256", PortName::Com(256)),
            (r"\\.\COM10", PortName::Com(10)),
            (r"\\.\com42", PortName::Com(42)),
            ("//./COM200", PortName::Com(200)),
            (r"\\.\CNCA0", PortName::Device("CNCA0")),
            ("LPT1", PortName::Path("LPT1")),
        ];
        for (name, expected) in cases {
            assert_eq!(parse(name, true), Ok(expected), "{name}");
        }
    }

    #[test]
    fn linux_paths_pass_on_linux_and_com_names_are_checked_everywhere() {
        assert_eq!(parse("/dev/ttyUSB0", false), Ok(PortName::Path("/dev/ttyUSB0")));
        assert_eq!(
            parse("/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0", false),
            Ok(PortName::Path("/dev/serial/by-id/usb-1a86_USB_Serial-if00-port0"))
        );
        assert_eq!(parse("COM3", false), Ok(PortName::Com(3)));
        assert_eq!(parse("COM0", false), Err(PortNameError::ComOutOfRange("COM0".into())));
    }

    #[test]
    fn wrong_names_say_what_to_write() {
        let cases = [
            ("COM0", "COM0 is not a COM port: they are numbered COM1 to COM256"),
            ("COM257", "COM257 is not a COM port: they are numbered COM1 to COM256"),
            ("COM03", "COM03 is not a COM port: they are numbered COM1 to COM256"),
            ("COM99999", "COM99999 is not a COM port: they are numbered COM1 to COM256"),
            (r"\\.\COM0", r"\\.\COM0 is not a COM port: they are numbered COM1 to COM256"),
            ("COM 3", r"COM 3 is not a COM port name: write it as COM3 (or \\.\COM10)"),
            ("COM3:", r"COM3: is not a COM port name: write it as COM3 (or \\.\COM10)"),
            ("COM", r"COM is not a COM port name: write it as COM3 (or \\.\COM10)"),
            (r"\\.\", r"\\.\ names no device: write it as \\.\COM10"),
            (
                "/dev/ttyUSB0",
                "/dev/ttyUSB0 is a Linux device path: on Windows use a COM port such as COM3 (gardu ports lists them)",
            ),
        ];
        for (name, message) in cases {
            assert_eq!(parse(name, true).unwrap_err().to_string(), message, "{name}");
        }
    }

    #[test]
    fn ports_sort_as_people_count_them() {
        let mut names = vec!["COM10", "/dev/ttyUSB0", "COM2", "COM1", "/dev/ttyACM0"];
        names.sort_by_key(|name| sort_key(name));
        assert_eq!(names, ["COM1", "COM2", "COM10", "/dev/ttyACM0", "/dev/ttyUSB0"]);
    }
}
