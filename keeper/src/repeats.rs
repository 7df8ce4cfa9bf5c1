//! One log line per repeated condition. An RPC endpoint that is down fails every tick: the first
//! failure is logged, the repeats are counted, and the count is logged once when the condition
//! changes or clears, and every `every` while it lasts ("repeated 120 times").

use std::time::Duration;

use tokio::time::Instant;

/// What to log for one occurrence of a condition.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Note {
    /// The condition is new (or another than the last): log it in full.
    pub log: bool,
    /// The condition before this one ended: it repeated this many times unlogged.
    pub ended: Option<(String, u64)>,
    /// The condition goes on: it repeated this many times since it was last logged.
    pub repeated: Option<u64>,
}

struct Run {
    key: String,
    unlogged: u64,
    logged_at: Instant,
}

/// The condition being repeated, if any.
pub struct Repeats {
    run: Option<Run>,
    every: Duration,
}

impl Repeats {
    /// Repeats of a going-on condition are summed up every `every`.
    pub fn new(every: Duration) -> Self {
        Self { run: None, every }
    }

    /// One more occurrence of condition `key` at `now`.
    pub fn note(&mut self, key: &str, now: Instant) -> Note {
        match &mut self.run {
            Some(run) if run.key == key => {
                run.unlogged += 1;
                if now.duration_since(run.logged_at) >= self.every {
                    run.logged_at = now;
                    Note {
                        repeated: Some(std::mem::take(&mut run.unlogged)),
                        ..Note::default()
                    }
                } else {
                    Note::default()
                }
            }
            _ => {
                let ended = self.clear();
                self.run = Some(Run {
                    key: key.to_string(),
                    unlogged: 0,
                    logged_at: now,
                });
                Note {
                    log: true,
                    ended,
                    ..Note::default()
                }
            }
        }
    }

    /// The condition cleared: its repeats not yet logged, if any.
    pub fn clear(&mut self) -> Option<(String, u64)> {
        self.run
            .take()
            .filter(|r| r.unlogged > 0)
            .map(|r| (r.key, r.unlogged))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_is_logged_repeats_are_counted_and_summed_up_when_it_changes() {
        let t0 = Instant::now();
        let mut r = Repeats::new(Duration::from_secs(60));
        assert_eq!(
            r.note("rpc down", t0),
            Note {
                log: true,
                ..Note::default()
            }
        );
        for s in 1..=4 {
            assert_eq!(
                r.note("rpc down", t0 + Duration::from_secs(s)),
                Note::default()
            );
        }
        // Another condition: logged, and the four repeats of the first summed up.
        assert_eq!(
            r.note("bad reply", t0 + Duration::from_secs(5)),
            Note {
                log: true,
                ended: Some(("rpc down".into(), 4)),
                repeated: None,
            }
        );
        // A condition seen once and cleared has nothing to sum up; one repeated has.
        assert_eq!(r.clear(), None);
        r.note("rpc down", t0);
        r.note("rpc down", t0);
        assert_eq!(r.clear(), Some(("rpc down".into(), 1)));
        assert_eq!(r.clear(), None);
    }

    #[test]
    fn a_lasting_condition_is_summed_up_periodically() {
        let t0 = Instant::now();
        let every = Duration::from_secs(60);
        let mut r = Repeats::new(every);
        assert!(r.note("rpc down", t0).log);
        let mut summaries = Vec::new();
        // Every 10 s for 3 minutes: one line a minute, never one per occurrence.
        for s in (10..=180).step_by(10) {
            let note = r.note("rpc down", t0 + Duration::from_secs(s));
            assert!(!note.log && note.ended.is_none());
            summaries.extend(note.repeated);
        }
        assert_eq!(summaries, [6, 6, 6]);
        assert_eq!(r.clear(), None, "all repeats were summed up");
    }
}
