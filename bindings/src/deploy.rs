//! Deploys and wires the suite on any RPC endpoint by executing `script/DeployPlan.sol`'s steps:
//! what is created and wired is decided by the Solidity planner alone (the forge deployer and the
//! simulator execute the same steps), this module only maps artifact names to creation code and
//! sends one transaction per step.

use std::time::Duration;

use alloy::{
    network::{Ethereum, TransactionBuilder},
    primitives::{Address, Bytes, FixedBytes, U256, address},
    providers::Provider,
    rpc::types::{TransactionRequest, state::StateOverridesBuilder},
};

use crate::{
    AccessManager, BondingLens, BondingManager, BondingVotes, CapabilityRegistry, DeployPlanner,
    DisputeManager, LiteRtJudge, LivepeerGovernor, LivepeerToken, Minter, ProofGame, Reputation,
    RoundsManager, TicketBroker, TimelockController,
    deploy_planner::DeployPlan::{Addresses, Step},
};

pub use crate::deploy_planner::DeployPlan::DeployConfig;

/// One LPT in wei.
pub const LPT: U256 = U256::from_limbs([1_000_000_000_000_000_000, 0, 0, 0]);

/// Where `eth_call` finds the planner: its code is put there by a state override for the call
/// only, so nothing is deployed to plan (any address with no code would do).
pub const PLANNER_ADDRESS: Address = address!("0x00000000000000000000000000000000de910e00");

/// How long one step's receipt may take: a dropped transaction must fail the deployment, not hang it.
const RECEIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// The deployed suite's addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Deployment {
    pub manager: Address,
    pub token: Address,
    pub minter: Address,
    pub rounds: Address,
    pub bonding: Address,
    pub lens: Address,
    pub broker: Address,
    pub registry: Address,
    // -------- disputes and reputation
    pub reputation: Address,
    pub disputes: Address,
    pub votes: Address,
    pub governor: Address,
    pub timelock: Address,
    pub proof_game: Address,
}

impl Deployment {
    /// Every contract of the deployment with its artifact's name, in creation order.
    pub fn contracts(&self) -> [(&'static str, Address); 14] {
        [
            ("AccessManager", self.manager),
            ("LivepeerToken", self.token),
            ("Minter", self.minter),
            ("RoundsManager", self.rounds),
            ("BondingManager", self.bonding),
            ("BondingLens", self.lens),
            ("TicketBroker", self.broker),
            ("CapabilityRegistry", self.registry),
            ("Reputation", self.reputation),
            ("DisputeManager", self.disputes),
            ("BondingVotes", self.votes),
            ("TimelockController", self.timelock),
            ("LivepeerGovernor", self.governor),
            ("ProofGame", self.proof_game),
        ]
    }
}

/// A deployment as a file (JSON, what `keeper devnet` writes and `lpt --deployment` reads): the
/// addresses, the chain they are on and the block the suite was deployed at (where event scans
/// start).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeploymentFile {
    pub chain_id: u64,
    pub deploy_block: u64,
    #[serde(flatten)]
    pub contracts: Deployment,
}

/// Why a deployment file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DeploymentFileError {
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{} is not a deployment file (chain_id, deploy_block and every contract address): {source}", path.display())]
    Parse {
        path: std::path::PathBuf,
        source: serde_json::Error,
    },
}

impl DeploymentFile {
    /// Reads a deployment file.
    pub fn read(path: &std::path::Path) -> Result<Self, DeploymentFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| DeploymentFileError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|source| DeploymentFileError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Writes it as pretty JSON.
    pub fn write(&self, path: &std::path::Path) -> Result<(), DeploymentFileError> {
        let text = serde_json::to_string_pretty(self).expect("addresses and numbers serialize");
        std::fs::write(path, text + "\n").map_err(|source| DeploymentFileError::Io {
            path: path.to_path_buf(),
            source,
        })
    }
}

