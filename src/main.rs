//! The `gardu` binary: arguments, logging, configuration, runtime — nothing else.

fn main() {}
