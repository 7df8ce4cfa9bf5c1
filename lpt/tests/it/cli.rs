//! `lpt` end to end on anvil: a delegator bonds, earns, unbonds and withdraws through it; reverts
//! read by name; a proposal listed, voted (with a delegator's override), queued and executed.

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::{Provider, ext::AnvilApi},
    sol_types::SolCall,
};
use bindings::{BondingManager, LivepeerGovernor, RoundsManager};
use testkit::{next_round, send, wallet};

use crate::support::Net;

const ORCHESTRATOR: usize = 1;
const DELEGATOR: usize = 2;

/// Moves to the next round, initializes it and has the orchestrator call reward.
async fn round_with_reward(net: &Net) {
    let admin = wallet(&net.anvil, 0);
    next_round(&admin, net.d.rounds).await;
    let o = wallet(&net.anvil, ORCHESTRATOR);
    send!(BondingManager::new(net.d.bonding, &o).reward(
        net.address(ORCHESTRATOR),
        Address::ZERO,
        Address::ZERO
    ));
}

async fn current_round(net: &Net) -> u64 {
    RoundsManager::new(net.d.rounds, wallet(&net.anvil, 0))
        .currentRound()
        .call()
        .await
        .unwrap()
        .to()
}

#[tokio::test]
async fn a_delegator_bonds_earns_unbonds_and_withdraws() {
    let net = Net::start("staking").await;
    net.orchestrator(ORCHESTRATOR, 10_000).await;
    net.fund(DELEGATOR, 2_000).await;
    let orchestrator = net.address(ORCHESTRATOR).to_string();
    let delegator = net.address(DELEGATOR).to_string();

    let out = net.ok(DELEGATOR, &["bond", "1000.5", "--to", &orchestrator]);
    assert!(
        out.contains("approved the BondingManager for 1000.5 LPT"),
        "{out}"
    );
    assert!(
        out.contains(&format!("bonded 1000.5 LPT to {orchestrator}")),
        "{out}"
    );

    let out = net.ok(0, &["orchestrators"]);
    assert!(out.contains(&orchestrator), "{out}");
    assert!(
        out.contains("reward cut 10%, fee share 50% in force"),
        "{out}"
    );
    assert!(out.contains("stake 11000.5 LPT"), "{out}");
    // New cuts wait out the params-change delay: both shown, the scheduled ones with their round.
    let o = wallet(&net.anvil, ORCHESTRATOR);
    send!(
        BondingManager::new(net.d.bonding, &o)
            .setOrchestratorParams(U256::from(200_000), U256::from(400_000))
    );
    let out = net.ok(0, &["orchestrators"]);
    let effective = current_round(&net).await + 1;
    assert!(
        out.contains(&format!(
            "reward cut 10%, fee share 50% in force; 20% and 40% from round {effective}"
        )),
        "{out}"
    );

    // Stake bonded in a round earns from the next: two rewarded rounds.
    round_with_reward(&net).await;
    round_with_reward(&net).await;
    let out = net.ok(0, &["position", &delegator]);
    assert!(
        out.contains(&format!("delegate      {orchestrator}")),
        "{out}"
    );
    let earned = line(&out, "since the last claim");
    assert!(earned.contains("rewards +"), "{out}");
    assert!(!earned.contains("rewards +0 LPT"), "rewards accrued: {out}");
    assert!(line(&out, "since bonding").contains("rewards +"), "{out}");

    // More than bonded: the revert, by name, from the suite's ABI.
    let err = net.fails(DELEGATOR, &["unbond", "5000"]);
    assert!(err.contains("unbond reverted: UnbondExceedsStake"), "{err}");
    // The amounts in LPT (the stake includes the rewards claimed by the attempt's dry run).
    assert!(
        err.contains(": 5000 LPT asked, 1") && err.ends_with(" LPT bonded\n"),
        "{err}"
    );

    let out = net.ok(DELEGATOR, &["unbond", "100"]);
    let round = current_round(&net).await;
    let period: u64 = BondingManager::new(net.d.bonding, wallet(&net.anvil, 0))
        .unbondingPeriod()
        .call()
        .await
        .unwrap()
        .into();
    assert!(
        out.contains(&format!(
            "unbonded 100 LPT from {orchestrator} into lock 0: withdrawable at round {}",
            round + period
        )),
        "{out}"
    );
    let out = net.ok(0, &["position", &delegator]);
    assert!(
        out.contains(&format!(
            "lock 0: 100 LPT from {orchestrator} (unbonded in round {round}): matures at round {}",
            round + period
        )),
        "{out}"
    );
    let err = net.fails(DELEGATOR, &["withdraw", "0"]);
    assert!(
        err.contains("withdrawStake reverted: LockNotWithdrawable"),
        "{err}"
    );

    while current_round(&net).await < round + period {
        round_with_reward(&net).await;
    }
    let out = net.ok(0, &["position", &delegator]);
    assert!(
        out.contains("lock 0: 100 LPT") && out.contains("withdrawable now"),
        "{out}"
    );
    let out = net.ok(DELEGATOR, &["withdraw", "0"]);
    assert!(out.contains("withdrew lock 0: 100 LPT"), "{out}");
    let out = net.ok(0, &["position", &delegator]);
    assert!(out.contains("no unbonding locks"), "{out}");
    assert!(out.contains("wallet        1099.5 LPT"), "{out}");

    let out = net.ok(DELEGATOR, &["claim"]);
    assert!(out.contains("claimed up to round"), "{out}");
    // The same addresses from the deployer and its nonce instead of a file.
    let out = net.lpt_bare(
        0,
        &["--deployer", &net.address(0).to_string(), "orchestrators"],
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains(&orchestrator));
}

