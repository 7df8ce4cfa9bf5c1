//! Issue 20, items 7 and 8: RPC failover past dead and hanging endpoints, a remote signer
//! (anvil's own `eth_signTransaction`) up, down and lying, and the operator's surface (admin
//! API, `keeper status`, pause and resume, the fee cap, missed rounds, `/health`).

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use alloy::{
    hex,
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
};
use bindings::deadline::output_within;
use keeper::{
    Keeper,
    devnet::world::World,
    failover::label,
    metrics::Metrics,
    ops::Ops,
    signer::{RemoteSigner, Signer},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};

use crate::support::*;

const KEEPER: &str = env!("CARGO_BIN_EXE_keeper");

/// A port nothing listens on (connections refused).
fn dead_url() -> url::Url {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}/").parse().unwrap()
}

/// An endpoint that accepts connections and never answers.
async fn hanging_url() -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/").parse().unwrap()
}

/// One endpoint's metric line, e.g. `keeper_rpc_endpoint_healthy{index="0",endpoint="…"}`.
fn endpoint_metric(text: &str, name: &str, index: usize) -> u64 {
    let prefix = format!("{name}{{index=\"{index}\",");
    text.lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{prefix} missing in\n{text}"))
}

fn metric(text: &str, name: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} missing in\n{text}"))
}

#[tokio::test]
async fn failover_past_a_dead_and_a_hanging_endpoint_keeps_the_round_duties() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("failover");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.keeper.rpc_timeout_secs = 1;
    config.rpc.retry_after_secs = 600;
    let (dead, hanging) = (dead_url(), hanging_url().await);
    let metrics = Arc::new(Metrics::default());
    let mut k = Keeper::connect(
        vec![dead.clone(), hanging.clone(), world.url()],
        world.signer(KEEPER_A),
        config,
        metrics.clone(),
    )
    .await
    .expect("connects through the third endpoint");
    world.mine_to_next_round().await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.complete, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    let (mined, reverted) = txs_from(&world, world.address(KEEPER_A), start)
        .await
        .unwrap();
    assert_eq!(reverted, 0);
    assert!(mined >= ORCHESTRATORS.len(), "{mined}");

    let text = metrics.render();
    // Each failed endpoint was tried once and is resting (not tried on every request).
    for (i, url) in [(0, &dead), (1, &hanging)] {
        assert!(
            text.contains(&format!("endpoint=\"{}\"", label(url))),
            "{text}"
        );
        assert_eq!(endpoint_metric(&text, "keeper_rpc_endpoint_healthy", i), 0);
        assert_eq!(
            endpoint_metric(&text, "keeper_rpc_endpoint_errors_total", i),
            1
        );
        assert_eq!(
            endpoint_metric(&text, "keeper_rpc_endpoint_requests_total", i),
            1
        );
    }
    assert_eq!(endpoint_metric(&text, "keeper_rpc_endpoint_healthy", 2), 1);
    assert_eq!(
        endpoint_metric(&text, "keeper_rpc_endpoint_errors_total", 2),
        0
    );
    let live = endpoint_metric(&text, "keeper_rpc_endpoint_requests_total", 2);
    assert_eq!(
        live,
        metrics.rpc.snapshot().0,
        "every request was answered by the live one"
    );
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_failed_endpoint_rests_then_is_preferred_again_once_it_answers() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("failback");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.rpc.retry_after_secs = 1;
    let target = world.url().socket_addrs(|| None).unwrap()[0];
    let proxy = Proxy::start(target).await.unwrap();
    let metrics = Arc::new(Metrics::default());
    let mut k = Keeper::connect(
        vec![proxy.url(), world.url()],
        world.signer(KEEPER_A),
        config,
        metrics.clone(),
    )
    .await
    .unwrap();
    world.mine_to_next_round().await.unwrap();
    proxy.cut();
    let r = k.tick().await.unwrap();
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    let text = metrics.render();
    assert_eq!(endpoint_metric(&text, "keeper_rpc_endpoint_healthy", 0), 0);
    let tried = endpoint_metric(&text, "keeper_rpc_endpoint_requests_total", 0);

    proxy.restore();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    world.mine(1).await.unwrap();
    k.tick().await.unwrap();
    let text = metrics.render();
    assert_eq!(
        endpoint_metric(&text, "keeper_rpc_endpoint_healthy", 0),
        1,
        "{text}"
    );
    assert!(endpoint_metric(&text, "keeper_rpc_endpoint_requests_total", 0) > tried);
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Keeper A signing through `signer`.
async fn remote_keeper(world: &World, dir: &Path, signer: url::Url) -> Keeper {
    let config = world.keeper_config(&dir.join("a.redb"), None);
    let remote =
        RemoteSigner::new(signer, world.address(KEEPER_A), Duration::from_secs(3)).unwrap();
    Keeper::connect(
        world.url(),
        Signer::from(remote),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .expect("keeper connects")
}

#[tokio::test]
async fn a_remote_signer_signs_the_rounds_duties() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("remote-signer");
    // Anvil holds the dev accounts unlocked and serves eth_signTransaction for them.
    let mut k = remote_keeper(&world, &dir, world.url()).await;
    assert_eq!(k.address(), world.address(KEEPER_A));
    world.mine_to_next_round().await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    let r = k.tick().await.unwrap();
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    let (mined, reverted) = txs_from(&world, world.address(KEEPER_A), start)
        .await
        .unwrap();
    assert!(mined >= ORCHESTRATORS.len() && reverted == 0);
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_signer_that_is_down_fails_the_tick_clearly_and_nothing_is_lost() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("signer-down");
    let target = world.url().socket_addrs(|| None).unwrap()[0];
    let signer = Proxy::start(target).await.unwrap();
    let mut k = remote_keeper(&world, &dir, signer.url()).await;
    world.mine_to_next_round().await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    signer.cut();
    let err = k.tick().await.unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains("remote signer") && msg.contains("unreachable"),
        "{msg}"
    );
    assert!(k.store.in_flight().unwrap().is_empty(), "nothing half-sent");
    assert_eq!(
        txs_from(&world, world.address(KEEPER_A), start)
            .await
            .unwrap(),
        (0, 0)
    );
    // Back up: the next tick does the whole round, with no nonce skipped (all mine).
    signer.restore();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.complete, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    assert!(k.store.in_flight().unwrap().is_empty());
    let (mined, reverted) = txs_from(&world, world.address(KEEPER_A), start)
        .await
        .unwrap();
    assert!(
        mined >= ORCHESTRATORS.len() && reverted == 0,
        "{mined} {reverted}"
    );
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

