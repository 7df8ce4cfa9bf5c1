//! Every shell command the READMEs show runs as written. The commands are extracted from the
//! READMEs' ```sh blocks (continuations joined, comments dropped) and must equal the list below,
//! so a new one cannot go untested; then each runs, in its README's order:
//! - `make X`: `make -n X` (the recipe resolves; the targets are the test suite itself, long, or
//!   rewrite files; `make demo`'s story is run by the keeper's `devnet_cli` test);
//! - `cargo run|build -p P [--release] [-- args]`: cargo must resolve the package and its binary
//!   (`default-run` or a single one), then the workspace's built binary runs `args` (the economy
//!   with fewer rounds), so no second build with other features starts;
//! - `target/debug/X …`, `verifier …`: the built binary, in a scratch directory that holds what the
//!   README assumes (`.demo/deployment.json`, `.demo/delegator.key`, the verifier's files);
//! - variables (`$RPC_URL`, `$GOVERNOR`, ...) are set to a test anvil's deployment, proposal and
//!   dispute.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use alloy::{
    primitives::{B256, Bytes, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{
    BondingManager, DisputeManager, LPT, LivepeerGovernor, LivepeerToken, RoundsManager,
    deadline::output_within,
    receipt::{Receipt, dispute_domain},
    toolchain::repo_root,
};
use testkit::{next_round, send, signer, temp_dir, wallet};

use crate::support::Net;

/// Every command of the READMEs' shell blocks, per README, in order.
const COMMANDS: [(&str, &[&str]); 3] = [
    (
        "README.md",
        &[
            "make demo",
            "make test",
            "make bindings",
            "make snapshot",
            "make gas",
            "make fmt",
            "make fuzz-deep",
            "make verifier-deep",
            "cp keeper/keeper.example.toml keeper.toml",
            "cargo build -p keeper",
            "target/debug/keeper run --rpc-url \"$RPC_URL\" --config keeper.toml",
            "cargo bench -p keeper --bench rewards -- 3 2",
            "cargo build -p lpt",
            "target/debug/lpt --deployment .demo/deployment.json orchestrators",
            "target/debug/lpt --deployment .demo/deployment.json position 0x976EA74026E726554dB657fA54763abd0C3a0aa9",
            "target/debug/lpt --deployment .demo/deployment.json proposals",
            "export LPT_PRIVATE_KEY=$(cat .demo/delegator.key)",
            "target/debug/lpt --deployment .demo/deployment.json unbond 5.5",
            "target/debug/lpt --deployment .demo/deployment.json rebond 0",
            "target/debug/lpt --deployment .demo/deployment.json claim",
            "cargo run --release -p sim -- economy --scenario sim/scenarios/example.toml --out sim-out",
            "cargo run -p sim -- proposal --rpc-url \"$RPC_URL\" --governor \"$GOVERNOR\" --proposal-id \"$PROPOSAL_ID\"",
            "cargo run -p sim -- dispute --rpc-url \"$RPC_URL\" --disputes \"$DISPUTES\" --dispute-id \"$DISPUTE_ID\" --files \"$FILES\"",
        ],
    ),
    (
        "sim/README.md",
        &[
            "cargo run -p sim --release -- economy --scenario sim/scenarios/example.toml --out sim-out",
            "cargo run -p sim -- proposal --rpc-url \"$RPC_URL\" --governor \"$GOVERNOR\" --proposal-id \"$PROPOSAL_ID\"",
            "cargo run -p sim -- proposal --rpc-url \"$RPC_URL\" --governor \"$GOVERNOR\" --calldata \"$PROPOSE_CALLDATA\"",
            "cargo run -p sim -- proposal --rpc-url \"$RPC_URL\" --governor \"$GOVERNOR\" --target \"$TARGET\" --data \"$DATA\"",
            "cargo run -p sim -- dispute --rpc-url \"$RPC_URL\" --disputes \"$DISPUTES\" --dispute-id \"$DISPUTE_ID\" --files \"$FILES\"",
        ],
    ),
    (
        "verifier/README.md",
        &[
            "verifier convert tools/models/out/tiny_transformer.tflite -o transformer.vm",
            "verifier gen-demo-model --out model.safetensors",
            "verifier make-input --prompt \"a red circle above a blue square\" --out input.bin",
            "verifier info  --model model.safetensors",
            "verifier run   --model model.safetensors --input input.bin --out image.png --claim claim.json",
            "verifier check --model model.safetensors --input input.bin --claim claim.json",
            "verifier run   --model model.safetensors --input input.bin --out image.png --save-layers layers",
            "verifier check-layer --model model.safetensors --claim claim.json --input input.bin --layer 1 --layer-input layers/layer-0.bin",
        ],
    ),
];

/// How long one command may run.
const LIMIT: Duration = Duration::from_secs(120);
/// The orchestrator and the delegator of the README's lpt example (anvil's accounts 3 and 6, as
/// in the demo).
const ORCHESTRATOR: usize = 3;
const DELEGATOR: usize = 6;

/// The shell commands of `text`'s ```sh blocks.
fn extract(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_block = !in_block && trimmed == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        // A comment starts at " #" (or the line's start); no command here quotes a '#'.
        let code = match line.find(" #") {
            Some(i) => &line[..i],
            None if trimmed.starts_with('#') => "",
            None => line,
        };
        let code = code.trim();
        if let Some(head) = code.strip_suffix('\\') {
            pending.push_str(head.trim());
            pending.push(' ');
            continue;
        }
        pending.push_str(code);
        let command = std::mem::take(&mut pending);
        if !command.is_empty() {
            out.push(command);
        }
    }
    out
}