#[tokio::test]
async fn mistakes_are_named_and_exit_non_zero() {
    let net = Net::start("mistakes").await;
    let err = net.fails(
        DELEGATOR,
        &["bond", "abc", "--to", &net.address(1).to_string()],
    );
    assert!(err.contains("`abc` is not an amount of LPT"), "{err}");
    let err = net.fails(DELEGATOR, &["bond", "10"]);
    assert!(
        err.contains("is not bonded yet: name the orchestrator with --to"),
        "{err}"
    );
    let err = net.fails(
        DELEGATOR,
        &["bond", "10", "--to", &net.address(1).to_string()],
    );
    assert!(
        err.contains("holds 0 LPT, less than the 10 LPT to bond"),
        "{err}"
    );
    net.fund(DELEGATOR, 10).await;
    let err = net.fails(
        DELEGATOR,
        &["bond", "10", "--to", &net.address(3).to_string()],
    );
    assert!(err.contains("bond reverted: NotAnOrchestrator"), "{err}");
    let err = net.fails(DELEGATOR, &["withdraw", "7"]);
    assert!(err.contains("withdrawStake reverted: UnknownLock"), "{err}");
    let err = net.fails_bare(
        DELEGATOR,
        &["--deployer", &net.address(5).to_string(), "position"],
    );
    assert!(
        err.contains("no contract at the BondingManager's address"),
        "{err}"
    );
    let err = net.fails_bare(DELEGATOR, &["position"]);
    assert!(
        err.contains("where is the protocol? pass --deployment FILE"),
        "{err}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_lpt"))
        .args(["--rpc-url", &net.anvil.endpoint(), "--deployment"])
        .arg(&net.file)
        .args(["claim"])
        .env_remove("LPT_PRIVATE_KEY")
        .env_remove("LPT_KEYSTORE")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no key: set LPT_PRIVATE_KEY, or --keystore with LPT_KEYSTORE_PASSWORD"),
        "{err}"
    );
}

