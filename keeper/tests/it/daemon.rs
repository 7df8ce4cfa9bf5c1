//! `keeper run` as operators run it, as a process: bad configs and keys rejected with a clear
//! message, a keeper killed mid-dispute and restarted finishing the job exactly once, and a
//! keeper that rides out its RPC endpoint going away and coming back.

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    time::Duration,
};

use alloy::{
    hex,
    primitives::U256,
    providers::{Provider, ext::AnvilApi},
};
use bindings::enums::Status;
use bindings::{
    BondingLens, RoundsManager,
    deadline::{output_within, wait_within},
};
use keeper::devnet::world::World;
use testkit::TEST_DEADLINE;

use crate::support::*;

const KEEPER: &str = env!("CARGO_BIN_EXE_keeper");

fn config_text(world: &World, store: &Path, content: Option<&Path>) -> String {
    let verifier = match content {
        Some(dir) => format!(
            "[verifier]\nenabled = true\nsource = \"{}\"\n",
            dir.display()
        ),
        None => String::new(),
    };
    format!(
        "[contracts]\nchain_id = {}\ndispute_manager = \"{}\"\ndeploy_block = {}\n\n{verifier}\n[keeper]\nstore = \"{}\"\npoll_interval_ms = 100\nconfirmations = 0\nbump_after_secs = 5\nmax_backoff_secs = 1\nrpc_timeout_secs = 3\ndispute_every_blocks = 1\n",
        world.chain_id,
        world.d.disputes,
        world.deploy_block,
        store.display()
    )
}

fn key_hex(world: &World, index: usize) -> String {
    hex::encode(world.anvil.keys()[index].to_bytes())
}

fn spawn(rpc: &url::Url, config: &Path, key: &str, log: &Path) -> Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(KEEPER)
        .args(["run", "--rpc-url", rpc.as_str(), "--config"])
        .arg(config)
        .env("KEEPER_PRIVATE_KEY", key)
        .env_remove("KEEPER_KEYSTORE_PASSWORD")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("keeper starts")
}

