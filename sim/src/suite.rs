//! The deployed suite a governor belongs to, located by its deployment rather than by comparing
//! bytecode: the governor links to BondingVotes, BondingVotes to the BondingManager, the
//! BondingManager to its AccessManager; the AccessManager is the deploy plan's first creation, so
//! its deployer and creation nonce give every other address through the planner
//! (`DeployPlan.addresses`, evaluated in revm). Each planned address must hold code of its
//! artifact's size (immutables are filled in place), or locating fails with the reason.

use std::collections::BTreeMap;

use alloy::{
    eips::BlockId,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use anyhow::{Context as _, Result, ensure};
use bindings::{AccessManager, BondingManager, BondingVotes, Deployment, LivepeerGovernor, roles};
use revm::{Database, DatabaseCommit};

use crate::{
    evm::{self, Chain},
    fork::Fork,
    known::{self, Kind},
};

/// The suite as deployed.
pub struct Suite {
    pub deployment: Deployment,
    /// Who ran the deploy plan, and its nonce at the plan's first creation.
    pub deployer: Address,
    pub first_nonce: u64,
    /// The block the plan's first contract was created in: logs are read from here on.
    pub deployed_at: u64,
    pub contracts: BTreeMap<Address, &'static Kind>,
}

impl Suite {
    /// Locates the suite of `governor` on the fork.
    pub fn locate(fork: &mut Fork, governor: Address) -> Result<Self> {
        let chain = &mut fork.chain;
        let votes = chain
            .view(governor, LivepeerGovernor::tokenCall {})
            .with_context(|| format!("{governor} is not a LivepeerGovernor (no token())"))?;
        let bonding = chain
            .view(votes, BondingVotes::bondingCall {})
            .with_context(|| format!("the governor's votes {votes} are not BondingVotes"))?;
        let suite = Self::of_managed(fork, bonding)?;
        ensure!(
            suite.deployment.governor == governor,
            "the suite deployed by {} from nonce {} has its governor at {}, not {governor}",
            suite.deployer,
            suite.first_nonce,
            suite.deployment.governor
        );
        Ok(suite)
    }

    /// Locates the suite of `contract`, one of its AccessManager-governed contracts (the
    /// BondingManager, the DisputeManager, ...).
    pub fn of_managed(fork: &mut Fork, contract: Address) -> Result<Self> {
        let manager = fork
            .chain
            .view(contract, BondingManager::authorityCall {})
            .with_context(|| format!("reading the authority (AccessManager) of {contract}"))?;
        let deployed_at =
            fork.runtime
                .block_on(first_block_with_code(&fork.provider, manager, fork.block))?;
        let deployer =
            fork.runtime
                .block_on(initial_admin(&fork.provider, manager, deployed_at))?;
        let nonce = fork.chain.nonce(deployer)?;
        let first_nonce = (0..nonce)
            .find(|n| deployer.create(*n) == manager)
            .with_context(|| {
                format!(
                    "the AccessManager {manager} was not created by its first admin {deployer}: not a deployment of the plan"
                )
            })?;
        let deployment = evm::planned_addresses(deployer, first_nonce)?;
        let mut contracts = BTreeMap::new();
        for (name, address) in deployment.contracts() {
            let kind = known::kind(name)
                .with_context(|| format!("the plan deploys `{name}`, which the simulator lacks"))?;
            let code = fork.chain.code(address)?;
            ensure!(
                code.len() == kind.deployed_len(),
                "the {name} at {address} has {} bytes of code, the suite's has {}: a different build of the contracts",
                code.len(),
                kind.deployed_len()
            );
            contracts.insert(address, kind);
        }
        Ok(Self {
            deployment,
            deployer,
            first_nonce,
            deployed_at,
            contracts,
        })
    }

    /// The suite contract's name at `address`.
    pub fn name(&self, address: &Address) -> Option<&'static str> {
        self.contracts.get(address).map(|k| k.name)
    }

    /// The address of the suite contract `name`.
    pub fn address(&self, name: &str) -> Option<Address> {
        self.deployment
            .contracts()
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, a)| *a)
    }

    /// An account in words: its suite name, "EOA without code", or "contract <code hash prefix>".
    pub fn describe<DB: Database + DatabaseCommit>(
        &self,
        chain: &mut Chain<DB>,
        account: Address,
    ) -> String {
        if let Some(name) = self.name(&account) {
            return format!("{name} {account}");
        }
        match chain.code(account) {
            Ok(code) if code.is_empty() => format!("{account} (EOA without code)"),
            Ok(code) => format!(
                "{account} (contract, code hash {:.10}…)",
                alloy::primitives::keccak256(&code).to_string()
            ),
            Err(_) => format!("{account} (unreadable)"),
        }
    }
}

/// The name of an AccessManager role id (`bindings::roles`, and OpenZeppelin's PUBLIC_ROLE).
pub fn role_name(id: u64) -> String {
    let name = match id {
        roles::ADMIN => "ADMIN",
        roles::MINTER => "MINTER",
        roles::ROUND_INITIALIZER => "ROUND_INITIALIZER",
        roles::REWARDER => "REWARDER",
        roles::FEE_CREDITOR => "FEE_CREDITOR",
        roles::SLASHER => "SLASHER",
        roles::ARBITRATOR => "ARBITRATOR",
        roles::REPUTATION_WRITER => "REPUTATION_WRITER",
        u64::MAX => "PUBLIC",
        other => return other.to_string(),
    };
    name.to_string()
}

/// The first block at which `account` has code (binary search over historical state).
async fn first_block_with_code(
    provider: &impl Provider,
    account: Address,
    head: u64,
) -> Result<u64> {
    let has_code = |block: u64| async move {
        provider
            .get_code_at(account)
            .block_id(BlockId::number(block))
            .await
            .map(|c| !c.is_empty())
            .with_context(|| format!("reading the code of {account} at block {block}"))
    };
    ensure!(
        has_code(head).await?,
        "{account} has no code at block {head}"
    );
    if has_code(0).await? {
        return Ok(0);
    }
    let (mut without, mut with) = (0, head);
    while with - without > 1 {
        let mid = without + (with - without) / 2;
        if has_code(mid).await? {
            with = mid;
        } else {
            without = mid;
        }
    }
    Ok(with)
}

/// The account the AccessManager's constructor made ADMIN (its `RoleGranted` in its creation block).
async fn initial_admin(provider: &impl Provider, manager: Address, block: u64) -> Result<Address> {
    let filter = Filter::new()
        .address(manager)
        .event_signature(AccessManager::RoleGranted::SIGNATURE_HASH)
        .topic1(U256::from(roles::ADMIN))
        .from_block(block)
        .to_block(block);
    let logs = provider
        .get_logs(&filter)
        .await
        .context("reading the AccessManager's creation logs")?;
    logs.iter()
        .find_map(|l| AccessManager::RoleGranted::decode_log(&l.inner).ok())
        .map(|g| g.account)
        .with_context(|| {
            format!("the AccessManager {manager} granted no ADMIN in its creation block {block}")
        })
}
