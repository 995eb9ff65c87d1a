//! `cargo xtask`: the one command that checks the whole project (`cargo xtask check`), and
//! the commands that serve the book and write its generated files. The logic lives in
//! `ci::xtask`, one module per concern.

use std::process::ExitCode;

fn main() -> ExitCode {
    ci::xtask::main()
}
