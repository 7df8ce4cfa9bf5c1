//! The economy's scenario: protocol parameters, the actors and how they behave, read from TOML.
//! Every field has a default, so a scenario names only what it changes (see `sim/scenarios/`).

use std::{ops::RangeInclusive, path::Path};

use alloy::primitives::{Address, U256};
use anyhow::{Context as _, Result, bail, ensure};
use bindings::{DeployConfig, LPT};

use crate::evm::deploy_defaults;
use serde::Deserialize;

/// A whole scenario.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Seed of the run's random choices (the command line's `--seed` overrides it).
    pub seed: u64,
    /// Rounds to run after the set-up round.
    pub rounds: u64,
    /// Seconds per block (the clock the timestamps follow).
    pub block_time: u64,
    pub protocol: Protocol,
    pub orchestrators: Orchestrators,
    /// Delegator classes: each its own stakes and habits, and its own APR line in the charts.
    #[serde(rename = "delegators")]
    pub delegator_classes: Vec<DelegatorClass>,
    pub fees: Fees,
    pub disputes: Disputes,
    pub checks: Checks,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            seed: 1,
            rounds: 20,
            block_time: 12,
            protocol: Protocol::default(),
            orchestrators: Orchestrators::default(),
            delegator_classes: vec![DelegatorClass::default()],
            fees: Fees::default(),
            disputes: Disputes::default(),
            checks: Checks::default(),
        }
    }
}

/// Protocol parameters (the deployment's), in the contracts' units.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Protocol {
    /// LPT minted at genesis (whole LPT).
    pub genesis_supply_lpt: u64,
    /// Blocks per round.
    pub round_length: u64,
    /// Initial inflation per round (ppb).
    pub inflation: u64,
    /// Per-round step of inflation toward the target bonding rate (ppb).
    pub inflation_change: u64,
    /// Target bonding rate (ppb).
    pub target_bonding_rate: u64,
    /// Treasury's share of each round's mint (ppb).
    pub treasury_reward_cut: u64,
    pub unbonding_period: u64,
    pub num_active_orchestrators: u64,
}

impl Default for Protocol {
    fn default() -> Self {
        let d = deploy_defaults(Address::ZERO);
        Self {
            genesis_supply_lpt: 10_000_000,
            round_length: 100,
            inflation: d.inflation.to(),
            inflation_change: d.inflationChange.to(),
            target_bonding_rate: d.targetBondingRate.to(),
            treasury_reward_cut: d.treasuryRewardCut.to(),
            unbonding_period: d.unbondingPeriod.to(),
            num_active_orchestrators: d.numActiveOrchestrators.to(),
        }
    }
}

/// The orchestrators: how many, their own stake and cuts, and how reliably they call reward.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Orchestrators {
    pub count: usize,
    /// Self-stake range (whole LPT).
    pub self_stake_lpt: [u64; 2],
    /// Reward cut range (ppm).
    pub reward_cut_ppm: [u64; 2],
    /// Fee share range (ppm).
    pub fee_share_ppm: [u64; 2],
    /// Chance an active orchestrator calls `reward` in a round.
    pub reward_probability: f64,
    /// Chance an orchestrator withdraws its fees in a round.
    pub withdraw_fees_probability: f64,
}

impl Default for Orchestrators {
    fn default() -> Self {
        Self {
            count: 5,
            self_stake_lpt: [1_000, 20_000],
            reward_cut_ppm: [50_000, 250_000],
            fee_share_ppm: [250_000, 900_000],
            reward_probability: 0.95,
            withdraw_fees_probability: 0.1,
        }
    }
}

/// A class of delegators with the same habits.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DelegatorClass {
    pub name: String,
    pub count: usize,
    /// Initial stake range (whole LPT); each also holds as much again unbonded, to bond later.
    pub stake_lpt: [u64; 2],
    /// Chance per round to bond part of its liquid LPT.
    pub bond_probability: f64,
    /// Chance per round to unbond part of its stake.
    pub unbond_probability: f64,
    /// Share of the stake an unbond takes.
    pub unbond_fraction: f64,
    /// Chance per round to claim earnings.
    pub claim_probability: f64,
    /// Chance per round to withdraw its ETH fees.
    pub withdraw_fees_probability: f64,
}

impl Default for DelegatorClass {
    fn default() -> Self {
        Self {
            name: "retail".into(),
            count: 20,
            stake_lpt: [100, 5_000],
            bond_probability: 0.05,
            unbond_probability: 0.03,
            unbond_fraction: 0.5,
            claim_probability: 0.05,
            withdraw_fees_probability: 0.02,
        }
    }
}

/// Payments: broadcasters paying orchestrators with winning tickets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fees {
    pub broadcasters: usize,
    /// Each broadcaster's deposit at the start and at each top-up (ETH).
    pub deposit_eth: f64,
    /// Each broadcaster's reserve (ETH).
    pub reserve_eth: f64,
    /// Winning tickets redeemed per round (over all broadcasters).
    pub tickets_per_round: usize,
    /// Face value range of a ticket (milli-ETH).
    pub face_value_milli_eth: [u64; 2],
}

impl Default for Fees {
    fn default() -> Self {
        Self {
            broadcasters: 2,
            deposit_eth: 10.0,
            reserve_eth: 1.0,
            tickets_per_round: 3,
            face_value_milli_eth: [10, 200],
        }
    }
}

/// Disputes: cheated jobs that are challenged, voted guilty by verifiers and slashed.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Disputes {
    /// Chance per round that some orchestrator cheats on a job and is challenged.
    pub probability: f64,
    /// Verifiers approved by governance (the dispute quorum is 2).
    pub verifiers: usize,
}

