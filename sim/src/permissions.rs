//! Changes of who may do what, read from the events a proposal emits: AccessManager roles,
//! role admins and guardians, grant delays, target functions (anything opened to PUBLIC),
//! closed targets and authority swaps; the timelock's roles (proposer, executor, canceller,
//! admin) and minimum delay; and governor settings that weaken governance (a shorter voting
//! delay or period, a lower proposal threshold, quorum or pass quota) or swap its timelock. Each
//! finding has a key; it fails the proposal unless `--ack KEY` names it.

use alloy::{
    primitives::{Address, B256, Log, U256},
    sol_types::SolEvent,
};
use bindings::{AccessManager, LivepeerGovernor, LivepeerToken, TimelockController};
use revm::{Database, DatabaseCommit};
use serde::Serialize;

use crate::{evm::Chain, suite::Suite, suite::role_name};

/// A change of permissions.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    /// What `--ack` must name to accept it, e.g. `grant-role:ADMIN:0x…`.
    pub key: String,
    pub detail: String,
    /// A governor setting made stricter: reported, never failing.
    pub strengthens: bool,
}

/// The timelock's role names, read from the timelock itself.
fn timelock_role<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    timelock: Address,
    role: B256,
) -> String {
    let named = [
        (
            "PROPOSER",
            chain.view(timelock, TimelockController::PROPOSER_ROLECall {}),
        ),
        (
            "EXECUTOR",
            chain.view(timelock, TimelockController::EXECUTOR_ROLECall {}),
        ),
        (
            "CANCELLER",
            chain.view(timelock, TimelockController::CANCELLER_ROLECall {}),
        ),
        (
            "DEFAULT_ADMIN",
            chain.view(timelock, TimelockController::DEFAULT_ADMIN_ROLECall {}),
        ),
    ];
    named
        .into_iter()
        .find(|(_, r)| r.as_ref().is_ok_and(|r| *r == role))
        .map(|(n, _)| n.to_string())
        .unwrap_or_else(|| role.to_string())
}

fn finding(key: String, detail: String) -> Finding {
    Finding {
        key,
        detail,
        strengthens: false,
    }
}

/// A governor setting change: weakening when it goes down.
fn setting(name: &str, what: &str, old: U256, new: U256) -> Finding {
    Finding {
        key: format!("{name}:{new}"),
        detail: format!(
            "the governor's {what} goes from {old} to {new}{}",
            if new < old {
                ": governance is weakened"
            } else {
                ""
            }
        ),
        strengthens: new >= old,
    }
}