/// What a JSON-RPC proxy in front of anvil does to what goes through it.
#[derive(Clone, Copy)]
enum Twist {
    /// A signer that signs as this account whatever account it is asked for.
    SignAs(Address),
    /// Passes transactions on to the node, then never answers (a send "timing out" after it
    /// reached the node).
    SendsReachTheNodeThenHang,
}

/// A one-request-per-connection JSON-RPC proxy in front of `target`, with `twist`.
async fn json_proxy(target: url::Url, twist: Twist) -> url::Url {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let body = loop {
                    let Ok(n) = socket.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length: usize = text[..end]
                            .lines()
                            .filter_map(|l| l.split_once(':'))
                            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                            .and_then(|(_, v)| v.trim().parse().ok())
                            .unwrap_or(0);
                        if buf.len() >= end + 4 + length {
                            break text[end + 4..end + 4 + length].to_string();
                        }
                    }
                };
                let mut request: serde_json::Value = serde_json::from_str(&body).unwrap();
                let hang = match twist {
                    Twist::SignAs(account) => {
                        request["params"][0]["from"] = serde_json::json!(account);
                        false
                    }
                    Twist::SendsReachTheNodeThenHang => body.contains("eth_sendRawTransaction"),
                };
                let answer = reqwest::Client::new()
                    .post(target)
                    .header("content-type", "application/json")
                    .body(request.to_string())
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                if hang {
                    std::future::pending::<()>().await;
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
                    answer.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/").parse().unwrap()
}

