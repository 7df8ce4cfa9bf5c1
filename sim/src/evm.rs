//! A thin, typed layer over revm: one [`Chain`] holds an EVM over any database (the in-memory one
//! for the economy, a forked one for proposals and disputes), sends calls as any account, reads
//! views, moves the block clock, counts what it executed, and deploys the suite by executing the
//! Solidity deploy planner's steps (those `bindings::deploy` sends over RPC).

use std::time::{Duration, Instant};

use alloy::{
    primitives::{Address, Bytes, Log, TxKind, U256},
    sol_types::SolCall,
};
use anyhow::{Context as _, Result, anyhow, bail, ensure};
use bindings::{DeployConfig, DeployPlanner, Deployment, PLANNER_ADDRESS};
use revm::{
    Context, Database, DatabaseCommit, ExecuteCommitEvm, ExecuteEvm, MainBuilder, MainContext,
    context::{BlockEnv, JournalTr, TxEnv},
    context_interface::result::{ExecutionResult, Output},
    database::{CacheDB, EmptyDB},
    handler::{MainnetContext, MainnetEvm},
    primitives::hardfork::SpecId,
    state::{AccountInfo, Bytecode},
};

use crate::revert::decode_revert;

/// Anvil's chain id: tickets and receipts signed for the simulator verify on anvil too.
pub const CHAIN_ID: u64 = 31337;

/// Gas limit of every simulated transaction (generous: the sim pays no gas).
const TX_GAS_LIMIT: u64 = 16_000_000;

/// The in-memory database the economy runs on.
pub type MemDb = CacheDB<EmptyDB>;

/// A database that takes block hashes from the simulator, for blocks past the forked one (which
/// the node never made): `BLOCKHASH` of those reads a made-up hash instead of failing.
pub trait SuppliedBlockHashes {
    /// Supplies a hash for block `number` unless one is known.
    fn supply_block_hash(&mut self, number: u64);
}

impl<E> SuppliedBlockHashes for CacheDB<E> {
    fn supply_block_hash(&mut self, number: u64) {
        self.cache
            .block_hashes
            .entry(U256::from(number))
            .or_insert_with(|| alloy::primitives::keccak256(number.to_be_bytes()));
    }
}

/// One executed transaction, as it could be replayed on a node (see the benchmark).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentTx {
    /// Block it ran in.
    pub block: u64,
    pub from: Address,
    /// `None`: a contract creation.
    pub to: Option<Address>,
    pub value: U256,
    pub data: Bytes,
}

/// What a successful transaction returned.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Return data (for a creation: the deployed code).
    pub output: Bytes,
    pub logs: Vec<Log>,
    pub gas_used: u64,
    /// The new contract's address, for a creation.
    pub created: Option<Address>,
}

/// An EVM with its state, at a block the caller controls.
pub struct Chain<DB: Database> {
    evm: MainnetEvm<MainnetContext<DB>>,
    /// Transactions committed so far.
    pub txs: u64,
    /// Read-only calls so far.
    pub views: u64,
    /// Gas used by committed transactions.
    pub gas_used: u64,
    /// When set, every committed transaction is appended here.
    pub record: Option<Vec<SentTx>>,
    /// Wall time spent executing transactions and views.
    pub tx_time: Duration,
    pub view_time: Duration,
    /// When set, each committed transaction gets a block of its own, this many seconds apart
    /// (as a node's automine does; see the benchmark).
    pub block_per_tx: Option<u64>,
}

impl Chain<MemDb> {
    /// An empty in-memory chain at block `number`.
    pub fn in_memory(number: u64, timestamp: u64) -> Self {
        Self::with_db(CacheDB::new(EmptyDB::default()), number, timestamp)
    }

    /// Gives `account` `balance` wei, directly in the database.
    pub fn set_balance(&mut self, account: Address, balance: U256) {
        let db = self.db_mut();
        let info = db
            .cache
            .accounts
            .get(&account)
            .map(|a| a.info.clone())
            .unwrap_or_default();
        db.insert_account_info(account, AccountInfo { balance, ..info });
    }
}