/// The permission changes among `logs`.
pub fn findings<DB: Database + DatabaseCommit>(
    chain: &mut Chain<DB>,
    suite: &Suite,
    logs: &[Log],
) -> Vec<Finding> {
    let d = suite.deployment;
    let mut out = Vec::new();
    for log in logs {
        let a = log.address;
        if a == d.manager {
            if let Ok(e) = AccessManager::RoleGranted::decode_log(log) {
                let who = suite.describe(chain, e.account);
                out.push(finding(
                    format!("grant-role:{}:{}", role_name(e.roleId), e.account),
                    format!(
                        "AccessManager grants role {} to {who} (execution delay {} s)",
                        role_name(e.roleId),
                        e.delay
                    ),
                ));
            } else if let Ok(e) = AccessManager::RoleRevoked::decode_log(log) {
                let who = suite.describe(chain, e.account);
                out.push(finding(
                    format!("revoke-role:{}:{}", role_name(e.roleId), e.account),
                    format!(
                        "AccessManager revokes role {} from {who}",
                        role_name(e.roleId)
                    ),
                ));
            } else if let Ok(e) = AccessManager::RoleAdminChanged::decode_log(log) {
                out.push(finding(
                    format!("role-admin:{}:{}", role_name(e.roleId), role_name(e.admin)),
                    format!(
                        "AccessManager: role {}'s admin becomes {}",
                        role_name(e.roleId),
                        role_name(e.admin)
                    ),
                ));
            } else if let Ok(e) = AccessManager::RoleGuardianChanged::decode_log(log) {
                out.push(finding(
                    format!(
                        "role-guardian:{}:{}",
                        role_name(e.roleId),
                        role_name(e.guardian)
                    ),
                    format!(
                        "AccessManager: role {}'s guardian becomes {}",
                        role_name(e.roleId),
                        role_name(e.guardian)
                    ),
                ));
            } else if let Ok(e) = AccessManager::RoleGrantDelayChanged::decode_log(log) {
                out.push(finding(
                    format!("grant-delay:{}:{}", role_name(e.roleId), e.delay),
                    format!(
                        "AccessManager: role {}'s grant delay becomes {} s",
                        role_name(e.roleId),
                        e.delay
                    ),
                ));
            } else if let Ok(e) = AccessManager::TargetFunctionRoleUpdated::decode_log(log) {
                let target = suite.describe(chain, e.target);
                out.push(finding(
                    format!(
                        "target-role:{}:{}:{}",
                        e.target,
                        e.selector,
                        role_name(e.roleId)
                    ),
                    format!(
                        "AccessManager: {target}'s function {} may be called by role {}{}",
                        e.selector,
                        role_name(e.roleId),
                        if e.roleId == u64::MAX {
                            " (anyone)"
                        } else {
                            ""
                        }
                    ),
                ));
            } else if let Ok(e) = AccessManager::TargetClosed::decode_log(log) {
                let target = suite.describe(chain, e.target);
                out.push(finding(
                    format!("target-closed:{}:{}", e.target, e.closed),
                    format!(
                        "AccessManager {} {target}",
                        if e.closed { "closes" } else { "opens" }
                    ),
                ));
            } else if let Ok(e) = AccessManager::TargetAdminDelayUpdated::decode_log(log) {
                let target = suite.describe(chain, e.target);
                out.push(finding(
                    format!("target-admin-delay:{}:{}", e.target, e.delay),
                    format!(
                        "AccessManager: {target}'s admin delay becomes {} s",
                        e.delay
                    ),
                ));
            }
        } else if a == d.timelock {
            if let Ok(e) = TimelockController::RoleGranted::decode_log(log) {
                let role = timelock_role(chain, d.timelock, e.role);
                let who = suite.describe(chain, e.account);
                out.push(finding(
                    format!("timelock-grant:{role}:{}", e.account),
                    format!("the timelock grants {role} to {who}"),
                ));
            } else if let Ok(e) = TimelockController::RoleRevoked::decode_log(log) {
                let role = timelock_role(chain, d.timelock, e.role);
                let who = suite.describe(chain, e.account);
                out.push(finding(
                    format!("timelock-revoke:{role}:{}", e.account),
                    format!("the timelock revokes {role} from {who}"),
                ));
            } else if let Ok(e) = TimelockController::RoleAdminChanged::decode_log(log) {
                let role = timelock_role(chain, d.timelock, e.role);
                let admin = timelock_role(chain, d.timelock, e.newAdminRole);
                out.push(finding(
                    format!("timelock-role-admin:{role}:{admin}"),
                    format!("the timelock: {role}'s admin role becomes {admin}"),
                ));
            } else if let Ok(e) = TimelockController::MinDelayChange::decode_log(log) {
                out.push(finding(
                    format!("timelock-delay:{}", e.newDuration),
                    format!(
                        "the timelock's minimum delay goes from {} s to {} s",
                        e.oldDuration, e.newDuration
                    ),
                ));
            }
        } else if a == d.governor {
            if let Ok(e) = LivepeerGovernor::VotingDelaySet::decode_log(log) {
                out.push(setting(
                    "voting-delay",
                    "voting delay",
                    e.oldVotingDelay,
                    e.newVotingDelay,
                ));
            } else if let Ok(e) = LivepeerGovernor::VotingPeriodSet::decode_log(log) {
                out.push(setting(
                    "voting-period",
                    "voting period",
                    e.oldVotingPeriod,
                    e.newVotingPeriod,
                ));
            } else if let Ok(e) = LivepeerGovernor::ProposalThresholdSet::decode_log(log) {
                out.push(setting(
                    "proposal-threshold",
                    "proposal threshold (wei of votes)",
                    e.oldProposalThreshold,
                    e.newProposalThreshold,
                ));
            } else if let Ok(e) = LivepeerGovernor::QuorumNumeratorUpdated::decode_log(log) {
                out.push(setting(
                    "quorum",
                    "quorum (ppm)",
                    e.oldQuorumNumerator,
                    e.newQuorumNumerator,
                ));
            } else if let Ok(e) = LivepeerGovernor::QuotaUpdated::decode_log(log) {
                out.push(setting("quota", "pass quota (ppm)", e.oldQuota, e.newQuota));
            } else if let Ok(e) = LivepeerGovernor::TimelockChange::decode_log(log) {
                let who = suite.describe(chain, e.newTimelock);
                out.push(finding(
                    format!("governor-timelock:{}", e.newTimelock),
                    format!("the governor's timelock (its executor) becomes {who}"),
                ));
            }
        } else if suite.contracts.contains_key(&a)
            && let Ok(e) = LivepeerToken::AuthorityUpdated::decode_log(log)
        {
            let name = suite.describe(chain, a);
            let who = suite.describe(chain, e.authority);
            out.push(finding(
                format!("authority:{a}:{}", e.authority),
                format!("{name}'s authority becomes {who}"),
            ));
        }
    }
    out
}

/// Whether `ack` names `key` (case-insensitive: addresses may be checksummed or not).
pub fn acknowledges(ack: &str, key: &str) -> bool {
    ack.eq_ignore_ascii_case(key)
}
