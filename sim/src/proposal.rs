//! `sim proposal`: executes a governance proposal in a fork, call by call as the timelock
//! executes it (the timelock is the caller of each), and collects what it changes: storage
//! (named by variable where the layout is known), events, ETH and LPT balances, the suite's
//! parameters (every parameterless view, before and after), and checks.

use std::collections::{BTreeMap, BTreeSet};

use alloy::{
    primitives::{Address, B256, Bytes, Log, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use anyhow::{Context as _, Result, bail, ensure};
use bindings::{AccessManager, BondingManager, LivepeerGovernor, LivepeerToken, Minter};
use revm::{Database, DatabaseCommit};
use serde::Serialize;

use crate::{
    cli::ProposalArgs,
    events,
    evm::Chain,
    fork::Fork,
    known::{self, Kind},
    layout, report,
};

/// One call of a proposal.
#[derive(Clone, Debug, Serialize)]
pub struct Call {
    pub target: Address,
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
    pub call: usize,
    pub address: Address,
    pub contract: Option<String>,
    /// Decoded by the bindings, else `None` (see topics and data).
    pub decoded: Option<String>,
    pub topics: Vec<B256>,
    pub data: Bytes,
}

/// A balance that moved.
#[derive(Clone, Debug, Serialize)]
pub struct BalanceChange {
    pub account: Address,
    pub contract: Option<String>,
    pub before: U256,
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

/// Everything a proposal does.
#[derive(Clone, Debug, Serialize)]
pub struct Simulation {
    pub block: u64,
    pub timelock: Address,
    pub calls: Vec<Call>,
    /// `None`: every call succeeded; else the index of the call that reverts and why (the
    /// timelock's batch reverts as a whole: nothing would change).
    pub reverted: Option<(usize, String)>,
    pub contracts: BTreeMap<Address, String>,
    pub storage: Vec<SlotChange>,
    pub events: Vec<Event>,
    pub eth: Vec<BalanceChange>,
    pub lpt: Vec<BalanceChange>,
    pub params: Vec<ParamChange>,
    pub checks: Vec<Check>,
    pub gas_used: u64,
}

/// The suite's contracts reachable from `roots` through address-returning views.
fn discover<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    roots: &[Address],
) -> Result<BTreeMap<Address, &'static Kind>> {
    let mut found = BTreeMap::new();
    let mut queue: Vec<Address> = roots.to_vec();
    while let Some(address) = queue.pop() {
        if found.contains_key(&address) {
            continue;
        }
        let code = chain.code(address)?;
        let Some(kind) = known::recognize(&code) else {
            continue;
        };
        found.insert(address, kind);
        for f in kind.getters() {
            if f.outputs[0].ty != "address" {
                continue;
            }
            if let Ok(out) = chain.call_raw(Address::ZERO, address, f.selector().to_vec().into())
                && out.len() >= 32
            {
                let next = Address::from_slice(&out[12..32]);
                if !next.is_zero() && !found.contains_key(&next) {
                    queue.push(next);
                }
            }
        }
    }
    Ok(found)
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

/// Executes `calls` as `timelock` would, on `chain`, and reports what they change.
pub fn simulate<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    block: u64,
    governor: Address,
    calls: &[Call],
) -> Result<Simulation> {
    let timelock = chain
        .view(governor, LivepeerGovernor::timelockCall {})
        .context("reading the governor's timelock")?;
    let mut roots = vec![governor, timelock];
    roots.extend(calls.iter().map(|c| c.target));
    let contracts = discover(chain, &roots)?;
    let name = |a: &Address| contracts.get(a).map(|k| k.name.to_string());
    let token = contracts
        .iter()
        .find(|(_, k)| k.name == "LivepeerToken")
        .map(|(a, _)| *a);
    let params_before = read_params(chain, &contracts);

    let mut slots: BTreeMap<(Address, U256), (U256, U256)> = BTreeMap::new();
    let mut eth: BTreeMap<Address, (U256, U256)> = BTreeMap::new();
    let mut code_changes = BTreeSet::new();
    let mut logs: Vec<(usize, Log)> = Vec::new();
    let mut reverted = None;
    let mut gas_used = 0;
    for (i, call) in calls.iter().enumerate() {
        let diff = chain.execute_diff(timelock, call.target, call.data.clone(), call.value)?;
        let outcome = match diff.outcome {
            Ok(o) => o,
            Err(e) => {
                reverted = Some((i, format!("{e:#}")));
                break;
            }
        };
        gas_used += outcome.gas_used;
        logs.extend(outcome.logs.into_iter().map(|l| (i, l)));
        let before: BTreeMap<_, _> = diff.before.into_iter().collect();
        for (address, account) in &diff.state {
            let prior = before.get(address).cloned().flatten();
            let prior_balance = prior.as_ref().map(|p| p.balance).unwrap_or_default();
            eth.entry(*address)
                .or_insert((prior_balance, prior_balance))
                .1 = account.info.balance;
            if prior.as_ref().map(|p| p.code_hash) != Some(account.info.code_hash)
                && !(prior.is_none() && account.info.is_empty_code_hash())
            {
                code_changes.insert(*address);
            }
            for (slot, value) in account.changed_storage_slots() {
                slots
                    .entry((*address, *slot))
                    .or_insert((value.original_value, value.original_value))
                    .1 = value.present_value;
            }
        }
    }

    // Keys to resolve mapping entries with: every address and word the proposal touched.
    let mut keys: BTreeSet<B256> = BTreeSet::new();
    for a in eth
        .keys()
        .chain(contracts.keys())
        .chain(std::iter::once(&timelock))
    {
        keys.insert(a.into_word());
    }
    for (_, log) in &logs {
        keys.extend(log.topics().iter().copied());
        keys.extend(log.data.data.chunks_exact(32).map(B256::from_slice));
    }
    for c in calls {
        keys.insert(c.target.into_word());
        if c.data.len() > 4 {
            keys.extend(c.data[4..].chunks_exact(32).map(B256::from_slice));
        }
    }
    for n in 0..=16u64 {
        keys.insert(U256::from(n).into());
    }
    let keys: Vec<B256> = keys.into_iter().collect();

    let storage = slots
        .into_iter()
        .filter(|(_, (before, after))| before != after)
        .map(|((address, slot), (before, after))| {
            Ok(SlotChange {
                address,
                contract: name(&address),
                slot,
                variable: match contracts.get(&address) {
                    Some(k) => layout::name_slot(k, slot, &keys)?,
                    None => None,
                },
                before: before.into(),
                after: after.into(),
            })
        })
        .collect::<Result<Vec<_>, bindings::layouts::LayoutError>>()?;
    let events = logs
        .iter()
        .map(|(call, log)| Event {
            call: *call,
            address: log.address,
            contract: name(&log.address),
            decoded: events::decode(contracts.get(&log.address).map(|k| k.name), log),
            topics: log.topics().to_vec(),
            data: log.data.data.clone(),
        })
        .collect::<Vec<_>>();
    let eth_changes = eth
        .into_iter()
        .filter(|(_, (b, a))| b != a)
        .map(|(account, (before, after))| BalanceChange {
            account,
            contract: name(&account),
            before,
            after,
        })
        .collect();

    // LPT: every account in a Transfer, before (after minus the net transfer) and after.
    let mut lpt = Vec::new();
    if let Some(token) = token {
        let mut net: BTreeMap<Address, (U256, U256)> = BTreeMap::new();
        for (_, log) in &logs {
            if log.address != token {
                continue;
            }
            if let Ok(t) = LivepeerToken::Transfer::decode_log(log) {
                net.entry(t.to).or_default().0 += t.value;
                net.entry(t.from).or_default().1 += t.value;
            }
        }
        for (account, (inflow, outflow)) in net {
            if account.is_zero() || inflow == outflow {
                continue;
            }
            let after = chain.view(token, LivepeerToken::balanceOfCall { account })?;
            lpt.push(BalanceChange {
                account,
                contract: name(&account),
                before: after + outflow - inflow,
                after,
            });
        }
    }

    let params_after = read_params(chain, &contracts);
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

    let checks = checks(
        chain,
        calls,
        &contracts,
        timelock,
        &events,
        &code_changes,
        reverted.as_ref(),
    )?;
    Ok(Simulation {
        block,
        timelock,
        calls: calls.to_vec(),
        reverted,
        contracts: contracts
            .iter()
            .map(|(a, k)| (*a, k.name.to_string()))
            .collect(),
        storage,
        events,
        eth: eth_changes,
        lpt,
        params,
        checks,
        gas_used,
    })
}

fn checks<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    calls: &[Call],
    contracts: &BTreeMap<Address, &'static Kind>,
    timelock: Address,
    events: &[Event],
    code_changes: &BTreeSet<Address>,
    reverted: Option<&(usize, String)>,
) -> Result<Vec<Check>> {
    let mut out = Vec::new();
    let mut push = |level, name, detail: String| {
        out.push(Check {
            level,
            name,
            detail,
        })
    };
    match reverted {
        Some((i, why)) => push(
            "fail",
            "executes",
            format!("call {i} reverts ({why}): the whole proposal would revert"),
        ),
        None => push(
            "ok",
            "executes",
            format!("all {} calls succeed", calls.len()),
        ),
    }
    for (i, c) in calls.iter().enumerate() {
        if !contracts.contains_key(&c.target) {
            let code = chain.code(c.target)?;
            let what = if code.is_empty() {
                "an account without code"
            } else {
                "a contract outside the suite"
            };
            push(
                "warning",
                "unknown-target",
                format!("call {i} goes to {}, {what}", c.target),
            );
        }
        if !c.value.is_zero() {
            push(
                "warning",
                "sends-eth",
                format!("call {i} sends {} wei to {}", c.value, c.target),
            );
        }
    }
    let permission_events = [
        "RoleGranted",
        "RoleRevoked",
        "RoleAdminChanged",
        "RoleGuardianChanged",
        "RoleGrantDelayChanged",
        "TargetFunctionRoleUpdated",
        "TargetClosed",
        "TargetAdminDelayUpdated",
        "AuthorityUpdated",
        "MinDelayChange",
        "TimelockChange",
    ];
    let mut permission_changes = 0;
    for e in events {
        if let Some(d) = &e.decoded
            && permission_events.iter().any(|p| d.starts_with(p))
        {
            permission_changes += 1;
            push(
                "warning",
                "permission-change",
                format!("{}: {d}", e.contract.as_deref().unwrap_or("?")),
            );
        }
    }
    if permission_changes == 0 {
        push(
            "ok",
            "permission-change",
            "no role, target or authority changes".into(),
        );
    }
    if code_changes.is_empty() {
        push(
            "ok",
            "upgrade",
            "no code changes anywhere (the suite has no proxies)".into(),
        );
    }
    for a in code_changes {
        push(
            "warning",
            "upgrade",
            format!("the code at {a} changes (a new contract or a replaced one)"),
        );
    }
    // Invariants after the proposal.
    let find = |n: &str| contracts.iter().find(|(_, k)| k.name == n).map(|(a, _)| *a);
    if let Some(manager) = find("AccessManager") {
        let (is_member, _) = {
            let r = chain.view(
                manager,
                AccessManager::hasRoleCall {
                    roleId: 0,
                    account: timelock,
                },
            )?;
            (r.isMember, r.executionDelay)
        };
        if is_member {
            push(
                "ok",
                "governance-admin",
                "the timelock still holds the AccessManager's admin role".into(),
            );
        } else {
            push("fail", "governance-admin", "the timelock loses the AccessManager's admin role: governance could no longer change parameters".into());
        }
    }
    if let (Some(bonding), Some(token)) = (find("BondingManager"), find("LivepeerToken")) {
        let bonded = chain.view(bonding, BondingManager::totalBondedCall {})?;
        let held = chain.view(token, LivepeerToken::balanceOfCall { account: bonding })?;
        if held >= bonded {
            push(
                "ok",
                "bonding-solvency",
                format!("the BondingManager holds {held} wei of LPT for {bonded} wei bonded"),
            );
        } else {
            push(
                "fail",
                "bonding-solvency",
                format!(
                    "the BondingManager holds {held} wei of LPT, less than the {bonded} wei bonded"
                ),
            );
        }
        let members = chain.view(bonding, BondingManager::activeSetCall {})?;
        let max = chain.view(bonding, BondingManager::numActiveOrchestratorsCall {})?;
        if U256::from(members.len()) <= max {
            push(
                "ok",
                "active-set",
                format!("{} active of at most {max}", members.len()),
            );
        } else {
            push(
                "fail",
                "active-set",
                format!("{} active, more than the limit of {max}", members.len()),
            );
        }
    }
    if let Some(minter) = find("Minter") {
        let allowance = chain.view(minter, Minter::currentRewardTokensCall {})?;
        let minted = chain.view(minter, Minter::currentMintedRewardsCall {})?;
        if minted <= allowance {
            push(
                "ok",
                "reward-allowance",
                "this round's minted rewards are within the allowance".into(),
            );
        } else {
            push(
                "fail",
                "reward-allowance",
                format!("{minted} wei minted, more than the {allowance} wei allowance"),
            );
        }
    }
    Ok(out)
}

