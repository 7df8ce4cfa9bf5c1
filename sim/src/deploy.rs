//! Deploys the suite into a [`Chain`] with the very transactions of `bindings::deploy` (and so of
//! `script/ProtocolDeployer.sol`), in the same order, from the same admin: the addresses are the
//! ones a fresh anvil gets (a test compares addresses and code with `bindings::deploy` on anvil).

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::{SolCall, SolConstructor},
};
use anyhow::{Context as _, Result};
use bindings::{
    AccessManager, BondingManager, BondingVotes, CapabilityRegistry, DeployConfig, Deployment,
    DisputeManager, LivepeerGovernor, LivepeerToken, Minter, Reputation, RoundsManager,
    TicketBroker, TimelockController, dispute_manager::IDisputeManager, roles,
};
use revm::{Database, DatabaseCommit};

use crate::evm::Chain;

/// Creation code: `bytecode ‖ abi-encoded constructor arguments`.
/// One wiring call from `admin`, named in the error if it reverts.
fn wire<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    admin: Address,
    step: &str,
    to: Address,
    data: Bytes,
) -> Result<()> {
    chain
        .execute(admin, to.into(), data, U256::ZERO)
        .with_context(|| format!("wiring step `{step}`"))
        .map(|_| ())
}

fn init_code(bytecode: &Bytes, args: impl SolConstructor) -> Bytes {
    [bytecode.as_ref(), &args.abi_encode()].concat().into()
}