impl From<Addresses> for Deployment {
    fn from(a: Addresses) -> Self {
        Self {
            manager: a.manager,
            token: a.token,
            minter: a.minter,
            rounds: a.rounds,
            bonding: a.bonding,
            lens: a.lens,
            broker: a.broker,
            registry: a.registry,
            reputation: a.reputation,
            disputes: a.disputes,
            votes: a.votes,
            governor: a.governor,
            timelock: a.timelock,
            proof_game: a.proofGame,
        }
    }
}

/// One transaction of the plan, from the config's admin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedTx {
    /// What the step does, for errors and logs.
    pub label: String,
    /// `None`: a creation.
    pub to: Option<Address>,
    /// Calldata, or creation code followed by the constructor arguments.
    pub input: Bytes,
    /// For a creation, where the contract lands (precomputed by the planner).
    pub creates: Option<Address>,
}

/// A deployment, planned: its transactions in order and where its contracts land.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub txs: Vec<PlannedTx>,
    pub deployment: Deployment,
}

/// Why planning or a deployment failed.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    #[error("evaluating the deploy planner failed: {0}")]
    Planner(#[from] alloy::contract::Error),
    #[error("reading the admin's nonce failed: {0}")]
    Nonce(#[source] alloy::transports::TransportError),
    #[error("the plan creates `{0}`, which has no bindings here (add it to `creation_code`)")]
    UnknownArtifact(String),
    #[error("sending step `{step}` failed: {source}")]
    Send {
        step: String,
        #[source]
        source: alloy::transports::TransportError,
    },
    #[error("waiting for step `{step}` failed: {source}")]
    Receipt {
        step: String,
        #[source]
        source: alloy::providers::PendingTransactionError,
    },
    #[error("step `{step}` got no receipt within {RECEIPT_TIMEOUT:?}")]
    Timeout { step: String },
    #[error("step `{step}` reverted in transaction {tx}")]
    Reverted { step: String, tx: FixedBytes<32> },
    #[error("step `{step}` created {got:?}, the plan says {planned}")]
    Misplaced {
        step: String,
        planned: Address,
        got: Option<Address>,
    },
}

/// The creation code of each artifact the planner may name.
fn creation_code(artifact: &str) -> Option<&'static Bytes> {
    Some(match artifact {
        "AccessManager" => &AccessManager::BYTECODE,
        "LivepeerToken" => &LivepeerToken::BYTECODE,
        "Minter" => &Minter::BYTECODE,
        "RoundsManager" => &RoundsManager::BYTECODE,
        "BondingManager" => &BondingManager::BYTECODE,
        "BondingLens" => &BondingLens::BYTECODE,
        "TicketBroker" => &TicketBroker::BYTECODE,
        "CapabilityRegistry" => &CapabilityRegistry::BYTECODE,
        "Reputation" => &Reputation::BYTECODE,
        "DisputeManager" => &DisputeManager::BYTECODE,
        "BondingVotes" => &BondingVotes::BYTECODE,
        "TimelockController" => &TimelockController::BYTECODE,
        "LivepeerGovernor" => &LivepeerGovernor::BYTECODE,
        "ProofGame" => &ProofGame::BYTECODE,
        "LiteRtJudge" => &LiteRtJudge::BYTECODE,
        _ => return None,
    })
}

/// Turns the planner's steps into transactions (shared with the simulator, which evaluates the
/// planner in revm).
pub fn transactions(steps: Vec<Step>) -> Result<Vec<PlannedTx>, DeployError> {
    steps
        .into_iter()
        .map(|step| {
            if step.artifact.is_empty() {
                return Ok(PlannedTx {
                    label: step.label,
                    to: Some(step.target),
                    input: step.data,
                    creates: None,
                });
            }
            let code = creation_code(&step.artifact)
                .ok_or_else(|| DeployError::UnknownArtifact(step.artifact.clone()))?;
            Ok(PlannedTx {
                label: step.label,
                to: None,
                input: [code.as_ref(), step.data.as_ref()].concat().into(),
                creates: Some(step.target),
            })
        })
        .collect()
}