/// Runs `keeper run` expecting it to fail at once; returns its stderr.
fn run_failing(config: &Path, env: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(KEEPER);
    cmd.args(["run", "--rpc-url", "http://127.0.0.1:1", "--config"])
        .arg(config);
    cmd.env_remove("KEEPER_PRIVATE_KEY")
        .env_remove("KEEPER_KEYSTORE_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = output_within(&mut cmd, PROCESS_DEADLINE);
    assert!(!out.status.success(), "expected a failure");
    assert_eq!(out.status.code(), Some(1));
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_config_and_bad_keys_exit_non_zero_with_a_reason() {
    let dir = temp_dir("badcfg");
    let good = "[contracts]\nchain_id = 31337\ndispute_manager = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n";
    // (config file, its text (none: absent), environment, what stderr must say)
    type Case<'a> = (&'a str, String, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        ("missing.toml", String::new(), vec![], "reading config"),
        (
            "typo.toml",
            format!("{good}[keeper]\npoll = 1\n"),
            vec![],
            "unknown field `poll`",
        ),
        (
            "nokey.toml",
            good.into(),
            vec![],
            "no key: set KEEPER_PRIVATE_KEY",
        ),
        (
            "badkey.toml",
            good.into(),
            vec![("KEEPER_PRIVATE_KEY", "0x1234")],
            "not a 32-byte hex private key",
        ),
        (
            "nopass.toml",
            format!(
                "{good}[key]\nkeystore = \"{}\"\n",
                dir.join("ks.json").display()
            ),
            vec![],
            "KEEPER_KEYSTORE_PASSWORD",
        ),
        (
            "junkks.toml",
            format!(
                "{good}[key]\nkeystore = \"{}\"\n",
                dir.join("junk.json").display()
            ),
            vec![("KEEPER_KEYSTORE_PASSWORD", "pw")],
            "cannot decrypt keystore",
        ),
    ];
    std::fs::write(dir.join("junk.json"), "{\"not\": \"a keystore\"}").unwrap();
    for (name, text, env, expected) in cases {
        let path = dir.join(name);
        if !text.is_empty() {
            std::fs::write(&path, text).unwrap();
        }
        let stderr = run_failing(&path, &env);
        assert!(stderr.contains(expected), "{name}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn wrong_contract_address_is_a_clear_error() {
    let world = World::start(None, 3, 10)
        .await
        .unwrap()
        .under_deadline(TEST_DEADLINE);
    let dir = temp_dir("wrongaddr");
    let config = dir.join("keeper.toml");
    std::fs::write(
        &config,
        "[contracts]\nchain_id = 31337\ndispute_manager = \"0x00000000000000000000000000000000000000aa\"\n",
    )
    .unwrap();
    let out = output_within(
        Command::new(KEEPER)
            .args(["run", "--rpc-url", world.url().as_str(), "--config"])
            .arg(&config)
            .env("KEEPER_PRIVATE_KEY", key_hex(&world, 1)),
        PROCESS_DEADLINE,
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no contract at contracts.dispute_manager"),
        "{stderr}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn keystore_keys_load_and_a_wrong_password_is_refused() {
    let world = World::start(None, 3, 10)
        .await
        .unwrap()
        .under_deadline(TEST_DEADLINE);
    let dir = temp_dir("keystore");
    // A standard keystore, made by foundry's cast.
    let cast =
        bindings::toolchain::repo_root().join("node_modules/@foundry-rs/cast-linux-amd64/bin/cast");
    let imported = output_within(
        Command::new(cast)
            .args([
                "wallet",
                "import",
                "keeper",
                "--unsafe-password",
                "right",
                "--private-key",
            ])
            .arg(key_hex(&world, KEEPER_A))
            .arg("--keystore-dir")
            .arg(&dir),
        PROCESS_DEADLINE,
    );
    assert!(imported.status.success());
    // The suite's address is deliberately wrong: reaching that check proves the key loaded.
    let config = dir.join("keeper.toml");
    std::fs::write(
        &config,
        format!(
            "[contracts]\nchain_id = 31337\ndispute_manager = \"0x00000000000000000000000000000000000000aa\"\n[key]\nkeystore = \"{}\"\n",
            dir.join("keeper").display()
        ),
    )
    .unwrap();
    for (password, expected) in [
        ("wrong", "cannot decrypt keystore"),
        ("right", "no contract at contracts.dispute_manager"),
    ] {
        let out = output_within(
            Command::new(KEEPER)
                .args(["run", "--rpc-url", world.url().as_str(), "--config"])
                .arg(&config)
                .env_remove("KEEPER_PRIVATE_KEY")
                .env("KEEPER_KEYSTORE_PASSWORD", password),
            PROCESS_DEADLINE,
        );
        assert_eq!(out.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{password}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn killed_mid_dispute_and_restarted_it_finishes_once() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("restart").await.unwrap();
    let config = dir.join("keeper.toml");
    std::fs::write(
        &config,
        config_text(&world, &dir.join("state.redb"), Some(&content)),
    )
    .unwrap();
    let key = key_hex(&world, KEEPER_A);
    let start = world.deploy_block;

    world.mine_to_next_round().await.unwrap();
    let id = open_cheat_dispute(&world, &content, true).await.unwrap();
    let mut keeper = spawn(&world.url(), &config, &key, &dir.join("run1.log"));
    // It votes (quorum 1: guilty), then is killed hard inside the veto window.
    World::eventually(
        Duration::from_secs(60),
        "the keeper's guilty vote",
        || async { Ok(status(&world, id).await? == Status::Guilty) },
    )
    .await
    .unwrap();
    keeper.kill().unwrap();
    wait_within(&mut keeper, PROCESS_DEADLINE, "the keeper");

    // The veto window passes while it is down; restarted, it executes the slash, once.
    for _ in 0..world.config.disputes.vetoWindow.to::<u64>() {
        world.mine_to_next_round().await.unwrap();
    }
    let mut keeper = spawn(&world.url(), &config, &key, &dir.join("run2.log"));
    World::eventually(Duration::from_secs(60), "the slash", || async {
        Ok(status(&world, id).await? == Status::Executed)
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    keeper.kill().unwrap();
    wait_within(&mut keeper, PROCESS_DEADLINE, "the keeper");

    let (mined, reverted) = txs_from(&world, world.address(KEEPER_A), start)
        .await
        .unwrap();
    assert_eq!(reverted, 0, "no duplicate or failed action");
    let to_disputes = txs_to(&world, world.address(KEEPER_A), world.d.disputes, start)
        .await
        .unwrap();
    assert_eq!(to_disputes, 2, "one verdict and one execution");
    assert!(mined >= 2);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn killed_with_a_transaction_in_flight_it_settles_that_one_on_restart() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("inflight").await.unwrap();
    let config = dir.join("keeper.toml");
    let text = config_text(&world, &dir.join("state.redb"), Some(&content));
    std::fs::write(&config, format!("{text}\n[rewards]\nenabled = false\n")).unwrap();
    let key = key_hex(&world, KEEPER_A);
    let me = world.address(KEEPER_A);
    world.mine_to_next_round().await.unwrap();
    send_init(&world).await;
    let id = open_cheat_dispute(&world, &content, true).await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();

    // Blocks stop: the keeper's verdict sits in the pool when it is killed.
    let p = world.admin();
    p.anvil_set_auto_mine(false).await.unwrap();
    let mut keeper = spawn(&world.url(), &config, &key, &dir.join("run1.log"));
    World::eventually(Duration::from_secs(60), "a pending verdict", || async {
        Ok(p.get_transaction_count(me).pending().await? > p.get_transaction_count(me).await?)
    })
    .await
    .unwrap();
    keeper.kill().unwrap();
    wait_within(&mut keeper, PROCESS_DEADLINE, "the keeper");

    // Restarted while it is still pending, the keeper waits for that transaction rather than
    // voting again with a new nonce (which would revert as AlreadyVoted once both mine).
    let mut keeper = spawn(&world.url(), &config, &key, &dir.join("run2.log"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    p.anvil_set_auto_mine(true).await.unwrap();
    p.anvil_mine(Some(1), None).await.unwrap();
    World::eventually(Duration::from_secs(30), "the verdict mined", || async {
        Ok(status(&world, id).await? == Status::Guilty)
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    keeper.kill().unwrap();
    wait_within(&mut keeper, PROCESS_DEADLINE, "the keeper");
    let (mined, reverted) = txs_from(&world, me, start).await.unwrap();
    assert_eq!((mined, reverted), (1, 0), "exactly one verdict transaction");
    let log = std::fs::read_to_string(dir.join("run2.log")).unwrap();
    assert!(log.contains("settling transactions in flight"), "{log}");
    std::fs::remove_dir_all(dir).unwrap();
}

async fn send_init(world: &World) {
    let rounds = RoundsManager::new(world.d.rounds, world.admin());
    rounds
        .initializeRound()
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
}

#[tokio::test]
async fn survives_the_rpc_going_away_and_coming_back() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("rpccut");
    let config = dir.join("keeper.toml");
    let metrics_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = config_text(&world, &dir.join("state.redb"), None);
    std::fs::write(
        &config,
        format!("{text}metrics_addr = \"127.0.0.1:{metrics_port}\"\n"),
    )
    .unwrap();
    let target = world.url().socket_addrs(|| None).unwrap()[0];
    let proxy = Proxy::start(target).await.unwrap();
    let mut keeper = spawn(
        &proxy.url(),
        &config,
        &key_hex(&world, KEEPER_A),
        &dir.join("run.log"),
    );
    let rounds = RoundsManager::new(world.d.rounds, world.admin());
    let lens = BondingLens::new(world.d.lens, world.admin());

    let first = world.mine_to_next_round().await.unwrap();
    World::eventually(Duration::from_secs(30), "round initialized", || async {
        Ok(rounds.currentRoundInitialized().call().await?)
    })
    .await
    .unwrap();

    // The endpoint goes away for a round's start; the keeper retries with backoff.
    proxy.cut();
    let second = world.mine_to_next_round().await.unwrap();
    assert_eq!(second, first + 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!rounds.currentRoundInitialized().call().await.unwrap());
    proxy.restore();
    let o = world.address(ORCHESTRATORS[2]);
    World::eventually(
        Duration::from_secs(30),
        "the round's rewards after the outage",
        || async { Ok(u64::from(lens.getPool(o).call().await?.lastRewardRound) == second) },
    )
    .await
    .unwrap();
    // Health and metrics (the counters settle once the tick that sent the rewards has seen them).
    let base = format!("http://127.0.0.1:{metrics_port}");

    let metrics = || async {
        let text = reqwest::get(format!("{base}/metrics"))
            .await?
            .text()
            .await?;
        Ok::<String, anyhow::Error>(text)
    };
    World::eventually(
        Duration::from_secs(30),
        "the metrics of both rounds",
        || async {
            let health = reqwest::get(format!("{base}/health")).await?;
            let code = health.status();
            let body = health.text().await?;
            let m: String = metrics().await?;
            // The first round's rewards may be settled after the outage rather than by the
            // tick that sent them: count rounds, not reward calls.
            let done = code == 200 && m.contains("keeper_rounds_initialized_total 2");
            if !done {
                eprintln!(
                    "not yet: health {code} {body}; initialized: {:?}",
                    m.lines()
                        .find(|l| l.starts_with("keeper_rounds_initialized_total"))
                );
            }
            Ok(done)
        },
    )
    .await
    .unwrap();
    let m = metrics().await.unwrap();
    assert!(
        !m.contains("keeper_tick_errors_total 0"),
        "the outage counts as errors: {m}"
    );

    // SIGTERM: the keeper finishes its tick and exits cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &keeper.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exit = wait_within(&mut keeper, PROCESS_DEADLINE, "the keeper");
    assert!(exit.success(), "a clean exit on SIGTERM: {exit:?}");
    let log = std::fs::read_to_string(dir.join("run.log")).unwrap();
    assert!(
        log.contains("tick failed"),
        "the outage was noticed and logged:\n{log}"
    );
    assert!(log.contains("shutting down"), "{log}");
    let _ = U256::ZERO;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_wrong_chain_id_or_a_store_of_another_deployment_stops_the_keeper() {
    use keeper::store::{Deployment, Store};
    let world = World::start(None, 3, 10)
        .await
        .unwrap()
        .under_deadline(TEST_DEADLINE);
    let dir = temp_dir("pinned");
    let key = key_hex(&world, KEEPER_A);
    let run = |config: &Path| {
        output_within(
            Command::new(KEEPER)
                .args(["run", "--rpc-url", world.url().as_str(), "--config"])
                .arg(config)
                .env("KEEPER_PRIVATE_KEY", &key)
                .env_remove("KEEPER_KEYSTORE_PASSWORD"),
            PROCESS_DEADLINE,
        )
    };

    // The config names chain 1; the RPC serves 31337.
    let wrong_chain = dir.join("wrong-chain.toml");
    let text = config_text(&world, &dir.join("fresh.redb"), None).replacen(
        &format!("chain_id = {}", world.chain_id),
        "chain_id = 1",
        1,
    );
    std::fs::write(&wrong_chain, text).unwrap();
    let out = run(&wrong_chain);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the RPC serves chain {}, but contracts.chain_id is 1",
            world.chain_id
        )),
        "{stderr}"
    );

    // A store bound to another chain, and one bound to another DisputeManager.
    let other_dm = alloy::primitives::Address::repeat_byte(0xaa);
    for (name, deployment) in [
        (
            "other-chain",
            Deployment {
                chain_id: 1,
                dispute_manager: world.d.disputes,
            },
        ),
        (
            "other-dm",
            Deployment {
                chain_id: world.chain_id,
                dispute_manager: other_dm,
            },
        ),
    ] {
        let store = dir.join(format!("{name}.redb"));
        drop(Store::open_for(&store, deployment).unwrap());
        let config = dir.join(format!("{name}.toml"));
        std::fs::write(&config, config_text(&world, &store, None)).unwrap();
        let out = run(&config);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "belongs to chain {} / DisputeManager {}",
                deployment.chain_id, deployment.dispute_manager
            )) && stderr.contains("point keeper.store at a fresh file"),
            "{name}: {stderr}"
        );
        // Refused, and left as it was: still bound to its own deployment.
        assert_eq!(
            Store::open(&store).unwrap().deployment().unwrap(),
            Some(deployment)
        );
    }
    std::fs::remove_dir_all(dir).unwrap();
}