/// Deploys and wires the suite from `admin` as `bindings::deploy` does.
pub fn deploy<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    admin: Address,
    config: &DeployConfig,
) -> Result<Deployment> {
    let mut create = |name: &str, init: Bytes| {
        chain
            .create(admin, init)
            .with_context(|| format!("deploying {name}"))
    };
    let manager = create(
        "AccessManager",
        init_code(
            &AccessManager::BYTECODE,
            AccessManager::constructorCall {
                initialAdmin: admin,
            },
        ),
    )?;
    let token = create(
        "LivepeerToken",
        init_code(
            &LivepeerToken::BYTECODE,
            LivepeerToken::constructorCall {
                authority: manager,
                genesisRecipient: config.genesis_recipient,
                genesisSupply: config.genesis_supply,
            },
        ),
    )?;
    let minter = create(
        "Minter",
        init_code(
            &Minter::BYTECODE,
            Minter::constructorCall {
                authority: manager,
                token_: token,
                treasury_: config.treasury,
                inflation_: U256::from(config.inflation),
                inflationChange_: U256::from(config.inflation_change),
                targetBondingRate_: U256::from(config.target_bonding_rate),
                treasuryRewardCut_: U256::from(config.treasury_reward_cut),
            },
        ),
    )?;
    let rounds = create(
        "RoundsManager",
        init_code(
            &RoundsManager::BYTECODE,
            RoundsManager::constructorCall {
                authority: manager,
                minter_: minter,
                roundLength_: U256::from(config.round_length),
            },
        ),
    )?;
    let bonding = create(
        "BondingManager",
        init_code(
            &BondingManager::BYTECODE,
            BondingManager::constructorCall {
                authority: manager,
                token_: token,
                minter_: minter,
                rounds_: rounds,
                unbondingPeriod_: U256::from(config.unbonding_period),
                numActive: U256::from(config.num_active_orchestrators),
                paramsChangeDelay_: U256::from(config.params_change_delay),
            },
        ),
    )?;

    let restrict = |target: Address, selector: [u8; 4], role: u64| {
        AccessManager::setTargetFunctionRoleCall {
            target,
            selectors: vec![selector.into()],
            roleId: role,
        }
        .abi_encode()
        .into()
    };
    let grant = |role: u64, account: Address| {
        AccessManager::grantRoleCall {
            roleId: role,
            account,
            executionDelay: 0,
        }
        .abi_encode()
        .into()
    };
    wire(
        chain,
        admin,
        "restrict LivepeerToken.mint to MINTER",
        manager,
        restrict(token, LivepeerToken::mintCall::SELECTOR, roles::MINTER),
    )?;
    wire(
        chain,
        admin,
        "grant MINTER to the Minter",
        manager,
        grant(roles::MINTER, minter),
    )?;
    wire(
        chain,
        admin,
        "restrict Minter.startRound to ROUND_INITIALIZER",
        manager,
        restrict(
            minter,
            Minter::startRoundCall::SELECTOR,
            roles::ROUND_INITIALIZER,
        ),
    )?;
    wire(
        chain,
        admin,
        "grant ROUND_INITIALIZER to the RoundsManager",
        manager,
        grant(roles::ROUND_INITIALIZER, rounds),
    )?;
    // Round starts skip the authority's check (initializeRound is paid every round).
    wire(
        chain,
        admin,
        "set the Minter's round initializer",
        minter,
        Minter::setRoundInitializerCall {
            initializer: rounds,
        }
        .abi_encode()
        .into(),
    )?;
    wire(
        chain,
        admin,
        "restrict Minter.mintReward to REWARDER",
        manager,
        restrict(minter, Minter::mintRewardCall::SELECTOR, roles::REWARDER),
    )?;
    wire(
        chain,
        admin,
        "grant REWARDER to the BondingManager",
        manager,
        grant(roles::REWARDER, bonding),
    )?;
    wire(
        chain,
        admin,
        "restrict BondingManager.creditFees to FEE_CREDITOR",
        manager,
        restrict(
            bonding,
            BondingManager::creditFeesCall::SELECTOR,
            roles::FEE_CREDITOR,
        ),
    )?;
    wire(
        chain,
        admin,
        "restrict BondingManager.slash to SLASHER",
        manager,
        restrict(bonding, BondingManager::slashCall::SELECTOR, roles::SLASHER),
    )?;
    wire(
        chain,
        admin,
        "restrict BondingManager.freezeMoves to SLASHER",
        manager,
        restrict(
            bonding,
            BondingManager::freezeMovesCall::SELECTOR,
            roles::SLASHER,
        ),
    )?;
    wire(
        chain,
        admin,
        "set the Minter's stake totals to the BondingManager",
        minter,
        Minter::setStakeTotalsCall {
            stakeTotals_: bonding,
        }
        .abi_encode()
        .into(),
    )?;

    let mut create = |name: &str, init: Bytes| {
        chain
            .create(admin, init)
            .with_context(|| format!("deploying {name}"))
    };
    let broker = create(
        "TicketBroker",
        init_code(
            &TicketBroker::BYTECODE,
            TicketBroker::constructorCall {
                authority: manager,
                rounds_: rounds,
                unlockPeriod_: U256::from(config.unlock_period),
                ticketValidityPeriod_: U256::from(config.ticket_validity_period),
                reserveShares_: U256::from(config.reserve_shares),
            },
        ),
    )?;
    let registry = create("CapabilityRegistry", CapabilityRegistry::BYTECODE.clone())?;
    wire(
        chain,
        admin,
        "grant FEE_CREDITOR to the TicketBroker",
        manager,
        grant(roles::FEE_CREDITOR, broker),
    )?;
    // The broker's fee credits skip the authority's check (the hot path of every winning ticket).
    wire(
        chain,
        admin,
        "trust the TicketBroker as fee creditor",
        bonding,
        BondingManager::setTrustedFeeCreditorCall { creditor: broker }
            .abi_encode()
            .into(),
    )?;
    wire(
        chain,
        admin,
        "set the TicketBroker's fee creditor to the BondingManager",
        broker,
        TicketBroker::setFeeCreditorCall {
            feeCreditor_: bonding,
        }
        .abi_encode()
        .into(),
    )?;
    let reputation = chain
        .create(
            admin,
            init_code(
                &Reputation::BYTECODE,
                Reputation::constructorCall {
                    authority: manager,
                    bonding_: bonding,
                    rounds_: rounds,
                    priceOracle_: registry,
                    decayPpb_: U256::from(config.reputation_decay),
                    passPoints_: config.reputation_pass_points,
                    penaltyPpb_: U256::from(config.reputation_penalty),
                },
            ),
        )
        .context("deploying Reputation")?;
    let disputes = chain
        .create(
            admin,
            init_code(
                &DisputeManager::BYTECODE,
                DisputeManager::constructorCall {
                    authority: manager,
                    token_: token,
                    bonding_: bonding,
                    rounds_: rounds,
                    reputation_: reputation,
                    params: IDisputeManager::Params {
                        deposit: config.dispute_deposit,
                        statuteOfLimitations: U256::from(config.statute_of_limitations),
                        verdictPeriod: U256::from(config.verdict_period),
                        vetoWindow: U256::from(config.veto_window),
                        quorum: U256::from(config.dispute_quorum),
                        maxSlashCutPpb: U256::from(config.max_slash_cut),
                        challengerRewardCutPpb: U256::from(config.challenger_reward_cut),
                        rateLimitWindow: U256::from(config.rate_limit_window),
                        rateLimitAmount: config.rate_limit_amount,
                    },
                },
            ),
        )
        .context("deploying DisputeManager")?;
    wire(
        chain,
        admin,
        "grant SLASHER to the DisputeManager",
        manager,
        grant(roles::SLASHER, disputes),
    )?;
    wire(
        chain,
        admin,
        "restrict Reputation.recordPasses to REPUTATION_WRITER",
        manager,
        restrict(
            reputation,
            Reputation::recordPassesCall::SELECTOR,
            roles::REPUTATION_WRITER,
        ),
    )?;
    wire(
        chain,
        admin,
        "restrict Reputation.penalize to REPUTATION_WRITER",
        manager,
        restrict(
            reputation,
            Reputation::penalizeCall::SELECTOR,
            roles::REPUTATION_WRITER,
        ),
    )?;
    wire(
        chain,
        admin,
        "grant REPUTATION_WRITER to the DisputeManager",
        manager,
        grant(roles::REPUTATION_WRITER, disputes),
    )?;
    wire(
        chain,
        admin,
        "restrict DisputeManager.veto to ARBITRATOR",
        manager,
        restrict(
            disputes,
            DisputeManager::vetoCall::SELECTOR,
            roles::ARBITRATOR,
        ),
    )?;
    wire(
        chain,
        admin,
        "grant ARBITRATOR to the admin",
        manager,
        grant(roles::ARBITRATOR, admin),
    )?;

    let (votes, governor, timelock) = deploy_governance(chain, admin, config, bonding)?;
    if config.hand_over_to_governance {
        wire(
            chain,
            admin,
            "set the Minter's treasury to the timelock",
            minter,
            Minter::setTreasuryCall {
                treasury_: timelock,
            }
            .abi_encode()
            .into(),
        )?;
        wire(
            chain,
            admin,
            "grant ARBITRATOR to the timelock",
            manager,
            grant(roles::ARBITRATOR, timelock),
        )?;
        wire(
            chain,
            admin,
            "renounce the deployer's ARBITRATOR",
            manager,
            renounce(roles::ARBITRATOR, admin),
        )?;
        wire(
            chain,
            admin,
            "grant the authority's admin to the timelock",
            manager,
            grant(roles::ADMIN, timelock),
        )?;
        wire(
            chain,
            admin,
            "renounce the deployer's admin",
            manager,
            renounce(roles::ADMIN, admin),
        )?;
    }
    Ok(Deployment {
        manager,
        token,
        minter,
        rounds,
        bonding,
        broker,
        registry,
        reputation,
        disputes,
        votes,
        governor,
        timelock,
    })
}

