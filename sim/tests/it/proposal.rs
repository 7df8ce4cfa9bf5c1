//! `sim proposal` on a fork of anvil: a proposal run through `Governor.execute` in revm ends in
//! the state executing it on anvil gives (the same storage values, the same events), governor
//! self-calls included; every change of who may do what fails unless acknowledged; a call
//! sending more ETH than the treasury holds is a failing call, not a crash.

use std::{process::Command, time::Duration};

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{
    AccessManager, BondingManager, DeployConfig, Deployment, LPT, LivepeerGovernor, LivepeerToken,
    Minter, TimelockController, deadline::output_within, deploy, no_hints, roles,
};
use sim::{
    proposal::{self, Options, Simulation},
    proposal_source::{self, Source},
};
use testkit::{next_round, send, spawn_anvil, wallet};

const ROUND_LENGTH: u64 = 10;

/// A deployed suite with one bonded orchestrator (the admin) whose votes carry proposals.
async fn setup(anvil: &alloy::node_bindings::AnvilInstance) -> (Deployment, DeployConfig) {
    let admin = anvil.addresses()[0];
    let provider = wallet(anvil, 0);
    let mut config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(&provider, admin).await.unwrap()
    };
    // A 2-round vote (the deploy converts rounds to the governor's blocks).
    config.governance.votingPeriodRounds = U256::from(2);
    let d = deploy(&provider, &config).await.expect("deploy");
    let stake = U256::from(1_000_000u64) * LPT;
    send!(LivepeerToken::new(d.token, &provider).approve(d.bonding, stake));
    let bonding = BondingManager::new(d.bonding, &provider);
    send!(bonding.registerOrchestrator(U256::from(100_000u64), U256::from(500_000u64)));
    send!(bonding.bond(stake, admin, no_hints()));
    next_round(&provider, d.rounds).await;
    next_round(&provider, d.rounds).await;
    // The treasury has LPT to move: its share of this round's mint.
    send!(Minter::new(d.minter, &provider).mintTreasury());
    (d, config)
}

/// Proposes, votes and queues on anvil until the timelock's delay is over; returns the id.
async fn queue_on_anvil(
    anvil: &alloy::node_bindings::AnvilInstance,
    d: &Deployment,
    config: &DeployConfig,
    targets: &[Address],
    calldatas: &[Bytes],
    description: &str,
) -> U256 {
    let provider = wallet(anvil, 0);
    let values = vec![U256::ZERO; targets.len()];
    let governor = LivepeerGovernor::new(d.governor, &provider);
    send!(governor.propose(
        targets.to_vec(),
        values.clone(),
        calldatas.to_vec(),
        description.to_string()
    ));
    let hash = keccak256(description.as_bytes());
    let id = governor
        .hashProposal(targets.to_vec(), values.clone(), calldatas.to_vec(), hash)
        .call()
        .await
        .unwrap();
    // The governor's own clock, whatever it counts.
    let snapshot = governor.proposalSnapshot(id).call().await.unwrap();
    while U256::from(governor.clock().call().await.unwrap()) <= snapshot {
        next_round(&provider, d.rounds).await;
    }
    send!(governor.castVote(id, 1));
    let deadline = governor.proposalDeadline(id).call().await.unwrap();
    while U256::from(governor.clock().call().await.unwrap()) <= deadline {
        next_round(&provider, d.rounds).await;
    }
    send!(governor.queue(targets.to_vec(), values, calldatas.to_vec(), hash));
    provider
        .anvil_increase_time(config.governance.timelockDelay.to::<u64>())
        .await
        .unwrap();
    provider.anvil_mine(Some(1), None).await.unwrap();
    id
}

/// Simulates a made proposal by id on a fork of anvil's head.
async fn simulate_id(url: String, governor: Address, id: U256, acks: &[&str]) -> Simulation {
    let opts = Options {
        block: None,
        acks: acks.iter().map(|a| a.to_string()).collect(),
    };
    tokio::task::spawn_blocking(move || {
        proposal::report(&url, governor, Source::Id(id), &opts).unwrap()
    })
    .await
    .unwrap()
}

