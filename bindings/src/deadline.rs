//! Deadlines for tests that drive other processes (forge, anvil, the keeper binary): such a test
//! must fail with a clear message when a process stalls, never hang CI (a forge broadcast once
//! waited forever on a transaction).

use std::{
    fs::File,
    io::Read,
    ops::Deref,
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, ExitStatus, Output, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    thread,
    time::{Duration, Instant},
};

use alloy::node_bindings::{Anvil, AnvilInstance};

use crate::toolchain;

/// Runs `command` to its end and returns its output, or kills it (its whole process group: forge
/// starts compilers) and panics once it has run for `limit`.
pub fn output_within(command: &mut Command, limit: Duration) -> Output {
    let what = format!("{command:?}");
    let stdout = scratch_file("stdout");
    let stderr = scratch_file("stderr");
    let mut child = command
        .stdin(Stdio::null())
        .stdout(File::create(&stdout).expect("create a scratch file"))
        .stderr(File::create(&stderr).expect("create a scratch file"))
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {what}: {e}"));
    // Files, not pipes: the output so far can be shown when the process is killed, and a
    // grandchild holding a pipe open cannot block the read.
    let status = wait_for(&mut child, limit);
    let read = |path: &PathBuf| {
        let mut bytes = Vec::new();
        if let Ok(mut file) = File::open(path) {
            let _ = file.read_to_end(&mut bytes);
        }
        let _ = std::fs::remove_file(path);
        bytes
    };
    let (out, err) = (read(&stdout), read(&stderr));
    let Some(status) = status else {
        panic!(
            "{what} was still running after {limit:?}, so it was killed.\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        );
    };
    Output {
        status,
        stdout: out,
        stderr: err,
    }
}

/// Waits for `child` to exit, or kills it and panics once `limit` has passed.
pub fn wait_within(child: &mut Child, limit: Duration, what: &str) -> ExitStatus {
    wait_for(child, limit)
        .unwrap_or_else(|| panic!("{what} was still running after {limit:?}, so it was killed"))
}

/// The exit status, or `None` after killing the child (and its process group, if it leads one).
fn wait_for(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll a child process") {
            return Some(status);
        }
        if started.elapsed() >= limit {
            kill_group(child.id());
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn kill_group(pid: u32) {
    let _ = Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stderr(Stdio::null())
        .status();
}

fn scratch_file(stream: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!("deadline-{}-{n}.{stream}", std::process::id()))
}

/// A whole test's deadline, for tests that talk to a long-lived process (an anvil node) rather
/// than wait for one to exit: if the guard is still alive after its limit, the watchdog names the
/// test, kills the processes it watches and ends the test binary with a failure (another thread
/// cannot fail a test more gently, and a stuck test would never notice).
pub struct Deadline {
    state: Arc<Mutex<Watch>>,
}

struct Watch {
    done: bool,
    pids: Vec<u32>,
}

impl Deadline {
    /// Starts the watchdog for the test running on this thread (libtest names it after the test).
    pub fn for_this_test(limit: Duration) -> Self {
        Self::start(
            thread::current().name().unwrap_or("a test").to_string(),
            limit,
        )
    }

    /// Starts the watchdog for `what`.
    pub fn start(what: impl Into<String>, limit: Duration) -> Self {
        let state = Arc::new(Mutex::new(Watch {
            done: false,
            pids: Vec::new(),
        }));
        let watched = Arc::clone(&state);
        let what = what.into();
        thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < limit {
                thread::sleep(Duration::from_millis(200));
                if watched.lock().map_or(true, |w| w.done) {
                    return;
                }
            }
            eprintln!("DEADLINE: {what} was still running after {limit:?}; killing it");
            if let Ok(w) = watched.lock() {
                for pid in &w.pids {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                }
            }
            std::process::exit(124);
        });
        Self { state }
    }

    /// Kills the process `pid` too when the deadline passes.
    pub fn watch(&self, pid: u32) {
        if let Ok(mut w) = self.state.lock() {
            w.pids.push(pid);
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        if let Ok(mut w) = self.state.lock() {
            w.done = true;
        }
    }
}

/// A fresh anvil node from the repo's pinned binary, under the running test's deadline.
pub struct WatchedAnvil {
    anvil: AnvilInstance,
    _deadline: Deadline,
}

impl Deref for WatchedAnvil {
    type Target = AnvilInstance;

    fn deref(&self) -> &AnvilInstance {
        &self.anvil
    }
}

/// Starts anvil for the running test: if the test is still running after `limit`, the node is
/// killed and the test binary fails (see [`Deadline`]).
pub fn anvil_for_this_test(limit: Duration) -> WatchedAnvil {
    let anvil = Anvil::new()
        .path(toolchain::anvil_bin())
        .try_spawn()
        .expect("anvil starts (run `npm ci` to install it)");
    let deadline = Deadline::for_this_test(limit);
    deadline.watch(anvil.child().id());
    WatchedAnvil {
        anvil,
        _deadline: deadline,
    }
}
