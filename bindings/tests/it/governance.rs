//! One governance proposal end to end on anvil, through the bindings: the suite deployed and
//! handed over to the timelock, an orchestrator and a delegator bonded, a proposal to change the
//! unbonding period, the orchestrator voting for and its delegator overriding against, the vote
//! closed by mining rounds, queued, the timelock delay passed, executed.

use alloy::{
    primitives::{Bytes, U256, keccak256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{
    BondingManager, DeployConfig, LPT, LivepeerGovernor, RoundsManager, deploy, enums::VoteType,
};
use testkit::{next_round, send, spawn_anvil, wallet};

use crate::support::bond;

const ROUND_LENGTH: u64 = 10;
const FOR: u8 = VoteType::For as u8;
const AGAINST: u8 = VoteType::Against as u8;
/// OpenZeppelin's `IGovernor.ProposalState`.
const ACTIVE: u8 = 1;
const SUCCEEDED: u8 = 4;
const QUEUED: u8 = 5;
const EXECUTED: u8 = 7;

#[tokio::test]
async fn proposal_end_to_end_on_anvil() {
    let anvil = spawn_anvil();
    let deployer_address = anvil.addresses()[0];
    let deployer = wallet(&anvil, 0);
    let mut config = DeployConfig {
        roundLength: U256::from(ROUND_LENGTH),
        ..DeployConfig::defaults(&deployer, deployer_address)
            .await
            .unwrap()
    };
    // A 2-round vote (the deploy converts rounds to the governor's blocks).
    config.governance.votingPeriodRounds = U256::from(2);
    assert!(config.handOverToGovernance);
    let d = deploy(&deployer, &config).await.expect("deploy");

    // orchestrator (key 1): 1,000 LPT of its own; delegator (key 2): 300 LPT with it.
    let orchestrator = anvil.addresses()[1];
    bond(
        &deployer,
        &anvil,
        &d,
        1,
        orchestrator,
        U256::from(1000u64) * LPT,
        (100_000, 500_000),
    )
    .await;
    bond(
        &deployer,
        &anvil,
        &d,
        2,
        orchestrator,
        U256::from(300u64) * LPT,
        (100_000, 500_000),
    )
    .await;
    // Votes count from the start of the round after bonding; a proposer's from the round before.
    next_round(&deployer, d.rounds).await;
    next_round(&deployer, d.rounds).await;

    // The deployer no longer changes parameters: only a proposal does.
    let bonding = BondingManager::new(d.bonding, &deployer);
    let denied = bonding.setUnbondingPeriod(U256::from(3u64)).call().await;
    assert!(denied.is_err(), "the deployer kept no admin");

    let targets = vec![d.bonding];
    let values = vec![U256::ZERO];
    let calldatas: Vec<Bytes> = vec![
        BondingManager::setUnbondingPeriodCall {
            rounds_: U256::from(3u64),
        }
        .abi_encode()
        .into(),
    ];
    let description = "Unbonding period: 3 rounds".to_string();
    let description_hash = keccak256(description.as_bytes());

    let orch_provider = wallet(&anvil, 1);
    let governor = LivepeerGovernor::new(d.governor, &orch_provider);
    let proposed = send!(governor.propose(
        targets.clone(),
        values.clone(),
        calldatas.clone(),
        description,
    ));
    println!("propose gas used: {}", proposed.gas_used);
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

    // The clock is the block number (ERC-6372), as standard clients read it.
    let votes = bindings::BondingVotes::new(d.votes, &deployer);
    assert_eq!(
        votes.CLOCK_MODE().call().await.unwrap(),
        "mode=blocknumber&from=default"
    );
    let snapshot = governor.proposalSnapshot(id).call().await.unwrap();
    let rounds = RoundsManager::new(d.rounds, &deployer);
    let next_round_of = rounds.roundAt(snapshot).call().await.unwrap();
    assert_eq!(
        next_round_of,
        rounds.currentRound().call().await.unwrap() + U256::from(1),
        "the snapshot block lies in the next round"
    );
    while U256::from(deployer.get_block_number().await.unwrap()) <= snapshot {
        next_round(&deployer, d.rounds).await;
    }
    assert_eq!(governor.state(id).call().await.unwrap(), ACTIVE);

    // The orchestrator votes for with its pool; the delegator overrides with its own stake.
    let voted = send!(governor.castVote(id, FOR));
    println!("castVote (orchestrator) gas used: {}", voted.gas_used);
    let delegator_governor = LivepeerGovernor::new(d.governor, wallet(&anvil, 2));
    let overridden = send!(delegator_governor.castVote(id, AGAINST));
    println!(
        "castVote (overriding delegator) gas used: {}",
        overridden.gas_used
    );
    let tally = governor.proposalVotes(id).call().await.unwrap();
    assert_eq!(tally.forVotes, U256::from(1000u64) * LPT);
    assert_eq!(tally.againstVotes, U256::from(300u64) * LPT);
    assert_eq!(tally.abstainVotes, U256::ZERO);

    let deadline = governor.proposalDeadline(id).call().await.unwrap();
    while U256::from(deployer.get_block_number().await.unwrap()) <= deadline {
        next_round(&deployer, d.rounds).await;
    }
    assert_eq!(governor.state(id).call().await.unwrap(), SUCCEEDED);

    send!(governor.queue(
        targets.clone(),
        values.clone(),
        calldatas.clone(),
        description_hash,
    ));
    assert_eq!(governor.state(id).call().await.unwrap(), QUEUED);

    // Before the delay, execution reverts; after it, it runs.
    let early = governor
        .execute(
            targets.clone(),
            values.clone(),
            calldatas.clone(),
            description_hash,
        )
        .call()
        .await;
    assert!(early.is_err(), "the timelock holds it for its delay");
    deployer
        .anvil_increase_time(config.governance.timelockDelay.to::<u64>())
        .await
        .unwrap();
    deployer.anvil_mine(Some(1), None).await.unwrap();
    send!(governor.execute(targets, values, calldatas, description_hash));
    assert_eq!(governor.state(id).call().await.unwrap(), EXECUTED);
    assert_eq!(bonding.unbondingPeriod().call().await.unwrap(), 3);
}
