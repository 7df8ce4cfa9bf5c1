//! The protocol's invariants, checked against the live revm state after a round. Each failure
//! names the invariant; the caller adds the round.
//!
//! - `bonding-solvency`: the BondingManager holds at least the bonded total plus every open
//!   unbonding lock, in LPT.
//! - `pool-totals`: the orchestrators' delegated stakes add up to the bonded total.
//! - `delegator-stakes`: in every pool, the positions' claims (the orchestrator's with its
//!   commission) add up to the pool's delegated stake, up to rounding dust in the pool's favour
//!   (at most `checks.dust_per_position_wei` per position per round).
//! - `active-set`: the active set is sorted by stake, within its size, without duplicates, and
//!   holds only registered orchestrators with stake.
//! - `no-excess-withdrawal`: no account withdrew more LPT from locks than it unbonded into them.
//! - `supply`: total supply plus burned equals genesis plus minted; a round mints no more reward
//!   than its allowance.
//! - `fee-solvency`: the BondingManager holds at least every position's claimable fees in ETH.

use alloy::primitives::{Address, U256};
use anyhow::{Result, bail};
use bindings::{BondingLens, BondingManager, LivepeerToken, Minter};

use crate::economy::Economy;

/// What the check read, for the round's metrics.
pub struct Observed {
    /// Each delegator's claimable stake, in the economy's order.
    pub delegator_stake: Vec<U256>,
    /// Each orchestrator's own claimable stake (commission included), in the economy's order.
    pub orchestrator_stake: Vec<U256>,
    /// Each orchestrator's delegated stake.
    pub pool_stake: Vec<U256>,
    /// Each delegator's, then each orchestrator's, claimable fees (ETH, wei), in the economy's order.
    pub fees: Vec<U256>,
    pub total_bonded: U256,
    pub total_supply: U256,
}

/// A violated invariant.
#[derive(Debug, thiserror::Error)]
#[error("invariant `{name}` violated: {detail}")]
pub struct Violation {
    pub name: &'static str,
    pub detail: String,
}

fn violated(name: &'static str, detail: String) -> anyhow::Error {
    Violation { name, detail }.into()
}

/// Every invariant's name, in the order `check` evaluates them (all of them, every time).
pub const NAMES: [&str; 7] = [
    "no-excess-withdrawal",
    "bonding-solvency",
    "pool-totals",
    "delegator-stakes",
    "active-set",
    "supply",
    "fee-solvency",
];

