//! Work a tick must not wait for (a spot check's re-run, the fetch of a published layer list),
//! run in the judges' bounded pool ([`crate::judging::Judges::spawn`]) and asked for again each
//! tick: a tick waits for it at most until its deadline, then goes on with its other duties.

use std::{collections::HashMap, hash::Hash};

use tokio::{task::JoinHandle, time::Instant};

/// Tasks in progress by key; each result is handed out once, to the first tick that finds it.
pub struct Tasks<K, T> {
    running: HashMap<K, JoinHandle<anyhow::Result<T>>>,
}

impl<K, T> Default for Tasks<K, T> {
    fn default() -> Self {
        Self {
            running: HashMap::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, T> Tasks<K, T> {
    /// The result of the task `key`, started with `start` if none runs, waiting for it until
    /// `deadline`; `None` while it still runs.
    pub async fn poll(
        &mut self,
        key: &K,
        deadline: Instant,
        start: impl FnOnce() -> anyhow::Result<JoinHandle<anyhow::Result<T>>>,
    ) -> Option<anyhow::Result<T>> {
        if !self.running.contains_key(key) {
            match start() {
                Ok(h) => self.running.insert(key.clone(), h),
                Err(e) => return Some(Err(e)),
            };
        }
        let handle = self.running.get_mut(key)?;
        let joined = tokio::time::timeout_at(deadline, handle).await.ok()?;
        self.running.remove(key);
        Some(joined.map_err(anyhow::Error::from).and_then(|r| r))
    }

    /// Tasks in progress (finished ones not asked for yet included).
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// Whether no task is in progress.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Drops the finished tasks whose key is not in `wanted` (no one asks for them any more).
    pub fn drop_finished_except(&mut self, wanted: &[K]) {
        self.running
            .retain(|key, h| !h.is_finished() || wanted.contains(key));
    }
}

impl<K, T> Drop for Tasks<K, T> {
    fn drop(&mut self) {
        for (_, h) in self.running.drain() {
            h.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_task_is_started_once_waited_for_until_the_deadline_and_handed_out_once() {
        let mut tasks = Tasks::<u8, u8>::default();
        let (tx, rx) = tokio::sync::oneshot::channel::<u8>();
        let mut rx = Some(rx);
        let soon = || Instant::now() + Duration::from_millis(20);
        let mut start = || {
            let rx = rx.take().expect("started once");
            Ok(tokio::spawn(async move { Ok(rx.await?) }))
        };
        assert!(tasks.poll(&1, soon(), &mut start).await.is_none());
        assert_eq!(tasks.len(), 1);
        tx.send(7).unwrap();
        let got = tasks.poll(&1, soon(), &mut start).await;
        assert_eq!(got.unwrap().unwrap(), 7);
        assert!(tasks.is_empty(), "handed out once");
        let failed = tasks.poll(&2, soon(), || anyhow::bail!("no source")).await;
        assert!(failed.unwrap().is_err() && tasks.is_empty());
    }
}
