//! `sim proposal`: carries a governance proposal through the governor on a fork (proposed,
//! voted, queued: `governance.rs`) and runs it through the real `Governor.execute`, so the
//! timelock executes it exactly as on chain (governor self-calls included); then reports what
//! it changes: storage (named by variable), events, ETH and LPT balances, the suite's parameters,
//! changes of who may do what (`permissions.rs`, failing unless acknowledged), and invariants
//! (`proposal_checks.rs`). The suite is located by its deployment (`suite.rs`).
//!
//! Library entry point: [`report`] (blocking: call it from `spawn_blocking` in async code); the
//! returned [`Simulation`] prints as the human report (`Display`) and serializes as JSON.

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, B256, Bytes, Log, U256},
    sol_types::SolEvent,
};
use anyhow::{Context as _, Result, ensure};
use bindings::{LivepeerToken, TimelockController};
use revm::{Database, DatabaseCommit};
use serde::{Serialize, Serializer};

use crate::{
    cli::ProposalArgs,
    events,
    evm::Chain,
    fork::Fork,
    governance::{self, Proposal, Stage},
    known::{self, Kind},
    layout,
    permissions::{self, Finding},
    proposal_checks,
    proposal_source::{self, SIMULATED_DESCRIPTION, Source},
    suite::Suite,
};

/// Serializes an amount in wei as a decimal string (full precision in JSON).
pub fn wei<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&v.to_string())
}

/// One call of a proposal.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    pub target: Address,
    #[serde(serialize_with = "wei")]
    pub value: U256,
    pub data: Bytes,
}

/// A storage slot the proposal changed.
#[derive(Clone, Debug, Serialize)]
pub struct SlotChange {
    pub address: Address,
    pub contract: Option<String>,
    pub slot: U256,
    /// The variable, where the layout names it.
    pub variable: Option<String>,
    pub before: B256,
    pub after: B256,
}

/// An event the proposal emitted.
#[derive(Clone, Debug, Serialize)]
pub struct Event {
    /// The proposal call it belongs to (`None`: the governor's own bookkeeping after the calls).
    pub call: Option<usize>,
    pub address: Address,
    pub contract: Option<String>,
    /// Decoded by the bindings, else `None` (see topics and data).
    pub decoded: Option<String>,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// A balance that moved (wei).
#[derive(Clone, Debug, Serialize)]
pub struct BalanceChange {
    pub account: Address,
    /// The account in words: a suite contract, an EOA without code, or another contract.
    pub who: String,
    #[serde(serialize_with = "wei")]
    pub before: U256,
    #[serde(serialize_with = "wei")]
    pub after: U256,
}

/// A parameter (parameterless view) whose value changed.
#[derive(Clone, Debug, Serialize)]
pub struct ParamChange {
    pub contract: String,
    pub address: Address,
    pub name: String,
    pub before: String,
    pub after: String,
}

/// A finding for the auditor.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// "ok", "warning" or "fail".
    pub level: &'static str,
    pub name: &'static str,
    pub detail: String,
}

impl Check {
    pub fn ok(name: &'static str, detail: String) -> Self {
        Self {
            level: "ok",
            name,
            detail,
        }
    }
    pub fn warning(name: &'static str, detail: String) -> Self {
        Self {
            level: "warning",
            name,
            detail,
        }
    }
    pub fn fail(name: &'static str, detail: String) -> Self {
        Self {
            level: "fail",
            name,
            detail,
        }
    }
}

/// A permission change and whether `--ack` accepted it.
#[derive(Clone, Debug, Serialize)]
pub struct Permission {
    #[serde(flatten)]
    pub finding: Finding,
    pub acknowledged: bool,
}

/// Why `Governor.execute` reverts.
#[derive(Clone, Debug, Serialize)]
pub struct Revert {
    /// The failing call, where it can be told.
    pub call: Option<usize>,
    pub reason: String,
}

/// A suite contract and its address.
#[derive(Clone, Debug, Serialize)]
pub struct Named {
    pub name: String,
    pub address: Address,
}

/// Everything a proposal does.
#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    /// No check failed.
    pub passed: bool,
    /// The forked block, and the block and time (unix seconds) `Governor.execute` ran at.
    pub block: u64,
    pub executed_block: u64,
    pub executed_at: u64,
    /// The suite's deployment block (logs are read from there).
    pub deployed_at: u64,
    pub governor: Address,
    pub timelock: Address,
    #[serde(serialize_with = "wei")]
    pub proposal_id: U256,
    pub description: String,
    /// The steps taken to bring the proposal to execution.
    pub stages: Vec<Stage>,
    pub calls: Vec<Call>,
    /// `None`: `Governor.execute` succeeded; else nothing the proposal does happens.
    pub reverted: Option<Revert>,
    pub contracts: Vec<Named>,
    pub storage: Vec<SlotChange>,
    pub events: Vec<Event>,
    pub eth: Vec<BalanceChange>,
    pub lpt: Vec<BalanceChange>,
    pub params: Vec<ParamChange>,
    pub permissions: Vec<Permission>,
    /// Acknowledgements that matched no permission change.
    pub unused_acks: Vec<String>,
    pub checks: Vec<Check>,
    /// How many invariants were checked (all of them, always).
    pub invariants: usize,
    pub gas_used: u64,
}