#[tokio::test]
async fn a_send_that_times_out_after_reaching_the_node_is_not_doubled_by_failover() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("send-failover");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.keeper.rpc_timeout_secs = 2;
    config.rpc.retry_after_secs = 600;
    let first = json_proxy(world.url(), Twist::SendsReachTheNodeThenHang).await;
    let metrics = Arc::new(Metrics::default());
    let mut k = Keeper::connect(
        vec![first, world.url()],
        world.signer(KEEPER_A),
        config,
        metrics.clone(),
    )
    .await
    .unwrap();
    world.mine_to_next_round().await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.initialized && r.rounds.complete, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    // The initializeRound send reached the node through the first endpoint, timed out there and
    // went to the second as the same signed bytes: one transaction per duty, none reverted.
    let text = metrics.render();
    assert_eq!(
        endpoint_metric(&text, "keeper_rpc_endpoint_errors_total", 0),
        1
    );
    assert_eq!(
        txs_from(&world, world.address(KEEPER_A), start)
            .await
            .unwrap(),
        (1 + ORCHESTRATORS.len(), 0)
    );
    assert!(k.store.in_flight().unwrap().is_empty());
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_transaction_signed_by_another_address_is_refused_and_never_sent() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("signer-lies");
    let signer = json_proxy(world.url(), Twist::SignAs(world.address(KEEPER_B))).await;
    let mut k = remote_keeper(&world, &dir, signer).await;
    world.mine_to_next_round().await.unwrap();
    let start = world.admin().get_block_number().await.unwrap();
    let err = k.tick().await.unwrap_err();
    let msg = format!("{err:#}");
    assert!(
        msg.contains(&format!("signed by {}", world.address(KEEPER_B))) && msg.contains("refused"),
        "{msg}"
    );
    assert!(k.store.in_flight().unwrap().is_empty());
    world.mine(1).await.unwrap();
    for who in [KEEPER_A, KEEPER_B] {
        assert_eq!(
            txs_from(&world, world.address(who), start).await.unwrap(),
            (0, 0),
            "nothing sent as {who}"
        );
    }
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn health_fails_while_the_wallet_cannot_pay_for_a_reward() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("wallet-short");
    let config = world.keeper_config(&dir.join("a.redb"), None);
    let metrics = Arc::new(Metrics::default());
    let ops = Ops::new(config.admin.clone(), 0, metrics.clone());
    let mut k = connect(&world, config, metrics.clone()).await;
    ops.attach(&k);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let server = keeper::http::serve_with(
        addr,
        metrics.clone(),
        Duration::from_secs(60),
        Some(ops.clone()),
    )
    .await
    .unwrap();
    let health = || async {
        let r = reqwest::get(format!("http://{addr}/health")).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    world.mine_to_next_round().await.unwrap();
    let report = k.tick().await.unwrap();
    ops.observe(&k, &report).await;
    assert_eq!(health().await.0, 200);
    assert!(metric(&metrics.render(), "keeper_wallet_balance_gwei") > 0);

    // Drained between the rewards and the balance read.
    let me = world.address(KEEPER_A);
    world
        .admin()
        .anvil_set_balance(me, U256::from(1_000))
        .await
        .unwrap();
    world.mine_to_next_round().await.unwrap();
    // The new round's first read (as a paused keeper makes it: head and round) sees the wallet.
    ops.observe_paused(&k).await;
    let (code, body) = health().await;
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("wallet cannot pay"), "{body}");
    assert_eq!(metric(&metrics.render(), "keeper_wallet_short"), 1);

    // Funded again: healthy at the next read.
    world
        .admin()
        .anvil_set_balance(me, U256::from(10u128.pow(20)))
        .await
        .unwrap();
    let report = k.tick().await.unwrap();
    ops.observe(&k, &report).await;
    assert_eq!(health().await.0, 200);
    // The fee cap set through the operator's view is the one the sender uses.
    assert!(ops.set_fee_cap(3));
    assert_eq!(k.txs.max_fee_gwei(), 3);
    server.abort();
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

fn key_hex(world: &World, index: usize) -> String {
    hex::encode(world.anvil.keys()[index].to_bytes())
}

/// `keeper run` with the RPC endpoints in the config (a dead one first) and the admin API on
/// `port`.
fn spawn_keeper(world: &World, dir: &Path, port: u16) -> Child {
    let config = dir.join("keeper.toml");
    std::fs::write(
        &config,
        format!(
            "[contracts]\nchain_id = {}\ndispute_manager = \"{}\"\ndeploy_block = {}\n\n[rpc]\nurls = [\"{}\", \"{}\"]\nretry_after_secs = 600\n\n[admin]\noverdue_blocks = 2\n\n[keeper]\nstore = \"{}\"\npoll_interval_ms = 100\nconfirmations = 0\nbump_after_secs = 5\nmax_backoff_secs = 1\nrpc_timeout_secs = 3\ndispute_every_blocks = 1\nmetrics_addr = \"127.0.0.1:{port}\"\n",
            world.chain_id,
            world.d.disputes,
            world.deploy_block,
            dead_url(),
            world.url(),
            dir.join("a.redb").display()
        ),
    )
    .unwrap();
    let log = std::fs::File::create(dir.join("keeper.log")).unwrap();
    Command::new(KEEPER)
        .args(["run", "--config"])
        .arg(&config)
        .env("KEEPER_PRIVATE_KEY", key_hex(world, KEEPER_A))
        .env_remove("KEEPER_RPC_URL")
        .env_remove("KEEPER_KEYSTORE_PASSWORD")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("keeper starts")
}

