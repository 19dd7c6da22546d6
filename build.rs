//! Links `fazhi-index` and `fazhi-query` as position-dependent executables on Linux.
//!
//! A one-query process is dominated by fixed costs, and the first of them is the dynamic
//! loader relocating a position-independent executable: 55,000 relocations spread over a
//! megabyte of tables, each page copied on write, before `main` runs. Linked at a fixed
//! address, `fazhi-query --version` takes 0.96 ms instead of 1.6 ms (`/bin/true` takes 0.85 ms
//! on the same machine; see BENCHMARKS.md), a twentieth of a query at 20,000 reports.
//!
//! The price is address-space randomisation of the executable's own image (libraries, stack
//! and heap are still randomised). The binaries read local files, and `serve` listens on
//! 127.0.0.1 unless told otherwise. A packager who wants a PIE builds with `FAZHI_PIE=1`.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FAZHI_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    let pie_wanted = std::env::var_os("FAZHI_PIE").is_some_and(|v| !v.is_empty() && v != "0");
    if linux && !pie_wanted {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