#[test]
fn the_readmes_commands_are_the_listed_ones() {
    for (readme, listed) in COMMANDS {
        let text = std::fs::read_to_string(repo_root().join(readme)).unwrap();
        assert_eq!(
            extract(&text),
            listed.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            "{readme}'s shell commands changed: update COMMANDS (and how they run)"
        );
    }
}

// Multi-threaded: `keeper run` is watched from blocking code (block_in_place).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_readme_command_runs() {
    let scratch = temp_dir("lpt-readme", "run");
    let env = World::set_up(&scratch).await;
    for (readme, listed) in COMMANDS {
        let cwd = match readme {
            "verifier/README.md" => scratch.join("verifier"),
            _ => scratch.clone(),
        };
        let mut exports = BTreeMap::new();
        for command in listed {
            if let Some(assignment) = command.strip_prefix("export ") {
                // Kept for the commands after it, evaluated by the shell as written.
                let (name, value) = assignment.split_once('=').unwrap();
                exports.insert(name.to_string(), value.to_string());
                continue;
            }
            run(readme, command, &cwd, &env, &exports);
        }
    }
    drop(env);
}

/// Runs one README command (see the module's comment); panics with its output if it fails.
fn run(readme: &str, command: &str, cwd: &Path, env: &World, exports: &BTreeMap<String, String>) {
    let words: Vec<&str> = command.split_whitespace().collect();
    let line = match words[0] {
        "make" => {
            let out = output_within(
                Command::new("make")
                    .arg("-n")
                    .args(&words[1..])
                    .current_dir(repo_root()),
                LIMIT,
            );
            check(readme, command, &out);
            return;
        }
        "cp" => {
            // The example config, as the README copies it, then filled in as it says.
            let example = repo_root().join(words[1]);
            let text = std::fs::read_to_string(example).unwrap();
            let filled = text
                .replace(
                    "dispute_manager = \"0x0000000000000000000000000000000000000000\"",
                    &format!("dispute_manager = \"{}\"", env.var("DISPUTES")),
                )
                .replace("confirmations = 2", "confirmations = 0")
                .replace("poll_interval_ms = 2000", "poll_interval_ms = 200");
            assert_ne!(
                filled, text,
                "keeper.example.toml's dispute_manager line changed"
            );
            std::fs::write(cwd.join(words[2]), filled).unwrap();
            return;
        }
        "cargo" if words[1] == "bench" => {
            // A release build of the benchmark's whole tree: only resolved here.
            let bench = words.windows(2).find(|w| w[0] == "--bench").unwrap()[1];
            assert!(
                cargo_targets(command, "bench").contains(&bench.to_string()),
                "`{command}`: no benchmark {bench}"
            );
            return;
        }
        "cargo" => {
            let (bin, args) = cargo_target(command);
            // The same invocation on the built binary; the economy with fewer rounds.
            let args = if args.starts_with("economy ") {
                let out = format!("--out {}", cwd.join("sim-out").display());
                format!("{args} --rounds 3").replace("--out sim-out", &out)
            } else {
                args
            };
            if args.is_empty() {
                return; // a build: resolved above
            }
            format!("{} {args}", binary(&bin).display())
        }
        "target/debug/keeper" => {
            keeper_runs(readme, command, cwd, env);
            return;
        }
        first if first.starts_with("target/debug/") => {
            let bin = first.trim_start_matches("target/debug/");
            command.replacen(first, &binary(bin).display().to_string(), 1)
        }
        "verifier" => command.replacen("verifier", &binary("verifier").display().to_string(), 1),
        other => panic!("{readme}: no rule runs `{other}` commands: {command}"),
    };
    let mut script = String::new();
    for (name, value) in exports {
        script.push_str(&format!("export {name}={value}\n"));
    }
    script.push_str(&line);
    let mut shell = Command::new("bash");
    shell
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(cwd)
        .env_remove("LPT_DEPLOYMENT")
        .env_remove("LPT_DEPLOYER")
        .env_remove("LPT_PRIVATE_KEY");
    for (name, value) in &env.vars {
        shell.env(name, value);
    }
    // sim's economy reads its scenario relative to the repository.
    if line.contains(" economy ") {
        shell.current_dir(repo_root());
    }
    let out = output_within(&mut shell, LIMIT);
    check(readme, command, &out);
}

