//! `lpt orchestrators`: every registered orchestrator (from OrchestratorRegistered events, and the
//! active set), largest stake first: stake, cuts in force and scheduled, reputation, and the
//! capabilities and prices it publishes in the CapabilityRegistry.

use std::collections::BTreeSet;

use alloy::{primitives::U256, providers::Provider, rpc::types::Filter, sol_types::SolEvent};
use anyhow::Context;
use bindings::{
    BondingLens, BondingManager, CapabilityRegistry, Reputation,
    i_bonding_manager::IBondingManager::OrchestratorRegistered,
};

use crate::{chain::Chain, time::Clock, units};

pub async fn show(chain: &Chain) -> anyhow::Result<()> {
    let d = chain.d;
    let p = &chain.provider;
    let bonding = BondingManager::new(d.bonding, p);
    let lens = BondingLens::new(d.lens, p);
    let registry = CapabilityRegistry::new(d.registry, p);
    let reputation = Reputation::new(d.reputation, p);
    let clock = Clock::read(chain).await?;

    let logs = p
        .get_logs(
            &Filter::new()
                .address(d.bonding)
                .event_signature(OrchestratorRegistered::SIGNATURE_HASH)
                .from_block(chain.from_block),
        )
        .await
        .context("reading OrchestratorRegistered events")?;
    let mut all = BTreeSet::new();
    for log in logs {
        all.insert(OrchestratorRegistered::decode_log(&log.inner)?.orchestrator);
    }
    all.extend(bonding.activeSet().call().await?);
    if all.is_empty() {
        println!("no orchestrator is registered");
        return Ok(());
    }
    let mut rows = Vec::new();
    for o in all {
        rows.push((bonding.delegatedStake(o).call().await?, o));
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    println!(
        "round {}: {} orchestrators ({} active at most)",
        clock.round,
        rows.len(),
        bonding.numActiveOrchestrators().call().await?
    );
    for (stake, o) in rows {
        let pool = lens.getPool(o).call().await?;
        let active = bonding.isActiveOrchestrator(o).call().await?;
        let in_force = lens.paramsInForce(o).call().await?;
        let (cut, share) = (
            in_force.rewardCut.to::<u64>(),
            in_force.feeShare.to::<u64>(),
        );
        let scheduled = u64::from(pool.paramsEffectiveRound) > clock.round
            && (u64::from(pool.nextRewardCut), u64::from(pool.nextFeeShare)) != (cut, share);
        println!(
            "\n{o}  {}  stake {}",
            if active { "active" } else { "not active" },
            units::show(U256::from(stake), "LPT")
        );
        println!(
            "  reward cut {}, fee share {} in force{}",
            units::ppm(cut),
            units::ppm(share),
            if scheduled {
                format!(
                    "; {} and {} from round {}",
                    units::ppm(pool.nextRewardCut),
                    units::ppm(pool.nextFeeShare),
                    pool.paramsEffectiveRound
                )
            } else {
                String::new()
            }
        );
        println!(
            "  reputation {}, last reward round {}",
            units::decimal(reputation.scoreOf(o).call().await?),
            pool.lastRewardRound
        );
        let uri = registry.serviceURI(o).call().await?;
        let caps = registry.capabilities(o).call().await?;
        if !uri.is_empty() {
            println!("  service {uri}");
        }
        if caps.is_empty() {
            println!("  no capabilities published");
        }
        for c in caps {
            let unit = String::from_utf8_lossy(c.unit.as_slice())
                .trim_end_matches('\0')
                .to_string();
            println!(
                "  pipeline {} model {}: {} wei per {}",
                c.pipelineId,
                c.modelId,
                c.pricePerUnit,
                if unit.is_empty() { "unit" } else { &unit }
            );
        }
    }
    Ok(())
}
