//! The invariants checked after a proposal, every one of them every time: a check that cannot be
//! evaluated (a view reverts after the proposal) is itself a failure, never silently skipped.

use alloy::primitives::U256;
use anyhow::{Result, ensure};
use bindings::{
    AccessManager, BondingManager, LivepeerGovernor, LivepeerToken, Minter, TimelockController,
    roles,
};
use revm::{Database, DatabaseCommit};

use crate::{evm::Chain, metrics::decimal, proposal::Check, suite::Suite};

/// An invariant: its name, and what it finds (`Ok(detail)`: holds; `Err`: violated or unreadable).
type Invariant<DB> = (&'static str, fn(&mut Chain<DB>, &Suite) -> Result<String>);

/// The invariants, in the order they are reported.
pub fn invariants<DB: Database + DatabaseCommit>() -> [Invariant<DB>; INVARIANTS] {
    [
        ("governance-admin", governance_admin),
        ("governor-executor", governor_executor),
        ("timelock-proposer", timelock_proposer),
        ("bonding-solvency", bonding_solvency),
        ("active-set", active_set),
        ("reward-allowance", reward_allowance),
    ]
}

/// How many invariants every simulation checks.
pub const INVARIANTS: usize = 6;

/// Checks every invariant on `chain`.
pub fn check<DB: Database + DatabaseCommit>(chain: &mut Chain<DB>, suite: &Suite) -> Vec<Check> {
    invariants::<DB>()
        .into_iter()
        .map(|(name, f)| match f(chain, suite) {
            Ok(detail) => Check::ok(name, detail),
            Err(e) => Check::fail(name, format!("{e:#}")),
        })
        .collect()
}

fn governance_admin<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: &Suite,
) -> Result<String> {
    let d = s.deployment;
    let held = chain.view(
        d.manager,
        AccessManager::hasRoleCall {
            roleId: roles::ADMIN,
            account: d.timelock,
        },
    )?;
    ensure!(
        held.isMember,
        "the timelock loses the AccessManager's ADMIN role: governance could no longer change parameters"
    );
    Ok("the timelock holds the AccessManager's ADMIN role".into())
}

fn governor_executor<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: &Suite,
) -> Result<String> {
    let d = s.deployment;
    let timelock = chain.view(d.governor, LivepeerGovernor::timelockCall {})?;
    ensure!(
        timelock == d.timelock,
        "the governor's timelock becomes {timelock}, not the suite's {}",
        d.timelock
    );
    Ok("the governor executes through the suite's timelock".into())
}

fn timelock_proposer<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: &Suite,
) -> Result<String> {
    let d = s.deployment;
    let role = chain.view(d.timelock, TimelockController::PROPOSER_ROLECall {})?;
    let held = chain.view(
        d.timelock,
        TimelockController::hasRoleCall {
            role,
            account: d.governor,
        },
    )?;
    ensure!(
        held,
        "the governor loses the timelock's PROPOSER role: passed proposals could no longer be queued"
    );
    Ok("the governor holds the timelock's PROPOSER role".into())
}

fn bonding_solvency<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: &Suite,
) -> Result<String> {
    let d = s.deployment;
    let bonded = chain.view(d.bonding, BondingManager::totalBondedCall {})?;
    let held = chain.view(d.token, LivepeerToken::balanceOfCall { account: d.bonding })?;
    ensure!(
        held >= bonded,
        "the BondingManager holds {} LPT, less than the {} LPT bonded",
        decimal(held),
        decimal(bonded)
    );
    Ok(format!(
        "the BondingManager holds {} LPT for {} LPT bonded",
        decimal(held),
        decimal(bonded)
    ))
}

fn active_set<DB: Database + DatabaseCommit>(chain: &mut Chain<DB>, s: &Suite) -> Result<String> {
    let d = s.deployment;
    let members = chain.view(d.bonding, BondingManager::activeSetCall {})?;
    let max = chain.view(d.bonding, BondingManager::numActiveOrchestratorsCall {})?;
    ensure!(
        U256::from(members.len()) <= max,
        "{} active, more than the limit of {max}",
        members.len()
    );
    Ok(format!("{} active of at most {max}", members.len()))
}

fn reward_allowance<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    s: &Suite,
) -> Result<String> {
    let d = s.deployment;
    let allowance = chain.view(d.minter, Minter::currentRewardTokensCall {})?;
    let minted = chain.view(d.minter, Minter::currentMintedRewardsCall {})?;
    ensure!(
        minted <= allowance,
        "{} LPT minted this round, more than the {} LPT allowance",
        decimal(minted),
        decimal(allowance)
    );
    Ok(format!(
        "{} LPT of this round's {} LPT allowance minted",
        decimal(minted),
        decimal(allowance)
    ))
}
