//! What differs between Linux and Windows booths, behind `cfg`: durable file replacement,
//! serial port names, the default data folder, the console window, and printing to a Windows
//! printer by name. The rest of the program calls these and stays platform-neutral.

pub mod console;
pub mod data_dir;
pub mod disk;
pub mod fs;
pub mod serial_name;
#[cfg(windows)]
pub mod spooler;
