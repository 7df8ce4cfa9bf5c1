//! A row of metrics per round, and the CSV they make. Amounts are exact decimals of LPT or ETH
//! (never wei), rates fixed-precision: the same run writes the same bytes. Every column's name
//! says its unit and whether it is this round's (`_round`), a running total (`_cum`), a level at
//! the round's end (no suffix), or a trailing window (`_trailing10`). APRs are annualised over the
//! trailing window, never from one round alone: a slash round's loss is spread over the window
//! and the round is marked (`slashes_round`, `slashed_lpt_round`). Fee APRs are in ETH earned
//! per LPT staked per year (no price is assumed).

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
    /// LPT slashed from bonded stake (wei).
    pub slashed: U256,
    /// LPT burned (wei).
    pub burned: U256,
}

/// Rounds in the trailing window of the APR and fee yield columns and charts.
pub const TRAILING_ROUNDS: u64 = 10;

/// One round's metrics.
#[derive(Clone, Debug)]
pub struct Row {
    pub round: u64,
    pub block: u64,
    pub total_supply: U256,
    pub total_bonded: U256,
    /// Bonded share of supply (ppb), as the Minter computes it, and its target.
    pub bonding_rate_ppb: U256,
    pub target_bonding_rate_ppb: U256,
    /// Inflation per round (ppb).
    pub inflation_ppb: U256,
    /// The round's reward allowance and what was minted of it.
    pub reward_tokens: U256,
    pub minted_rewards: U256,
    /// Everything minted since genesis (rewards and treasury).
    pub total_minted: U256,
    /// Burned since the run began.
    pub burned_cum: U256,
    /// LPT held by the treasury (the timelock).
    pub treasury: U256,
    pub active_orchestrators: usize,
    /// The active set's size limit (the cut-off).
    pub active_set_size: u64,
    /// Largest pool's share of the bonded stake (ppm).
    pub top_pool_ppm: u64,
    /// Each orchestrator's delegated stake, largest first (when observed).
    pub pools: Vec<U256>,
    pub stats: RoundStats,
    /// Transactions and gas the EVM executed so far.
    pub txs: u64,
    pub gas: u64,
    /// Return per round per delegator class, then the orchestrators' (a fraction; when observed).
    pub returns: Option<Vec<f64>>,
    /// APR per class over the trailing window (a fraction per year; when observed).
    pub apr_trailing: Option<Vec<f64>>,
    /// Fees earned per round per class, in ETH per LPT staked (when observed), and the same over
    /// the trailing window, annualised (ETH per LPT per year).
    pub fee_returns: Option<Vec<f64>>,
    pub fee_apr_trailing: Option<Vec<f64>>,
    /// Ticket fees over the trailing window, annualised, per bonded LPT (ETH per LPT per year).
    pub fee_yield_trailing: f64,
}

/// Fills `row`'s trailing-window columns from the rows before it: the mean over the window's
/// rounds, annualised.
pub fn trailing(rows: &[Row], row: &mut Row, rounds_per_year: f64) {
    let first = row.round.saturating_sub(TRAILING_ROUNDS - 1);
    let earlier: Vec<&Row> = rows.iter().filter(|r| r.round >= first).collect();
    let fee_yield = |r: &Row| {
        let bonded = wei_f64(r.total_bonded);
        if bonded == 0.0 {
            0.0
        } else {
            wei_f64(r.stats.fees) / 1e18 / (bonded / 1e18)
        }
    };
    let fees: f64 = earlier.iter().map(|r| fee_yield(r)).sum::<f64>() + fee_yield(row);
    row.fee_yield_trailing = fees / (earlier.len() + 1) as f64 * rounds_per_year;
    row.apr_trailing = annualised(
        &earlier,
        row.returns.as_ref(),
        |r| r.returns.as_ref(),
        rounds_per_year,
    );
    row.fee_apr_trailing = annualised(
        &earlier,
        row.fee_returns.as_ref(),
        |r| r.fee_returns.as_ref(),
        rounds_per_year,
    );
}

/// The mean per-round value of each class over the observed rows of the window (`earlier`, then
/// `now`), annualised; `None` when this round was not observed.
fn annualised(
    earlier: &[&Row],
    now: Option<&Vec<f64>>,
    of: impl Fn(&Row) -> Option<&Vec<f64>>,
    rounds_per_year: f64,
) -> Option<Vec<f64>> {
    let now = now?;
    let observed: Vec<&Vec<f64>> = earlier
        .iter()
        .filter_map(|r| of(r))
        .chain(std::iter::once(now))
        .collect();
    Some(
        (0..now.len())
            .map(|i| observed.iter().map(|r| r[i]).sum::<f64>() / observed.len() as f64)
            .map(|per_round| per_round * rounds_per_year)
            .collect(),
    )
}

