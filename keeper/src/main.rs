//! The keeper daemon: runs reward rounds, decides disputes and executes slashes.
//! (Grows with the keeper issue; for now it only states what it is.)

fn main() {
    println!("keeper: not yet implemented beyond the foundation; see `make demo`");
}
