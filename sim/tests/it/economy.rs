//! The economy in revm: reproducible from its seed, and its invariant checks catch a planted bug.

use std::collections::HashMap;

use alloy::primitives::U256;
use sim::{economy::Economy, invariants::Violation, metrics, scenario::Scenario};

/// A small but busy economy: every action happens within a few rounds.
fn scenario(seed: u64) -> Scenario {
    let mut s: Scenario = toml::from_str(
        r#"
        rounds = 12
        [protocol]
        round_length = 50
        unbonding_period = 3 # above the statute of limitations (2), as the DisputeManager requires
        [orchestrators]
        count = 4
        [[delegators]]
        name = "retail"
        count = 12
        stake_lpt = [100, 2000]
        bond_probability = 0.2
        unbond_probability = 0.2
        claim_probability = 0.2
        withdraw_fees_probability = 0.2
        [[delegators]]
        name = "whale"
        count = 2
        stake_lpt = [50000, 100000]
        unbond_probability = 0.1
        [fees]
        tickets_per_round = 4
        [disputes]
        probability = 0.3
        "#,
    )
    .unwrap();
    s.seed = seed;
    s
}

fn classes(s: &Scenario) -> Vec<String> {
    s.delegator_classes.iter().map(|c| c.name.clone()).collect()
}

fn run(seed: u64) -> String {
    let s = scenario(seed);
    let mut e = Economy::new(s.clone()).expect("set-up");
    e.run(|_| {}).expect("run");
    metrics::csv(&e.rows, &classes(&s))
}

#[test]
fn economy_is_reproducible_from_its_seed() {
    let a = run(7);
    let b = run(7);
    assert_eq!(a, b, "the same seed gives the same CSV bytes");
    let c = run(8);
    assert_ne!(a, c, "another seed gives another run");
    // The run did what the scenario asks: rewards, tickets, unbonds, withdrawals and slashes.
    let rows: Vec<Vec<&str>> = a.lines().map(|l| l.split(',').collect()).collect();
    let header = &rows[0];
    let total = |name: &str| -> u64 {
        let i = header.iter().position(|h| *h == name).unwrap();
        rows[1..].iter().map(|r| r[i].parse::<u64>().unwrap()).sum()
    };
    for column in [
        "rewards",
        "tickets",
        "bonds",
        "unbonds",
        "withdrawals",
        "disputes",
        "slashes",
    ] {
        assert!(total(column) > 0, "no {column} in the run");
    }
    assert_eq!(rows.len(), 13, "a header and a row per round");
}

/// A planted bug: right after a delegator withdraws a lock, the lock's storage is written back
/// (as a contract bug that forgot to delete it would leave it), and the delegator withdraws it
/// again. The invariant check catches it in that very round.
#[test]
fn invariants_catch_a_double_withdrawal() {
    let s = scenario(3);
    let mut e = Economy::new(s).expect("set-up");
    let bonding = e.deployment.bonding;
    // Unbond now, so a lock matures three rounds later.
    e.unbond(0, U256::from(10u64).pow(U256::from(18))).unwrap();
    let lock = e.delegators[0].locks[0].clone();
    e.observe().unwrap();
    while e.round + 1 < lock.withdraw_round {
        e.step().unwrap();
    }
    e.stats = Default::default();
    e.next_round().unwrap();
    assert_eq!(e.round, lock.withdraw_round);
    let before: HashMap<U256, U256> = e.chain.db().cache.accounts[&bonding]
        .storage
        .clone()
        .into_iter()
        .collect();
    assert_eq!(e.withdraw_lock(0, lock.id).unwrap(), lock.amount);
    // The bug: every slot the withdrawal cleared comes back.
    let account = e.chain.db_mut().cache.accounts.get_mut(&bonding).unwrap();
    let mut revived = 0;
    for (slot, value) in &before {
        if account.storage.get(slot).is_some_and(|v| v.is_zero()) && !value.is_zero() {
            account.storage.insert(*slot, *value);
            revived += 1;
        }
    }
    assert!(revived > 0, "the withdrawal cleared the lock's slots");
    let paid = e
        .withdraw_lock(0, lock.id)
        .expect("the revived lock pays out again");
    assert_eq!(paid, lock.amount);

    let round = e.round;
    let err = e.observe().expect_err("the double withdrawal is caught");
    let message = format!("{err:#}");
    assert!(message.contains(&format!("round {round}")), "{message}");
    let violation = err.downcast_ref::<Violation>().expect("a violation");
    assert_eq!(violation.name, "no-excess-withdrawal", "{message}");
    println!("{message}");
}
