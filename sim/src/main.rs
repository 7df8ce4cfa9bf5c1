//! The auditors' simulator: replays proposals and runs the economy in revm.
//! (Grows with the simulator issue.)

fn main() {
    println!("sim: not yet implemented beyond the foundation");
}
