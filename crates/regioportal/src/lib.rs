//! The `regioportal` binary's library: command-line interface, configuration, start-up.

/// Prints a line to stdout. Unlike `println!`, a closed pipe (`regioportal routes | head`) is not
/// a panic: the reader has what it wanted.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

pub mod admin;
pub mod bench_seed;
pub mod cli;
pub mod config;
pub mod demo;
pub mod events_cli;
pub mod server;
