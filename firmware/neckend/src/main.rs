//! `neckend`: see the library documentation and `README.md`.

fn main() -> std::process::ExitCode {
    neckend::main()
}
