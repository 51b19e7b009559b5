//! The `regioportal` binary. All logic lives in the library part of this crate; `main` only
//! turns a failure into one line on stderr and a non-zero exit.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: with the server's many threads, glibc kept one arena
/// per thread and returned little of it, about 130 MiB more resident memory with 100k events
/// (bench/README.md, RSS).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    regioportal::cli::main()
}
