//! Deploys and wires the suite on any RPC endpoint: the same transactions, in the same order, as
//! `script/ProtocolDeployer.sol`, so both give the same addresses on a fresh chain.

use alloy::{
    network::Ethereum,
    primitives::{Address, FixedBytes, U256, keccak256},
    providers::Provider,
    rpc::types::TransactionReceipt,
    sol_types::SolCall,
};

use crate::{
    AccessManager, BondingManager, BondingVotes, CapabilityRegistry, DisputeManager,
    LivepeerGovernor, LivepeerToken, Minter, Reputation, RoundsManager, TicketBroker,
    TimelockController, dispute_manager::IDisputeManager,
};

/// AccessManager role ids, as in `contracts/access/Roles.sol`.
pub mod roles {
    /// May mint LPT: the Minter.
    pub const MINTER: u64 = 1;
    /// May start the Minter's round: the RoundsManager.
    pub const ROUND_INITIALIZER: u64 = 2;
    /// May mint round rewards: the bonding contract.
    pub const REWARDER: u64 = 3;
    /// May credit ticket fees to orchestrators' pools: the ticket broker.
    pub const FEE_CREDITOR: u64 = 4;
    /// May slash orchestrators: the dispute manager.
    pub const SLASHER: u64 = 5;
    /// May veto guilty verdicts in their veto window: governance.
    pub const ARBITRATOR: u64 = 6;
    /// May raise and cut reputation: the dispute manager.
    pub const REPUTATION_WRITER: u64 = 7;
    /// The AccessManager's admin: every parameter setter; the timelock after the hand-over.
    pub const ADMIN: u64 = 0;
}

/// One LPT in wei.
pub const LPT: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// What a deployment is configured with. Rates are parts per billion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployConfig {
    /// Receives the genesis supply.
    pub genesis_recipient: Address,
    /// LPT (in wei) minted at the token's construction.
    pub genesis_supply: U256,
    /// Receives the treasury cut of each round's mint.
    pub treasury: Address,
    /// Blocks per round.
    pub round_length: u64,
    /// Initial inflation per round.
    pub inflation: u64,
    /// Per-round step of inflation toward the target bonding rate.
    pub inflation_change: u64,
    /// Bonded share of supply that inflation steers toward.
    pub target_bonding_rate: u64,
    /// Treasury's share of each round's mint.
    pub treasury_reward_cut: u64,
    /// Rounds before unbonded stake can be withdrawn.
    pub unbonding_period: u64,
    /// Size of the active orchestrator set.
    pub num_active_orchestrators: u64,
    /// Rounds before an orchestrator's new reward cut and fee share are in force.
    pub params_change_delay: u64,
    /// Rounds between a ticket sender's unlock and its withdrawal.
    pub unlock_period: u64,
    /// Rounds a ticket stays redeemable after its creation round.
    pub ticket_validity_period: u64,
    /// Per-orchestrator allocations a sender's reserve is split into each round.
    pub reserve_shares: u64,
    // -------- disputes and reputation
    /// LPT (wei) a challenger locks per dispute.
    pub dispute_deposit: U256,
    /// Rounds after a receipt's round in which it can be disputed.
    pub statute_of_limitations: u64,
    /// Rounds after a dispute opens in which verifiers vote.
    pub verdict_period: u64,
    /// Rounds after a guilty decision in which the arbitrator may veto it.
    pub veto_window: u64,
    /// Verifier votes for one outcome that decide a dispute.
    pub dispute_quorum: u64,
    /// Largest share of the snapshot stake a slash takes.
    pub max_slash_cut: u64,
    /// The challenger's share of the slashed LPT (at most half).
    pub challenger_reward_cut: u64,
    /// Rounds per slashing rate-limit window.
    pub rate_limit_window: u64,
    /// LPT (wei) slashable per window.
    pub rate_limit_amount: U256,
    /// Share of a reputation score lost per round.
    pub reputation_decay: u64,
    /// Reputation points per attested job.
    pub reputation_pass_points: U256,
    /// Share of a reputation score lost with a dispute.
    pub reputation_penalty: u64,
    /// Rounds between a proposal and its snapshot round.
    pub voting_delay: u64,
    /// Rounds a proposal takes votes.
    pub voting_period: u64,
    /// Votes (LPT in wei) a proposer needs.
    pub proposal_threshold: U256,
    /// Quorum, parts per million of the total bonded stake at the snapshot.
    pub quorum: u64,
    /// Pass quota, parts per million of for + against.
    pub quota: u64,
    /// Seconds a passed proposal waits in the timelock.
    pub timelock_delay: u64,
    /// Whether the deployment ends by handing the authority's admin and the Minter's treasury to the
    /// timelock, the deployer keeping nothing (production: true).
    pub hand_over_to_governance: bool,
}

