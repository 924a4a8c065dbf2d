//! Every text key the console uses exists in both translation files, and no screen builds a
//! key that is missing: the screens may show no raw key to an operator.

use std::path::Path;

use gardu::config::Language;
use gardu::ui::i18n::I18n;

/// Keys built at run time from a prefix and a value the code knows the full set of.
const DYNAMIC: [(&str, &[&str]); 5] = [
    ("device.name.", &["controller", "reader", "scanner", "barrier", "printer", "camera"]),
    ("role.", &["guard", "cashier", "admin", "technician"]),
    ("login.for_mode.", &["entry", "exit", "admin"]),
    ("pay.method.", &["cash", "qris", "card", "emoney", "free"]),
    ("sync.kind.", &["entry", "exit", "audit", "shift"]),
];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("src/ui") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).expect("source")));
        }
    }
}

/// Quoted `section.key` literals in the console's sources.
fn literal_keys(text: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for piece in text.split('"').skip(1).step_by(2) {
        let looks_like_key = piece.contains('.')
            && !piece.starts_with('.')
            && !piece.ends_with('.')
            && piece.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
        if looks_like_key {
            keys.push(piece.to_string());
        }
    }
    keys
}

#[test]
fn every_key_the_screens_use_is_translated_in_both_languages() {
    let tr = I18n::new(Language::Indonesian);
    let (id, en) = (tr.keys(Language::Indonesian), tr.keys(Language::English));
    let mut files = Vec::new();
    sources(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui").as_path(), &mut files);
    let prefixes: Vec<&str> = [
        "admin.",
        "banner.",
        "barrier.",
        "common.",
        "db.",
        "device.",
        "diag.",
        "entry.",
        "exit.",
        "first_run.",
        "login.",
        "lost.",
        "manual.",
        "menu.",
        "pay.",
        "pick.",
        "role.",
        "shift.",
        "sim.",
        "start.",
        "sync.",
        "top.",
    ]
    .to_vec();
    let mut missing = Vec::new();
    let mut used = 0;
    for (file, text) in &files {
        for key in literal_keys(text) {
            if !prefixes.iter().any(|p| key.starts_with(p)) || file.ends_with("i18n.rs") {
                continue;
            }
            used += 1;
            if !id.contains(&key.as_str()) || !en.contains(&key.as_str()) {
                missing.push(format!("{file}: {key}"));
            }
        }
    }
    for (prefix, values) in DYNAMIC {
        for value in values {
            let key = format!("{prefix}{value}");
            if !id.contains(&key.as_str()) || !en.contains(&key.as_str()) {
                missing.push(format!("(built) {key}"));
            }
        }
    }
    assert!(used > 200, "only {used} keys found: is the scan broken?");
    assert!(missing.is_empty(), "untranslated keys:\n{}", missing.join("\n"));
}

#[test]
fn indonesian_is_the_default_and_english_switches() {
    let mut tr = I18n::new(Language::Indonesian);
    assert_eq!(tr.t("db.checking"), "Memeriksa koneksi");
    assert_eq!(tr.f("db.connected", &[("ms", &3)]), "Database terhubung · 3 ms");
    tr.set_language(Language::English);
    assert_eq!(tr.t("db.checking"), "Checking connection");
}