impl Default for Disputes {
    fn default() -> Self {
        Self {
            probability: 0.0,
            verifiers: 3,
        }
    }
}

/// Invariant checking.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Checks {
    /// Check every `every` rounds (1: every round). Aggregate and per-account checks alike.
    pub every: u64,
    /// Largest rounding dust (wei) a pool may hold beyond its positions' claims, per position and
    /// round run.
    pub dust_per_position_wei: u64,
}

impl Default for Checks {
    fn default() -> Self {
        Self {
            every: 1,
            dust_per_position_wei: 1_000_000,
        }
    }
}

impl Scenario {
    /// Reads and checks a scenario file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario {}", path.display()))?;
        let scenario: Self = toml::from_str(&text)
            .with_context(|| format!("parsing scenario {}", path.display()))?;
        scenario
            .validate()
            .with_context(|| format!("scenario {}", path.display()))?;
        Ok(scenario)
    }

    /// Rejects scenarios the protocol or the simulator cannot run.
    pub fn validate(&self) -> Result<()> {
        ensure!(self.rounds > 0, "rounds must be at least 1");
        ensure!(self.block_time > 0, "block_time must be at least 1");
        ensure!(
            self.protocol.round_length > 0,
            "protocol.round_length must be at least 1"
        );
        ensure!(
            self.orchestrators.count > 0,
            "orchestrators.count must be at least 1"
        );
        ensure!(self.checks.every > 0, "checks.every must be at least 1");
        range(
            "orchestrators.self_stake_lpt",
            self.orchestrators.self_stake_lpt,
        )?;
        range(
            "orchestrators.reward_cut_ppm",
            self.orchestrators.reward_cut_ppm,
        )?;
        range(
            "orchestrators.fee_share_ppm",
            self.orchestrators.fee_share_ppm,
        )?;
        ensure!(
            self.orchestrators.reward_cut_ppm[1] <= 1_000_000
                && self.orchestrators.fee_share_ppm[1] <= 1_000_000,
            "cuts are parts per million: at most 1000000"
        );
        probability(
            "orchestrators.reward_probability",
            self.orchestrators.reward_probability,
        )?;
        probability(
            "orchestrators.withdraw_fees_probability",
            self.orchestrators.withdraw_fees_probability,
        )?;
        probability("disputes.probability", self.disputes.probability)?;
        if self.disputes.probability > 0.0 {
            ensure!(
                self.disputes.verifiers >= 2,
                "disputes need at least 2 verifiers (the quorum)"
            );
        }
        range("fees.face_value_milli_eth", self.fees.face_value_milli_eth)?;
        if self.fees.tickets_per_round > 0 {
            ensure!(
                self.fees.broadcasters > 0,
                "tickets need at least one broadcaster"
            );
        }
        let mut stake = 0u128;
        for (i, class) in self.delegator_classes.iter().enumerate() {
            let name = format!("delegators[{i}] ({})", class.name);
            ensure!(!class.name.is_empty(), "{name}: a class needs a name");
            ensure!(
                class
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'),
                "{name}: names are letters, digits, '_' and '-' (they become CSV columns)"
            );
            range(&format!("{name}.stake_lpt"), class.stake_lpt)?;
            for (field, p) in [
                ("bond_probability", class.bond_probability),
                ("unbond_probability", class.unbond_probability),
                ("unbond_fraction", class.unbond_fraction),
                ("claim_probability", class.claim_probability),
                ("withdraw_fees_probability", class.withdraw_fees_probability),
            ] {
                probability(&format!("{name}.{field}"), p)?;
            }
            stake += 2 * class.count as u128 * class.stake_lpt[1] as u128;
        }
        stake += self.orchestrators.count as u128 * self.orchestrators.self_stake_lpt[1] as u128;
        if stake > self.protocol.genesis_supply_lpt as u128 {
            bail!(
                "the actors may need up to {stake} LPT but the genesis supply is {} LPT",
                self.protocol.genesis_supply_lpt
            );
        }
        Ok(())
    }

    /// The deployment these parameters describe, from `admin`.
    pub fn deploy_config(&self, admin: Address) -> DeployConfig {
        let p = &self.protocol;
        DeployConfig {
            genesisSupply: U256::from(p.genesis_supply_lpt) * LPT,
            roundLength: U256::from(p.round_length),
            inflation: U256::from(p.inflation),
            inflationChange: U256::from(p.inflation_change),
            targetBondingRate: U256::from(p.target_bonding_rate),
            treasuryRewardCut: U256::from(p.treasury_reward_cut),
            unbondingPeriod: U256::from(p.unbonding_period),
            numActiveOrchestrators: U256::from(p.num_active_orchestrators),
            ..deploy_defaults(admin)
        }
    }

    /// Rounds per year at this round length and block time (for APRs).
    pub fn rounds_per_year(&self) -> f64 {
        365.0 * 24.0 * 3600.0 / (self.protocol.round_length * self.block_time) as f64
    }
}

/// `[lo, hi]` as an inclusive range, insisting `lo <= hi`.
pub fn inclusive(r: [u64; 2]) -> RangeInclusive<u64> {
    r[0]..=r[1]
}

fn range(name: &str, r: [u64; 2]) -> Result<()> {
    ensure!(
        r[0] <= r[1],
        "{name}: [{}, {}] is an empty range",
        r[0],
        r[1]
    );
    Ok(())
}

fn probability(name: &str, p: f64) -> Result<()> {
    ensure!((0.0..=1.0).contains(&p), "{name} = {p} is not within 0..=1");
    Ok(())
}
