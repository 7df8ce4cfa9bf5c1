//! The command line: bad input exits non-zero with a message; a small economy writes its CSV and
//! charts.

use std::{process::Command, time::Duration};

use bindings::deadline::output_within;

/// A small economy runs in seconds; a stalled run must fail the test, not hang it.
const DEADLINE: Duration = Duration::from_secs(300);

fn sim(args: &[&str]) -> std::process::Output {
    output_within(Command::new(env!("CARGO_BIN_EXE_sim")).args(args), DEADLINE)
}

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("sim-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn bad_input_fails_with_a_message() {
    let out = sim(&["economy", "--scenario", "/nonexistent/scenario.toml"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("reading scenario /nonexistent/scenario.toml"),
        "{err}"
    );

    let dir = temp("bad");
    let bad = dir.join("bad.toml");
    std::fs::write(
        &bad,
        "rounds = 3\n[orchestrators]\ncount = 2\nreward_probability = 1.5\n",
    )
    .unwrap();
    let out = sim(&["economy", "--scenario", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("orchestrators.reward_probability = 1.5 is not within 0..=1"),
        "{err}"
    );

    std::fs::write(&bad, "rounds = 3\nunknown_field = 1\n").unwrap();
    let out = sim(&["economy", "--scenario", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown field"));

    let out = sim(&[
        "proposal",
        "--rpc-url",
        "http://127.0.0.1:1",
        "--governor",
        "0x0000000000000000000000000000000000000001",
    ]);
    assert_ne!(out.status.code(), Some(0));
    assert!(!out.stderr.is_empty());

    // A missing --files folder is refused before anything is read.
    let out = sim(&[
        "dispute",
        "--rpc-url",
        "http://127.0.0.1:1",
        "--disputes",
        "0x0000000000000000000000000000000000000001",
        "--dispute-id",
        "1",
        "--files",
        "/nonexistent/files",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--files /nonexistent/files: no such folder"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn economy_writes_csv_and_charts() {
    let dir = temp("run");
    let out = sim(&[
        "economy",
        "--scenario",
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/example.toml"),
        "--rounds",
        "3",
        "--seed",
        "5",
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = std::fs::read_to_string(dir.join("rounds.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "a header and three rounds");
    for chart in [
        "bonding_rate",
        "inflation",
        "supply",
        "treasury",
        "stake_distribution",
        "apr",
        "fee_apr",
    ] {
        let png = std::fs::read(dir.join(format!("{chart}.png"))).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{chart}.png is a PNG");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