/// `keeper status --url base`: (exit code, stdout, stderr).
fn status(base: &str) -> (Option<i32>, String, String) {
    let out = output_within(
        Command::new(KEEPER).args(["status", "--url", base]),
        PROCESS_DEADLINE,
    );
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn get(url: &str) -> anyhow::Result<(u16, String)> {
    let r = reqwest::get(url).await?;
    Ok((r.status().as_u16(), r.text().await?))
}

async fn post(url: &str) -> (u16, String) {
    let r = reqwest::Client::new().post(url).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn the_admin_api_pauses_resumes_sets_the_fee_cap_and_status_reads_it() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("admin-api");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    world.mine_to_next_round().await.unwrap();
    let mut child = spawn_keeper(&world, &dir, port);
    let wait = Duration::from_secs(60);
    let duties_done = |round: u64| {
        let base = base.clone();
        move || {
            let base = base.clone();
            async move {
                let (_, body) = get(&format!("{base}/admin/duties")).await?;
                let v: serde_json::Value = serde_json::from_str(&body)?;
                Ok(v["round"] == round
                    && v["complete"] == true
                    && v["duties"].as_object().map_or(0, |d| d.len()) == ORCHESTRATORS.len())
            }
        }
    };
    let rounds = bindings::RoundsManager::new(world.d.rounds, world.admin());
    let round: u64 = rounds.currentRound().call().await.unwrap().to();
    World::eventually(wait, "the round's duties done", duties_done(round))
        .await
        .unwrap();

    let (code, out, err) = status(&base);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("duties done") && out.contains("health: ok"),
        "{out}"
    );
    assert_eq!(
        out.matches("rewarded by this keeper").count(),
        ORCHESTRATORS.len(),
        "{out}"
    );
    assert!(out.contains("UNHEALTHY"), "the dead endpoint shows: {out}");
    assert_eq!(get(&format!("{base}/health")).await.unwrap().0, 200);

    // The fee cap, at run time.
    assert_eq!(post(&format!("{base}/admin/fee-cap?gwei=0")).await.0, 400);
    assert_eq!(post(&format!("{base}/admin/fee-cap?gwei=77")).await.0, 200);
    let (_, cap) = get(&format!("{base}/admin/fee-cap")).await.unwrap();
    assert!(cap.contains("77"), "{cap}");
    let (_, text) = get(&format!("{base}/metrics")).await.unwrap();
    assert_eq!(metric(&text, "keeper_fee_cap_gwei"), 77);

    // Paused over a whole round: nothing sent, duties overdue, the round counted as missed.
    assert_eq!(post(&format!("{base}/admin/pause")).await.0, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // From the block after the head: the head holds the last reward.
    let start = world.admin().get_block_number().await.unwrap() + 1;
    world.mine_to_next_round().await.unwrap();
    world.mine(3).await.unwrap();
    World::eventually(wait, "health 503 on overdue duties", || async {
        let (code, body) = get(&format!("{base}/health")).await?;
        Ok(code == 503 && body.contains("duties overdue"))
    })
    .await
    .unwrap();
    let (_, out, _) = status(&base);
    assert!(
        out.contains("PAUSED") && out.contains("PROBLEM: duties overdue"),
        "{out}"
    );
    world.mine_to_next_round().await.unwrap();
    World::eventually(wait, "a missed round counted", || async {
        let (_, text) = get(&format!("{base}/metrics")).await?;
        Ok(metric(&text, "keeper_missed_rounds_total") == 1)
    })
    .await
    .unwrap();
    assert_eq!(
        txs_from(&world, world.address(KEEPER_A), start)
            .await
            .unwrap(),
        (0, 0),
        "nothing sent while paused"
    );

    // Resumed: this round's duties get done and health is back.
    assert_eq!(post(&format!("{base}/admin/resume")).await.0, 200);
    let round: u64 = rounds.currentRound().call().await.unwrap().to();
    World::eventually(wait, "duties done after resume", duties_done(round))
        .await
        .unwrap();
    World::eventually(wait, "healthy again", || async {
        Ok(get(&format!("{base}/health")).await?.0 == 200)
    })
    .await
    .unwrap();
    let (_, text) = get(&format!("{base}/metrics")).await.unwrap();
    let me = format!("{:#x}", world.address(ORCHESTRATORS[0]));
    assert!(
        text.contains(&format!(
            "keeper_last_rewarded_round{{orchestrator=\"{me}\"}} {round}"
        )),
        "{text}"
    );

    child.kill().unwrap();
    child.wait().unwrap();
    let (code, _, err) = status(&base);
    assert_eq!(code, Some(1));
    assert!(err.contains("no keeper answers"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn no_endpoint_anywhere_is_a_clear_start_up_error() {
    let dir = temp_dir("no-endpoint");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("keeper.toml");
    std::fs::write(
        &config,
        "[contracts]\nchain_id = 31337\ndispute_manager = \"0x5FbDB2315678afecb367f032d93F642f64180aa3\"\n",
    )
    .unwrap();
    let out = output_within(
        Command::new(KEEPER)
            .args(["run", "--config"])
            .arg(&config)
            .env_remove("KEEPER_RPC_URL")
            .env("KEEPER_PRIVATE_KEY", "11".repeat(32)),
        PROCESS_DEADLINE,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no RPC endpoint"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}
