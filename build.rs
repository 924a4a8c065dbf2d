//! Embeds the version, git commit and build date shown by `gardu --version`, and (feature `anpr`)
//! locates the plate reader's models so the library can embed them.

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    // Reproducible builds set SOURCE_DATE_EPOCH; otherwise today.
    let seconds =
        std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or_else(|| {
            SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
        });
    println!("cargo:rustc-env=GARDU_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=GARDU_BUILD_DATE={}", civil_date(seconds.div_euclid(86_400)));
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    if std::env::var_os("CARGO_FEATURE_ANPR").is_some() {
        plate_models();
    }
}

/// The plate models' files, in `GARDU_MODELS_DIR` or `models/`; the build stops without them.
fn plate_models() {
    println!("cargo:rerun-if-env-changed=GARDU_MODELS_DIR");
    let dir = match std::env::var_os("GARDU_MODELS_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => {
            let manifest = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
            std::path::PathBuf::from(manifest).join("models")
        }
    };
    for (name, file) in [
        ("GARDU_PLATE_DET_MODEL", "ch_PP-OCRv4_det_infer.onnx"),
        ("GARDU_PLATE_REC_MODEL", "ch_PP-OCRv4_rec_infer.onnx"),
    ] {
        let path = dir.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        if !path.is_file() {
            eprintln!(
                "error: the plate reader's model {} is missing.\n\
                 Fetch the models with `bash .ci/install-deps` (or set GARDU_MODELS_DIR to a folder \
                 holding them), or build without the reader: --no-default-features --features usb-camera.",
                path.display()
            );
            std::process::exit(1);
        }
        println!("cargo:rustc-env={name}={}", path.display());
    }
}

/// Days since 1970-01-01 to `YYYY-MM-DD` (Howard Hinnant's civil-from-days).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