/// What the simulation is given besides the proposal.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The block to fork (default: the latest).
    pub block: Option<u64>,
    /// Permission changes accepted by the auditor (the keys the report prints).
    pub acks: Vec<String>,
}

/// Simulates the proposal `source` on `governor`, on a fork of `rpc_url`: the library entry point
/// (`sim proposal` prints it). Blocking.
pub fn report(
    rpc_url: &str,
    governor: Address,
    source: Source,
    opts: &Options,
) -> Result<Simulation> {
    let mut fork = Fork::new(rpc_url, opts.block)?;
    let suite = Suite::locate(&mut fork, governor)?;
    let proposal = match source {
        Source::Id(id) => fork.runtime.block_on(proposal_source::made_proposal(
            &fork.provider,
            governor,
            id,
            suite.deployed_at,
            fork.block,
        ))?,
        Source::Calldata(data) => proposal_source::from_calldata(&data)?,
        Source::Calls(calls) => Proposal {
            calls,
            description: SIMULATED_DESCRIPTION.into(),
        },
    };
    ensure!(!proposal.calls.is_empty(), "the proposal has no calls");
    simulate(&mut fork, &suite, &proposal, &opts.acks)
}

type Params = BTreeMap<(Address, String), (String, String)>;

fn read_params<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    contracts: &BTreeMap<Address, &'static Kind>,
) -> Params {
    let mut params = BTreeMap::new();
    for (address, kind) in contracts {
        for f in kind.getters() {
            if let Ok(out) = chain.call_raw(Address::ZERO, *address, f.selector().to_vec().into()) {
                let value = known::format_word(&f.outputs[0].ty, &out);
                params.insert((*address, f.name.clone()), (kind.name.to_string(), value));
            }
        }
    }
    params
}