impl<DB: Database + DatabaseCommit> Chain<DB> {
    /// An EVM over `db` (Prague rules, as the suite is compiled for) at block `number`.
    pub fn with_db(db: DB, number: u64, timestamp: u64) -> Self {
        let ctx = Context::mainnet()
            .modify_cfg_chained(|cfg| {
                cfg.chain_id = CHAIN_ID;
                cfg.spec = SpecId::PRAGUE;
                // The simulator acts as accounts without their keys, contracts (the timelock)
                // included; nonces are the state's own.
                cfg.disable_nonce_check = true;
                cfg.disable_eip3607 = true;
            })
            .with_db(db);
        let mut chain = Self {
            evm: ctx.build_mainnet(),
            txs: 0,
            views: 0,
            gas_used: 0,
            record: None,
            tx_time: Duration::ZERO,
            view_time: Duration::ZERO,
            block_per_tx: None,
        };
        chain.set_block(number, timestamp);
        chain
    }

    /// Moves the clock: the next transactions run in block `number` at `timestamp`.
    pub fn set_block(&mut self, number: u64, timestamp: u64) {
        self.evm.set_block(BlockEnv {
            number: U256::from(number),
            timestamp: U256::from(timestamp),
            ..BlockEnv::default()
        });
    }

    /// The current block number.
    pub fn block_number(&self) -> u64 {
        self.evm.ctx.block.number.to()
    }

    /// The current block timestamp.
    pub fn timestamp(&self) -> u64 {
        self.evm.ctx.block.timestamp.to()
    }

    /// The state.
    pub fn db(&self) -> &DB {
        self.evm.ctx.journaled_state.db()
    }

    /// The state, for direct edits (tests plant bugs this way).
    pub fn db_mut(&mut self) -> &mut DB {
        self.evm.ctx.journaled_state.db_mut()
    }

    fn tx(&self, from: Address, to: TxKind, data: Bytes, value: U256) -> TxEnv {
        TxEnv::builder()
            .caller(from)
            .kind(to)
            .data(data)
            .value(value)
            .gas_limit(TX_GAS_LIMIT)
            .gas_price(0)
            .chain_id(Some(CHAIN_ID))
            .build_fill()
    }

    /// Executes and commits a transaction; a revert or halt is an error with its decoded reason.
    pub fn execute(
        &mut self,
        from: Address,
        to: TxKind,
        data: Bytes,
        value: U256,
    ) -> Result<Outcome> {
        let tx = self.tx(from, to, data.clone(), value);
        let started = Instant::now();
        let result = self.evm.transact_commit(tx);
        self.tx_time += started.elapsed();
        let result = result.map_err(|e| anyhow!("the EVM rejected the transaction: {e:?}"))?;
        self.txs += 1;
        let outcome = into_outcome(result)?;
        self.gas_used += outcome.gas_used;
        let block = self.block_number();
        if let Some(record) = &mut self.record {
            record.push(SentTx {
                block,
                from,
                to: to.to().copied(),
                value,
                data,
            });
        }
        if let Some(seconds) = self.block_per_tx {
            let (number, timestamp) = (self.block_number(), self.timestamp());
            self.set_block(number + 1, timestamp + seconds);
        }
        Ok(outcome)
    }

