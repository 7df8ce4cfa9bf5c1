//! Judging off the duty loop: each dispute's re-run is its own task, at most
//! `verifier.max_concurrent` at once, each under `verifier.judge_timeout_secs` and every fetch
//! under the source limits. A tick starts a judgement and waits for it at most until its
//! deadline; a slow or hanging content source holds only that dispute, never the round's duties.
//! A judgement belongs to one event (transaction and receipt digest): if the dispute under that id
//! changes, the old task is aborted and its result never used.

use std::{collections::HashMap, sync::Arc, time::Duration};

use alloy::primitives::B256;
use content::{Limits, Source};
use tokio::{sync::Semaphore, task::JoinHandle, time::Instant};

use crate::{
    config::VerifierConfig,
    judge::{JudgeError, Judgement, judge},
    metrics::Metrics,
    store::{DisputeRecord, JobReceipt},
};

struct Running {
    event: (B256, B256),
    handle: JoinHandle<Result<Judgement, JudgeError>>,
}

/// What asking for a judgement gave.
#[derive(Debug)]
pub enum Asked {
    Ready(Result<Judgement, JudgeError>),
    /// Still running (or waiting for a slot): ask again next tick.
    Running,
}

/// The judgements in progress, by dispute id.
pub struct Judges {
    slots: Arc<Semaphore>,
    /// Other work takes at most all slots but one (when there are two or more): a dispute's
    /// judgement, which has a deadline, never waits behind spot checks.
    other_slots: Arc<Semaphore>,
    tasks: HashMap<u64, Running>,
    limits: Limits,
    timeout: Duration,
    wait: Duration,
    gpu: bool,
    metrics: Arc<Metrics>,
}

impl Judges {
    pub fn new(config: &VerifierConfig, metrics: Arc<Metrics>) -> Self {
        Self {
            metrics,
            slots: Arc::new(Semaphore::new(config.max_concurrent.max(1))),
            other_slots: Arc::new(Semaphore::new(
                config.max_concurrent.saturating_sub(1).max(1),
            )),
            tasks: HashMap::new(),
            limits: config.limits(),
            timeout: Duration::from_secs(config.judge_timeout_secs),
            wait: Duration::from_millis(config.judge_wait_ms),
            gpu: config.gpu,
        }
    }

    /// How long a tick may wait for judgements, from now.
    pub fn deadline(&self) -> Instant {
        Instant::now() + self.wait
    }

    /// Judgements running now.
    pub fn running(&self) -> usize {
        self.tasks.len()
    }

    /// Runs other re-run work (a spot check's re-run) in the same pool: it waits for one of the
    /// `max_concurrent` slots (leaving one to judgements when there are two or more) and is cut
    /// off after `judge_timeout_secs`, like a judgement.
    pub fn spawn<T: Send + 'static>(
        &self,
        work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
    ) -> JoinHandle<anyhow::Result<T>> {
        let (slots, timeout) = (self.slots.clone(), self.timeout);
        let other = self.other_slots.clone();
        tokio::spawn(async move {
            let _other = other.acquire_owned().await;
            let _slot = slots.acquire_owned().await;
            tokio::time::timeout(timeout, work)
                .await
                .unwrap_or_else(|_| {
                    Err(anyhow::anyhow!(
                        "the re-run took over {} s",
                        timeout.as_secs()
                    ))
                })
        })
    }

    /// The judgement of `record` (whose receipt is `receipt`): starts it if none runs for this
    /// very event, then waits for it until `deadline`.
    pub async fn ask(
        &mut self,
        record: &DisputeRecord,
        receipt: &JobReceipt,
        source: &Source,
        last_chance: bool,
        deadline: Instant,
    ) -> Asked {
        let event = (record.tx_hash, record.receipt_digest);
        if self.tasks.get(&record.id).is_some_and(|r| r.event != event) {
            self.forget(record.id);
        }
        let running = self.tasks.entry(record.id).or_insert_with(|| {
            let (slots, source, receipt) = (self.slots.clone(), source.clone(), receipt.clone());
            let (limits, timeout, gpu) = (self.limits, self.timeout, self.gpu);
            let (metrics, id) = (self.metrics.clone(), record.id);
            Running {
                event,
                handle: tokio::spawn(async move {
                    let _slot = slots.acquire_owned().await;
                    let judged = tokio::time::timeout(
                        timeout,
                        judge(&source, &receipt, last_chance, gpu, &limits),
                    )
                    .await
                    .unwrap_or(Err(JudgeError::TimedOut(timeout.as_secs())));
                    // Counted when it happens, whether or not a tick is waiting for it.
                    if let Err(e) = &judged {
                        metrics.inc(&metrics.judge_errors);
                        tracing::warn!(dispute = id, error = %e, "could not judge; retrying next tick");
                    }
                    judged
                }),
            }
        });
        match tokio::time::timeout_at(deadline, &mut running.handle).await {
            Ok(joined) => {
                self.tasks.remove(&record.id);
                Asked::Ready(joined.map_err(JudgeError::from).and_then(|r| r))
            }
            Err(_) => Asked::Running,
        }
    }

    /// Stops and forgets the judgement of dispute `id` (settled, dropped or replaced).
    pub fn forget(&mut self, id: u64) {
        if let Some(r) = self.tasks.remove(&id) {
            r.handle.abort();
        }
    }

    /// Forgets every judgement whose dispute is not in `ids`.
    pub fn retain(&mut self, ids: &[u64]) {
        let gone: Vec<u64> = self
            .tasks
            .keys()
            .filter(|id| !ids.contains(id))
            .copied()
            .collect();
        for id in gone {
            self.forget(id);
        }
    }
}

impl Drop for Judges {
    fn drop(&mut self) {
        for (_, r) in self.tasks.drain() {
            r.handle.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn other_work_leaves_a_slot_to_judgements() {
        let config = VerifierConfig {
            max_concurrent: 2,
            ..VerifierConfig::default()
        };
        let judges = Judges::new(&config, Arc::new(Metrics::default()));
        let hang = || judges.spawn(std::future::pending::<anyhow::Result<()>>());
        let (a, b) = (hang(), hang());
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        assert_eq!(
            judges.slots.available_permits(),
            1,
            "one left for a judgement"
        );
        a.abort();
        b.abort();
    }
}