/// Carries `proposal` to execution on the fork, executes it, and reports what it changes.
pub fn simulate(
    fork: &mut Fork,
    suite: &Suite,
    proposal: &Proposal,
    acks: &[String],
) -> Result<Simulation> {
    let d = suite.deployment;
    let chain = &mut fork.chain;
    let (id, stages) = governance::bring_to_execution(chain, &d, proposal)?;
    let params_before = read_params(chain, &suite.contracts);
    let timelock_eth = chain.balance(d.timelock)?;

    let diff = chain.execute_diff(
        governance::EXECUTOR,
        d.governor,
        proposal.execute_calldata(),
        U256::ZERO,
    )?;
    let (executed_block, executed_at) = (chain.block_number(), chain.timestamp());
    let mut slots: BTreeMap<(Address, U256), (U256, U256)> = BTreeMap::new();
    let mut eth: BTreeMap<Address, (U256, U256)> = BTreeMap::new();
    let mut code_changes = BTreeSet::new();
    let (logs, reverted, gas_used) = match diff.outcome {
        Ok(outcome) => {
            let before: BTreeMap<_, _> = diff.before.into_iter().collect();
            for (address, account) in &diff.state {
                let prior = before.get(address).cloned().flatten();
                let prior_balance = prior.as_ref().map(|p| p.balance).unwrap_or_default();
                if prior_balance != account.info.balance {
                    eth.insert(*address, (prior_balance, account.info.balance));
                }
                if prior.as_ref().map(|p| p.code_hash) != Some(account.info.code_hash)
                    && !(prior.is_none() && account.info.is_empty_code_hash())
                {
                    code_changes.insert(*address);
                }
                for (slot, value) in account.changed_storage_slots() {
                    slots.insert(
                        (*address, *slot),
                        (value.original_value, value.present_value),
                    );
                }
            }
            (outcome.logs, None, outcome.gas_used)
        }
        Err(e) => {
            let call = short_of_eth(&proposal.calls, timelock_eth);
            let reason = match call {
                Some(i) => format!(
                    "{e:#}: calls 0 to {i} send {} ETH, the timelock holds {} ETH",
                    crate::metrics::decimal(proposal.calls[..=i].iter().map(|c| c.value).sum()),
                    crate::metrics::decimal(timelock_eth)
                ),
                None => format!("{e:#}"),
            };
            (Vec::new(), Some(Revert { call, reason }), 0)
        }
    };

    let storage = name_slots(suite, proposal, &logs, &eth, slots)?;
    let events = attribute(suite, &logs, proposal.calls.len());
    let eth_changes = eth
        .into_iter()
        .map(|(account, (before, after))| BalanceChange {
            account,
            who: suite.describe(chain, account),
            before,
            after,
        })
        .collect();
    let lpt = lpt_changes(chain, suite, &logs)?;
    let params_after = read_params(chain, &suite.contracts);
    let params = params_after
        .iter()
        .filter_map(|(key, (contract, after))| {
            let (_, before) = params_before.get(key)?;
            (before != after).then(|| ParamChange {
                contract: contract.clone(),
                address: key.0,
                name: key.1.clone(),
                before: before.clone(),
                after: after.clone(),
            })
        })
        .collect();

    let permissions: Vec<Permission> = permissions::findings(chain, suite, &logs)
        .into_iter()
        .map(|finding| Permission {
            acknowledged: acks
                .iter()
                .any(|a| permissions::acknowledges(a, &finding.key)),
            finding,
        })
        .collect();
    let unused_acks = acks
        .iter()
        .filter(|a| {
            !permissions
                .iter()
                .any(|p| permissions::acknowledges(a, &p.finding.key))
        })
        .cloned()
        .collect();

    let mut checks = Vec::new();
    match &reverted {
        Some(r) => checks.push(Check::fail(
            "executes",
            format!(
                "Governor.execute reverts ({}): nothing the proposal does happens",
                r.reason
            ),
        )),
        None => checks.push(Check::ok(
            "executes",
            format!("Governor.execute runs all {} calls", proposal.calls.len()),
        )),
    }
    for p in &permissions {
        let f = &p.finding;
        checks.push(if p.acknowledged {
            Check::ok(
                "permission",
                format!("{} (acknowledged: {})", f.detail, f.key),
            )
        } else if f.strengthens {
            Check::warning(
                "permission",
                format!("{} (--ack {} to note it)", f.detail, f.key),
            )
        } else {
            Check::fail(
                "permission",
                format!("{} (--ack {} to accept it)", f.detail, f.key),
            )
        });
    }
    if permissions.is_empty() {
        checks.push(Check::ok(
            "permission",
            "no change of who may do what".into(),
        ));
    }
    for (i, c) in proposal.calls.iter().enumerate() {
        if !suite.contracts.contains_key(&c.target) {
            checks.push(Check::warning(
                "unknown-target",
                format!("call {i} goes to {}", suite.describe(chain, c.target)),
            ));
        }
        if !c.value.is_zero() {
            checks.push(Check::warning(
                "sends-eth",
                format!(
                    "call {i} sends {} ETH to {}",
                    crate::metrics::decimal(c.value),
                    suite.describe(chain, c.target)
                ),
            ));
        }
    }
    if code_changes.is_empty() {
        checks.push(Check::ok("upgrade", "no code changes anywhere".into()));
    }
    for a in &code_changes {
        checks.push(Check::fail(
            "upgrade",
            format!("the code at {} changes", suite.describe(chain, *a)),
        ));
    }
    let invariant_checks = proposal_checks::check(chain, suite);
    let invariants = invariant_checks.len();
    checks.extend(invariant_checks);

    Ok(Simulation {
        passed: checks.iter().all(|c| c.level != "fail"),
        block: fork.block,
        executed_block,
        executed_at,
        deployed_at: suite.deployed_at,
        governor: d.governor,
        timelock: d.timelock,
        proposal_id: id,
        description: proposal.description.clone(),
        stages,
        calls: proposal.calls.clone(),
        reverted,
        contracts: d
            .contracts()
            .iter()
            .map(|(n, a)| Named {
                name: n.to_string(),
                address: *a,
            })
            .collect(),
        storage,
        events,
        eth: eth_changes,
        lpt,
        params,
        permissions,
        unused_acks,
        checks,
        invariants,
        gas_used,
    })
}

/// The first call whose value (with the calls before it) exceeds the timelock's ETH, if any.
fn short_of_eth(calls: &[Call], held: U256) -> Option<usize> {
    let mut spent = U256::ZERO;
    calls.iter().position(|c| {
        spent += c.value;
        spent > held
    })
}

