//! A node that exits before doing anything.
fn main() {
    eprintln!("giving up before I start");
    std::process::exit(3);
}
