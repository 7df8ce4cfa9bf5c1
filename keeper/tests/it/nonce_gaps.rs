//! A deep reorg that drops a mined transaction of the keeper frees its nonce: what the keeper
//! sends next must not wait behind the gap, and nothing left above it may run late and revert.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::Address,
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{BondingManager, RoundsManager};
use keeper::{
    metrics::Metrics,
    txs::{Action, Outcome},
};

use crate::support::*;

#[tokio::test]
async fn after_a_reorg_drops_its_mined_duties_the_keeper_does_them_again_in_one_tick() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("nonce-hole");
    let config = world.keeper_config(&dir.join("a.redb"), None);
    let mut k = connect(&world, config, Arc::new(Metrics::default())).await;
    let p = world.admin();
    let me = world.address(KEEPER_A);
    world.mine_to_next_round().await.unwrap();
    let snapshot = p.anvil_snapshot().await.unwrap();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.initialized, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    let sent = p.get_transaction_count(me).await.unwrap();

    // The reorg: the round's start and its rewards are gone, their nonces free again; the new
    // branch reaches the next round.
    p.anvil_revert(snapshot).await.unwrap();
    let start = p.get_block_number().await.unwrap() + 1;
    assert!(p.get_transaction_count(me).await.unwrap() < sent);
    world.mine_to_next_round().await.unwrap();

    // The very next tick does the new round's duties, mined at once: nothing waits behind a gap.
    let r = k.tick().await.unwrap();
    assert!(r.rounds.initialized, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    assert!(k.store.in_flight().unwrap().is_empty(), "nothing stuck");
    assert_eq!(
        p.get_transaction_count(me).await.unwrap(),
        sent,
        "the same nonces again"
    );
    world.mine(3).await.unwrap();
    k.tick().await.unwrap();
    assert_eq!(
        txs_from(&world, me, start).await.unwrap(),
        (ORCHESTRATORS.len() + 1, 0),
        "each duty once, nothing reverted"
    );
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_transaction_left_above_a_freed_nonce_is_mined_or_cancelled_never_reverted() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("nonce-hole-pool");
    let config = world.keeper_config(&dir.join("a.redb"), None);
    let mut k = connect(&world, config, Arc::new(Metrics::default())).await;
    let p = world.admin();
    let me = world.address(KEEPER_A);
    // A first tick: saved transactions are re-checked after a start anyway; this case is not that.
    k.tick().await.unwrap();
    world.mine_to_next_round().await.unwrap();
    let snapshot = p.anvil_snapshot().await.unwrap();
    let round: u64 = RoundsManager::new(world.d.rounds, p.clone())
        .currentRound()
        .call()
        .await
        .unwrap()
        .to();

    // The round is started (mined); then, blocks stopped, a reward waits in the pool above it.
    let init = Action {
        key: format!("initializeRound:{round}"),
        to: world.d.rounds,
        input: RoundsManager::initializeRoundCall {}.abi_encode().into(),
    };
    let out = k
        .txs
        .submit(&k.store, vec![init], Duration::from_secs(5))
        .await
        .unwrap();
    assert!(out[0].1.is_done(), "{out:?}");
    p.anvil_set_auto_mine(false).await.unwrap();
    let o = world.address(ORCHESTRATORS[0]);
    let reward = Action {
        key: format!("reward:{round}:{o}"),
        to: world.d.bonding,
        input: BondingManager::rewardCall {
            orchestrator: o,
            prevHint: Address::ZERO,
            nextHint: Address::ZERO,
        }
        .abi_encode()
        .into(),
    };
    let out = k
        .txs
        .submit(&k.store, vec![reward], Duration::from_millis(300))
        .await
        .unwrap();
    assert!(matches!(out[0].1, Outcome::Pending), "{out:?}");

    // The reorg drops the round's start; blocks resume.
    p.anvil_revert(snapshot).await.unwrap();
    let start = p.get_block_number().await.unwrap() + 1;
    p.anvil_set_auto_mine(true).await.unwrap();

    // One tick: the stale reward is re-checked (not due before the round starts) and cancelled
    // or dropped, the gap filled, and the round's duties done; nothing is left in flight.
    let r = k.tick().await.unwrap();
    assert!(r.rounds.initialized, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len(), "{r:?}");
    world.mine(3).await.unwrap();
    k.tick().await.unwrap();
    assert!(k.store.in_flight().unwrap().is_empty(), "nothing stuck");
    let (mined, reverted) = txs_from(&world, me, start).await.unwrap();
    assert_eq!(reverted, 0, "nothing reverted");
    assert!(mined > ORCHESTRATORS.len(), "{mined}");
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}
