//! Human-readable reports.

use std::fmt::Write as _;

use crate::{dispute::DisputeReport, metrics::decimal, proposal::Simulation};

fn who(address: &alloy::primitives::Address, contract: &Option<String>) -> String {
    match contract {
        Some(c) => format!("{c} ({address})"),
        None => address.to_string(),
    }
}

/// The report of a simulated proposal.
pub fn proposal(s: &Simulation) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Proposal simulated on a fork of block {} as the timelock {}",
        s.block, s.timelock
    );
    let _ = writeln!(o, "\nCalls ({}; {} gas):", s.calls.len(), s.gas_used);
    for (i, c) in s.calls.iter().enumerate() {
        let target = s.contracts.get(&c.target).cloned();
        let _ = writeln!(
            o,
            "  [{i}] {} value {} data {}",
            who(&c.target, &target),
            c.value,
            c.data
        );
    }
    if let Some((i, why)) = &s.reverted {
        let _ = writeln!(o, "\n!! call {i} reverts: {why}");
    }
    let _ = writeln!(o, "\nParameter changes ({}):", s.params.len());
    for p in &s.params {
        let _ = writeln!(
            o,
            "  {}.{}: {} -> {}",
            p.contract, p.name, p.before, p.after
        );
    }
    let _ = writeln!(o, "\nStorage changes ({}):", s.storage.len());
    for c in &s.storage {
        let var = c
            .variable
            .clone()
            .unwrap_or_else(|| format!("slot {:#x}", c.slot));
        let _ = writeln!(
            o,
            "  {} {var}:\n      {} -> {}",
            who(&c.address, &c.contract),
            c.before,
            c.after
        );
    }
    let _ = writeln!(o, "\nEvents ({}):", s.events.len());
    for e in &s.events {
        let what = e
            .decoded
            .clone()
            .unwrap_or_else(|| format!("topics {:?} data {}", e.topics, e.data));
        let _ = writeln!(
            o,
            "  [call {}] {}: {what}",
            e.call,
            who(&e.address, &e.contract)
        );
    }
    let _ = writeln!(o, "\nETH balance changes ({}):", s.eth.len());
    for b in &s.eth {
        let _ = writeln!(
            o,
            "  {}: {} -> {} wei",
            who(&b.account, &b.contract),
            b.before,
            b.after
        );
    }
    let _ = writeln!(o, "\nLPT balance changes ({}):", s.lpt.len());
    for b in &s.lpt {
        let _ = writeln!(
            o,
            "  {}: {} -> {} wei",
            who(&b.account, &b.contract),
            b.before,
            b.after
        );
    }
    let _ = writeln!(o, "\nChecks:");
    for c in &s.checks {
        let _ = writeln!(o, "  [{}] {}: {}", c.level, c.name, c.detail);
    }
    o
}

/// The report of a simulated dispute.
pub fn dispute(r: &DisputeReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Dispute {} (fork of block {}): {}",
        r.id, r.block, r.status
    );
    let _ = writeln!(
        o,
        "  orchestrator {}  challenger {}\n  offense round {}, verdicts before round {}, veto window {}\n  snapshot stake {} LPT, deposit {} LPT\n  claimed output {}",
        r.orchestrator,
        r.challenger,
        r.offense_round,
        r.deadline_round,
        if r.veto_end_round == 0 {
            "opens when decided guilty".to_string()
        } else {
            format!("ends at round {}", r.veto_end_round)
        },
        decimal(alloy::primitives::U256::from(r.snapshot_stake)),
        decimal(alloy::primitives::U256::from(r.deposit)),
        r.claimed_output_hash
    );
    if let Some(receipt) = &r.receipt {
        let _ = writeln!(
            o,
            "  receipt: job {} model {} input {} round {}",
            receipt.job_id, receipt.model_id, receipt.input_hash, receipt.round
        );
    }
    match &r.replay {
        Ok(j) => {
            let _ = writeln!(
                o,
                "\nReplayed with the verifier ({} on {}): reference output {} -> {}",
                j.model.display(),
                j.input.display(),
                j.reference_output_hash,
                if j.matches {
                    "the claim holds: an honest verifier votes innocent"
                } else {
                    "the claim differs: an honest verifier votes guilty"
                }
            );
        }
        Err(why) => {
            let _ = writeln!(o, "\nJob not replayed: {why}");
        }
    }
    for v in &r.verdicts {
        match &v.result {
            Ok(status) => {
                let _ = writeln!(o, "\nIf {}: the dispute ends {status}", v.verdict);
            }
            Err(why) => {
                let _ = writeln!(o, "\nIf {}: not possible now ({why})", v.verdict);
                continue;
            }
        }
        let _ = writeln!(
            o,
            "  supply {} -> {} LPT; the orchestrator's pool {} -> {} LPT",
            decimal(v.supply_before),
            decimal(v.supply_after),
            decimal(v.orchestrator_pool_before),
            decimal(v.orchestrator_pool_after)
        );
        for a in &v.accounts {
            if a.stake_before == a.stake_after && a.lpt_before == a.lpt_after {
                continue;
            }
            let _ = writeln!(
                o,
                "  {:<14} {}: stake {} -> {} LPT, balance {} -> {} LPT",
                a.role,
                a.account,
                decimal(a.stake_before),
                decimal(a.stake_after),
                decimal(a.lpt_before),
                decimal(a.lpt_after)
            );
        }
    }
    o
}
