//! The end-of-round line: what this keeper did in a round and what was missed, logged once when
//! the next round starts (at INFO when nothing was missed, at WARN otherwise).

use std::collections::BTreeMap;

use alloy::primitives::Address;
use tracing::{info, warn};

use crate::TickReport;

/// What happened in one round, summed over its ticks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RoundSummary {
    pub round: u64,
    /// The round's duties were checked at least once (this keeper's turn came).
    pub checked: bool,
    pub initialized_by_me: bool,
    /// Orchestrators this keeper rewarded.
    pub rewarded_by_me: usize,
    /// Orchestrators found rewarded by another keeper (or themselves).
    pub rewarded_by_others: usize,
    pub inactive: usize,
    /// Orchestrators whose reward had not landed when the round ended, with the last reason.
    pub missed: BTreeMap<Address, String>,
    /// The last pass found every duty done.
    pub complete: bool,
    pub voted: usize,
    pub finalized: usize,
    pub executed: usize,
}

impl RoundSummary {
    /// Folds one tick's report of this round in.
    fn add(&mut self, report: &TickReport) {
        let r = &report.rounds;
        if r.ran {
            // A pass over the duties: its counts replace the last pass's (rewards this keeper
            // made in earlier passes read "already rewarded" now).
            let mine_before = self.rewarded_by_me;
            self.checked = true;
            self.initialized_by_me |= r.initialized;
            self.rewarded_by_me += r.rewarded.len();
            self.rewarded_by_others = r.already_rewarded.saturating_sub(mine_before);
            self.inactive = r.inactive;
            self.missed = r.failed.iter().cloned().collect();
            self.complete = r.complete;
        }
        let d = &report.disputes;
        self.voted += d.voted.len();
        self.finalized += d.finalized.len();
        self.executed += d.executed.len();
    }

    /// Logs the summary: one line.
    pub fn log(&self) {
        let missed: Vec<String> = self
            .missed
            .iter()
            .map(|(o, why)| format!("{o} ({why})"))
            .collect();
        if !self.checked {
            warn!(
                round = self.round,
                "round ended before this keeper checked its duties (its turn never came, or every tick failed)"
            );
        } else if self.complete {
            info!(
                round = self.round,
                initialized_by_me = self.initialized_by_me,
                rewarded_by_me = self.rewarded_by_me,
                rewarded_by_others = self.rewarded_by_others,
                inactive = self.inactive,
                voted = self.voted,
                finalized = self.finalized,
                executed = self.executed,
                "round ended: nothing missed"
            );
        } else {
            warn!(
                round = self.round,
                initialized_by_me = self.initialized_by_me,
                rewarded_by_me = self.rewarded_by_me,
                rewarded_by_others = self.rewarded_by_others,
                inactive = self.inactive,
                voted = self.voted,
                finalized = self.finalized,
                executed = self.executed,
                missed = missed.len(),
                missed_rewards = missed.join(", "),
                "round ended with duties missed (the round not initialized, or rewards that did not land)"
            );
        }
    }
}

/// The summary of the round in progress.
#[derive(Debug, Default)]
pub struct Ledger {
    current: Option<RoundSummary>,
}

impl Ledger {
    /// Adds a tick's report; when it belongs to a later round than the one being summed, the
    /// summary of that one is returned (it ended).
    pub fn record(&mut self, report: &TickReport) -> Option<RoundSummary> {
        let round = report.rounds.round;
        if round == 0 {
            return None;
        }
        let ended = match &self.current {
            Some(s) if s.round < round => self.current.take(),
            _ => None,
        };
        self.current
            .get_or_insert_with(|| RoundSummary {
                round,
                ..RoundSummary::default()
            })
            .add(report);
        ended
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rounds::RoundReport;

    fn pass(round: u64, rewarded: usize, already: usize, failed: usize) -> TickReport {
        let mut r = TickReport {
            rounds: RoundReport {
                round,
                rewarded: (0..rewarded as u8).map(Address::repeat_byte).collect(),
                already_rewarded: already,
                failed: (0..failed)
                    .map(|i| (Address::repeat_byte(100 + i as u8), "still pending".into()))
                    .collect(),
                ..RoundReport::default()
            },
            ..TickReport::default()
        };
        r.rounds.complete = failed == 0;
        r.rounds.ran = true;
        r
    }

    #[test]
    fn a_round_is_summed_over_its_passes_and_reported_when_the_next_starts() {
        let mut ledger = Ledger::default();
        // Round 5: two rewarded, one pending; the next pass finds the two done and lands the third.
        assert_eq!(ledger.record(&pass(5, 2, 1, 1)), None);
        assert_eq!(ledger.record(&pass(5, 1, 3, 0)), None);
        let idle = TickReport {
            idle: true,
            rounds: RoundReport {
                round: 5,
                complete: true,
                ..RoundReport::default()
            },
            ..TickReport::default()
        };
        assert_eq!(ledger.record(&idle), None);
        // A tick after the round's duties were done reads nothing and changes nothing.
        let five = ledger.record(&pass(6, 0, 2, 1)).expect("round 5 ended");
        assert_eq!(
            (
                five.checked,
                five.rewarded_by_me,
                five.rewarded_by_others,
                five.missed.len()
            ),
            (true, 3, 1, 0)
        );
        // Round 6 ends with one reward still missing: it is named.
        let six = ledger.record(&pass(7, 0, 0, 0)).expect("round 6 ended");
        assert_eq!(six.rewarded_by_others, 2);
        assert_eq!(
            six.missed.keys().copied().collect::<Vec<_>>(),
            [Address::repeat_byte(100)]
        );
    }

    #[test]
    fn a_round_whose_turn_never_came_is_not_checked() {
        let mut ledger = Ledger::default();
        let mut waiting = pass(3, 0, 0, 0);
        waiting.rounds.complete = false;
        waiting.rounds.ran = false;
        waiting.rounds.turn = Some(40);
        ledger.record(&waiting);
        let three = ledger.record(&pass(4, 0, 0, 0)).unwrap();
        assert!(!three.checked);
    }
}