impl DeployConfig {
    /// The defaults of `ProtocolDeployer.defaultConfig`, with `admin` as genesis recipient and
    /// treasury.
    pub fn defaults_for(admin: Address) -> Self {
        Self {
            genesis_recipient: admin,
            genesis_supply: U256::from(10_000_000u64) * LPT,
            treasury: admin,
            round_length: 5760,
            inflation: 228_000,
            inflation_change: 500,
            target_bonding_rate: 500_000_000,
            treasury_reward_cut: 100_000_000,
            unbonding_period: 7,
            num_active_orchestrators: 100,
            params_change_delay: 1,
            unlock_period: 2,
            ticket_validity_period: 2,
            reserve_shares: 100,
            dispute_deposit: U256::from(100u64) * LPT,
            statute_of_limitations: 2,
            verdict_period: 2,
            veto_window: 2,
            dispute_quorum: 2,
            max_slash_cut: 100_000_000,
            challenger_reward_cut: 500_000_000,
            rate_limit_window: 10,
            rate_limit_amount: U256::from(1_000_000u64) * LPT,
            reputation_decay: 20_000_000,
            reputation_pass_points: LPT,
            reputation_penalty: 900_000_000,
            voting_delay: 1,
            voting_period: 10,
            proposal_threshold: U256::from(100u64) * LPT,
            quorum: 333_300,
            quota: 500_000,
            timelock_delay: 2 * 24 * 60 * 60,
            hand_over_to_governance: true,
        }
    }
}

/// The deployed suite's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deployment {
    pub manager: Address,
    pub token: Address,
    pub minter: Address,
    pub rounds: Address,
    pub bonding: Address,
    pub broker: Address,
    pub registry: Address,
    // -------- disputes and reputation
    pub reputation: Address,
    pub disputes: Address,
    pub votes: Address,
    pub governor: Address,
    pub timelock: Address,
}

/// Why a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("deploying {contract} failed: {source}")]
    Create {
        contract: &'static str,
        #[source]
        source: alloy::contract::Error,
    },
    #[error("wiring step `{step}` failed: {source}")]
    Wire {
        step: &'static str,
        #[source]
        source: alloy::contract::Error,
    },
    #[error("waiting for wiring step `{step}` failed: {source}")]
    Receipt {
        step: &'static str,
        #[source]
        source: alloy::providers::PendingTransactionError,
    },
    #[error("wiring step `{step}` reverted in transaction {tx}")]
    Reverted {
        step: &'static str,
        tx: FixedBytes<32>,
    },
}

