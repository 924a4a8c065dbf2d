//! Headless subcommands over the same store, domain and lane code the console uses.

mod db;
mod demo;
mod device;
mod export;
mod fee;
mod journal;
mod receipt;
mod shift;
mod sim;
mod ticket;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use crate::site::Context;

use crate::config::Mode;

/// Version line: crate version, commit, build date.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("GARDU_GIT_COMMIT"),
    ", built ",
    env!("GARDU_BUILD_DATE"),
    ")"
);

/// Gardu: the operator console for staffed parking sites.
#[derive(Debug, Parser)]
#[command(name = "gardu", version = LONG_VERSION, about, propagate_version = true)]
pub struct Cli {
    /// Config file (default: config.toml in the data folder, or built-in defaults).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Folder for the database, journal, photos, logs and secret (default: current folder).
    #[arg(long, global = true, value_name = "PATH", env = "GARDU_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// More log output on stderr (-v info, -vv debug).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Booth mode for the console, overriding the config.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Replace every device with a simulated one.
    #[arg(long)]
    pub simulate: bool,
    /// Open the console full screen, overriding `booth.fullscreen` (a booth started at logon).
    #[arg(long)]
    pub fullscreen: bool,
    /// What to do; without one the console opens.
    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// `-v` count minus `-q`.
    pub fn verbosity(&self) -> i8 {
        if self.quiet { -1 } else { i8::try_from(self.verbose).unwrap_or(i8::MAX) }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// A short tour of the core: migrate, issue and verify a ticket, quote fees.
    Demo,
    /// Database: apply migrations, check the schema.
    #[command(subcommand)]
    Db(db::DbCommand),
    /// Operator accounts.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Quote a fee by the current tariff.
    Fee(fee::FeeArgs),
    /// Offline journal: list and replay.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Export transactions to CSV.
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Serial ports with their USB ids.
    Ports,
    /// Test or monitor the configured devices.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Render receipts.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Simulated traffic through the real lanes.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Shift reports.
    #[command(subcommand)]
    Shift(shift::ShiftCommand),
    /// Issue, verify or render signed ticket codes.
    #[command(subcommand)]
    Ticket(ticket::TicketCommand),
    /// Render every console screen to PNG (run under Xvfb).
    #[command(hide = true)]
    Screenshots(crate::ui::screenshots::ScreenshotArgs),
}

/// Runs a subcommand. Errors are reported once, by the caller.
pub fn run(command: Command, ctx: &Context) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo => demo::run(ctx),
        Command::Db(cmd) => db::run(cmd, ctx),
        Command::User(cmd) => user::run(cmd, ctx),
        Command::Fee(args) => fee::run(args, ctx),
        Command::Ticket(cmd) => ticket::run(cmd, ctx),
        Command::Journal(cmd) => journal::run(cmd, ctx),
        Command::Shift(cmd) => shift::run(cmd, ctx),
        Command::Sim(cmd) => sim::run(cmd, ctx),
        Command::Ports => device::ports(),
        Command::Export(cmd) => export::run(cmd, ctx),
        Command::Device(cmd) => device::run(cmd, ctx),
        Command::Receipt(cmd) => receipt::run(cmd, ctx),
        Command::Screenshots(args) => crate::ui::screenshots::run(args, ctx),
    }
}

/// Prints a value as one line of JSON on stdout.
fn print_json(value: &serde_json::Value) {
    println!("{value}");
}
