//! `keeper devnet`, as `make demo` runs it: the whole story on a free port (tickets, rewards apart
//! from the slash, the cheater's proof game move by move, a proposal with its `sim proposal`
//! report), the chain kept running until Ctrl-C, and a clear error (non-zero exit) when the port
//! is taken.

use std::{
    fs::File,
    net::TcpListener,
    os::unix::fs::PermissionsExt,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use alloy::providers::{Provider, ProviderBuilder};
use bindings::{
    DeploymentFile,
    deadline::{output_within, wait_within},
};

/// The whole story on anvil takes a minute or two in a debug build; a stalled one must fail.
const DEADLINE: Duration = Duration::from_secs(600);

fn keeper() -> Command {
    Command::new(env!("CARGO_BIN_EXE_keeper"))
}

#[test]
fn devnet_tells_the_whole_story_and_keeps_its_chain() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = std::env::temp_dir().join(format!("keeper-devnet-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let log = out.join("stdout.txt");
    let mut child = keeper()
        .args([
            "devnet",
            "--port",
            &port.to_string(),
            "--rounds",
            "2",
            "--keep-running",
            "--out",
        ])
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(File::create(&log).unwrap())
        .stderr(File::create(out.join("stderr.txt")).unwrap())
        .spawn()
        .unwrap();
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    let started = Instant::now();
    while !read().contains("Ctrl-C stops it") {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "devnet exited ({status}) before keeping its chain:\n{}\n{}",
                read(),
                std::fs::read_to_string(out.join("stderr.txt")).unwrap_or_default()
            );
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!(
                "devnet still running the story after {DEADLINE:?}:\n{}",
                read()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }

    // The chain is still up: the deployment file names a live BondingManager on it.
    let file = DeploymentFile::read(&out.join("deployment.json")).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let code = runtime.block_on(async {
        let url = format!("http://127.0.0.1:{port}").parse().unwrap();
        let provider = ProviderBuilder::new().connect_http(url);
        assert_eq!(provider.get_chain_id().await.unwrap(), file.chain_id);
        provider.get_code_at(file.contracts.bonding).await.unwrap()
    });
    assert!(
        !code.is_empty(),
        "the BondingManager is deployed on the kept chain"
    );
    let key = out.join("delegator.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the key file is its owner's only");
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(
        !read().contains(key_text.trim()),
        "the key is never printed"
    );

    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = wait_within(&mut child, Duration::from_secs(30), "devnet after Ctrl-C");
    let stdout = read();
    assert!(status.success(), "devnet failed:\n{stdout}");
    for expected in [
        "BondingManager 0x",
        "keeper a initialized the round, rewarded 3",
        "keeper b nothing left to do",
        "ticket 1 → alice: face value 0.0500 ETH, wins (probability 100%), redeemed 0.0500 ETH",
        "ticket 3 → carol: face value 0.1500 ETH",
        "prompt: \"a red circle above a blue square\"",
        "orchestrator.png (output 0x",
        "the picture of \"a yellow triangle\"",
        "carol's agent 0x",
        "the gateway drops carol's signed receipt in keeper a's inbox",
        // The proof game, move by move: the last op (the cheat replaced its output), depth 7.
        "move 1: keeper a opens a game on op 12 (LOGISTIC), depth 7: carol's root 0x",
        "move 2: carol reveals 4 nodes below 0x",
        "move 3: keeper a picks child ",
        "move 8: carol reveals 2 chunks below 0x",
        "move 9: keeper a picks chunk ",
        "final step (move 10, sent by carol): element ",
        "dispute 1: guilty by proof after 10 moves",
        "the committee (two verifier votes) decides only what the game cannot",
        "executed slash [1]",
        "slashed ",
        "| round | orch.  | stake (LPT)  | reward     | slashed     |",
        "alice proposes \"Grant 1000.00 LPT from the treasury to 0x",
        "the auditor's report (sim proposal), before anyone votes:",
        "│ VERDICT: PASS",
        "│ Forked block ",
        "alice votes for with",
        "alice's delegator votes against with",
        "bob votes for with",
        "voting closed: succeeded",
        "executed: executed; the grantee holds 0.00 → 1000.00 LPT",
        "lpt --rpc-url http://localhost:",
        " proposals",
        "anvil stopped",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    // The final step recomputed another byte than carol's; every bisection move is cheap.
    let final_step = stdout
        .lines()
        .find(|l| l.contains("final step (move 10"))
        .unwrap();
    let bytes: Vec<i64> = final_step
        .split([',', ':'])
        .filter_map(|p| {
            let p = p.trim();
            p.strip_prefix("carol's byte ")
                .or(p.strip_prefix("recomputed "))
                .map(|v| v.parse().unwrap())
        })
        .collect();
    assert!(
        bytes.len() == 2 && bytes[0] != bytes[1] && final_step.contains(": guilty"),
        "{final_step}"
    );
    let moves: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("  move ") && !l.starts_with("  move 1:"))
        .collect();
    assert_eq!(moves.len(), 8, "{stdout}");
    for m in moves {
        let gas: u64 = m
            .rsplit_once(" (")
            .and_then(|(_, g)| g.strip_suffix(" gas)"))
            .map(|g| g.replace(',', "").parse().unwrap())
            .unwrap();
        assert!(gas <= 60_000, "{m}");
    }
    // Rewards and the slash in their own columns: carol's slash row shows a cut, and the rounds
    // before it show rewards and no cut.
    let rows: Vec<Vec<&str>> = stdout
        .lines()
        .filter(|l| l.starts_with("| ") && !l.contains("orch."))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    let carol: Vec<_> = rows.iter().filter(|r| r[2] == "carol").collect();
    assert!(
        carol.iter().any(|r| r[5].starts_with('-') && r[5] != "-"),
        "a slash: {stdout}"
    );
    assert!(
        carol
            .iter()
            .filter(|r| r[5] == "-")
            .all(|r| r[4].starts_with('+')),
        "unslashed rows show a reward: {stdout}"
    );
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
