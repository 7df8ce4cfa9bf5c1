//! Three keepers serving the same orchestrators, each running the daemon's loop on a chain that
//! makes blocks on its own (transactions wait in the pool for the next block, as on a real
//! chain): they take turns, so over several rounds at most one of their transactions reverts
//! per round, and no reward is missed.

use std::{collections::BTreeMap, sync::Arc, time::Duration};

use alloy::{
    eips::BlockNumberOrTag,
    primitives::Address,
    providers::{Provider, ext::AnvilApi},
    rpc::types::Filter,
    sol_types::SolEvent,
};
use anyhow::Context;
use bindings::{BondingManager, RoundsManager};
use keeper::{Keeper, metrics::Metrics};

use crate::support::*;

/// Blocks per round, and how long each block takes.
const ROUND: u64 = 32;
const BLOCK_MS: u64 = 250;
/// Each keeper's slot: eight blocks, two seconds. A slot must outlast the previous keeper's
/// whole batch (send, mine, confirm); four blocks was too short when CI ran this beside the
/// other tests on two loaded cores (one round's three rewards were sent twice).
const SLOT: u64 = 8;
/// Whole rounds measured.
const ROUNDS: u64 = 3;
/// The third keeper (accounts 1 and 2 are keepers A and B).
const KEEPER_C: usize = 7;

#[tokio::test]
async fn three_keepers_take_turns_and_waste_at_most_one_transaction_a_round() {
    let world = world(ROUND).await.unwrap();
    let dir = temp_dir("turns");
    let accounts = [KEEPER_A, KEEPER_B, KEEPER_C];
    let keepers: Vec<Address> = accounts.iter().map(|&i| world.address(i)).collect();
    let admin = world.admin();
    admin.anvil_set_auto_mine(false).await.unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let miner = {
        let (p, stopped) = (admin.clone(), stopped.clone());
        tokio::spawn(async move {
            while !*stopped.borrow() {
                p.anvil_mine(Some(1), None).await.unwrap();
                tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
            }
        })
    };
    let mut daemons = Vec::new();
    for (n, &account) in accounts.iter().enumerate() {
        let mut config = world.keeper_config(&dir.join(format!("k{n}.redb")), None);
        config.rewards.peers = keepers.clone();
        config.rewards.slot_blocks = SLOT;
        config.keeper.poll_interval_ms = 50;
        config.keeper.block_time_ms = BLOCK_MS;
        let mut k = Keeper::connect(
            world.url(),
            world.signer(account),
            config,
            Arc::new(Metrics::default()),
        )
        .await
        .expect("keeper connects");
        let stopped = stopped.clone();
        daemons.push(tokio::spawn(async move {
            keeper::daemon::drive(&mut k, stopped).await;
        }));
    }

    // Measure whole rounds: from the next round's first block.
    let rounds = RoundsManager::new(world.d.rounds, &admin);
    let first_round = rounds.currentRound().call().await.unwrap().to::<u64>() + 1;
    let first_block = {
        let start: u64 = rounds.currentRoundStartBlock().call().await.unwrap().to();
        start + ROUND
    };
    let end_block = first_block + ROUNDS * ROUND;
    while admin.get_block_number().await.unwrap() < end_block + 1 {
        tokio::time::sleep(Duration::from_millis(BLOCK_MS)).await;
    }
    stop.send(true).unwrap();
    for d in daemons {
        d.await.unwrap();
    }
    miner.await.unwrap();

    // Per round: the keepers' reverted transactions and their gas, and the rewards paid.
    let mut reverted: BTreeMap<u64, (usize, u64)> = BTreeMap::new();
    let mut mined = 0;
    for n in first_block..end_block {
        let receipts = admin
            .get_block_receipts(BlockNumberOrTag::Number(n).into())
            .await
            .unwrap()
            .context("block receipts")
            .unwrap();
        let round = first_round + (n - first_block) / ROUND;
        for r in receipts.iter().filter(|r| keepers.contains(&r.from)) {
            mined += 1;
            if !r.status() {
                let e = reverted.entry(round).or_default();
                e.0 += 1;
                e.1 += r.gas_used;
            }
        }
    }
    let logs = admin
        .get_logs(
            &Filter::new()
                .address(world.d.bonding)
                .event_signature(BondingManager::Reward::SIGNATURE_HASH)
                .from_block(first_block)
                .to_block(end_block - 1),
        )
        .await
        .unwrap();
    let mut rewards: BTreeMap<u64, usize> = BTreeMap::new();
    for log in &logs {
        let e = BondingManager::Reward::decode_log(&log.inner).unwrap();
        *rewards.entry(e.round.to()).or_default() += 1;
    }
    let wasted: u64 = reverted.values().map(|(_, gas)| gas).sum();
    eprintln!(
        "{ROUNDS} rounds, 3 keepers: {mined} transactions mined, reverted per round {reverted:?}, wasted gas {wasted}"
    );
    for round in first_round..first_round + ROUNDS {
        assert_eq!(
            rewards.get(&round).copied().unwrap_or(0),
            ORCHESTRATORS.len(),
            "round {round}: every orchestrator rewarded once"
        );
        let (count, _) = reverted.get(&round).copied().unwrap_or_default();
        assert!(count <= 1, "round {round}: {count} reverted transactions");
    }
    // Each round: one initializeRound and three rewards, by whoever's turn it was.
    assert!(mined >= ROUNDS as usize * 4, "{mined} transactions");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn the_next_keeper_steps_in_one_slot_later_when_the_first_is_down() {
    let world = world(ROUND).await.unwrap();
    let dir = temp_dir("turn-down");
    let keepers = [world.address(KEEPER_A), world.address(KEEPER_B)];
    let connect = |account: usize, name: &str| {
        let mut config = world.keeper_config(&dir.join(name), None);
        config.rewards.peers = keepers.to_vec();
        config.rewards.slot_blocks = SLOT;
        let signer = world.signer(account);
        let url = world.url();
        async move {
            Keeper::connect(url, signer, config, Arc::new(Metrics::default()))
                .await
                .expect("keeper connects")
        }
    };
    let round = world.mine_to_next_round().await.unwrap();
    // Whoever is second this round ticks; the first never does (it is down).
    let second = if keeper::turns::place(round, keepers[0], &keepers) == 1 {
        KEEPER_A
    } else {
        KEEPER_B
    };
    let mut k = connect(second, "second.redb").await;
    let early = k.tick().await.unwrap();
    assert!(
        early.rounds.turn.is_some() && !early.rounds.ran,
        "{early:?}"
    );
    assert!(
        k.blocks_until_work().is_some_and(|b| b > 0 && b <= SLOT),
        "it sleeps until its turn"
    );
    world.mine(SLOT).await.unwrap();
    let r = k.tick().await.unwrap();
    assert!(r.rounds.initialized, "{r:?}");
    assert_eq!(r.rounds.rewarded.len(), ORCHESTRATORS.len());
    drop(k);
    std::fs::remove_dir_all(dir).unwrap();
}
