//! `keeper devnet`, as `make demo` runs it: the whole story on a free port, and a clear error
//! (non-zero exit) when the port is taken.

use std::{net::TcpListener, process::Command, time::Duration};

use bindings::deadline::output_within;

/// The whole story on anvil takes a minute or two in a debug build; a stalled one must fail.
const DEADLINE: Duration = Duration::from_secs(600);

fn keeper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keeper"))
}

#[test]
fn devnet_tells_the_whole_story() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::env::temp_dir().join(format!("keeper-devnet-{}", std::process::id()));
    let output = output_within(
        keeper()
            .args([
                "devnet",
                "--port",
                &port.to_string(),
                "--rounds",
                "2",
                "--out",
            ])
            .arg(&out),
        DEADLINE,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "devnet failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for expected in [
        "BondingManager 0x",
        "keeper a initialized the round, rewarded 3",
        "keeper b nothing left to do",
        "keeper a voted guilty on dispute 1",
        "keeper b voted guilty on dispute 1",
        "dispute 1: guilty (2 guilty votes)",
        "executed slash [1]",
        "slashed ",
        "| round | orch.",
        "anvil stopped",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    for image in ["orchestrator.png", "cheater.png"] {
        let bytes = std::fs::read(out.join(image)).unwrap();
        assert!(bytes.starts_with(b"\x89PNG"), "{image} is a PNG");
    }
    assert_ne!(
        std::fs::read(out.join("orchestrator.png")).unwrap(),
        std::fs::read(out.join("cheater.png")).unwrap()
    );
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn devnet_rejects_a_round_too_short_for_the_story() {
    let output = output_within(
        keeper().args(["devnet", "--port", "1", "--round-length", "5"]),
        DEADLINE,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--round-length must be at least 15"),
        "stderr: {stderr}"
    );
}

#[test]
fn devnet_with_port_taken_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let output = output_within(
        keeper().args(["devnet", "--port", &port.to_string()]),
        DEADLINE,
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("port {port} is already in use")),
        "stderr: {stderr}"
    );
}
