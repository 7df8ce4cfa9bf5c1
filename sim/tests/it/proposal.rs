//! A proposal simulated in revm on a fork of anvil's state ends in the state that executing it on
//! anvil gives: the same storage values, the same events, the same parameters.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{
    AccessManager, BondingManager, DeployConfig, LPT, LivepeerGovernor, LivepeerToken, Minter,
    deploy, no_hints,
};
use sim::{fork::Fork, proposal};
use testkit::{next_round, send, spawn_anvil, wallet};

const ROUND_LENGTH: u64 = 10;

#[tokio::test]
async fn proposal_in_revm_matches_anvil() {
    let anvil = spawn_anvil();
    let admin = anvil.addresses()[0];
    let provider = wallet(&anvil, 0);
    let mut config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(&provider, admin).await.unwrap()
    };
    // The governor counts blocks: a 1-round delay and a 2-round period at this round length.
    config.governance.votingDelay = U256::from(ROUND_LENGTH);
    config.governance.votingPeriod = U256::from(2 * ROUND_LENGTH);
    let d = deploy(&provider, &config).await.expect("deploy");

    // The admin bonds to itself as an orchestrator: its votes carry the proposal.
    let stake = U256::from(1_000_000u64) * LPT;
    send!(LivepeerToken::new(d.token, &provider).approve(d.bonding, stake));
    let bonding = BondingManager::new(d.bonding, &provider);
    send!(bonding.registerOrchestrator(U256::from(100_000u64), U256::from(500_000u64)));
    let hints = no_hints();
    send!(bonding.bond(stake, admin, hints));
    next_round(&provider, d.rounds).await;
    next_round(&provider, d.rounds).await;
    // The treasury has LPT to move: its share of this round's mint.
    send!(Minter::new(d.minter, &provider).mintTreasury());

    let grantee = Address::repeat_byte(0x42);
    let targets = vec![d.bonding, d.minter, d.manager];
    let values = vec![U256::ZERO; 3];
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
    let description = "Longer unbonding, higher target, a new role".to_string();
    let description_hash = keccak256(description.as_bytes());
    let governor = LivepeerGovernor::new(d.governor, &provider);
    send!(governor.propose(
        targets.clone(),
        values.clone(),
        calldatas.clone(),
        description
    ));
    let id = governor
        .hashProposal(
            targets.clone(),
            values.clone(),
            calldatas.clone(),
            description_hash,
        )
        .call()
        .await
        .unwrap();
    // The governance clock is the block number.
    let snapshot = governor.proposalSnapshot(id).call().await.unwrap();
    while U256::from(provider.get_block_number().await.unwrap()) <= snapshot {
        next_round(&provider, d.rounds).await;
    }
    send!(governor.castVote(id, 1));
    let deadline = governor.proposalDeadline(id).call().await.unwrap();
    while U256::from(provider.get_block_number().await.unwrap()) <= deadline {
        next_round(&provider, d.rounds).await;
    }
    send!(governor.queue(
        targets.clone(),
        values.clone(),
        calldatas.clone(),
        description_hash
    ));
    provider
        .anvil_increase_time(config.governance.timelockDelay.to::<u64>())
        .await
        .unwrap();
    provider.anvil_mine(Some(1), None).await.unwrap();

    // Simulate on a fork of anvil's head, reading the calls from the ProposalCreated event.
    let url = anvil.endpoint();
    let governor_address = d.governor;
    let sim = tokio::task::spawn_blocking(move || {
        let mut fork = Fork::new(&url, None).unwrap();
        let calls = fork
            .runtime
            .block_on(proposal::proposal_calls(
                &fork.provider,
                governor_address,
                id,
                fork.block,
            ))
            .unwrap();
        let block = fork.block;
        proposal::simulate(&mut fork.chain, block, governor_address, &calls).unwrap()
    })
    .await
    .unwrap();
    println!("{}", sim::report::proposal(&sim));
    // A proposal not yet made gives the same calls from its propose(...) calldata.
    let propose = LivepeerGovernor::proposeCall {
        targets: targets.clone(),
        values: values.clone(),
        calldatas: calldatas.clone(),
        description: "again".into(),
    };
    let from_calldata = proposal::calls_from_calldata(&propose.abi_encode()).unwrap();
    assert_eq!(
        from_calldata
            .iter()
            .map(|c| (c.target, c.value, c.data.clone()))
            .collect::<Vec<_>>(),
        sim.calls
            .iter()
            .map(|c| (c.target, c.value, c.data.clone()))
            .collect::<Vec<_>>()
    );
    assert!(sim.reverted.is_none());
    assert_eq!(sim.calls.len(), 3);
    let param = |contract: &str, name: &str| {
        sim.params
            .iter()
            .find(|p| p.contract == contract && p.name == name)
            .map(|p| (p.before.clone(), p.after.clone()))
    };
    assert_eq!(
        param("BondingManager", "unbondingPeriod"),
        Some(("7".into(), "10".into()))
    );
    assert_eq!(
        param("Minter", "targetBondingRate"),
        Some(("500000000".into(), "600000000".into()))
    );
    assert!(
        sim.checks
            .iter()
            .any(|c| c.name == "permission-change" && c.level == "warning"),
        "the role grant is flagged"
    );
    assert!(
        sim.checks.iter().all(|c| c.level != "fail"),
        "{:?}",
        sim.checks
    );
    assert!(
        sim.storage.iter().any(|s| s.variable.as_deref()
            == Some("unbondingPeriod, paramsChangeDelay, rewardBountyPpm, _totalBonded")
            || s.variable
                .as_deref()
                .is_some_and(|v| v.contains("unbondingPeriod"))),
        "the unbonding period's slot is named: {:?}",
        sim.storage
    );

    // Now on anvil, in the block the simulation ran in (the next one, 12 seconds on).
    let head = provider
        .get_block_by_number(sim.block.into())
        .await
        .unwrap()
        .unwrap();
    provider
        .anvil_set_next_block_timestamp(head.header.timestamp + 12)
        .await
        .unwrap();
    let receipt = send!(governor.execute(targets, values, calldatas, description_hash));
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
        .filter(|l| l.address() != d.governor && l.address() != d.timelock)
        .map(|l| (l.address(), l.topics().to_vec(), l.data().data.clone()))
        .collect();
    let sim_events: Vec<_> = sim
        .events
        .iter()
        .map(|e| (e.address, e.topics.clone(), e.data.clone()))
        .collect();
    assert_eq!(sim_events, anvil_events);
    assert_eq!(bonding.unbondingPeriod().call().await.unwrap(), 10);
    let role = AccessManager::new(d.manager, &provider)
        .hasRole(9, grantee)
        .call()
        .await
        .unwrap();
    assert!(role.isMember);
}
