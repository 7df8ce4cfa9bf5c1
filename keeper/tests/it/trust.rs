//! Issue 20's faults: a deep reorg swapping a judged dispute's receipt, hanging and oversized
//! content sources, a store from another deployment, a saved transaction no longer due.

use std::{
    sync::{Arc, atomic::Ordering},
    time::Duration,
};

use alloy::{
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{RoundsManager, enums::Status};
use keeper::{
    metrics::Metrics,
    txs::{Action, Outcome},
};

use crate::support::*;

#[tokio::test]
async fn a_deep_reorg_that_swaps_a_judged_dispute_never_slashes_the_honest_one() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("deep-reorg").await.unwrap();
    world.set_quorum(2).await.unwrap();
    let config = world.keeper_config(&dir.join("a.redb"), Some(&content));
    let mut k = connect(&world, config, Arc::new(Metrics::default())).await;
    world.mine_to_next_round().await.unwrap();
    k.tick().await.unwrap();
    let p = world.admin();
    let snapshot = p.anvil_snapshot().await.unwrap();

    // The cheater's receipt is disputed; the keeper judges it guilty and votes (quorum 2 keeps
    // the dispute open), remembering its verdict.
    let cheat = cheat_job(&world).await.unwrap();
    cheat.publish(&content).unwrap();
    let id = open_dispute(&world, &cheat).await.unwrap();
    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.voted, vec![(id.to::<u64>(), "guilty")]);
    assert!(k.store.disputes().unwrap()[0].verdict.is_some());
    world.mine(6).await.unwrap();

    // A 6+-block reorg: the chain goes back before the dispute and, on the new branch, an honest
    // receipt of the same orchestrator is disputed under the same id.
    p.anvil_revert(snapshot).await.unwrap();
    let round: u64 = RoundsManager::new(world.d.rounds, p.clone())
        .currentRound()
        .call()
        .await
        .unwrap()
        .to();
    let honest = keeper::devnet::job::serve(
        &world.signer(CHEATER),
        world.address(CHEATER),
        round,
        7,
        "a red square",
        false,
        false,
        world.chain_id,
        world.d.disputes,
    )
    .unwrap();
    honest.publish(&content).unwrap();
    let start = p.get_block_number().await.unwrap();
    assert_eq!(
        open_dispute(&world, &honest).await.unwrap(),
        id,
        "the same id, another receipt"
    );
    // To the next round's first block, wherever the branch stands: its duties (a start, three
    // rewards) and the vote then fit before the verdict period ends with it. A fixed count of
    // blocks left the vote on the round's last block now and then, too late.
    world.mine_to_next_round().await.unwrap();

    // The keeper must not vote guilty on it, nor ever execute a slash.
    let mut votes = Vec::new();
    for _ in 0..4 {
        votes.extend(k.tick().await.unwrap().disputes.voted);
    }
    assert_eq!(
        votes,
        vec![(id.to::<u64>(), "innocent")],
        "re-judged, not the old verdict"
    );
    for _ in 0..world.config.disputes.vetoWindow.to::<u64>() + 2 {
        world.mine_to_next_round().await.unwrap();
        let r = k.tick().await.unwrap();
        assert!(r.disputes.executed.is_empty(), "no slash: {r:?}");
    }
    let s = status(&world, id).await.unwrap();
    assert!(!matches!(s, Status::Guilty | Status::Executed), "{s:?}");
    assert_eq!(
        txs_from(&world, world.address(KEEPER_A), start)
            .await
            .unwrap()
            .1,
        0,
        "nothing reverted"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// A content server that accepts connections and never answers.
pub(crate) async fn hanging_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}/")
}

/// A content server that answers 200 and streams an endless body.
async fn endless_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n";
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![0x5a; 64 * 1024];
                while socket.write_all(&chunk).await.is_ok() {}
            });
        }
    });
    format!("http://{addr}/")
}