/// A made proposal's calls, from its `ProposalCreated` event.
pub async fn proposal_calls(
    provider: &impl Provider,
    governor: Address,
    proposal_id: U256,
    to_block: u64,
) -> Result<Vec<Call>> {
    let filter = Filter::new()
        .address(governor)
        .event_signature(LivepeerGovernor::ProposalCreated::SIGNATURE_HASH)
        .from_block(0)
        .to_block(to_block);
    let logs = provider
        .get_logs(&filter)
        .await
        .context("reading the governor's ProposalCreated events")?;
    for log in logs {
        let Ok(created) = LivepeerGovernor::ProposalCreated::decode_log(&log.inner) else {
            continue;
        };
        if created.proposalId == proposal_id {
            let p = created.data;
            ensure!(
                p.targets.len() == p.values.len() && p.targets.len() == p.calldatas.len(),
                "proposal {proposal_id} has mismatched targets, values and calldatas"
            );
            return Ok(p
                .targets
                .iter()
                .zip(&p.values)
                .zip(&p.calldatas)
                .map(|((t, v), d)| Call {
                    target: *t,
                    value: *v,
                    data: d.clone(),
                })
                .collect());
        }
    }
    bail!("the governor {governor} has no proposal {proposal_id} up to block {to_block}")
}

