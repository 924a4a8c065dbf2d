//! Screen texts in Indonesian and English, from `assets/i18n/id.toml` and `en.toml`. Keys are
//! dotted (`login.title`); `{name}` in a text is replaced by the argument of that name.

use std::collections::HashMap;
use std::fmt::Display;

use crate::config::Language;

/// Translation files as (name, Indonesian, English): the booth texts, then one pair per group
/// of admin screens.
const FILES: [(&str, &str, &str); 7] = [
    ("booth", include_str!("../../assets/i18n/id.toml"), include_str!("../../assets/i18n/en.toml")),
    (
        "admin",
        include_str!("../../assets/i18n/admin/id.toml"),
        include_str!("../../assets/i18n/admin/en.toml"),
    ),
    (
        "admin records",
        include_str!("../../assets/i18n/admin/records.id.toml"),
        include_str!("../../assets/i18n/admin/records.en.toml"),
    ),
    (
        "admin figures",
        include_str!("../../assets/i18n/admin/figures.id.toml"),
        include_str!("../../assets/i18n/admin/figures.en.toml"),
    ),
    (
        "admin setup",
        include_str!("../../assets/i18n/admin/setup.id.toml"),
        include_str!("../../assets/i18n/admin/setup.en.toml"),
    ),
    (
        "admin books",
        include_str!("../../assets/i18n/admin/books.id.toml"),
        include_str!("../../assets/i18n/admin/books.en.toml"),
    ),
    (
        "hq",
        include_str!("../../assets/i18n/admin/hq.id.toml"),
        include_str!("../../assets/i18n/admin/hq.en.toml"),
    ),
];

/// The texts of both languages and the one in use.
#[derive(Debug, Clone)]
pub struct I18n {
    language: Language,
    indonesian: HashMap<String, String>,
    english: HashMap<String, String>,
}

impl I18n {
    /// Both translation files, showing `language`.
    pub fn new(language: Language) -> Self {
        let mut indonesian = HashMap::new();
        let mut english = HashMap::new();
        for (name, id, en) in FILES {
            indonesian.extend(flatten_file(id, &format!("{name} (id)")));
            english.extend(flatten_file(en, &format!("{name} (en)")));
        }
        Self { language, indonesian, english }
    }

    /// The language in use.
    pub fn language(&self) -> Language {
        self.language
    }

    /// Switches the language (the menu switch).
    pub fn set_language(&mut self, language: Language) {
        self.language = language;
    }

    /// The text for `key`; the key itself when a translation is missing (a test forbids that).
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        let table = match self.language {
            Language::Indonesian => &self.indonesian,
            Language::English => &self.english,
        };
        table.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key` with `{name}` placeholders filled in.
    pub fn f(&self, key: &str, args: &[(&str, &dyn Display)]) -> String {
        let mut text = self.t(key).to_string();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), &value.to_string());
        }
        text
    }

    /// Every key of a language, for the completeness tests.
    pub fn keys(&self, language: Language) -> Vec<&str> {
        let table = match language {
            Language::Indonesian => &self.indonesian,
            Language::English => &self.english,
        };
        let mut keys: Vec<&str> = table.keys().map(String::as_str).collect();
        keys.sort_unstable();
        keys
    }
}

fn flatten_file(text: &str, name: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    match text.parse::<toml::Table>() {
        Ok(table) => flatten("", &table, &mut out),
        // The files are compiled in and tested, so this is a build mistake, not an operator's.
        Err(err) => tracing::error!("translation file {name} is not valid TOML: {err}"),
    }
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
    for (key, value) in table {
        let full = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        match value {
            toml::Value::String(text) => {
                out.insert(full, text.clone());
            }
            toml::Value::Table(inner) => flatten(&full, inner, out),
            other => {
                out.insert(full, other.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let tr = I18n::new(Language::Indonesian);
        let (id, en) = (tr.keys(Language::Indonesian), tr.keys(Language::English));
        assert!(!id.is_empty());
        let only_id: Vec<_> = id.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !id.contains(k)).collect();
        assert!(only_id.is_empty() && only_en.is_empty(), "only id: {only_id:?}; only en: {only_en:?}");
    }

    #[test]
    fn placeholders_are_filled() {
        let mut tr = I18n::new(Language::English);
        tr.english.insert("x.y".into(), "{a} of {b}".into());
        assert_eq!(tr.f("x.y", &[("a", &3), ("b", &"ten")]), "3 of ten");
        assert_eq!(tr.t("missing.key"), "missing.key");
    }
}