#[tokio::test]
async fn a_proposal_is_listed_voted_queued_and_executed() {
    let net = Net::start("governance").await;
    net.orchestrator(ORCHESTRATOR, 10_000).await;
    net.fund(DELEGATOR, 1_000).await;
    let orchestrator = net.address(ORCHESTRATOR).to_string();
    net.ok(DELEGATOR, &["bond", "1000", "--to", &orchestrator]);
    round_with_reward(&net).await;
    round_with_reward(&net).await;

    // The orchestrator proposes to change the unbonding period (a governed setter).
    let o = wallet(&net.anvil, ORCHESTRATOR);
    let governor = LivepeerGovernor::new(net.d.governor, &o);
    let data: Bytes = BondingManager::setUnbondingPeriodCall {
        rounds_: U256::from(5),
    }
    .abi_encode()
    .into();
    let description = "Unbonding period: 5 rounds";
    let propose = governor.propose(
        vec![net.d.bonding],
        vec![U256::ZERO],
        vec![data],
        description.into(),
    );
    let id = propose.call().await.unwrap();
    send!(propose);
    let id_text = id.to_string();

    let out = net.ok(0, &["proposals"]);
    assert!(out.contains(&format!("proposal {id}: pending")), "{out}");
    assert!(out.contains(description), "{out}");

    // Voting opens after the snapshot, in the governor's own clock.
    while governor.state(id).call().await.unwrap() as u8 != 1 {
        advance(&net, &governor, id).await;
    }
    let out = net.ok(
        ORCHESTRATOR,
        &["vote", &id_text, "for", "--reason", "shorter is fine"],
    );
    assert!(
        out.contains(&format!("voted for proposal {id} with")),
        "{out}"
    );
    // The delegator overrides its orchestrator: its stake leaves the orchestrator's vote.
    let out = net.ok(DELEGATOR, &["vote", &id_text, "against"]);
    assert!(
        out.contains(&format!("voted against proposal {id} with")),
        "{out}"
    );
    let out = net.ok(0, &["proposals"]);
    assert!(out.contains(&format!("proposal {id}: active")), "{out}");
    let tally = line(&out, "for ");
    assert!(
        tally.starts_with("  for 1")
            && tally.contains("against 1")
            && tally.contains("abstain 0 LPT"),
        "the delegator's stake (over 1,000 LPT) counts against, the orchestrator's rest for: {out}"
    );
    let err = net.fails(DELEGATOR, &["vote", &id_text, "for"]);
    assert!(
        err.contains("castVote reverted: GovernorAlreadyCastVote"),
        "{err}"
    );

    while governor.state(id).call().await.unwrap() as u8 == 1 {
        advance(&net, &governor, id).await;
    }
    let out = net.ok(0, &["proposals"]);
    assert!(out.contains(&format!("proposal {id}: succeeded")), "{out}");
    let out = net.ok(DELEGATOR, &["queue", &id_text]);
    assert!(
        out.contains(&format!("queued proposal {id}: executable from")),
        "{out}"
    );
    let err = net.fails(DELEGATOR, &["execute", &id_text]);
    assert!(err.contains("the timelock delay ends at"), "{err}");

    let admin = wallet(&net.anvil, 0);
    admin.anvil_increase_time(2 * 24 * 3600 + 1).await.unwrap();
    admin.anvil_mine(Some(1), None).await.unwrap();
    let out = net.ok(DELEGATOR, &["execute", &id_text]);
    assert!(
        out.contains(&format!("executed proposal {id}: 1 action(s)")),
        "{out}"
    );
    let period = BondingManager::new(net.d.bonding, &admin)
        .unbondingPeriod()
        .call()
        .await
        .unwrap();
    assert_eq!(period, 5);
    let out = net.ok(0, &["proposals"]);
    assert!(out.contains(&format!("proposal {id}: executed")), "{out}");
    let _ = admin.get_block_number().await.unwrap();
}

/// Moves the chain past the proposal's next timepoint (its snapshot, then its deadline), read
/// from the governor in its clock's unit: a round at a time when it counts rounds, else straight
/// there in blocks or seconds.
async fn advance<P: Provider>(
    net: &Net,
    governor: &LivepeerGovernor::LivepeerGovernorInstance<P>,
    id: U256,
) {
    let mode = governor.CLOCK_MODE().call().await.unwrap();
    let clock: u64 = governor.clock().call().await.unwrap().to();
    let snapshot: u64 = governor.proposalSnapshot(id).call().await.unwrap().to();
    let deadline: u64 = governor.proposalDeadline(id).call().await.unwrap().to();
    let gap = if clock <= snapshot {
        snapshot
    } else {
        deadline
    }
    .saturating_sub(clock)
        + 1;
    let admin = wallet(&net.anvil, 0);
    if mode.contains("blocknumber") {
        admin.anvil_mine(Some(gap), None).await.unwrap();
    } else if mode.contains("timestamp") {
        admin.anvil_increase_time(gap).await.unwrap();
        admin.anvil_mine(Some(1), None).await.unwrap();
    } else {
        round_with_reward(net).await;
    }
}

/// The first line of `out` containing `what`.
fn line<'a>(out: &'a str, what: &str) -> &'a str {
    out.lines()
        .find(|l| l.contains(what))
        .unwrap_or_else(|| panic!("no line with {what:?} in:\n{out}"))
}