/// Deploys the suite from the provider's default sender, which must be `admin`: it is the
/// authority's admin while it sends the wiring transactions, and (with
/// `hand_over_to_governance`) hands that over to the timelock at the end.
pub async fn deploy<P: Provider<Ethereum> + Clone>(
    provider: &P,
    admin: Address,
    config: &DeployConfig,
) -> Result<Deployment, DeployError> {
    let create = |contract| move |source| DeployError::Create { contract, source };

    let manager = AccessManager::deploy(provider.clone(), admin)
        .await
        .map_err(create("AccessManager"))?;
    let token = LivepeerToken::deploy(
        provider.clone(),
        *manager.address(),
        config.genesis_recipient,
        config.genesis_supply,
    )
    .await
    .map_err(create("LivepeerToken"))?;
    let minter = Minter::deploy(
        provider.clone(),
        *manager.address(),
        *token.address(),
        config.treasury,
        U256::from(config.inflation),
        U256::from(config.inflation_change),
        U256::from(config.target_bonding_rate),
        U256::from(config.treasury_reward_cut),
    )
    .await
    .map_err(create("Minter"))?;
    let rounds = RoundsManager::deploy(
        provider.clone(),
        *manager.address(),
        *minter.address(),
        U256::from(config.round_length),
    )
    .await
    .map_err(create("RoundsManager"))?;
    let bonding = BondingManager::deploy(
        provider.clone(),
        *manager.address(),
        *token.address(),
        *minter.address(),
        *rounds.address(),
        U256::from(config.unbonding_period),
        U256::from(config.num_active_orchestrators),
        U256::from(config.params_change_delay),
    )
    .await
    .map_err(create("BondingManager"))?;

    let restrict = |target: Address, selector: [u8; 4], role: u64| {
        manager.setTargetFunctionRole(target, vec![selector.into()], role)
    };
    confirm(
        "restrict LivepeerToken.mint to MINTER",
        restrict(
            *token.address(),
            LivepeerToken::mintCall::SELECTOR,
            roles::MINTER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "grant MINTER to the Minter",
        manager
            .grantRole(roles::MINTER, *minter.address(), 0)
            .send()
            .await,
    )
    .await?;
    confirm(
        "restrict Minter.startRound to ROUND_INITIALIZER",
        restrict(
            *minter.address(),
            Minter::startRoundCall::SELECTOR,
            roles::ROUND_INITIALIZER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "grant ROUND_INITIALIZER to the RoundsManager",
        manager
            .grantRole(roles::ROUND_INITIALIZER, *rounds.address(), 0)
            .send()
            .await,
    )
    .await?;
    // Round starts skip the authority's check (initializeRound is paid every round).
    confirm(
        "set the Minter's round initializer",
        minter.setRoundInitializer(*rounds.address()).send().await,
    )
    .await?;
    confirm(
        "restrict Minter.mintReward to REWARDER",
        restrict(
            *minter.address(),
            Minter::mintRewardCall::SELECTOR,
            roles::REWARDER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "grant REWARDER to the BondingManager",
        manager
            .grantRole(roles::REWARDER, *bonding.address(), 0)
            .send()
            .await,
    )
    .await?;
    confirm(
        "restrict BondingManager.creditFees to FEE_CREDITOR",
        restrict(
            *bonding.address(),
            BondingManager::creditFeesCall::SELECTOR,
            roles::FEE_CREDITOR,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "restrict BondingManager.slash to SLASHER",
        restrict(
            *bonding.address(),
            BondingManager::slashCall::SELECTOR,
            roles::SLASHER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "restrict BondingManager.freezeMoves to SLASHER",
        restrict(
            *bonding.address(),
            BondingManager::freezeMovesCall::SELECTOR,
            roles::SLASHER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "set the Minter's stake totals to the BondingManager",
        minter.setStakeTotals(*bonding.address()).send().await,
    )
    .await?;

    // The broker starts without a fee creditor: governance sets the bonding contract once it exists.
    let broker = TicketBroker::deploy(
        provider.clone(),
        *manager.address(),
        *rounds.address(),
        U256::from(config.unlock_period),
        U256::from(config.ticket_validity_period),
        U256::from(config.reserve_shares),
    )
    .await
    .map_err(create("TicketBroker"))?;
    let registry = CapabilityRegistry::deploy(provider.clone())
        .await
        .map_err(create("CapabilityRegistry"))?;
    confirm(
        "grant FEE_CREDITOR to the TicketBroker",
        manager
            .grantRole(roles::FEE_CREDITOR, *broker.address(), 0)
            .send()
            .await,
    )
    .await?;
    // The broker's fee credits skip the authority's check (the hot path of every winning ticket).
    confirm(
        "trust the TicketBroker as fee creditor",
        bonding
            .setTrustedFeeCreditor(*broker.address())
            .send()
            .await,
    )
    .await?;
    confirm(
        "set the TicketBroker's fee creditor to the BondingManager",
        broker.setFeeCreditor(*bonding.address()).send().await,
    )
    .await?;
    // -------- disputes and reputation (the capability registry is the ranking's price oracle)
    let reputation = Reputation::deploy(
        provider.clone(),
        *manager.address(),
        *bonding.address(),
        *rounds.address(),
        *registry.address(),
        U256::from(config.reputation_decay),
        config.reputation_pass_points,
        U256::from(config.reputation_penalty),
    )
    .await
    .map_err(create("Reputation"))?;
    let disputes = DisputeManager::deploy(
        provider.clone(),
        *manager.address(),
        *token.address(),
        *bonding.address(),
        *rounds.address(),
        *reputation.address(),
        IDisputeManager::Params {
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
    )
    .await
    .map_err(create("DisputeManager"))?;
    confirm(
        "grant SLASHER to the DisputeManager",
        manager
            .grantRole(roles::SLASHER, *disputes.address(), 0)
            .send()
            .await,
    )
    .await?;
    confirm(
        "restrict Reputation.recordPasses to REPUTATION_WRITER",
        restrict(
            *reputation.address(),
            Reputation::recordPassesCall::SELECTOR,
            roles::REPUTATION_WRITER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "restrict Reputation.penalize to REPUTATION_WRITER",
        restrict(
            *reputation.address(),
            Reputation::penalizeCall::SELECTOR,
            roles::REPUTATION_WRITER,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "grant REPUTATION_WRITER to the DisputeManager",
        manager
            .grantRole(roles::REPUTATION_WRITER, *disputes.address(), 0)
            .send()
            .await,
    )
    .await?;
    confirm(
        "restrict DisputeManager.veto to ARBITRATOR",
        restrict(
            *disputes.address(),
            DisputeManager::vetoCall::SELECTOR,
            roles::ARBITRATOR,
        )
        .send()
        .await,
    )
    .await?;
    confirm(
        "grant ARBITRATOR to the admin",
        manager.grantRole(roles::ARBITRATOR, admin, 0).send().await,
    )
    .await?;

    // Other deployment steps go above this line: the hand-over to governance comes last.
    let governance = deploy_governance(provider, admin, config, *bonding.address()).await?;
    if config.hand_over_to_governance {
        confirm(
            "set the Minter's treasury to the timelock",
            minter.setTreasury(governance.timelock).send().await,
        )
        .await?;
        confirm(
            "grant ARBITRATOR to the timelock",
            manager
                .grantRole(roles::ARBITRATOR, governance.timelock, 0)
                .send()
                .await,
        )
        .await?;
        confirm(
            "renounce the deployer's ARBITRATOR",
            manager.renounceRole(roles::ARBITRATOR, admin).send().await,
        )
        .await?;
        confirm(
            "grant the authority's admin to the timelock",
            manager
                .grantRole(roles::ADMIN, governance.timelock, 0)
                .send()
                .await,
        )
        .await?;
        confirm(
            "renounce the deployer's admin",
            manager.renounceRole(roles::ADMIN, admin).send().await,
        )
        .await?;
    }

    Ok(Deployment {
        manager: *manager.address(),
        token: *token.address(),
        minter: *minter.address(),
        rounds: *rounds.address(),
        bonding: *bonding.address(),
        broker: *broker.address(),
        registry: *registry.address(),
        reputation: *reputation.address(),
        disputes: *disputes.address(),
        votes: governance.votes,
        governor: governance.governor,
        timelock: governance.timelock,
    })
}

struct Governance {
    votes: Address,
    governor: Address,
    timelock: Address,
}

/// BondingVotes, the timelock (administered by itself alone once the governor holds its roles)
/// and the governor, as `ProtocolDeployer._deployGovernance`.
async fn deploy_governance<P: Provider<Ethereum> + Clone>(
    provider: &P,
    admin: Address,
    config: &DeployConfig,
    bonding: Address,
) -> Result<Governance, DeployError> {
    let create = |contract| move |source| DeployError::Create { contract, source };
    let votes = BondingVotes::deploy(provider.clone(), bonding)
        .await
        .map_err(create("BondingVotes"))?;
    let timelock = TimelockController::deploy(
        provider.clone(),
        U256::from(config.timelock_delay),
        vec![],
        vec![],
        admin,
    )
    .await
    .map_err(create("TimelockController"))?;
    let settings = LivepeerGovernor::Settings {
        votingDelay: alloy::primitives::Uint::from(config.voting_delay),
        votingPeriod: config
            .voting_period
            .try_into()
            .expect("voting period fits 32 bits"),
        proposalThreshold: config.proposal_threshold,
        quorum: U256::from(config.quorum),
        quota: U256::from(config.quota),
    };
    let governor = LivepeerGovernor::deploy(
        provider.clone(),
        *votes.address(),
        *timelock.address(),
        settings,
    )
    .await
    .map_err(create("LivepeerGovernor"))?;
    let g = *governor.address();
    for (step, role) in [
        (
            "grant the timelock's PROPOSER_ROLE to the governor",
            "PROPOSER_ROLE",
        ),
        (
            "grant the timelock's CANCELLER_ROLE to the governor",
            "CANCELLER_ROLE",
        ),
        (
            "grant the timelock's EXECUTOR_ROLE to the governor",
            "EXECUTOR_ROLE",
        ),
    ] {
        confirm(step, timelock.grantRole(keccak256(role), g).send().await).await?;
    }
    confirm(
        "renounce the deployer's timelock admin",
        timelock.renounceRole(FixedBytes::ZERO, admin).send().await,
    )
    .await?;
    Ok(Governance {
        votes: *votes.address(),
        governor: g,
        timelock: *timelock.address(),
    })
}

/// Waits for a wiring transaction and insists that it succeeded.
async fn confirm(
    step: &'static str,
    sent: Result<alloy::providers::PendingTransactionBuilder<Ethereum>, alloy::contract::Error>,
) -> Result<TransactionReceipt, DeployError> {
    let pending = sent.map_err(|source| DeployError::Wire { step, source })?;
    let receipt = pending
        .get_receipt()
        .await
        .map_err(|source| DeployError::Receipt { step, source })?;
    if !receipt.status() {
        return Err(DeployError::Reverted {
            step,
            tx: receipt.transaction_hash,
        });
    }
    Ok(receipt)
}