fn check(readme: &str, command: &str, out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{readme}: `{command}` failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// For `cargo run|build -p P [--release] [--bin B] [-- args]`: checks with `cargo metadata` that
/// `P` exists and which binary `cargo run` picks; returns the binary and the arguments.
fn cargo_target(command: &str) -> (String, String) {
    let (cargo, args) = match command.split_once(" -- ") {
        Some((c, a)) => (c, a.to_string()),
        None => (command, String::new()),
    };
    let words: Vec<&str> = cargo.split_whitespace().collect();
    let package = words
        .windows(2)
        .find(|w| w[0] == "-p")
        .map(|w| w[1])
        .unwrap_or_else(|| panic!("`{command}` names no package"));
    let named_bin = words.windows(2).find(|w| w[0] == "--bin").map(|w| w[1]);
    let pkg = package_metadata(command, package);
    let bins = targets(&pkg, "bin");
    let bins: Vec<&str> = bins.iter().map(String::as_str).collect();
    let bin = match (named_bin, pkg["default_run"].as_str()) {
        (Some(b), _) => b,
        (None, Some(d)) => d,
        (None, None) if bins.len() == 1 => bins[0],
        _ => panic!("`{command}`: cargo cannot determine which of {bins:?} to run"),
    };
    assert!(
        bins.contains(&bin),
        "`{command}`: {package} has no binary {bin}"
    );
    (bin.to_string(), args)
}

/// `cargo metadata`'s entry for `package`.
fn package_metadata(command: &str, package: &str) -> serde_json::Value {
    let metadata = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(repo_root())
        .output()
        .unwrap();
    assert!(metadata.status.success(), "cargo metadata failed");
    let metadata: serde_json::Value = serde_json::from_slice(&metadata.stdout).unwrap();
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == package)
        .unwrap_or_else(|| panic!("`{command}`: no package {package}"))
        .clone()
}

/// The names of `pkg`'s targets of `kind` ("bin", "bench").
fn targets(pkg: &serde_json::Value, kind: &str) -> Vec<String> {
    pkg["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"].as_array().unwrap().iter().any(|k| k == kind))
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect()
}

/// The targets of `kind` of the package `command` names with `-p`.
fn cargo_targets(command: &str, kind: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    let package = words.windows(2).find(|w| w[0] == "-p").unwrap()[1];
    targets(&package_metadata(command, package), kind)
}