/// Executes the proposal on anvil in the block the simulation executed it in, and compares every
/// simulated storage value and event with anvil's.
async fn execute_and_compare(
    anvil: &alloy::node_bindings::AnvilInstance,
    d: &Deployment,
    sim: &Simulation,
    targets: &[Address],
    calldatas: &[Bytes],
    description: &str,
) {
    let provider = wallet(anvil, 0);
    assert_eq!(
        sim.executed_block,
        sim.block + 1,
        "executed in the next block"
    );
    provider
        .anvil_set_next_block_timestamp(sim.executed_at)
        .await
        .unwrap();
    let governor = LivepeerGovernor::new(d.governor, &provider);
    let receipt = send!(governor.execute(
        targets.to_vec(),
        vec![U256::ZERO; targets.len()],
        calldatas.to_vec(),
        keccak256(description.as_bytes())
    ));
    for change in &sim.storage {
        let on_anvil = provider
            .get_storage_at(change.address, change.slot)
            .await
            .unwrap();
        assert_eq!(
            B256::from(on_anvil),
            change.after,
            "slot {:#x} of {} ({:?})",
            change.slot,
            change.address,
            change.variable
        );
    }
    let anvil_events: Vec<_> = receipt
        .inner
        .logs()
        .iter()
        .map(|l| (l.address(), l.topics().to_vec(), l.data().data.clone()))
        .collect();
    let sim_events: Vec<_> = sim
        .events
        .iter()
        .map(|e| (e.address, e.topics.clone(), e.data.clone()))
        .collect();
    assert_eq!(sim_events, anvil_events);
}

fn param(sim: &Simulation, contract: &str, name: &str) -> Option<(String, String)> {
    sim.params
        .iter()
        .find(|p| p.contract == contract && p.name == name)
        .map(|p| (p.before.clone(), p.after.clone()))
}

#[tokio::test]
async fn proposal_in_revm_matches_anvil() {
    let anvil = spawn_anvil();
    let (d, config) = setup(&anvil).await;
    let grantee = Address::repeat_byte(0x42);
    let targets = vec![d.bonding, d.minter, d.manager];
    let calldatas: Vec<Bytes> = vec![
        BondingManager::setUnbondingPeriodCall {
            rounds_: U256::from(10u64),
        }
        .abi_encode()
        .into(),
        Minter::setTargetBondingRateCall {
            targetBondingRate_: U256::from(600_000_000u64),
        }
        .abi_encode()
        .into(),
        AccessManager::grantRoleCall {
            roleId: 9,
            account: grantee,
            executionDelay: 0,
        }
        .abi_encode()
        .into(),
    ];
    let description = "Longer unbonding, higher target, a new role";
    let id = queue_on_anvil(&anvil, &d, &config, &targets, &calldatas, description).await;

    // The role grant is a permission change: failing until acknowledged by its key.
    let key = format!("grant-role:9:{grantee}");
    let unacked = simulate_id(anvil.endpoint(), d.governor, id, &[]).await;
    assert!(!unacked.passed, "{unacked}");
    assert!(
        unacked
            .permissions
            .iter()
            .any(|p| p.finding.key == key && !p.acknowledged)
    );
    let sim = simulate_id(anvil.endpoint(), d.governor, id, &[&key.to_lowercase()]).await;
    println!("{sim}");
    assert!(sim.passed, "{sim}");
    assert!(sim.to_string().starts_with("VERDICT: PASS"));
    assert!(sim.reverted.is_none());
    assert_eq!(sim.invariants, sim::proposal_checks::INVARIANTS);
    assert_eq!(sim.calls.len(), 3);
    assert_eq!(
        param(&sim, "BondingManager", "unbondingPeriod"),
        Some(("7".into(), "10".into()))
    );
    assert_eq!(
        param(&sim, "Minter", "targetBondingRate"),
        Some(("500000000".into(), "600000000".into()))
    );
    assert!(
        sim.storage.iter().any(|s| s
            .variable
            .as_deref()
            .is_some_and(|v| v.contains("unbondingPeriod"))),
        "the unbonding period's slot is named: {:?}",
        sim.storage
    );
    // The events of each call are attributed to it.
    assert!(sim.events.iter().any(|e| {
        e.call == Some(2)
            && e.decoded
                .as_deref()
                .is_some_and(|d| d.starts_with("RoleGranted"))
    }));

    // A proposal not yet made gives the same calls from its propose(...) calldata.
    let propose = LivepeerGovernor::proposeCall {
        targets: targets.clone(),
        values: vec![U256::ZERO; 3],
        calldatas: calldatas.clone(),
        description: "again".into(),
    };
    let from_calldata = proposal_source::from_calldata(&propose.abi_encode()).unwrap();
    assert_eq!(from_calldata.description, "again");
    assert_eq!(
        from_calldata
            .calls
            .iter()
            .map(|c| (c.target, c.data.clone()))
            .collect::<Vec<_>>(),
        sim.calls
            .iter()
            .map(|c| (c.target, c.data.clone()))
            .collect::<Vec<_>>()
    );

    execute_and_compare(&anvil, &d, &sim, &targets, &calldatas, description).await;
    let provider = wallet(&anvil, 0);
    let role = AccessManager::new(d.manager, &provider)
        .hasRole(9, grantee)
        .call()
        .await
        .unwrap();
    assert!(role.isMember);
}

