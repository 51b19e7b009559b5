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

// mimalloc's own C interface (linked in by the `mimalloc` crate), for one option the Rust
// crate does not name.
#[expect(unsafe_code, reason = "the declaration of a C function of the linked allocator")]
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (the `v3` sources of libmimalloc-sys
/// 0.1.49, see Cargo.lock): how long freed memory stays committed before it is given back.
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Two allocator settings that took the resident memory with 100k events from 187 to 112 MiB
/// once the indexes are built, and its peak from 295 to 146 MiB (bench/README.md, RSS):
///
/// - no transparent huge pages for this process: mimalloc advises them for its arenas, and a
///   2 MiB page of which a few kilobytes are in use is resident as a whole;
/// - memory freed is given back at once (mimalloc waits a second by default; the index builds
///   at start free hundreds of megabytes in a burst, and threads that go idle afterwards never
///   come back to give theirs back).
///
/// `MIMALLOC_ALLOW_THP` and `MIMALLOC_PURGE_DELAY` in the environment still decide, for
/// whoever measures otherwise.
#[expect(unsafe_code, reason = "two C calls that only set options of this process")]
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_ALLOW_THP").is_none() {
        // SAFETY: prctl with PR_SET_THP_DISABLE only sets a flag of this process.
        unsafe {
            libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        }
    }
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: mimalloc reads this option on every purge; setting it is thread-safe.
        unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    }
}

fn main() -> ExitCode {
    tune_allocator();
    regioportal::cli::main()
}
