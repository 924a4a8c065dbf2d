//! Headless subcommands over the same store, domain and lane code the console uses.

mod books;
mod db;
mod demo;
mod device;
mod emergency;
mod export;
mod fee;
mod hq;
mod journal;
pub mod operator;
mod plate;
mod receipt;
mod replication;
mod shift;
mod sim;
mod site_key;
mod ticket;
mod user;
mod visit;

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
    /// Run the command as this operator; the password comes from GARDU_PASSWORD or is asked on
    /// the terminal, never from an argument. Needed once the database has an operator.
    #[arg(long = "as", global = true, value_name = "USER")]
    pub as_user: Option<String>,
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
    /// The books: every vehicle and every rupiah of a period accounted for.
    #[command(subcommand)]
    Books(books::BooksCommand),
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
    /// Export transactions (CSV or Excel), shift reports and statistics (Excel).
    #[command(subcommand)]
    Export(export::ExportCommand),
    /// Serial ports with their USB ids.
    Ports,
    /// Test or monitor the configured devices.
    #[command(subcommand)]
    Device(device::DeviceCommand),
    /// Read number plates on photos.
    #[command(subcommand)]
    Plate(plate::PlateCommand),
    /// Render receipts.
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Simulated traffic through the real lanes.
    #[command(subcommand)]
    Sim(sim::SimCommand),
    /// Shift reports.
    #[command(subcommand)]
    Shift(shift::ShiftCommand),
    /// Visits: close one that left without an exit record.
    #[command(subcommand)]
    Visit(visit::VisitCommand),
    /// Issue, verify or render signed ticket codes.
    #[command(subcommand)]
    Ticket(ticket::TicketCommand),
    /// The site's ticket key: fingerprint, encrypted export, import on a new booth.
    #[command(subcommand)]
    SiteKey(site_key::SiteKeyCommand),
    /// Many sites, at a site: publish this site's rows for HQ.
    #[command(subcommand)]
    Replication(replication::ReplicationCommand),
    /// Many sites, at HQ: migrate HQ, add, remove and re-copy sites, replication status.
    #[command(subcommand)]
    Hq(hq::HqCommand),
    /// Emergency opening: every barrier of the site held open, exits without charge.
    #[command(subcommand)]
    Emergency(emergency::EmergencyCommand),
    /// Benchmarks of the real console (run under Xvfb).
    #[command(subcommand)]
    Bench(crate::ui::bench::BenchCommand),
    /// Render every console screen to PNG (run under Xvfb).
    #[command(hide = true)]
    Screenshots(crate::ui::screenshots::ScreenshotArgs),
}

/// Runs a subcommand as `as_user` (`--as`) once [`operator::authorize`] lets it. A refusal
/// is printed here and exits with code 3; other errors are reported once, by the caller.
pub fn run(command: Command, ctx: &Context, as_user: Option<&str>) -> anyhow::Result<ExitCode> {
    match operator::authorize(&command, ctx, as_user).and_then(|op| dispatch(command, ctx, &op)) {
        Err(err) if err.downcast_ref::<operator::Refusal>().is_some() => {
            tracing::info!("command refused: {err}");
            eprintln!("gardu: {err}");
            Ok(ExitCode::from(operator::REFUSED_EXIT_CODE))
        }
        other => other,
    }
}

fn dispatch(command: Command, ctx: &Context, op: &operator::Operator) -> anyhow::Result<ExitCode> {
    match command {
        Command::Demo => demo::run(ctx),
        Command::Books(cmd) => books::run(cmd, ctx),
        Command::Db(cmd) => db::run(cmd, ctx, op),
        Command::User(cmd) => user::run(cmd, ctx, op),
        Command::Fee(args) => fee::run(args, ctx),
        Command::Ticket(cmd) => ticket::run(cmd, ctx, op),
        Command::Visit(cmd) => visit::run(cmd, ctx, op),
        Command::Journal(cmd) => journal::run(cmd, ctx),
        Command::Shift(cmd) => shift::run(cmd, ctx, op),
        Command::SiteKey(cmd) => site_key::run(cmd, ctx, op),
        Command::Sim(cmd) => sim::run(cmd, ctx),
        Command::Ports => device::ports(),
        Command::Export(cmd) => export::run(cmd, ctx),
        Command::Device(cmd) => device::run(cmd, ctx, op),
        Command::Plate(cmd) => plate::run(cmd),
        Command::Receipt(cmd) => receipt::run(cmd, ctx),
        Command::Replication(cmd) => replication::run(cmd, ctx),
        Command::Hq(cmd) => hq::run(cmd, ctx, op.audit_name()),
        Command::Emergency(cmd) => emergency::run(cmd, ctx, op),
        Command::Screenshots(args) => crate::ui::screenshots::run(args, ctx),
        Command::Bench(cmd) => crate::ui::bench::run(cmd, ctx),
    }
}

/// Prints a value as one line of JSON on stdout.
fn print_json(value: &serde_json::Value) {
    println!("{value}");
}