/// With `source` serving the job files badly, the keeper judging a dispute still does the
/// round's duties on time, every tick ends promptly, and its health stays good and true.
async fn duties_go_on_while(source: String, name: &str) {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world(name).await.unwrap();
    let mut config = world.keeper_config(&dir.join("a.redb"), Some(&content));
    config.verifier.source = Some(source);
    config.verifier.fetch_connect_timeout_secs = 1;
    config.verifier.fetch_timeout_secs = 3;
    config.verifier.max_object_mib = 1;
    config.verifier.judge_wait_ms = 200;
    let metrics = Arc::new(Metrics::default());
    let mut k = connect(&world, config, metrics.clone()).await;
    world.mine_to_next_round().await.unwrap();
    k.tick().await.unwrap();
    open_cheat_dispute(&world, &content, false).await.unwrap();
    k.tick().await.unwrap();
    // The judgement fails by the fetch's own deadline or size limit, and the failure is counted
    // (before the dispute's verdict period runs out and it is finalized instead).
    keeper::devnet::world::World::eventually(
        Duration::from_secs(30),
        "a judge error counted",
        || async { Ok(metrics.judge_errors.load(Ordering::Relaxed) >= 1) },
    )
    .await
    .unwrap();
    let text = k.metrics.render();
    let line = text
        .lines()
        .find(|l| l.starts_with("keeper_judge_errors_total "))
        .expect("the judge error metric");
    assert_ne!(line, "keeper_judge_errors_total 0", "{text}");

    for _ in 0..2 {
        world.mine_to_next_round().await.unwrap();
        // A deadline, not a speed check: a tick that waited on the hanging source would never end.
        let report = tokio::time::timeout(Duration::from_secs(20), k.tick())
            .await
            .expect("a tick never waits on a content source")
            .unwrap();
        assert_eq!(
            report.rounds.rewarded.len(),
            ORCHESTRATORS.len(),
            "{report:?}"
        );
        assert!(report.rounds.failed.is_empty(), "{report:?}");
        assert!(report.disputes.voted.is_empty());
        // /health reads this: the last good tick is now.
        assert!(metrics.since_success().is_some_and(|age| age <= 1));
    }
    // The failure stays with the dispute: it is never voted on from a failed fetch.
    let report = k.tick().await.unwrap();
    assert!(report.disputes.voted.is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_content_server_that_never_answers_does_not_stop_rewards() {
    duties_go_on_while(hanging_server().await, "hanging-source").await;
}

#[tokio::test]
async fn a_content_server_streaming_an_oversized_body_does_not_stop_rewards() {
    duties_go_on_while(endless_server().await, "endless-source").await;
}

/// The keeper's `initializeRound` for the current round, as an action.
async fn init_action(world: &keeper::devnet::world::World) -> Action {
    let round: u64 = RoundsManager::new(world.d.rounds, world.admin())
        .currentRound()
        .call()
        .await
        .unwrap()
        .to();
    Action {
        key: format!("initializeRound:{round}"),
        to: world.d.rounds,
        input: RoundsManager::initializeRoundCall {}.abi_encode().into(),
    }
}

#[tokio::test]
async fn a_saved_transaction_no_longer_due_after_a_restart_is_dropped_not_resent() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("stale-saved");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.rewards.enabled = false;
    world.mine_to_next_round().await.unwrap();
    let p = world.admin();
    let me = world.address(KEEPER_A);
    let nonce = p.get_transaction_count(me).await.unwrap();

    // Blocks stop; the keeper sends initializeRound and "crashes" with it in flight.
    p.anvil_set_auto_mine(false).await.unwrap();
    {
        let mut k = connect(&world, config.clone(), Arc::new(Metrics::default())).await;
        let action = init_action(&world).await;
        let out = k
            .txs
            .submit(&k.store, vec![action], Duration::from_millis(300))
            .await
            .unwrap();
        assert!(matches!(out[0].1, Outcome::Pending), "{out:?}");
        assert_eq!(k.store.in_flight().unwrap().len(), 1);
    }
    // Meanwhile the node forgets it and someone else initializes the round.
    p.anvil_drop_all_transactions().await.unwrap();
    p.anvil_set_auto_mine(true).await.unwrap();
    let r = RoundsManager::new(world.d.rounds, p.clone())
        .initializeRound()
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    assert!(r.status());

    // Restarted, the keeper dry-runs the saved transaction, finds it no longer due and drops it
    // instead of re-sending it (where it would revert, or worse).
    let metrics = Arc::new(Metrics::default());
    let mut k = connect(&world, config, metrics.clone()).await;
    let report = k.tick().await.unwrap();
    assert!(!report.rounds.initialized);
    assert!(k.store.in_flight().unwrap().is_empty(), "dropped");
    assert_eq!(
        metrics.txs_sent.load(Ordering::Relaxed),
        0,
        "nothing re-sent"
    );
    world.mine(2).await.unwrap();
    assert_eq!(
        p.get_transaction_count(me).await.unwrap(),
        nonce,
        "no transaction of the keeper's mined"
    );
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_binding_fee_cap_shows_in_metrics() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("fee-cap");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.keeper.max_fee_gwei = 2;
    world.mine_to_next_round().await.unwrap();
    // A fee spike: the market wants far more than the cap allows.
    let p = world.admin();
    p.anvil_set_next_block_base_fee_per_gas(100_000_000_000)
        .await
        .unwrap();
    world.mine(1).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let metrics = Arc::new(Metrics::default());
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let server = keeper::http::serve(addr, metrics.clone(), Duration::from_secs(60))
        .await
        .unwrap();
    let scrape = || async {
        reqwest::get(format!("http://{addr}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(scrape().await.contains("keeper_fee_cap_binding 0"));

    let mut k = connect(&world, config, metrics.clone()).await;
    let action = init_action(&world).await;
    let _ = k
        .txs
        .submit(&k.store, vec![action], Duration::from_millis(300))
        .await
        .unwrap();
    let text = scrape().await;
    assert!(text.contains("keeper_fee_cap_binding 1"), "{text}");
    assert!(!text.contains("keeper_fee_cap_hits_total 0"), "{text}");
    server.abort();
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_block_gate_reads_nothing_but_the_head_until_work_is_due() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("gate");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.keeper.dispute_every_blocks = 1_000;
    let metrics = Arc::new(Metrics::default());
    let mut k = connect(&world, config, metrics.clone()).await;
    world.mine_to_next_round().await.unwrap();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.complete && r.rounds.rewarded.len() == ORCHESTRATORS.len());
    // The keeper's own transactions made blocks: one tick sees that head.
    k.tick().await.unwrap();
    // The head has not moved: one call, for the head.
    let calls = |m: &Metrics| m.rpc.snapshot().1;
    let before = calls(&metrics);
    assert!(k.tick().await.unwrap().idle);
    assert_eq!(calls(&metrics) - before, 1);
    // New heads within a round whose duties are done: still only the head.
    world.mine(3).await.unwrap();
    let before = calls(&metrics);
    let r = k.tick().await.unwrap();
    assert!(!r.idle && r.rounds.complete && r.rounds.rewarded.is_empty());
    assert_eq!(calls(&metrics) - before, 1);
    // The next round: its duties again.
    world.mine_to_next_round().await.unwrap();
    let r = k.tick().await.unwrap();
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}
