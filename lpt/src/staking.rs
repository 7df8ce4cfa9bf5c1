//! Bonding without round numbers: bond (approving as needed), unbond, rebond, withdraw a lock,
//! withdraw fees, claim. Each prints what the transaction did, from its events.

use alloy::{
    primitives::{Address, U256},
    rpc::types::TransactionReceipt,
    sol_types::SolEvent,
};
use anyhow::bail;
use bindings::{
    BondingLens, BondingManager, LivepeerToken, i_bonding_manager::IBondingManager, no_hints,
};

use crate::{chain::Keyed, time::Clock, tx::send, units};

pub async fn bond(k: &Keyed, amount: &str, to: Option<Address>) -> anyhow::Result<()> {
    let amount = units::parse(amount, "LPT")?;
    let d = k.chain.d;
    let lens = BondingLens::new(d.lens, &k.wallet);
    let to = match to {
        Some(to) => to,
        None => {
            let delegate = lens.getDelegator(k.me).call().await?.delegate;
            if delegate.is_zero() {
                bail!(
                    "{} is not bonded yet: name the orchestrator with --to 0x…",
                    k.me
                );
            }
            delegate
        }
    };
    let token = LivepeerToken::new(d.token, &k.wallet);
    let balance = token.balanceOf(k.me).call().await?;
    if balance < amount {
        bail!(
            "{} holds {}, less than the {} to bond",
            k.me,
            units::show(balance, "LPT"),
            units::show(amount, "LPT")
        );
    }
    if token.allowance(k.me, d.bonding).call().await? < amount {
        send("approve", token.approve(d.bonding, amount)).await?;
        println!(
            "approved the BondingManager for {}",
            units::show(amount, "LPT")
        );
    }
    let receipt = send(
        "bond",
        BondingManager::new(d.bonding, &k.wallet).bond(amount, to, no_hints()),
    )
    .await?;
    let bond = event::<IBondingManager::Bond>(&receipt)?;
    println!(
        "bonded {} to {}: stake {} (earning from the next round)",
        units::show(bond.amount, "LPT"),
        bond.orchestrator,
        units::show(bond.stake, "LPT")
    );
    for lock in events::<IBondingManager::Unbond>(&receipt) {
        println!(
            "the stake with {} left it as unbonding lock {} ({})",
            lock.orchestrator,
            lock.lockId,
            units::show(lock.amount, "LPT")
        );
    }
    Ok(())
}

pub async fn unbond(k: &Keyed, amount: &str) -> anyhow::Result<()> {
    let d = k.chain.d;
    let amount = if amount.trim() == "all" {
        let stake = BondingLens::new(d.lens, &k.wallet)
            .pendingStake(k.me)
            .call()
            .await?;
        if stake.is_zero() {
            bail!("{} has no bonded stake to unbond", k.me);
        }
        stake
    } else {
        units::parse(amount, "LPT")?
    };
    let receipt = send(
        "unbond",
        BondingManager::new(d.bonding, &k.wallet).unbond(amount, Address::ZERO, Address::ZERO),
    )
    .await?;
    let lock = event::<IBondingManager::Unbond>(&receipt)?;
    let clock = Clock::read(&k.chain).await?;
    let round = lock.withdrawRound.to::<u64>();
    println!(
        "unbonded {} from {} into lock {}: withdrawable at round {round} ({})",
        units::show(lock.amount, "LPT"),
        lock.orchestrator,
        lock.lockId,
        clock.when(round)
    );
    Ok(())
}

pub async fn rebond(k: &Keyed, lock_id: U256, to: Option<Address>) -> anyhow::Result<()> {
    let d = k.chain.d;
    // The lock's own pool by default (always allowed); an unknown lock reverts by name.
    let to = match to {
        Some(to) => to,
        None => {
            BondingLens::new(d.lens, &k.wallet)
                .getUnbondingLock(k.me, lock_id)
                .call()
                .await?
                .orchestrator
        }
    };
    let receipt = send(
        "rebond",
        BondingManager::new(d.bonding, &k.wallet).rebond(lock_id, to, no_hints()),
    )
    .await?;
    let bond = event::<IBondingManager::Bond>(&receipt)?;
    println!(
        "rebonded lock {lock_id} ({}) to {}: stake {}",
        units::show(bond.amount, "LPT"),
        bond.orchestrator,
        units::show(bond.stake, "LPT")
    );
    Ok(())
}

pub async fn withdraw(k: &Keyed, lock_id: U256) -> anyhow::Result<()> {
    let receipt = send(
        "withdrawStake",
        BondingManager::new(k.chain.d.bonding, &k.wallet).withdrawStake(lock_id),
    )
    .await?;
    let w = event::<IBondingManager::StakeWithdrawn>(&receipt)?;
    println!(
        "withdrew lock {lock_id}: {}{}",
        units::show(w.amount, "LPT"),
        if w.slashed.is_zero() {
            String::new()
        } else {
            format!(" ({} slashed)", units::show(w.slashed, "LPT"))
        }
    );
    Ok(())
}

pub async fn withdraw_fees(
    k: &Keyed,
    amount: Option<&str>,
    to: Option<Address>,
) -> anyhow::Result<()> {
    let d = k.chain.d;
    let amount = match amount {
        Some(a) => units::parse(a, "ETH")?,
        None => {
            let fees = BondingLens::new(d.lens, &k.wallet)
                .pendingFees(k.me)
                .call()
                .await?;
            if fees.is_zero() {
                bail!("{} has no fees to withdraw", k.me);
            }
            fees
        }
    };
    let receipt = send(
        "withdrawFees",
        BondingManager::new(d.bonding, &k.wallet).withdrawFees(to.unwrap_or(k.me), amount),
    )
    .await?;
    let w = event::<IBondingManager::FeesWithdrawn>(&receipt)?;
    println!(
        "withdrew {} of fees to {}",
        units::show(w.amount, "ETH"),
        w.recipient
    );
    Ok(())
}

pub async fn claim(k: &Keyed) -> anyhow::Result<()> {
    let receipt = send(
        "claimEarnings",
        BondingManager::new(k.chain.d.bonding, &k.wallet).claimEarnings(),
    )
    .await?;
    match events::<IBondingManager::EarningsClaimed>(&receipt).next() {
        Some(c) => println!(
            "claimed up to round {}: stake {}, fees {}",
            c.round,
            units::show(c.stake, "LPT"),
            units::show(c.fees, "ETH")
        ),
        None => println!("nothing new to claim this round"),
    }
    Ok(())
}

/// The events of type `E` in `receipt`.
pub fn events<E: SolEvent>(receipt: &TransactionReceipt) -> impl Iterator<Item = E> + '_ {
    receipt
        .inner
        .logs()
        .iter()
        .filter_map(|log| E::decode_log(&log.inner).ok().map(|l| l.data))
}

/// The first event of type `E` in `receipt`.
pub fn event<E: SolEvent>(receipt: &TransactionReceipt) -> anyhow::Result<E> {
    events(receipt).next().ok_or_else(|| {
        anyhow::anyhow!(
            "transaction {} succeeded but emitted no {}",
            receipt.transaction_hash,
            E::SIGNATURE
        )
    })
}
