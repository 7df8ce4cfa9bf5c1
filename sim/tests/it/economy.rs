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
        "rewards_round",
        "tickets_round",
        "bonds_round",
        "unbonds_round",
        "withdrawals_round",
        "disputes_round",
        "slashes_round",
    ] {
        assert!(total(column) > 0, "no {column} in the run");
    }
    assert_eq!(rows.len(), 13, "a header and a row per round");
}

#[test]
fn csv_columns_name_their_unit_and_span() {
    let s = scenario(7);
    assert_eq!(
        metrics::csv_header(&classes(&s)),
        "round,block,total_supply_lpt,total_bonded_lpt,bonding_rate_pct,target_bonding_rate_pct,\
         inflation_pct_round,reward_allowance_lpt_round,minted_rewards_lpt_round,minted_lpt_round,\
         minted_lpt_cum,treasury_lpt,slashed_lpt_round,slashed_lpt_cum,burned_lpt_round,\
         burned_lpt_cum,active_orchestrators,active_set_size,top_pool_share_pct,rewards_round,\
         tickets_round,fees_eth_round,fees_eth_cum,fee_yield_eth_per_lpt_year_trailing10,\
         bonds_round,unbonds_round,withdrawals_round,claims_round,fee_withdrawals_round,\
         disputes_round,slashes_round,txs_cum,gas_cum,\
         return_retail_pct_round,apr_retail_pct_trailing10,fee_apr_retail_eth_per_lpt_trailing10,\
         return_whale_pct_round,apr_whale_pct_trailing10,fee_apr_whale_eth_per_lpt_trailing10,\
         return_orchestrators_pct_round,apr_orchestrators_pct_trailing10,\
         fee_apr_orchestrators_eth_per_lpt_trailing10"
    );
}

/// The APR is the trailing window's mean return, annualised: a slash round is spread over the
/// window, so it never shows as its own annualised loss; slashed and burned LPT add up.
#[test]
fn trailing_apr_spreads_a_slash_over_its_window() {
    let s = scenario(7);
    let per_year = s.rounds_per_year();
    let mut e = Economy::new(s.clone()).expect("set-up");
    e.run(|_| {}).expect("run");
    let csv = metrics::csv(&e.rows, &classes(&s));
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let col = |name: &str| rows[0].iter().position(|h| *h == name).unwrap();
    let num = |r: &[&str], name: &str| r[col(name)].parse::<f64>().unwrap();
    let window = metrics::TRAILING_ROUNDS as usize;
    let mut slash_rounds = 0;
    let mut diluted = 0;
    for i in 1..rows.len() {
        let r = &rows[i];
        for class in ["retail", "whale", "orchestrators"] {
            let returns: Vec<f64> = rows[i.saturating_sub(window - 1).max(1)..=i]
                .iter()
                .map(|r| num(r, &format!("return_{class}_pct_round")))
                .collect();
            let mean = returns.iter().sum::<f64>() / returns.len() as f64;
            let apr = num(r, &format!("apr_{class}_pct_trailing10"));
            assert!(
                (apr - mean * per_year).abs() < 1e-3 * (1.0 + apr.abs()),
                "round {}: {class}'s trailing APR {apr} is not the window's mean return annualised ({})",
                r[0],
                mean * per_year
            );
            let alone = num(r, &format!("return_{class}_pct_round")) * per_year;
            if num(r, "slashes_round") > 0.0 && alone < 0.0 && returns.len() > 1 {
                assert!(apr > alone, "round {}: the slash is spread", r[0]);
                diluted += 1;
            }
        }
        if num(r, "slashes_round") > 0.0 {
            slash_rounds += 1;
            assert!(num(r, "slashed_lpt_round") > 0.0, "round {}", r[0]);
        }
    }
    assert!(slash_rounds > 0, "the scenario slashes");
    assert!(
        diluted > 0,
        "a slash round's loss was spread over its window"
    );
    let last = rows.last().unwrap();
    let slashed: f64 = rows[1..].iter().map(|r| num(r, "slashed_lpt_round")).sum();
    assert!((num(last, "slashed_lpt_cum") - slashed).abs() < 1e-6);
    assert!(num(last, "burned_lpt_cum") > 0.0);
    assert!(num(last, "fee_yield_eth_per_lpt_year_trailing10") > 0.0);
    for class in ["retail", "whale", "orchestrators"] {
        let fee = num(last, &format!("fee_apr_{class}_eth_per_lpt_trailing10"));
        assert!(fee > 0.0, "{class} earns fees: {fee}");
    }
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
