//! Human-readable reports: amounts in LPT and ETH with decimals, addresses in hex with their
//! suite names, times as UTC dates.

use std::fmt::{self, Write as _};

use alloy::primitives::Address;

use crate::{
    dispute::DisputeReport,
    metrics::decimal,
    proposal::{Check, Simulation},
};

/// A unix time as a UTC date, e.g. `2026-12-05 23:30:00 UTC`.
pub fn utc(unix: u64) -> String {
    // Days since 1970-01-01 to a civil date (the proleptic Gregorian calendar, in 400-year eras).
    let days = i64::try_from(unix / 86_400).unwrap_or(i64::MAX) + 719_468;
    let secs = unix % 86_400;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

fn name_or_address(s: &Simulation, address: &Address) -> String {
    match s.contracts.iter().find(|n| n.address == *address) {
        Some(n) => format!("{} {address}", n.name),
        None => address.to_string(),
    }
}

impl fmt::Display for Simulation {
    fn fmt(&self, o: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self;
        let failed: Vec<&Check> = s.checks.iter().filter(|c| c.level == "fail").collect();
        let warnings = s.checks.iter().filter(|c| c.level == "warning").count();
        if failed.is_empty() {
            writeln!(
                o,
                "VERDICT: PASS: executes; no unacknowledged permission change; {n} of {n} invariants hold; {warnings} warning(s)",
                n = s.invariants
            )?;
        } else {
            writeln!(o, "VERDICT: FAIL: {} check(s) failed:", failed.len())?;
            for c in &failed {
                writeln!(o, "  - {}: {}", c.name, c.detail)?;
            }
        }
        writeln!(
            o,
            "\nProposal {} on {} (\"{}\")",
            s.proposal_id,
            name_or_address(s, &s.governor),
            s.description
        )?;
        writeln!(
            o,
            "Forked block {}; suite deployed at block {}; executed at block {} ({})",
            s.block,
            s.deployed_at,
            s.executed_block,
            utc(s.executed_at)
        )?;
        for st in &s.stages {
            writeln!(
                o,
                "  block {} ({}): {}",
                st.block,
                utc(st.timestamp),
                st.what
            )?;
        }
        writeln!(o, "\nCalls ({}; {} gas):", s.calls.len(), s.gas_used)?;
        for (i, c) in s.calls.iter().enumerate() {
            writeln!(
                o,
                "  [{i}] {} value {} ETH data {}",
                name_or_address(s, &c.target),
                decimal(c.value),
                c.data
            )?;
        }
        if let Some(r) = &s.reverted {
            match r.call {
                Some(i) => writeln!(o, "\n!! Governor.execute reverts at call {i}: {}", r.reason)?,
                None => writeln!(o, "\n!! Governor.execute reverts: {}", r.reason)?,
            }
        }
        writeln!(o, "\nPermission changes ({}):", s.permissions.len())?;
        for p in &s.permissions {
            let state = if p.acknowledged {
                "acknowledged"
            } else if p.finding.strengthens {
                "stricter"
            } else {
                "NOT ACKNOWLEDGED"
            };
            writeln!(
                o,
                "  [{state}] {}\n      key: {}",
                p.finding.detail, p.finding.key
            )?;
        }
        for a in &s.unused_acks {
            writeln!(o, "  (--ack {a} matched no change)")?;
        }
        writeln!(o, "\nParameter changes ({}):", s.params.len())?;
        for p in &s.params {
            writeln!(
                o,
                "  {}.{}: {} -> {}",
                p.contract, p.name, p.before, p.after
            )?;
        }
        writeln!(o, "\nStorage changes ({}):", s.storage.len())?;
        for c in &s.storage {
            let var = c
                .variable
                .clone()
                .unwrap_or_else(|| format!("slot {:#x}", c.slot));
            let at = match &c.contract {
                Some(n) => format!("{n} {}", c.address),
                None => c.address.to_string(),
            };
            writeln!(o, "  {at} {var}:\n      {} -> {}", c.before, c.after)?;
        }
        writeln!(o, "\nEvents ({}):", s.events.len())?;
        for e in &s.events {
            let what = e.decoded.clone().unwrap_or_else(|| {
                let topics: Vec<String> = e.topics.iter().map(|t| t.to_string()).collect();
                format!("topics [{}] data {}", topics.join(", "), e.data)
            });
            let call = e
                .call
                .map_or_else(|| "governor".to_string(), |c| format!("call {c}"));
            writeln!(o, "  [{call}] {}: {what}", name_or_address(s, &e.address))?;
        }
        writeln!(o, "\nETH balance changes ({}):", s.eth.len())?;
        for b in &s.eth {
            writeln!(
                o,
                "  {}: {} -> {} ETH",
                b.who,
                decimal(b.before),
                decimal(b.after)
            )?;
        }
        writeln!(o, "\nLPT balance changes ({}):", s.lpt.len())?;
        for b in &s.lpt {
            writeln!(
                o,
                "  {}: {} -> {} LPT",
                b.who,
                decimal(b.before),
                decimal(b.after)
            )?;
        }
        writeln!(o, "\nChecks ({} invariants among them):", s.invariants)?;
        for c in &s.checks {
            writeln!(o, "  [{}] {}: {}", c.level, c.name, c.detail)?;
        }
        Ok(())
    }
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
        "  orchestrator {}  challenger {}\n  offense round {}, {}, veto window {}\n  snapshot stake {} LPT, deposit {} LPT\n  claimed output {}",
        r.orchestrator,
        r.challenger,
        r.offense_round,
        if r.by_proof {
            "decided by the proof game (no verdicts)".to_string()
        } else {
            format!("verdicts before round {}", r.deadline_round)
        },
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
    if let Some(g) = &r.game {
        game(&mut o, g);
    }
    for v in &r.verdicts {
        match &v.result {
            Ok(status) => {
                let _ = if v.verdict == "game" {
                    writeln!(o, "\nThe game played out: the dispute ends {status}")
                } else {
                    writeln!(o, "\nIf {}: the dispute ends {status}", v.verdict)
                };
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

/// A proof dispute's game, move by move (recorded ones with their block).
fn game(o: &mut String, g: &crate::game::GameReplay) {
    let op = g.op.as_deref().map_or(String::new(), |n| format!(" ({n})"));
    let _ = writeln!(
        o,
        "\nProof game {}: op {}{op}, depth {}; {} moves recorded on chain, {} played here by two honest sides",
        g.game,
        g.layer,
        g.depth,
        g.recorded(),
        g.moves.len() - g.recorded()
    );
    for (i, m) in g.moves.iter().enumerate() {
        let when = m
            .block
            .map_or("simulated".to_string(), |b| format!("block {b}"));
        let _ = writeln!(
            o,
            "  move {}: {} {}: {} (gas {}, {when})",
            i + 1,
            m.by,
            m.account,
            m.what,
            m.gas
        );
    }
    let _ = match (&g.end, &g.stopped) {
        (Some(end), _) => writeln!(
            o,
            "  the game ends {} ({}) after {} moves, {} gas in all",
            if end.guilty { "guilty" } else { "not guilty" },
            end.ending,
            g.moves.len(),
            g.gas()
        ),
        (None, Some(why)) => writeln!(o, "  the game could not be played to its end: {why}"),
        (None, None) => writeln!(o, "  the game is not over"),
    };
}
