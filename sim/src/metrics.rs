//! A row of metrics per round, and the CSV they make. Amounts are exact decimals (from wei), rates
//! fixed-precision: the same run writes the same bytes.

use std::{fmt::Write as _, path::Path};

use alloy::primitives::U256;
use anyhow::{Context as _, Result};
use bindings::{BondingManager, LivepeerToken, Minter};

use crate::{
    economy::{Economy, wei_f64},
    invariants::Observed,
};

/// What happened in a round, counted as it happens.
#[derive(Clone, Debug, Default)]
pub struct RoundStats {
    pub rewards: u64,
    pub tickets: u64,
    /// ETH paid in tickets (wei).
    pub fees: U256,
    pub bonds: u64,
    pub unbonds: u64,
    pub withdrawals: u64,
    pub claims: u64,
    pub fee_withdrawals: u64,
    pub disputes: u64,
    pub slashes: u64,
}

/// One round's metrics.
#[derive(Clone, Debug)]
pub struct Row {
    pub round: u64,
    pub block: u64,
    pub total_supply: U256,
    pub total_bonded: U256,
    /// Bonded share of supply (ppb), as the Minter computes it.
    pub bonding_rate_ppb: U256,
    /// Inflation per round (ppb).
    pub inflation_ppb: U256,
    /// The round's reward allowance and what was minted of it.
    pub reward_tokens: U256,
    pub minted_rewards: U256,
    /// LPT held by the treasury (the timelock).
    pub treasury: U256,
    pub active_orchestrators: usize,
    /// Largest pool's share of the bonded stake (ppm).
    pub top_pool_ppm: u64,
    /// Each orchestrator's delegated stake, largest first (when observed).
    pub pools: Vec<U256>,
    pub stats: RoundStats,
    /// Transactions and gas the EVM executed so far.
    pub txs: u64,
    pub gas: u64,
    /// APR per delegator class, then the orchestrators' (when observed).
    pub apr: Option<Vec<f64>>,
}

impl Row {
    /// Reads the round's metrics from the chain.
    pub fn take(
        e: &mut Economy,
        observed: Option<&Observed>,
        apr: Option<Vec<f64>>,
    ) -> Result<Self> {
        let d = e.deployment;
        let total_supply = match observed {
            Some(o) => o.total_supply,
            None => e.chain.view(d.token, LivepeerToken::totalSupplyCall {})?,
        };
        let total_bonded = match observed {
            Some(o) => o.total_bonded,
            None => e
                .chain
                .view(d.bonding, BondingManager::totalBondedCall {})?,
        };
        let mut pools = observed.map(|o| o.pool_stake.clone()).unwrap_or_default();
        pools.sort_unstable_by(|a, b| b.cmp(a));
        let top_pool_ppm = match (pools.first(), total_bonded.is_zero()) {
            (Some(top), false) => u64::try_from(*top * U256::from(1_000_000u64) / total_bonded)?,
            _ => 0,
        };
        Ok(Self {
            round: e.round,
            block: e.chain.block_number(),
            total_supply,
            total_bonded,
            bonding_rate_ppb: e.chain.view(d.minter, Minter::bondingRateCall {})?,
            inflation_ppb: e.chain.view(d.minter, Minter::inflationCall {})?,
            reward_tokens: e.chain.view(d.minter, Minter::currentRewardTokensCall {})?,
            minted_rewards: e
                .chain
                .view(d.minter, Minter::currentMintedRewardsCall {})?,
            treasury: e.chain.view(
                d.token,
                LivepeerToken::balanceOfCall {
                    account: d.timelock,
                },
            )?,
            active_orchestrators: e
                .chain
                .view(d.bonding, BondingManager::activeSetCall {})?
                .len(),
            top_pool_ppm,
            pools,
            stats: e.stats.clone(),
            txs: e.chain.txs,
            gas: e.chain.gas_used,
            apr,
        })
    }
}

/// `wei` as a decimal LPT (or ETH) amount, exactly.
pub fn decimal(wei: U256) -> String {
    let unit = U256::from(10u64.pow(18));
    let frac = (wei % unit).to_string();
    let frac = format!("{frac:0>18}");
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        (wei / unit).to_string()
    } else {
        format!("{}.{frac}", wei / unit)
    }
}

/// The CSV of `rows`; `classes` names the APR columns.
pub fn csv(rows: &[Row], classes: &[String]) -> String {
    let mut out = String::from(
        "round,block,total_supply_lpt,total_bonded_lpt,bonding_rate,inflation_ppb,reward_tokens_lpt,minted_rewards_lpt,treasury_lpt,active_orchestrators,top_pool_share,rewards,tickets,fees_eth,bonds,unbonds,withdrawals,claims,fee_withdrawals,disputes,slashes,txs,gas",
    );
    for c in classes {
        let _ = write!(out, ",apr_{c}");
    }
    out.push_str(",apr_orchestrators\n");
    for r in rows {
        let s = &r.stats;
        let _ = write!(
            out,
            "{},{},{},{},{:.9},{},{},{},{},{},{:.6},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.round,
            r.block,
            decimal(r.total_supply),
            decimal(r.total_bonded),
            wei_f64(r.bonding_rate_ppb) / 1e9,
            r.inflation_ppb,
            decimal(r.reward_tokens),
            decimal(r.minted_rewards),
            decimal(r.treasury),
            r.active_orchestrators,
            r.top_pool_ppm as f64 / 1e6,
            s.rewards,
            s.tickets,
            decimal(s.fees),
            s.bonds,
            s.unbonds,
            s.withdrawals,
            s.claims,
            s.fee_withdrawals,
            s.disputes,
            s.slashes,
            r.txs,
            r.gas,
        );
        match &r.apr {
            Some(apr) => apr.iter().for_each(|a| {
                let _ = write!(out, ",{a:.6}");
            }),
            None => (0..=classes.len()).for_each(|_| out.push(',')),
        }
        out.push('\n');
    }
    out
}

/// Writes the CSV to `path`.
pub fn write_csv(path: &Path, rows: &[Row], classes: &[String]) -> Result<()> {
    std::fs::write(path, csv(rows, classes)).with_context(|| format!("writing {}", path.display()))
}