    /// Sends `call` to `to` as `from` with `value` wei, commits it, and decodes its return.
    pub fn send_value<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
        value: U256,
    ) -> Result<C::Return> {
        let outcome = self
            .execute(from, TxKind::Call(to), call.abi_encode().into(), value)
            .with_context(|| format!("{} from {from} to {to}", C::SIGNATURE))?;
        C::abi_decode_returns(&outcome.output)
            .with_context(|| format!("decoding the return of {}", C::SIGNATURE))
    }

    /// Sends `call` to `to` as `from` and commits it.
    pub fn send<C: SolCall>(&mut self, from: Address, to: Address, call: C) -> Result<C::Return> {
        self.send_value(from, to, call, U256::ZERO)
    }

    /// Like [`Chain::send`], and also returns the transaction's logs.
    pub fn send_logs<C: SolCall>(
        &mut self,
        from: Address,
        to: Address,
        call: C,
    ) -> Result<(C::Return, Vec<Log>)> {
        let outcome = self
            .execute(from, TxKind::Call(to), call.abi_encode().into(), U256::ZERO)
            .with_context(|| format!("{} from {from} to {to}", C::SIGNATURE))?;
        let ret = C::abi_decode_returns(&outcome.output)
            .with_context(|| format!("decoding the return of {}", C::SIGNATURE))?;
        Ok((ret, outcome.logs))
    }

    /// Creates a contract from `init` code (bytecode with constructor arguments) as `from`.
    pub fn create(&mut self, from: Address, init: Bytes) -> Result<Address> {
        let outcome = self.execute(from, TxKind::Create, init, U256::ZERO)?;
        outcome
            .created
            .ok_or_else(|| anyhow!("the creation returned no address"))
    }

    /// Runs `data` against `to` without committing anything: raw return data.
    pub fn call_raw(&mut self, from: Address, to: Address, data: Bytes) -> Result<Bytes> {
        let tx = self.tx(from, TxKind::Call(to), data, U256::ZERO);
        let started = Instant::now();
        let result = self.evm.transact(tx);
        self.view_time += started.elapsed();
        let result = result.map_err(|e| anyhow!("the EVM rejected the call: {e:?}"))?;
        self.views += 1;
        Ok(into_outcome(result.result)?.output)
    }

    /// Reads a view: runs `call` against `to` without committing.
    pub fn view<C: SolCall>(&mut self, to: Address, call: C) -> Result<C::Return> {
        let output = self
            .call_raw(Address::ZERO, to, call.abi_encode().into())
            .with_context(|| format!("view {} on {to}", C::SIGNATURE))?;
        C::abi_decode_returns(&output)
            .with_context(|| format!("decoding the return of {}", C::SIGNATURE))
    }

    /// An account's ETH balance.
    pub fn balance(&mut self, account: Address) -> Result<U256> {
        let info = self
            .db_mut()
            .basic(account)
            .map_err(|e| anyhow!("reading account {account}: {e}"))?;
        Ok(info.map(|i| i.balance).unwrap_or_default())
    }
}

fn into_outcome(result: ExecutionResult) -> Result<Outcome> {
    match result {
        ExecutionResult::Success {
            gas, logs, output, ..
        } => {
            let (output, created) = match output {
                Output::Call(data) => (data, None),
                Output::Create(data, address) => (data, address),
            };
            Ok(Outcome {
                output,
                logs,
                gas_used: gas.tx_gas_used(),
                created,
            })
        }
        ExecutionResult::Revert { output, .. } => bail!("reverted: {}", decode_revert(&output)),
        ExecutionResult::Halt { reason, .. } => bail!("halted: {reason:?}"),
    }
}

impl<DB: Database> Chain<DB> {
    /// An account's nonce (0 for an account the state does not know).
    pub fn nonce(&mut self, account: Address) -> Result<u64> {
        let info = self
            .evm
            .ctx
            .journaled_state
            .db_mut()
            .basic(account)
            .map_err(|e| anyhow!("reading account {account}: {e}"))?;
        Ok(info.map(|i| i.nonce).unwrap_or_default())
    }

    /// The code deployed at `account` (empty: none).
    pub fn code(&mut self, account: Address) -> Result<Bytes> {
        let db = self.evm.ctx.journaled_state.db_mut();
        let Some(info) = db
            .basic(account)
            .map_err(|e| anyhow!("reading account {account}: {e}"))?
        else {
            return Ok(Bytes::new());
        };
        let code = match info.code {
            Some(code) => code,
            None => db
                .code_by_hash(info.code_hash)
                .map_err(|e| anyhow!("reading the code of {account}: {e}"))?,
        };
        Ok(code.original_bytes())
    }
}

