//! `keeper devnet`, as `make demo` runs it: the whole story on a free port, and a clear error
//! (non-zero exit) when the port is taken.

use std::{net::TcpListener, process::Command};

fn keeper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keeper"))
}

#[test]
fn devnet_deploys_and_initializes_a_round() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let output = keeper()
        .args(["devnet", "--port", &port.to_string(), "--round-length", "5"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "devnet failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "LivepeerToken  0x",
        "Minter         0x",
        "RoundsManager  0x",
        " initialized at block ",
        "anvil stopped",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn devnet_with_port_taken_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let output = keeper()
        .args(["devnet", "--port", &port.to_string()])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "stderr: {stderr}"
    );
}
