//! The `gardu` binary: arguments, logging, configuration, then the console or a subcommand.

// Windows: a GUI program, so no console window opens behind the booth screen; subcommands
// run from a terminal attach to it below.
#![cfg_attr(windows, windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;
use gardu::cli::{self, Cli, Context};

/// Large blocks on huge pages (see `platform::memory`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[global_allocator]
static ALLOCATOR: gardu::platform::memory::LargeBlocks = gardu::platform::memory::LargeBlocks;

fn main() -> ExitCode {
    gardu::platform::memory::tune_allocator();
    gardu::platform::console::attach_parent_console();
    let args = Cli::parse();
    let mut ctx = match Context::resolve(args.config.as_deref(), args.data_dir.as_deref()) {
        Ok(ctx) => ctx,
        Err(err) => {
            eprintln!("gardu: configuration refused: {err}");
            eprintln!("gardu: fix the file (config.toml.example documents every key) and start again.");
            let (title, text) = gardu::ui::config_refused_text(&err);
            gardu::platform::console::tell_if_unseen(&title, &text);
            return ExitCode::from(2);
        }
    };
    if args.command.is_none()
        && let Some(mode) = args.mode
    {
        // An unconfigured booth code follows the mode: `--mode exit` runs as OUT1.
        ctx.config.booth.set_mode(mode);
    }
    let _log =
        gardu::logging::init(&ctx.path(&ctx.config.logging.dir), &ctx.config.logging.level, args.verbosity());
    tracing::info!(version = cli::LONG_VERSION, site = %ctx.config.site.code, booth = %ctx.config.booth.code, "gardu starting");
    if args.fullscreen {
        ctx.config.booth.fullscreen = true;
    }
    let Some(command) = args.command else {
        let console = gardu::ui::ConsoleArgs { mode: args.mode, simulate: args.simulate };
        return match gardu::ui::run_console(&ctx, console) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                tracing::error!("console stopped: {err:#}");
                eprintln!("gardu: {err:#}");
                ExitCode::FAILURE
            }
        };
    };
    match cli::run(command, &ctx, args.as_user.as_deref()) {
        Ok(code) => code,
        Err(err) => {
            tracing::info!("command failed: {err:#}");
            eprintln!("gardu: {err:#}");
            ExitCode::FAILURE
        }
    }
}