/// A transaction's effect: its outcome (or revert reason), the touched accounts with their new
/// state, and each touched account's info before it.
pub struct Diff {
    pub outcome: Result<Outcome>,
    pub state: revm::state::EvmState,
    pub before: Vec<(Address, Option<AccountInfo>)>,
}

impl<DB: Database + DatabaseCommit> Chain<DB> {
    /// Executes a call and returns its full state diff; commits it when it succeeded.
    pub fn execute_diff(
        &mut self,
        from: Address,
        to: Address,
        data: Bytes,
        value: U256,
    ) -> Result<Diff> {
        let tx = self.tx(from, TxKind::Call(to), data, value);
        let result = self
            .evm
            .transact(tx)
            .map_err(|e| anyhow!("the EVM rejected the transaction: {e:?}"))?;
        self.txs += 1;
        let mut before = Vec::with_capacity(result.state.len());
        for address in result.state.keys() {
            let info = self
                .db_mut()
                .basic(*address)
                .map_err(|e| anyhow!("reading account {address}: {e}"))?;
            before.push((*address, info));
        }
        before.sort_by_key(|(a, _)| *a);
        let outcome = into_outcome(result.result);
        if outcome.is_ok() {
            self.evm.commit(result.state.clone());
        }
        Ok(Diff {
            outcome,
            state: result.state,
            before,
        })
    }
}

/// The deploy planner (`script/DeployPlan.sol`) in a chain of its own: it is pure, so the chain
/// deployed to keeps no trace of it, and the defaults can be read without one.
fn planner() -> Chain<MemDb> {
    let mut chain = Chain::in_memory(0, 0);
    let code = Bytecode::new_raw(DeployPlanner::DEPLOYED_BYTECODE.clone());
    chain
        .db_mut()
        .insert_account_info(PLANNER_ADDRESS, AccountInfo::default().with_code(code));
    chain
}

/// Where the plan puts the suite that `admin` deploys starting at nonce `first_nonce`.
pub fn planned_addresses(admin: Address, first_nonce: u64) -> Result<Deployment> {
    let addresses = planner().view(
        PLANNER_ADDRESS,
        DeployPlanner::addressesCall {
            admin,
            firstNonce: U256::from(first_nonce),
        },
    )?;
    Ok(addresses.into())
}

/// The planner's default deployment, `admin` deploying (`DeployPlan.defaultConfig`).
pub fn deploy_defaults(admin: Address) -> DeployConfig {
    planner()
        .view(PLANNER_ADDRESS, DeployPlanner::defaultConfigCall { admin })
        .expect("the deploy planner's defaults")
}

impl<DB: Database + DatabaseCommit> Chain<DB> {
    /// Deploys the suite as `bindings::deploy` does on a node: the planner's steps, one
    /// transaction each from `config.admin`, so the addresses are the ones that node would give.
    pub fn deploy(&mut self, config: &DeployConfig) -> Result<Deployment> {
        let first_nonce = U256::from(self.nonce(config.admin)?);
        let mut planner = planner();
        let steps = planner.view(
            PLANNER_ADDRESS,
            DeployPlanner::stepsCall {
                config: config.clone(),
                firstNonce: first_nonce,
            },
        )?;
        let addresses = planner.view(
            PLANNER_ADDRESS,
            DeployPlanner::addressesCall {
                admin: config.admin,
                firstNonce: first_nonce,
            },
        )?;
        for tx in bindings::transactions(steps)? {
            let to = tx.to.map_or(TxKind::Create, TxKind::Call);
            let outcome = self
                .execute(config.admin, to, tx.input, U256::ZERO)
                .with_context(|| format!("deploy step `{}`", tx.label))?;
            ensure!(
                outcome.created == tx.creates,
                "deploy step `{}` created {:?}, the plan says {:?}",
                tx.label,
                outcome.created,
                tx.creates
            );
        }
        Ok(addresses.into())
    }
}
