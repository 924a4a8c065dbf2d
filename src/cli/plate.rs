//! `gardu plate read IMAGE`: reads the number plate on a photo with the built-in reader.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

/// Plate subcommands.
#[derive(Debug, Subcommand)]
pub enum PlateCommand {
    /// Read the plate on a photo (JPEG or PNG).
    Read(ReadArgs),
}

/// Arguments of `gardu plate read`.
#[derive(Debug, Args)]
pub struct ReadArgs {
    /// The photo.
    image: PathBuf,
    /// One JSON object on stdout: plate (string or null), raw, confidence, candidates, ms.
    #[arg(long)]
    json: bool,
    /// Look only in this part of the photo, as `[plate] zone` does at the booth: left,top,width,height
    /// as fractions, e.g. 0.25,0.45,0.5,0.5 (default: the whole photo).
    #[arg(long, value_name = "LEFT,TOP,WIDTH,HEIGHT")]
    zone: Option<crate::domain::plate::PlateZone>,
}

/// Runs a plate subcommand.
pub fn run(command: PlateCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlateCommand::Read(args) => read(args),
    }
}

#[cfg(feature = "anpr")]
fn read(args: ReadArgs) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;

    use crate::plate::tract::TractReader;

    let photo = image::open(&args.image)
        .with_context(|| format!("cannot open {} as a JPEG or PNG photo", args.image.display()))?
        .to_rgb8();
    let reader = TractReader::with_zone(args.zone.unwrap_or(crate::domain::plate::PlateZone::WHOLE));
    reader.load()?;
    let read = reader.read_image(&photo)?;
    if args.json {
        super::print_json(&serde_json::to_value(&read)?);
    } else {
        match &read.plate {
            Some(plate) => println!("{plate}  (confidence {:.2}, {} ms)", read.confidence, read.ms),
            None => println!("no plate found ({} ms)", read.ms),
        }
        for candidate in read.candidates.iter().skip(1) {
            println!("  also: {}  ({:.2})", candidate.text, candidate.confidence);
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(not(feature = "anpr"))]
fn read(_args: ReadArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("this Gardu was built without the plate reader; build it with the cargo feature `anpr`")
}
