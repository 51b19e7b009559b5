//! The `regioportal` binary. All logic lives in the library part of this crate; `main` only
//! turns a failure into one line on stderr and a non-zero exit.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: with the server's many threads, glibc kept one arena
/// per thread and returned little of it, about 130 MiB more resident memory with 100k events
/// (bench/README.md, RSS), and malloc was a tenth of the CPU of writes and calendar windows.
/// The `override` feature routes C's malloc to it as well, so SQLite's page caches (one per
/// pooled connection, each on its own worker thread) no longer keep arenas of their own: a
/// further 38 MiB off the peak.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    regioportal::cli::main()
}