#[tokio::test]
async fn governor_self_calls_execute_and_match_anvil() {
    let anvil = spawn_anvil();
    let (d, config) = setup(&anvil).await;
    let provider = wallet(&anvil, 0);
    let governor = LivepeerGovernor::new(d.governor, &provider);
    let period = governor.votingPeriod().call().await.unwrap();
    let quorum = governor.quorumNumerator_1().call().await.unwrap();
    // Stricter settings, made through the governor's onlyGovernance setters.
    let targets = vec![d.governor, d.governor];
    let calldatas: Vec<Bytes> = vec![
        LivepeerGovernor::setVotingPeriodCall {
            newVotingPeriod: (period + U256::from(3)).to::<u32>(),
        }
        .abi_encode()
        .into(),
        LivepeerGovernor::updateQuorumNumeratorCall {
            newQuorumNumerator: quorum + U256::from(1_000),
        }
        .abi_encode()
        .into(),
    ];
    let description = "A longer vote and a higher quorum";
    let id = queue_on_anvil(&anvil, &d, &config, &targets, &calldatas, description).await;
    let sim = simulate_id(anvil.endpoint(), d.governor, id, &[]).await;
    println!("{sim}");
    assert!(sim.reverted.is_none(), "{sim}");
    assert!(
        sim.passed,
        "stricter governance passes with warnings: {sim}"
    );
    assert_eq!(
        param(&sim, "LivepeerGovernor", "votingPeriod"),
        Some((period.to_string(), (period + U256::from(3)).to_string()))
    );
    assert!(
        sim.permissions
            .iter()
            .all(|p| p.finding.strengthens && !p.acknowledged)
    );
    execute_and_compare(&anvil, &d, &sim, &targets, &calldatas, description).await;

    // The same command line exits 0.
    let out = sim_cli(&[
        "proposal",
        "--rpc-url",
        &anvil.endpoint(),
        "--governor",
        &d.governor.to_string(),
        "--target",
        &d.governor.to_string(),
        "--data",
        &calldatas[0].to_string(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

fn sim_cli(args: &[&str]) -> std::process::Output {
    output_within(
        Command::new(env!("CARGO_BIN_EXE_sim")).args(args),
        Duration::from_secs(300),
    )
}

/// Runs `sim proposal` with one call on a fresh suite; asserts it exits 2 naming `key`, and
/// exits 0 once `key` is acknowledged.
async fn takeover(
    call: impl Fn(&Deployment) -> (Address, Bytes),
    key: impl Fn(&Deployment) -> String,
) {
    let anvil = spawn_anvil();
    let (d, _) = setup(&anvil).await;
    let (target, data) = call(&d);
    let key = key(&d);
    let url = anvil.endpoint();
    let (governor, target, data) = (d.governor.to_string(), target.to_string(), data.to_string());
    let args = [
        "proposal",
        "--rpc-url",
        &url,
        "--governor",
        &governor,
        "--target",
        &target,
        "--data",
        &data,
    ];
    let out = sim_cli(&args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.starts_with("VERDICT: FAIL"), "{stdout}");
    assert!(stdout.contains(&key), "the report names `{key}`: {stdout}");
    let acked = sim_cli(&[&args[..], &["--ack", &key]].concat());
    assert_eq!(
        acked.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&acked.stdout)
    );
}

const FRESH: Address = Address::repeat_byte(0xee);

#[tokio::test]
async fn admin_granted_to_a_fresh_eoa_fails() {
    takeover(
        |d| {
            let data = AccessManager::grantRoleCall {
                roleId: roles::ADMIN,
                account: FRESH,
                executionDelay: 0,
            };
            (d.manager, data.abi_encode().into())
        },
        |_| format!("grant-role:ADMIN:{FRESH}"),
    )
    .await;
}

#[tokio::test]
async fn timelock_proposer_granted_to_an_eoa_fails() {
    takeover(
        |d| {
            let data = TimelockController::grantRoleCall {
                role: keccak256("PROPOSER_ROLE"),
                account: FRESH,
            };
            (d.timelock, data.abi_encode().into())
        },
        |_| format!("timelock-grant:PROPOSER:{FRESH}"),
    )
    .await;
}

#[tokio::test]
async fn timelock_delay_zero_fails() {
    takeover(
        |d| {
            let data = TimelockController::updateDelayCall {
                newDelay: U256::ZERO,
            };
            (d.timelock, data.abi_encode().into())
        },
        |_| "timelock-delay:0".into(),
    )
    .await;
}

#[tokio::test]
async fn setter_opened_to_public_fails() {
    let selector = Minter::setTargetBondingRateCall::SELECTOR;
    takeover(
        |d| {
            let data = AccessManager::setTargetFunctionRoleCall {
                target: d.minter,
                selectors: vec![selector.into()],
                roleId: u64::MAX,
            };
            (d.manager, data.abi_encode().into())
        },
        |d| {
            format!(
                "target-role:{}:0x{}:PUBLIC",
                d.minter,
                alloy::hex::encode(selector)
            )
        },
    )
    .await;
}

#[tokio::test]
async fn sending_more_eth_than_the_treasury_holds_is_a_failing_call() {
    let anvil = spawn_anvil();
    let (d, _) = setup(&anvil).await;
    let url = anvil.endpoint();
    let calls = vec![proposal::Call {
        target: FRESH,
        value: U256::from(1_000u64) * LPT,
        data: Bytes::new(),
    }];
    let governor = d.governor;
    let sim = tokio::task::spawn_blocking(move || {
        proposal::report(&url, governor, Source::Calls(calls), &Options::default()).unwrap()
    })
    .await
    .unwrap();
    println!("{sim}");
    assert!(!sim.passed);
    let revert = sim.reverted.as_ref().expect("the execution reverts");
    assert_eq!(revert.call, Some(0), "{sim}");
    assert!(sim.stages.iter().any(|s| s.what.starts_with("proposed")));
    assert!(sim.to_string().contains("1000 ETH"), "{sim}");

    // The command line reports it and exits 2; --json keeps wei.
    let out = sim_cli(&[
        "proposal",
        "--rpc-url",
        &anvil.endpoint(),
        "--governor",
        &d.governor.to_string(),
        "--target",
        &FRESH.to_string(),
        "--value",
        "1000000000000000000000",
        "--data",
        "0x",
        "--json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["calls"][0]["value"], "1000000000000000000000");
    assert_eq!(json["passed"], false);
}

#[test]
fn report_times_are_utc_dates() {
    assert_eq!(sim::report::utc(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(sim::report::utc(951_782_399), "2000-02-28 23:59:59 UTC");
    assert_eq!(sim::report::utc(1_709_251_200), "2024-03-01 00:00:00 UTC");
    assert_eq!(sim::report::utc(4_102_444_800), "2100-01-01 00:00:00 UTC");
}
