//! `lpt position`: what an account holds and has earned.
//!
//! Earned since the last claim is the lens's `pendingStake`/`pendingFees` less the stored position.
//! Earned since bonding has no view; it is derived from the BondingManager's events for the
//! account: rewards are the stake now, plus the LPT unbonded (Unbond) and transferred out
//! (BondTransferred), less the LPT bonded (Bond; a rebond emits one too) and transferred in; so a
//! slash counts against them and earnings already unbonded for them. Fees are the pending fees
//! plus the fees withdrawn (FeesWithdrawn).

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::SolEvent,
};
use anyhow::Context;
use bindings::{BondingLens, LivepeerToken, i_bonding_manager::IBondingManager};

use crate::{chain::Chain, time::Clock, units};

pub async fn show(chain: &Chain, account: Address) -> anyhow::Result<()> {
    let d = chain.d;
    let lens = BondingLens::new(d.lens, &chain.provider);
    let clock = Clock::read(chain).await?;
    let del = lens.getDelegator(account).call().await?;
    let balance = LivepeerToken::new(d.token, &chain.provider)
        .balanceOf(account)
        .call()
        .await?;
    let stake = lens.pendingStake(account).call().await?;
    let fees = lens.pendingFees(account).call().await?;
    println!("account {account}");
    println!(
        "  round {}{}",
        clock.round,
        if clock.initialized {
            ""
        } else {
            " (not initialized yet)"
        }
    );
    println!("  wallet        {}", units::show(balance, "LPT"));
    if del.delegate.is_zero() {
        println!("  not bonded");
    } else {
        let role = if del.delegate == account {
            " (itself: an orchestrator)"
        } else {
            ""
        };
        println!("  delegate      {}{role}", del.delegate);
        println!(
            "  stake         {} (with earnings not yet claimed)",
            units::show(stake, "LPT")
        );
        println!(
            "  fees          {} (claimable, with earnings not yet claimed)",
            units::show(fees, "ETH")
        );
        println!(
            "  since the last claim (round {}): rewards {}, fees {}",
            del.lastClaimRound,
            units::signed(stake, U256::from(del.stake), "LPT"),
            units::signed(fees, U256::from(del.fees), "ETH")
        );
    }
    let history = History::read(chain, account).await?;
    if history.bonded > U256::ZERO || !del.delegate.is_zero() {
        let out = stake + history.unbonded + history.transferred_out;
        let put_in = history.bonded + history.transferred_in;
        println!(
            "  since bonding: rewards {} (stake now + unbonded - bonded, from events), fees {} (pending + withdrawn)",
            units::signed(out, put_in, "LPT"),
            units::show(fees + history.fees_withdrawn, "ETH")
        );
    }
    let next: u64 = lens.nextLockId(account).call().await?.to();
    let mut locks = 0;
    for id in 0..next {
        let lock = lens
            .getUnbondingLock(account, U256::from(id))
            .call()
            .await?;
        if lock.amount == 0 {
            continue;
        }
        if locks == 0 {
            println!("  unbonding locks:");
        }
        locks += 1;
        let pool = lens.getPool(lock.orchestrator).call().await?;
        let held = pool.pendingDisputes != 0 && lock.createdRound >= pool.disputedFrom;
        let withdraw = u64::from(lock.withdrawRound);
        let status = if held {
            "held by a pending dispute against its orchestrator".to_string()
        } else if clock.round >= withdraw {
            "withdrawable now".to_string()
        } else {
            format!("matures at round {withdraw} ({})", clock.when(withdraw))
        };
        println!(
            "    lock {id}: {} from {} (unbonded in round {}): {status}",
            units::show(U256::from(lock.amount), "LPT"),
            lock.orchestrator,
            lock.createdRound
        );
    }
    if locks == 0 {
        println!("  no unbonding locks");
    }
    Ok(())
}

/// What the account's events add up to.
#[derive(Default)]
struct History {
    bonded: U256,
    unbonded: U256,
    transferred_in: U256,
    transferred_out: U256,
    fees_withdrawn: U256,
}

impl History {
    async fn read(chain: &Chain, account: Address) -> anyhow::Result<Self> {
        let topic = B256::from(account.into_word());
        let by_topic = |signature: B256, index: usize| {
            let f = Filter::new()
                .address(chain.d.bonding)
                .event_signature(signature)
                .from_block(chain.from_block);
            match index {
                1 => f.topic1(topic),
                _ => f.topic2(topic),
            }
        };
        let logs = |filter: Filter| async move {
            chain
                .provider
                .get_logs(&filter)
                .await
                .context("reading the BondingManager's events")
        };
        let mut h = Self::default();
        for log in logs(by_topic(IBondingManager::Bond::SIGNATURE_HASH, 1)).await? {
            h.bonded += IBondingManager::Bond::decode_log(&log.inner)?.amount;
        }
        for log in logs(by_topic(IBondingManager::Unbond::SIGNATURE_HASH, 1)).await? {
            h.unbonded += IBondingManager::Unbond::decode_log(&log.inner)?.amount;
        }
        for log in logs(by_topic(
            IBondingManager::BondTransferred::SIGNATURE_HASH,
            1,
        ))
        .await?
        {
            h.transferred_out += IBondingManager::BondTransferred::decode_log(&log.inner)?.amount;
        }
        for log in logs(by_topic(
            IBondingManager::BondTransferred::SIGNATURE_HASH,
            2,
        ))
        .await?
        {
            h.transferred_in += IBondingManager::BondTransferred::decode_log(&log.inner)?.amount;
        }
        for log in logs(by_topic(IBondingManager::FeesWithdrawn::SIGNATURE_HASH, 1)).await? {
            h.fees_withdrawn += IBondingManager::FeesWithdrawn::decode_log(&log.inner)?.amount;
        }
        Ok(h)
    }
}
