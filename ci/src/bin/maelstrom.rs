//! `maelstrom test ...`: the same command line as Maelstrom's, run by our engine.

use ci::cli::{Cli, Command};
use clap::Parser;

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Maelstrom exits 254 on bad arguments; help and version are not errors.
            std::process::exit(if e.use_stderr() { 254 } else { 0 });
        }
    };
    match cli.command {
        Command::Test(opts) => {
            // Ctrl-C stops the run, not the program: the nodes are stopped, what the run
            // recorded is checked and written, and the exit status is 255. (The nodes run
            // in process groups of their own, so the terminal's Ctrl-C reaches only us.)
            // Between runs there is nothing to save, so it ends the program at once.
            let _ = ctrlc::set_handler(|| {
                if !ci::run::interrupt() {
                    std::process::exit(130);
                }
            });
            // `--test-count`: stop at the first run that is not valid, as Jepsen does.
            let mut exit_code = 0;
            for _ in 0..opts.test_count.max(1) {
                let outcome = ci::run::test(&opts);
                print!("{}", outcome.summary);
                exit_code = outcome.exit_code;
                if exit_code != 0 {
                    break;
                }
            }
            std::process::exit(exit_code);
        }
        Command::Viz(opts) => {
            if let Err(e) = ci::viz::command(&opts) {
                eprintln!("{e:#}");
                std::process::exit(1);
            }
        }
        Command::Serve(opts) => {
            if let Err(e) = ci::serve::run(&opts) {
                eprintln!("{e:#}");
                std::process::exit(1);
            }
        }
    }
}