/// A proposal not yet made: its calls, from the governor's `propose(...)` calldata.
pub fn calls_from_calldata(data: &[u8]) -> Result<Vec<Call>> {
    let p = LivepeerGovernor::proposeCall::abi_decode(data).context(
        "--calldata is not the governor's propose(address[],uint256[],bytes[],string) calldata",
    )?;
    ensure!(
        p.targets.len() == p.values.len() && p.targets.len() == p.calldatas.len(),
        "--calldata has mismatched targets, values and calldatas"
    );
    Ok(p.targets
        .iter()
        .zip(&p.values)
        .zip(&p.calldatas)
        .map(|((t, v), d)| Call {
            target: *t,
            value: *v,
            data: d.clone(),
        })
        .collect())
}

/// The calls the command line describes.
fn calls_from_args(args: &ProposalArgs, fork: &Fork, governor: Address) -> Result<Vec<Call>> {
    if let Some(id) = args.proposal_id {
        return fork
            .runtime
            .block_on(proposal_calls(&fork.provider, governor, id, fork.block));
    }
    if let Some(data) = &args.calldata {
        return calls_from_calldata(data);
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
    Ok(args
        .target
        .iter()
        .enumerate()
        .map(|(i, t)| Call {
            target: *t,
            value: args.value.get(i).copied().unwrap_or_default(),
            data: args.data[i].clone(),
        })
        .collect())
}

/// Runs `sim proposal`.
pub fn run(args: &ProposalArgs) -> Result<()> {
    let governor = args.governor;
    let mut fork = Fork::new(&args.rpc_url, args.block)?;
    let calls = calls_from_args(args, &fork, governor)?;
    let block = fork.block;
    let sim = simulate(&mut fork.chain, block, governor, &calls)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&sim)?);
    } else {
        print!("{}", report::proposal(&sim));
    }
    if sim.checks.iter().any(|c| c.level == "fail") {
        std::process::exit(2);
    }
    Ok(())
}