/// `keeper run …` as written, in `cwd` (its keeper.toml from the `cp` before), with the key in
/// KEEPER_PRIVATE_KEY: a daemon, so it runs until it has initialized a fresh round (the chain is
/// moved to one first), then SIGTERM must stop it cleanly.
fn keeper_runs(readme: &str, command: &str, cwd: &Path, env: &World) {
    let runtime = tokio::runtime::Handle::current();
    let on_chain = |f: std::pin::Pin<Box<dyn std::future::Future<Output = bool> + '_>>| {
        tokio::task::block_in_place(|| runtime.block_on(f))
    };
    let admin = wallet(&env.net.anvil, 0);
    let rounds = RoundsManager::new(env.net.d.rounds, &admin);
    on_chain(Box::pin(async {
        // To the round's last block, then one more: the head is in a round nobody initialized.
        testkit::mine_to_next_round(&admin, env.net.d.rounds).await;
        admin.anvil_mine(Some(1), None).await.unwrap();
        true
    }));
    assert!(!on_chain(Box::pin(async {
        rounds.currentRoundInitialized().call().await.unwrap()
    })));
    let line = command.replacen(
        "target/debug/keeper",
        &binary("keeper").display().to_string(),
        1,
    );
    let err = cwd.join("keeper.err");
    let mut child = Command::new("bash")
        .args(["-c", &format!("exec {line}")])
        .current_dir(cwd)
        .envs(env.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("KEEPER_PRIVATE_KEY", &env.keeper_key)
        .stdout(std::fs::File::create(cwd.join("keeper.log")).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !on_chain(Box::pin(async {
        rounds.currentRoundInitialized().call().await.unwrap()
    })) {
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{readme}: `{command}` exited ({status}):\n{}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{readme}: `{command}` did not initialize the round");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = bindings::deadline::wait_within(&mut child, LIMIT, command);
    assert!(
        status.success(),
        "{readme}: `{command}` did not stop cleanly on SIGTERM ({status}):\n{}",
        std::fs::read_to_string(&err).unwrap_or_default()
    );
}

/// A workspace binary, as `cargo test --workspace` (`make test`) builds it beside this test.
fn binary(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is not built: run this test under `cargo test --workspace` (make test), or `cargo build --workspace --bins` first",
        path.display()
    );
    path
}

/// A chain with what the README commands name: the lpt example's orchestrator and delegator,
/// a proposal, and a dispute over the verifier README's job (its files made by the verifier).
struct World {
    net: Net,
    vars: Vec<(String, String)>,
    /// The key `keeper run` signs with (an account of its own).
    keeper_key: String,
}

impl World {
    fn var(&self, name: &str) -> &str {
        &self.vars.iter().find(|(k, _)| k == name).unwrap().1
    }

    async fn set_up(scratch: &Path) -> Self {
        let net = Net::start("readme").await;
        let d = net.d;
        let admin = wallet(&net.anvil, 0);
        net.orchestrator(ORCHESTRATOR, 10_000).await;
        net.fund(DELEGATOR, 1_000).await;
        let o = net.address(ORCHESTRATOR).to_string();
        net.ok(DELEGATOR, &["bond", "100", "--to", &o]);
        next_round(&admin, d.rounds).await;
        next_round(&admin, d.rounds).await;

        // What the README's lpt example reads in the working directory.
        let demo = scratch.join(".demo");
        std::fs::create_dir_all(&demo).unwrap();
        std::fs::copy(&net.file, demo.join("deployment.json")).unwrap();
        std::fs::write(
            demo.join("delegator.key"),
            format!(
                "0x{}",
                alloy::hex::encode(signer(&net.anvil, DELEGATOR).to_bytes())
            ),
        )
        .unwrap();

        // A proposal (the orchestrator's), and the same one as calldata and call by call.
        let data: Bytes = BondingManager::setUnbondingPeriodCall {
            rounds_: U256::from(5),
        }
        .abi_encode()
        .into();
        let propose = LivepeerGovernor::proposeCall {
            targets: vec![d.bonding],
            values: vec![U256::ZERO],
            calldatas: vec![data.clone()],
            description: "Unbonding period: 5 rounds".into(),
        };
        let proposal_id = {
            let o_wallet = wallet(&net.anvil, ORCHESTRATOR);
            let governor = LivepeerGovernor::new(d.governor, &o_wallet);
            let call = governor.propose(
                propose.targets.clone(),
                propose.values.clone(),
                propose.calldatas.clone(),
                propose.description.clone(),
            );
            let id = call.call().await.unwrap();
            send!(call);
            id
        };

        // The verifier README's job, made by the verifier itself, disputed on chain.
        let files = scratch.join("files");
        let job = scratch.join("verifier");
        std::fs::create_dir_all(&files).unwrap();
        std::fs::create_dir_all(&job).unwrap();
        // The README's `convert` reads a committed model by its path from the repository root.
        let models = job.join("tools/models/out");
        std::fs::create_dir_all(&models).unwrap();
        std::fs::copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../tools/models/out/tiny_transformer.tflite"),
            models.join("tiny_transformer.tflite"),
        )
        .unwrap();
        let verifier = binary("verifier");
        for args in [
            &["gen-demo-model", "--out", "model.safetensors"][..],
            &[
                "make-input",
                "--prompt",
                "a green triangle",
                "--out",
                "input.bin",
            ],
            &[
                "run",
                "--model",
                "model.safetensors",
                "--input",
                "input.bin",
                "--out",
                "image.png",
                "--claim",
                "claim.json",
            ],
        ] {
            let out = output_within(
                Command::new(&verifier).args(args).current_dir(&files),
                LIMIT,
            );
            assert!(out.status.success(), "verifier {args:?}: {out:?}");
        }
        let claim: serde_json::Value =
            serde_json::from_slice(&std::fs::read(files.join("claim.json")).unwrap()).unwrap();
        let hash = |key: &str| claim[key].as_str().unwrap().parse::<B256>().unwrap();
        let model = std::fs::read(files.join("model.safetensors")).unwrap();
        let input = std::fs::read(files.join("input.bin")).unwrap();
        std::fs::write(files.join(format!("{}", hash("model_id"))), &model).unwrap();
        std::fs::write(files.join(format!("{}", keccak256(&input))), &input).unwrap();
        std::fs::write(
            files.join(format!("{}", hash("commitment"))),
            std::fs::read(files.join("claim.json")).unwrap(),
        )
        .unwrap();
        let round = RoundsManager::new(d.rounds, &admin)
            .currentRound()
            .call()
            .await
            .unwrap();
        let receipt = Receipt {
            orchestrator: net.address(ORCHESTRATOR),
            jobId: keccak256("readme job"),
            modelId: hash("model_id"),
            inputHash: hash("input_hash"),
            paramsHash: keccak256("seed=7"),
            outputHash: hash("output_hash"),
            commitmentRoot: hash("commitment"),
            round,
        };
        let chain_id = admin.get_chain_id().await.unwrap();
        let signature = receipt
            .sign(
                &signer(&net.anvil, ORCHESTRATOR),
                &dispute_domain(chain_id, d.disputes),
            )
            .unwrap();
        let challenger = wallet(&net.anvil, 9);
        send!(
            LivepeerToken::new(d.token, &admin).transfer(net.address(9), U256::from(1_000) * LPT)
        );
        send!(LivepeerToken::new(d.token, &challenger).approve(d.disputes, U256::MAX));
        send!(
            DisputeManager::new(d.disputes, &challenger).openDispute((&receipt).into(), signature)
        );
        let dispute_id = DisputeManager::new(d.disputes, &admin)
            .disputeCount()
            .call()
            .await
            .unwrap();

        let vars = [
            ("RPC_URL", net.anvil.endpoint()),
            ("LPT_RPC_URL", net.anvil.endpoint()),
            ("GOVERNOR", d.governor.to_string()),
            ("PROPOSAL_ID", proposal_id.to_string()),
            (
                "PROPOSE_CALLDATA",
                Bytes::from(propose.abi_encode()).to_string(),
            ),
            ("TARGET", d.bonding.to_string()),
            ("DATA", data.to_string()),
            ("DISPUTES", d.disputes.to_string()),
            ("DISPUTE_ID", dispute_id.to_string()),
            ("FILES", files.display().to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        drop((challenger, admin));
        let keeper_key = format!("0x{}", alloy::hex::encode(signer(&net.anvil, 8).to_bytes()));
        Self {
            net,
            vars,
            keeper_key,
        }
    }
}
