//! The `neckend` daemon built inside the test package, so that integration tests in `tests/`
//! can run it as a process (`CARGO_BIN_EXE_neckend-under-test`). Same entry point as
//! `firmware/neckend/src/main.rs`.

fn main() -> std::process::ExitCode {
    neckend::main()
}