/// The planner, callable over `provider` without being deployed (see [`PLANNER_ADDRESS`]).
fn planner<P: Provider<Ethereum>>(
    provider: &P,
) -> (
    DeployPlanner::DeployPlannerInstance<&P>,
    StateOverridesBuilder,
) {
    let code = StateOverridesBuilder::default()
        .with_code(PLANNER_ADDRESS, DeployPlanner::DEPLOYED_BYTECODE.clone());
    (DeployPlanner::new(PLANNER_ADDRESS, provider), code)
}

impl DeployConfig {
    /// The planner's defaults (`DeployPlan.defaultConfig`), with `admin` as deployer, genesis
    /// recipient and treasury.
    pub async fn defaults<P: Provider<Ethereum>>(
        provider: &P,
        admin: Address,
    ) -> Result<Self, DeployError> {
        let (planner, code) = planner(provider);
        Ok(planner.defaultConfig(admin).state(code).call().await?)
    }
}

/// The deployment `config` describes from its admin's next nonce, as transactions.
pub async fn plan<P: Provider<Ethereum>>(
    provider: &P,
    config: &DeployConfig,
) -> Result<Plan, DeployError> {
    let nonce = provider
        .get_transaction_count(config.admin)
        .await
        .map_err(DeployError::Nonce)?;
    let (planner, code) = planner(provider);
    let steps = planner
        .steps(config.clone(), U256::from(nonce))
        .state(code.clone())
        .call()
        .await?;
    let addresses = planner
        .addresses(config.admin, U256::from(nonce))
        .state(code)
        .call()
        .await?;
    Ok(Plan {
        txs: transactions(steps)?,
        deployment: addresses.into(),
    })
}

/// Where a deployment by `admin` whose first creation used `first_nonce` put its contracts (the
/// planner's CREATE addresses, evaluated over `provider`; nothing is read from the chain's state).
pub async fn planned_deployment<P: Provider<Ethereum>>(
    provider: &P,
    admin: Address,
    first_nonce: u64,
) -> Result<Deployment, DeployError> {
    let (planner, code) = planner(provider);
    let addresses = planner
        .addresses(admin, U256::from(first_nonce))
        .state(code)
        .call()
        .await?;
    Ok(addresses.into())
}

/// Deploys the suite from the provider's default sender, which must be `config.admin`: it is the
/// authority's admin while it sends the wiring transactions, and (with `handOverToGovernance`)
/// hands that over to the timelock at the end.
pub async fn deploy<P: Provider<Ethereum>>(
    provider: &P,
    config: &DeployConfig,
) -> Result<Deployment, DeployError> {
    let plan = plan(provider, config).await?;
    for tx in &plan.txs {
        execute(provider, config.admin, tx).await?;
    }
    Ok(plan.deployment)
}

/// Sends one step, waits for its receipt and insists that it succeeded where planned.
async fn execute<P: Provider<Ethereum>>(
    provider: &P,
    from: Address,
    tx: &PlannedTx,
) -> Result<(), DeployError> {
    let step = || tx.label.clone();
    let request = TransactionRequest::default()
        .from(from)
        .input(tx.input.clone().into());
    let request = match tx.to {
        Some(to) => request.to(to),
        None => request.into_create(),
    };
    let pending = provider
        .send_transaction(request)
        .await
        .map_err(|source| DeployError::Send {
            step: step(),
            source,
        })?;
    let receipt = tokio::time::timeout(RECEIPT_TIMEOUT, pending.get_receipt())
        .await
        .map_err(|_| DeployError::Timeout { step: step() })?
        .map_err(|source| DeployError::Receipt {
            step: step(),
            source,
        })?;
    if !receipt.status() {
        return Err(DeployError::Reverted {
            step: step(),
            tx: receipt.transaction_hash,
        });
    }
    if let Some(planned) = tx.creates
        && receipt.contract_address != Some(planned)
    {
        return Err(DeployError::Misplaced {
            step: step(),
            planned,
            got: receipt.contract_address,
        });
    }
    Ok(())
}
