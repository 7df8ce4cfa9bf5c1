//! Issue 20's faults: a deep reorg swapping a judged dispute's receipt, hanging and oversized
//! content sources, a store from another deployment, a saved transaction no longer due.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::U256,
    providers::{Provider, ext::AnvilApi},
};
use bindings::{DisputeManager, LivepeerToken, RoundsManager, enums::Status};
use keeper::{Keeper, metrics::Metrics, send};

use crate::support::*;

async fn connect(
    world: &keeper::devnet::world::World,
    config: keeper::Config,
    metrics: Arc<Metrics>,
) -> Keeper {
    Keeper::connect(world.url(), world.signer(KEEPER_A), config, metrics)
        .await
        .expect("keeper connects")
}

/// Opens a dispute on `job` from the challenger; returns its id.
async fn dispute(
    world: &keeper::devnet::world::World,
    job: &keeper::devnet::job::Job,
) -> anyhow::Result<U256> {
    use anyhow::Context;
    let d = world.d;
    let challenger = world.address(CHALLENGER);
    world.fund(challenger, 1_000).await?;
    let w = world.wallet(CHALLENGER);
    send!(LivepeerToken::new(d.token, &w).approve(d.disputes, U256::MAX));
    send!(
        DisputeManager::new(d.disputes, &w)
            .openDispute((&job.receipt).into(), job.signature.clone())
    );
    Ok(DisputeManager::new(d.disputes, world.admin())
        .disputeCount()
        .call()
        .await?)
}

#[tokio::test]
async fn a_deep_reorg_that_swaps_a_judged_dispute_never_slashes_the_honest_one() {
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
    let id = dispute(&world, &cheat).await.unwrap();
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
        "a red fox",
        false,
        false,
        world.chain_id,
        world.d.disputes,
    )
    .unwrap();
    honest.publish(&content).unwrap();
    let start = p.get_block_number().await.unwrap();
    assert_eq!(
        dispute(&world, &honest).await.unwrap(),
        id,
        "the same id, another receipt"
    );
    world.mine(8).await.unwrap();

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
async fn hanging_server() -> String {
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

    for _ in 0..2 {
        world.mine_to_next_round().await.unwrap();
        let started = std::time::Instant::now();
        let report = tokio::time::timeout(Duration::from_secs(20), k.tick())
            .await
            .expect("a tick never waits on a content source")
            .unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
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
    assert!(k.metrics.render().contains("keeper_judge_errors_total"));
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