/// Checks every invariant; returns what it read.
pub fn check(e: &mut Economy) -> Result<Observed> {
    let d = e.deployment;
    let total_bonded = e
        .chain
        .view(d.bonding, BondingManager::totalBondedCall {})?;
    let total_supply = e.chain.view(d.token, LivepeerToken::totalSupplyCall {})?;

    // no-excess-withdrawal (first: a double withdrawal is the clearest story it tells)
    for (account, f) in &e.flows {
        if f.withdrawn > f.unbonded {
            bail!(violated(
                "no-excess-withdrawal",
                format!(
                    "{account} withdrew {} wei from locks but only ever unbonded {} wei",
                    f.withdrawn, f.unbonded
                ),
            ));
        }
    }

    // bonding-solvency
    let held = e
        .chain
        .view(d.token, LivepeerToken::balanceOfCall { account: d.bonding })?;
    let locked: U256 = e
        .delegators
        .iter()
        .flat_map(|x| x.locks.iter().map(|l| l.amount))
        .sum();
    if held < total_bonded + locked {
        bail!(violated(
            "bonding-solvency",
            format!(
                "the BondingManager holds {held} wei of LPT, less than the {total_bonded} wei bonded plus {locked} wei in unbonding locks"
            ),
        ));
    }

    // pool-totals and delegator-stakes
    let mut pool_stake = Vec::with_capacity(e.orchestrators.len());
    let mut orchestrator_stake = Vec::with_capacity(e.orchestrators.len());
    let mut claims = std::collections::HashMap::<Address, (U256, u64)>::new();
    for o in &e.orchestrators {
        let pool = e.chain.view(
            d.bonding,
            BondingManager::delegatedStakeCall {
                orchestrator: o.address,
            },
        )?;
        let own = e.chain.view(
            d.lens,
            BondingLens::pendingStakeCall {
                delegator: o.address,
            },
        )?;
        pool_stake.push(pool);
        orchestrator_stake.push(own);
        claims.insert(o.address, (own, 1));
    }
    let pools: U256 = pool_stake.iter().copied().sum();
    if pools != total_bonded {
        bail!(violated(
            "pool-totals",
            format!(
                "the pools' delegated stakes add up to {pools} wei, the bonded total is {total_bonded} wei"
            ),
        ));
    }
    let mut delegator_stake = Vec::with_capacity(e.delegators.len());
    let mut claimable = Vec::with_capacity(e.delegators.len() + e.orchestrators.len());
    for x in &e.delegators {
        let stake = e.chain.view(
            d.lens,
            BondingLens::pendingStakeCall {
                delegator: x.address,
            },
        )?;
        claimable.push(e.chain.view(
            d.lens,
            BondingLens::pendingFeesCall {
                delegator: x.address,
            },
        )?);
        delegator_stake.push(stake);
        let entry = claims.entry(x.delegate).or_default();
        entry.0 += stake;
        entry.1 += 1;
    }
    // Each round's reward and fee factors round down for the positions: dust may grow by a little
    // per position each round.
    let rounds = U256::from(e.round - e.start_round + 1);
    let dust_per_position = U256::from(e.scenario.checks.dust_per_position_wei) * rounds;
    for (o, pool) in e.orchestrators.iter().zip(&pool_stake) {
        let (claimed, positions) = claims[&o.address];
        if claimed > *pool {
            bail!(violated(
                "delegator-stakes",
                format!(
                    "the {positions} positions in {}'s pool claim {claimed} wei, more than its delegated stake of {pool} wei",
                    o.address
                ),
            ));
        }
        let dust = *pool - claimed;
        if dust > dust_per_position * U256::from(positions) {
            bail!(violated(
                "delegator-stakes",
                format!(
                    "{}'s pool holds {pool} wei but its {positions} positions claim only {claimed} wei ({dust} wei unaccounted)",
                    o.address
                ),
            ));
        }
    }

    // active-set
    let members = e.chain.view(d.bonding, BondingManager::activeSetCall {})?;
    let max = e
        .chain
        .view(d.bonding, BondingManager::numActiveOrchestratorsCall {})?;
    if U256::from(members.len()) > max {
        bail!(violated(
            "active-set",
            format!("{} members, more than the limit of {max}", members.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut previous: Option<U256> = None;
    for m in &members {
        if !seen.insert(*m) {
            bail!(violated("active-set", format!("{m} is listed twice")));
        }
        let pool = e
            .chain
            .view(d.lens, BondingLens::getPoolCall { orchestrator: *m })?;
        if !pool.registered || pool.delegatedStake == 0 {
            bail!(violated(
                "active-set",
                format!("{m} is listed but is not a registered orchestrator with stake"),
            ));
        }
        let stake = U256::from(pool.delegatedStake);
        if let Some(p) = previous
            && stake > p
        {
            bail!(violated(
                "active-set",
                format!("{m} with {stake} wei follows a member with less ({p} wei)"),
            ));
        }
        previous = Some(stake);
    }

    // supply
    let minted = e.chain.view(d.minter, Minter::totalMintedCall {})?;
    if total_supply + e.burned != e.genesis_supply + minted {
        bail!(violated(
            "supply",
            format!(
                "supply {total_supply} + burned {} != genesis {} + minted {minted} (wei)",
                e.burned, e.genesis_supply
            ),
        ));
    }
    let allowance = e.chain.view(d.minter, Minter::currentRewardTokensCall {})?;
    let rewarded = e
        .chain
        .view(d.minter, Minter::currentMintedRewardsCall {})?;
    if rewarded > allowance {
        bail!(violated(
            "supply",
            format!(
                "the round minted {rewarded} wei of rewards, more than its {allowance} wei allowance"
            ),
        ));
    }

    // fee-solvency
    for o in &e.orchestrators {
        claimable.push(e.chain.view(
            d.lens,
            BondingLens::pendingFeesCall {
                delegator: o.address,
            },
        )?);
    }
    let fees: U256 = claimable.iter().copied().sum();
    let eth = e.chain.balance(d.bonding)?;
    if eth < fees {
        bail!(violated(
            "fee-solvency",
            format!("the BondingManager holds {eth} wei of ETH but owes {fees} wei of fees"),
        ));
    }

    Ok(Observed {
        delegator_stake,
        orchestrator_stake,
        pool_stake,
        fees: claimable,
        total_bonded,
        total_supply,
    })
}