fn renounce(role: u64, account: Address) -> Bytes {
    AccessManager::renounceRoleCall {
        roleId: role,
        callerConfirmation: account,
    }
    .abi_encode()
    .into()
}

/// BondingVotes, the timelock and the governor, as `bindings`' `deploy_governance`.
fn deploy_governance<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    admin: Address,
    config: &DeployConfig,
    bonding: Address,
) -> Result<(Address, Address, Address)> {
    let votes = chain
        .create(
            admin,
            init_code(
                &BondingVotes::BYTECODE,
                BondingVotes::constructorCall { bonding_: bonding },
            ),
        )
        .context("deploying BondingVotes")?;
    let timelock = chain
        .create(
            admin,
            init_code(
                &TimelockController::BYTECODE,
                TimelockController::constructorCall {
                    minDelay: U256::from(config.timelock_delay),
                    proposers: vec![],
                    executors: vec![],
                    admin,
                },
            ),
        )
        .context("deploying TimelockController")?;
    let settings = LivepeerGovernor::Settings {
        votingDelay: alloy::primitives::Uint::from(config.voting_delay),
        votingPeriod: config
            .voting_period
            .try_into()
            .context("voting period fits 32 bits")?,
        proposalThreshold: config.proposal_threshold,
        quorum: U256::from(config.quorum),
        quota: U256::from(config.quota),
    };
    let governor = chain
        .create(
            admin,
            init_code(
                &LivepeerGovernor::BYTECODE,
                LivepeerGovernor::constructorCall {
                    votes_: votes,
                    timelock_: timelock,
                    settings,
                },
            ),
        )
        .context("deploying LivepeerGovernor")?;
    for role in ["PROPOSER_ROLE", "CANCELLER_ROLE", "EXECUTOR_ROLE"] {
        chain
            .send(
                admin,
                timelock,
                TimelockController::grantRoleCall {
                    role: keccak256(role),
                    account: governor,
                },
            )
            .with_context(|| format!("granting the timelock's {role} to the governor"))?;
    }
    chain
        .send(
            admin,
            timelock,
            TimelockController::renounceRoleCall {
                role: B256::ZERO,
                callerConfirmation: admin,
            },
        )
        .context("renouncing the deployer's timelock admin")?;
    Ok((votes, governor, timelock))
}
