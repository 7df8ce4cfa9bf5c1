//! `keeper status`: asks a running keeper's admin API what it is doing and prints it for a
//! person.

use std::{fmt::Write, time::Duration};

use anyhow::Context;

use crate::ops::{Duty, Status};

/// Fetches `GET /admin/status` from `base` (`http://host:port`).
pub async fn fetch(base: &url::Url) -> anyhow::Result<Status> {
    let url = base.join("/admin/status")?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let response = client.get(url.clone()).send().await.with_context(|| {
        format!("no keeper answers at {url} (is it running with keeper.metrics_addr?)")
    })?;
    let code = response.status();
    let body = response.text().await.context("reading the answer")?;
    if !code.is_success() {
        anyhow::bail!("{url} answered {code}: {}", body.trim());
    }
    serde_json::from_str(&body).with_context(|| format!("{url} did not answer a keeper status"))
}

fn eth(gwei: u64) -> String {
    format!("{:.6} ETH", gwei as f64 / 1e9)
}

/// The status as a few readable lines.
pub fn render(s: &Status) -> String {
    let mut out = String::new();
    let who = s
        .keeper
        .map_or("(not connected yet)".into(), |a| format!("{a:#x}"));
    let state = if s.paused {
        "PAUSED (nothing is sent)"
    } else {
        "running"
    };
    let _ = writeln!(out, "keeper {who}: {state}");
    if s.problems.is_empty() {
        let _ = writeln!(out, "health: ok");
    } else {
        for p in &s.problems {
            let _ = writeln!(out, "health: PROBLEM: {p}");
        }
    }
    let r = &s.round;
    let done = r
        .duties
        .values()
        .filter(|d| !matches!(d, Duty::Failed(_)))
        .count();
    let _ = writeln!(
        out,
        "round {} at head {} (started at block {}, due by block {}): {}, {} rewarded, {} failed, {} inactive{}",
        r.round,
        s.head,
        r.start_block,
        r.due_by_block,
        if r.complete {
            "duties done"
        } else {
            "duties NOT done"
        },
        done,
        r.duties.len() - done,
        r.inactive,
        if r.initialized_by_me {
            ", initialized by this keeper"
        } else {
            ""
        }
    );
    for (o, duty) in &r.duties {
        let what = match duty {
            Duty::Rewarded => "rewarded by this keeper".to_string(),
            Duty::RewardedByOther => "rewarded (by another)".to_string(),
            Duty::Failed(why) => format!("NOT rewarded: {why}"),
        };
        let _ = writeln!(out, "  {o:#x} {what}");
    }
    let _ = writeln!(
        out,
        "fee cap {} gwei{}; wallet {}, one reward may cost {}; missed rounds {}",
        s.fee_cap_gwei,
        if s.fee_cap_binding {
            " (BINDING: fees held below the market)"
        } else {
            ""
        },
        eth(s.wallet_balance_gwei),
        eth(s.reward_cost_gwei),
        s.missed_rounds
    );
    let _ = writeln!(out, "in flight: {}", s.in_flight.len());
    for t in &s.in_flight {
        let _ = writeln!(
            out,
            "  {} nonce {} max fee {:.3} gwei, priority {:.3} gwei, {} hash(es), last {}",
            t.key,
            t.nonce,
            t.max_fee_gwei,
            t.priority_fee_gwei,
            t.hashes.len(),
            t.hashes.last().map(|h| format!("{h}")).unwrap_or_default()
        );
    }
    let _ = writeln!(out, "disputes followed: {}", s.disputes.len());
    for d in &s.disputes {
        let _ = writeln!(
            out,
            "  #{} against {:#x} (offense round {}, opened at block {}): {}",
            d.id, d.orchestrator, d.offense_round, d.opened_block, d.state
        );
    }
    if !s.games.is_empty() || !s.spot_checks.is_empty() {
        let _ = writeln!(out, "proof games in progress: {}", s.games.len());
    }
    for g in &s.games {
        let to_move = match (&g.to_move, g.this_keeper_to_move) {
            (Some(side), true) => format!("{side} (this keeper) to move"),
            (Some(side), false) => format!("{side} to move"),
            (None, _) => "no move due".into(),
        };
        let _ = writeln!(
            out,
            "  #{} as {}: op {} depth {}, phase {}, {to_move} by block {}; {} move(s) made, {} gas",
            g.dispute, g.role, g.layer, g.depth, g.phase, g.deadline_block, g.moves, g.gas
        );
    }
    if !s.spot_checks.is_empty() {
        let _ = writeln!(out, "spot checks pending: {}", s.spot_checks.len());
    }
    for c in &s.spot_checks {
        let _ = writeln!(out, "  {}: {}", c.file, c.state);
    }
    for e in &s.endpoints {
        let _ = writeln!(
            out,
            "rpc {}: {} ({} requests, {} failed)",
            e.endpoint,
            if e.healthy {
                "healthy"
            } else {
                "UNHEALTHY (resting)"
            },
            e.requests,
            e.errors
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::{GameView, RoundView, SpotView};

    #[test]
    fn games_and_waiting_spot_checks_are_listed() {
        let s = Status {
            keeper: None,
            paused: false,
            head: 120,
            fee_cap_gwei: 1,
            fee_cap_binding: false,
            wallet_balance_gwei: 0,
            reward_cost_gwei: 0,
            missed_rounds: 0,
            problems: Vec::new(),
            round: RoundView::default(),
            in_flight: Vec::new(),
            disputes: Vec::new(),
            endpoints: Vec::new(),
            games: vec![GameView {
                dispute: 4,
                role: "challenger".into(),
                layer: 12,
                depth: 7,
                phase: "Reveal".into(),
                to_move: Some("agent".into()),
                this_keeper_to_move: false,
                deadline_block: 131,
                moves: 2,
                gas: 90_000,
            }],
            spot_checks: vec![SpotView {
                file: "a.json".into(),
                state: "the job is being re-run".into(),
            }],
        };
        let text = render(&s);
        assert!(
            text.contains("#4 as challenger: op 12 depth 7, phase Reveal, agent to move by block 131; 2 move(s) made"),
            "{text}"
        );
        assert!(
            text.contains("spot checks pending: 1\n  a.json: the job is being re-run"),
            "{text}"
        );
    }
}