impl Row {
    /// Reads the round's metrics from the chain.
    pub fn take(
        e: &mut Economy,
        observed: Option<&Observed>,
        returns: Option<Vec<f64>>,
        fee_returns: Option<Vec<f64>>,
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
            target_bonding_rate_ppb: e.chain.view(d.minter, Minter::targetBondingRateCall {})?,
            inflation_ppb: e.chain.view(d.minter, Minter::inflationCall {})?,
            reward_tokens: e.chain.view(d.minter, Minter::currentRewardTokensCall {})?,
            minted_rewards: e
                .chain
                .view(d.minter, Minter::currentMintedRewardsCall {})?,
            total_minted: e.chain.view(d.minter, Minter::totalMintedCall {})?,
            burned_cum: e.burned,
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
            active_set_size: e
                .chain
                .view(d.bonding, BondingManager::numActiveOrchestratorsCall {})?
                .to(),
            top_pool_ppm,
            pools,
            stats: e.stats.clone(),
            txs: e.chain.txs,
            gas: e.chain.gas_used,
            returns,
            apr_trailing: None,
            fee_returns,
            fee_apr_trailing: None,
            fee_yield_trailing: 0.0,
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

/// The CSV's columns before the per-class ones.
const COLUMNS: &str = "round,block,total_supply_lpt,total_bonded_lpt,bonding_rate_pct,target_bonding_rate_pct,inflation_pct_round,reward_allowance_lpt_round,minted_rewards_lpt_round,minted_lpt_round,minted_lpt_cum,treasury_lpt,slashed_lpt_round,slashed_lpt_cum,burned_lpt_round,burned_lpt_cum,active_orchestrators,active_set_size,top_pool_share_pct,rewards_round,tickets_round,fees_eth_round,fees_eth_cum,fee_yield_eth_per_lpt_year_trailing10,bonds_round,unbonds_round,withdrawals_round,claims_round,fee_withdrawals_round,disputes_round,slashes_round,txs_cum,gas_cum";

/// The CSV header for delegator classes `classes` (the orchestrators' columns come last).
pub fn csv_header(classes: &[String]) -> String {
    let mut out = String::from(COLUMNS);
    for c in classes.iter().map(String::as_str).chain(["orchestrators"]) {
        let _ = write!(
            out,
            ",return_{c}_pct_round,apr_{c}_pct_trailing10,fee_apr_{c}_eth_per_lpt_trailing10"
        );
    }
    out
}

/// `ppb` as a percentage.
fn pct_ppb(ppb: U256) -> f64 {
    wei_f64(ppb) / 1e7
}

/// The CSV of `rows`; `classes` names the delegator classes.
pub fn csv(rows: &[Row], classes: &[String]) -> String {
    let mut out = csv_header(classes);
    out.push('\n');
    let (mut slashed_cum, mut fees_cum) = (U256::ZERO, U256::ZERO);
    let mut minted_before = U256::ZERO;
    for r in rows {
        let s = &r.stats;
        slashed_cum += s.slashed;
        fees_cum += s.fees;
        let minted = r.total_minted.saturating_sub(minted_before);
        minted_before = r.total_minted;
        let _ = write!(
            out,
            "{},{},{},{},{:.7},{:.7},{:.7},{},{},{},{},{},{},{},{},{},{},{},{:.4},{},{},{},{},{:.9},{},{},{},{},{},{},{},{},{}",
            r.round,
            r.block,
            decimal(r.total_supply),
            decimal(r.total_bonded),
            pct_ppb(r.bonding_rate_ppb),
            pct_ppb(r.target_bonding_rate_ppb),
            pct_ppb(r.inflation_ppb),
            decimal(r.reward_tokens),
            decimal(r.minted_rewards),
            decimal(minted),
            decimal(r.total_minted),
            decimal(r.treasury),
            decimal(s.slashed),
            decimal(slashed_cum),
            decimal(s.burned),
            decimal(r.burned_cum),
            r.active_orchestrators,
            r.active_set_size,
            r.top_pool_ppm as f64 / 1e4,
            s.rewards,
            s.tickets,
            decimal(s.fees),
            decimal(fees_cum),
            r.fee_yield_trailing,
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
        match (&r.returns, &r.apr_trailing, &r.fee_apr_trailing) {
            (Some(ret), Some(apr), Some(fee)) => {
                for ((ret, apr), fee) in ret.iter().zip(apr).zip(fee) {
                    let _ = write!(out, ",{:.6},{:.4},{fee:.9}", ret * 100.0, apr * 100.0);
                }
            }
            _ => (0..=classes.len()).for_each(|_| out.push_str(",,,")),
        }
        out.push('\n');
    }
    out
}

/// Writes the CSV to `path`.
pub fn write_csv(path: &Path, rows: &[Row], classes: &[String]) -> Result<()> {
    std::fs::write(path, csv(rows, classes)).with_context(|| format!("writing {}", path.display()))
}
