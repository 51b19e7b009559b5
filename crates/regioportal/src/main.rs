//! The `regioportal` binary. All logic lives in the library part of this crate; `main` only
//! turns a failure into one line on stderr and a non-zero exit.

use std::process::ExitCode;

fn main() -> ExitCode {
    regioportal::cli::main()
}
