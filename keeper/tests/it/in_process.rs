//! The keeper's duties on a real anvil, driven tick by tick: a round cycle with two keepers, a
//! dispute from its event to the executed slash, a reorg that drops a dispute, a stuck
//! transaction bumped until it mines.

use std::{sync::Arc, time::Duration};

use alloy::{
    primitives::{Address, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::anvil::ReorgOptions,
};
use bindings::enums::Status;
use bindings::{BondingLens, BondingManager, RoundsManager};
use keeper::{Keeper, metrics::Metrics};

use crate::support::*;

async fn keeper(
    world: &keeper::devnet::world::World,
    index: usize,
    config: keeper::Config,
) -> Keeper {
    Keeper::connect(
        world.url(),
        world.signer(index),
        config,
        Arc::new(Metrics::default()),
    )
    .await
    .expect("keeper connects")
}

/// Keeper A as a verifier fetching from `content`, after its first tick in a fresh round.
async fn verifier_keeper(
    world: &keeper::devnet::world::World,
    dir: &std::path::Path,
    content: &std::path::Path,
) -> Keeper {
    let mut k = keeper(
        world,
        KEEPER_A,
        world.keeper_config(&dir.join("a.redb"), Some(content)),
    )
    .await;
    world.mine_to_next_round().await.unwrap();
    k.tick().await.unwrap();
    k
}

#[tokio::test]
async fn round_cycle_with_two_keepers_acts_once() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("rounds");
    let mut a = keeper(
        &world,
        KEEPER_A,
        world.keeper_config(&dir.join("a.redb"), None),
    )
    .await;
    // B is a backup: it acts 3 blocks into a round, only where A has not.
    let mut backup = world.keeper_config(&dir.join("b.redb"), None);
    backup.rewards.act_after_blocks = 3;
    let mut b = keeper(&world, KEEPER_B, backup).await;
    let start = world.admin().get_block_number().await.unwrap();

    // Sequential: the first does everything, the second finds nothing due.
    let round = world.mine_to_next_round().await.unwrap();
    let ra = a.tick().await.unwrap();
    assert!(ra.rounds.initialized);
    assert_eq!(ra.rounds.rewarded.len(), 3);
    world.mine(3).await.unwrap();
    let rb = b.tick().await.unwrap();
    assert!(!rb.rounds.initialized);
    assert!(rb.rounds.rewarded.is_empty());
    assert_eq!(rb.rounds.already_rewarded, 3);
    let again = a.tick().await.unwrap();
    assert!(again.rounds.rewarded.is_empty() && !again.rounds.initialized);

    // A is down for a round: the backup steps in once its delay has passed, and not before.
    let next = world.mine_to_next_round().await.unwrap();
    assert_eq!(next, round + 1);
    let early = b.tick().await.unwrap();
    assert!(!early.rounds.initialized && early.rounds.rewarded.is_empty());
    world.mine(3).await.unwrap();
    let rb = b.tick().await.unwrap();
    assert!(rb.rounds.initialized);
    assert_eq!(rb.rounds.rewarded.len(), 3);
    let lens = BondingLens::new(world.d.lens, world.admin());
    for &o in &ORCHESTRATORS {
        let pool = lens.getPool(world.address(o)).call().await.unwrap();
        assert_eq!(u64::from(pool.lastRewardRound), next);
    }
    let (_, reverted_b) = txs_from(&world, world.address(KEEPER_B), start)
        .await
        .unwrap();
    assert_eq!(reverted_b, 0, "the backup never raced the primary");
    let rounds = RoundsManager::new(world.d.rounds, world.admin());
    assert!(rounds.currentRoundInitialized().call().await.unwrap());

    // Primary and backup never sent a transaction that reverted: every action was dry-run
    // against the latest state first.
    let (mined_a, reverted_a) = txs_from(&world, world.address(KEEPER_A), start)
        .await
        .unwrap();
    assert_eq!(reverted_a, 0);
    assert!(mined_a >= 4);

    // Two primaries ticking at the same instant may both send (the contract takes one; the
    // other reverts): each duty is still done exactly once.
    let third = world.mine_to_next_round().await.unwrap();
    let mut c = keeper(
        &world,
        KEEPER_B,
        world.keeper_config(&dir.join("c.redb"), None),
    )
    .await;
    let (ra, rc) = tokio::join!(a.tick(), c.tick());
    let (ra, rc) = (ra.unwrap(), rc.unwrap());
    assert_eq!(
        u8::from(ra.rounds.initialized) + u8::from(rc.rounds.initialized),
        1
    );
    assert_eq!(ra.rounds.rewarded.len() + rc.rounds.rewarded.len(), 3);
    for &o in &ORCHESTRATORS {
        let pool = lens.getPool(world.address(o)).call().await.unwrap();
        assert_eq!(u64::from(pool.lastRewardRound), third);
    }

    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn dispute_goes_from_event_to_executed_slash() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("dispute").await.unwrap();
    let mut k = keeper(
        &world,
        KEEPER_A,
        world.keeper_config(&dir.join("a.redb"), Some(&content)),
    )
    .await;

    world.mine_to_next_round().await.unwrap();
    k.tick().await.unwrap();
    let cheater = world.address(CHEATER);
    let bonding = BondingManager::new(world.d.bonding, world.admin());
    let stake_before = bonding.delegatedStake(cheater).call().await.unwrap();
    let id = open_cheat_dispute(&world, &content, true).await.unwrap();

    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.seen, vec![id.to::<u64>()]);
    assert_eq!(
        report.disputes.voted,
        vec![(id.to::<u64>(), "guilty")],
        "{report:?}"
    );
    assert_eq!(status(&world, id).await.unwrap(), Status::Guilty, "guilty");

    // Inside the veto window nothing is executed; after it, the keeper executes once.
    let mut executed = Vec::new();
    for _ in 0..world.config.disputes.vetoWindow.to::<u64>() + 1 {
        world.mine_to_next_round().await.unwrap();
        executed.extend(k.tick().await.unwrap().disputes.executed);
        if !executed.is_empty() {
            break;
        }
    }
    assert_eq!(executed, vec![id.to::<u64>()]);
    assert_eq!(
        status(&world, id).await.unwrap(),
        Status::Executed,
        "executed"
    );
    let stake_after = bonding.delegatedStake(cheater).call().await.unwrap();
    assert!(stake_after < stake_before, "the cheater's pool was slashed");
    // The next tick finds it settled on chain and forgets it.
    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.settled, vec![(id.to::<u64>(), "executed")]);
    assert!(k.store.disputes().unwrap().is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_conflict_dispute_needs_no_vote_and_is_executed_after_the_veto_window() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("conflict").await.unwrap();
    let mut k = verifier_keeper(&world, &dir, &content).await;
    // The cheater signed two receipts for one job with different outputs.
    let cheated = cheat_job(&world).await.unwrap();
    let honest = {
        let key = world.signer(CHEATER);
        let round = cheated.receipt.round.to::<u64>();
        keeper::devnet::job::serve(
            &key,
            world.address(CHEATER),
            round,
            7,
            "a red square",
            false,
            false,
            world.chain_id,
            world.d.disputes,
        )
        .unwrap()
    };
    assert_eq!(honest.receipt.jobId, cheated.receipt.jobId);
    let challenger = world.wallet(CHALLENGER);
    world.fund(world.address(CHALLENGER), 1_000).await.unwrap();
    bindings::LivepeerToken::new(world.d.token, &challenger)
        .approve(world.d.disputes, U256::MAX)
        .send()
        .await
        .unwrap()
        .get_receipt()
        .await
        .unwrap();
    let dm = bindings::DisputeManager::new(world.d.disputes, &challenger);
    dm.openConflictDispute(
        (&honest.receipt).into(),
        honest.signature.clone(),
        (&cheated.receipt).into(),
        cheated.signature.clone(),
    )
    .send()
    .await
    .unwrap()
    .get_receipt()
    .await
    .unwrap();
    let id = U256::from(1);
    assert_eq!(
        status(&world, id).await.unwrap(),
        Status::Guilty,
        "guilty at once"
    );

    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.seen, vec![1]);
    assert!(report.disputes.voted.is_empty(), "nothing to verify");
    let mut executed = Vec::new();
    for _ in 0..world.config.disputes.vetoWindow.to::<u64>() + 1 {
        world.mine_to_next_round().await.unwrap();
        executed.extend(k.tick().await.unwrap().disputes.executed);
        if !executed.is_empty() {
            break;
        }
    }
    assert_eq!(executed, vec![1]);
    assert_eq!(
        status(&world, id).await.unwrap(),
        Status::Executed,
        "executed"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn missing_input_waits_then_votes_draw() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("missing").await.unwrap();
    let mut k = verifier_keeper(&world, &dir, &content).await;
    let id = open_cheat_dispute(&world, &content, false).await.unwrap();

    // The job's files are not published: the keeper waits while the verdict period runs...
    let report = k.tick().await.unwrap();
    assert!(report.disputes.voted.is_empty());
    assert_eq!(
        status(&world, id).await.unwrap(),
        Status::Open,
        "still open"
    );
    // ...and in its last round votes draw instead of guessing.
    world.mine_to_next_round().await.unwrap();
    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.voted, vec![(id.to::<u64>(), "draw")]);
    assert_eq!(status(&world, id).await.unwrap(), Status::Draw, "draw");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_reorged_dispute_is_never_acted_on() {
    let _turn = crate::support::VERIFIER_TURN.lock().await;
    let (world, dir, content) = verifier_world("reorg").await.unwrap();
    let mut k = verifier_keeper(&world, &dir, &content).await;

    // Unpublished inputs keep the keeper from voting at once: it records the dispute and waits.
    let id = open_cheat_dispute(&world, &content, false).await.unwrap();
    let report = k.tick().await.unwrap();
    assert_eq!(report.disputes.seen, vec![id.to::<u64>()]);
    assert_eq!(k.store.disputes().unwrap().len(), 1);

    // The block with the dispute is reorged away; then the job files appear.
    let p = world.admin();
    p.anvil_reorg(ReorgOptions {
        depth: 1,
        tx_block_pairs: vec![],
    })
    .await
    .unwrap();
    assert_eq!(
        status(&world, id).await.unwrap(),
        Status::None,
        "the dispute is gone"
    );
    cheat_job(&world).await.unwrap().publish(&content).unwrap();
    let after_reorg = p.get_block_number().await.unwrap();
    world.mine(3).await.unwrap();
    k.tick().await.unwrap();
    k.tick().await.unwrap();
    assert!(
        k.store.disputes().unwrap().is_empty(),
        "the dropped dispute is forgotten"
    );
    let sent = txs_to(
        &world,
        world.address(KEEPER_A),
        world.d.disputes,
        after_reorg,
    )
    .await
    .unwrap();
    assert_eq!(
        sent, 0,
        "no verdict was sent for a dispute that no longer exists"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_stuck_transaction_is_bumped_until_it_mines() {
    let world = world(10).await.unwrap();
    let dir = temp_dir("bump");
    let mut config = world.keeper_config(&dir.join("a.redb"), None);
    config.keeper.bump_after_secs = 1;
    config.rewards.enabled = false;
    let metrics = Arc::new(Metrics::default());
    let mut k = connect(&world, config, metrics.clone()).await;
    world.mine_to_next_round().await.unwrap();

    // Blocks stop being mined: the initializeRound transaction sits in the pool.
    let p = world.admin();
    p.anvil_set_auto_mine(false).await.unwrap();
    let tick = tokio::spawn(async move {
        let report = k.tick().await;
        (k, report)
    });
    // Mine only once the keeper has re-sent it with higher fees.
    let bumps = || metrics.tx_bumps.load(std::sync::atomic::Ordering::Relaxed);
    keeper::devnet::world::World::eventually(Duration::from_secs(30), "a fee bump", || async {
        Ok(bumps() >= 1)
    })
    .await
    .unwrap();
    p.anvil_mine(Some(1), None).await.unwrap();
    p.anvil_set_auto_mine(true).await.unwrap();
    let (mut k, report) = tick.await.unwrap();
    // Under load the tick may have stopped waiting first: the next one settles what is in flight.
    let initialized = report.unwrap().rounds.initialized || {
        k.tick().await.unwrap();
        true
    };
    assert!(initialized);
    let rounds = RoundsManager::new(world.d.rounds, world.admin());
    assert!(rounds.currentRoundInitialized().call().await.unwrap());
    assert!(k.store.in_flight().unwrap().is_empty());
    let (mined, reverted) = txs_from(&world, world.address(KEEPER_A), 0).await.unwrap();
    assert_eq!(
        (mined, reverted),
        (1, 0),
        "one transaction mined for the nonce, none reverted"
    );
    let _ = (Address::ZERO, U256::ZERO);
    std::fs::remove_dir_all(dir).unwrap();
}