/// Each log with the call it belongs to: the timelock's `CallExecuted(id, index, ...)` closes
/// call `index`; logs after the last call are the governor's own.
fn attribute(suite: &Suite, logs: &[Log], calls: usize) -> Vec<Event> {
    let timelock = suite.deployment.timelock;
    let mut current = 0usize;
    logs.iter()
        .map(|log| {
            let call = if log.address == timelock
                && let Ok(done) = TimelockController::CallExecuted::decode_log(log)
            {
                let index = usize::try_from(done.index).unwrap_or(usize::MAX);
                current = index.saturating_add(1);
                Some(index)
            } else {
                (current < calls).then_some(current)
            };
            let contract = suite.name(&log.address);
            Event {
                call,
                address: log.address,
                contract: contract.map(str::to_string),
                decoded: events::decode(contract, log),
                topics: log.topics().to_vec(),
                data: log.data.data.clone(),
            }
        })
        .collect()
}

/// The changed slots, named by variable where the layout knows them; mapping entries are
/// resolved against every address and word the proposal touched.
fn name_slots(
    suite: &Suite,
    proposal: &Proposal,
    logs: &[Log],
    eth: &BTreeMap<Address, (U256, U256)>,
    slots: BTreeMap<(Address, U256), (U256, U256)>,
) -> Result<Vec<SlotChange>> {
    let mut keys: BTreeSet<B256> = BTreeSet::new();
    for a in eth.keys().chain(suite.contracts.keys()) {
        keys.insert(a.into_word());
    }
    keys.insert(governance::EXECUTOR.into_word());
    for log in logs {
        keys.extend(log.topics().iter().copied());
        keys.extend(log.data.data.chunks_exact(32).map(B256::from_slice));
    }
    for c in &proposal.calls {
        keys.insert(c.target.into_word());
        if c.data.len() > 4 {
            keys.extend(c.data[4..].chunks_exact(32).map(B256::from_slice));
        }
    }
    for n in 0..=16u64 {
        keys.insert(U256::from(n).into());
    }
    let keys: Vec<B256> = keys.into_iter().collect();
    slots
        .into_iter()
        .filter(|(_, (before, after))| before != after)
        .map(|((address, slot), (before, after))| {
            Ok(SlotChange {
                address,
                contract: suite.name(&address).map(str::to_string),
                slot,
                variable: match suite.contracts.get(&address) {
                    Some(k) => layout::name_slot(k, slot, &keys)?,
                    None => None,
                },
                before: before.into(),
                after: after.into(),
            })
        })
        .collect::<Result<Vec<_>, bindings::layouts::LayoutError>>()
        .context("naming the changed storage")
}

/// LPT: every account in a Transfer, before (after minus the net transfer) and after.
fn lpt_changes<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    suite: &Suite,
    logs: &[Log],
) -> Result<Vec<BalanceChange>> {
    let token = suite.deployment.token;
    let mut net: BTreeMap<Address, (U256, U256)> = BTreeMap::new();
    for log in logs.iter().filter(|l| l.address == token) {
        if let Ok(t) = LivepeerToken::Transfer::decode_log(log) {
            net.entry(t.to).or_default().0 += t.value;
            net.entry(t.from).or_default().1 += t.value;
        }
    }
    let mut out = Vec::new();
    for (account, (inflow, outflow)) in net {
        if account.is_zero() || inflow == outflow {
            continue;
        }
        let after = chain.view(token, LivepeerToken::balanceOfCall { account })?;
        out.push(BalanceChange {
            account,
            who: suite.describe(chain, account),
            before: after + outflow - inflow,
            after,
        });
    }
    Ok(out)
}

/// The proposal the command line names.
fn source(args: &ProposalArgs) -> Result<Source> {
    if let Some(id) = args.proposal_id {
        return Ok(Source::Id(id));
    }
    if let Some(data) = &args.calldata {
        return Ok(Source::Calldata(data.clone()));
    }
    ensure!(
        !args.target.is_empty(),
        "name the proposal: --proposal-id, --calldata, or --target/--data per call"
    );
    ensure!(
        args.data.len() == args.target.len(),
        "{} --target but {} --data: give one --data per call",
        args.target.len(),
        args.data.len()
    );
    ensure!(
        args.value.is_empty() || args.value.len() == args.target.len(),
        "give one --value per call, or none"
    );
    Ok(Source::Calls(
        args.target
            .iter()
            .enumerate()
            .map(|(i, t)| Call {
                target: *t,
                value: args.value.get(i).copied().unwrap_or_default(),
                data: args.data[i].clone(),
            })
            .collect(),
    ))
}

/// Runs `sim proposal`: prints the report; exits 2 when a check fails.
pub fn run(args: &ProposalArgs) -> Result<()> {
    let opts = Options {
        block: args.block,
        acks: args.ack.clone(),
    };
    let sim = report(&args.rpc_url, args.governor, source(args)?, &opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&sim)?);
    } else {
        print!("{sim}");
    }
    if !sim.passed {
        std::process::exit(2);
    }
    Ok(())
}
