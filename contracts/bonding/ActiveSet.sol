// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title ActiveSet
/// @notice The active orchestrators: at most `maxActive`, the largest by delegated stake, in a list
/// sorted by stake (largest first) that callers position with hints. Membership changes take effect
/// next round (activation and deactivation rounds), and the total active stake of the next round is
/// kept as stakes change, so a round's set and total are fixed the moment it starts, without any
/// work at round initialization.
///
/// Hints: `prevHint`/`nextHint` name the orchestrators expected around the new position. Exact
/// hints cost O(1); hints in the wrong place are walked from (correct, more gas); zero hints walk
/// from the member's old place (a member moving) or from the head (a newcomer); a hint that is not
/// in the set at all is a lie and reverts. Each member's link
/// holds its successor and its own stake, so a walk reads one storage slot per member it passes.
abstract contract ActiveSet {
    using SafeCast for uint256;

    struct Member {
        address prev;
        bool listed;
        uint32 activationRound;
        uint32 deactivationRound; // 0: none scheduled
    }

    // The sort key lives beside the successor pointer: one slot per member walked.
    struct Link {
        address next;
        uint96 stake;
    }

    // The current round's total is `next` until the first change of a round rolls it over.
    struct ActiveTotals {
        uint112 current;
        uint112 next;
        uint32 round;
    }

    mapping(address orchestrator => Member) internal _members;
    mapping(address orchestrator => Link) internal _links;
    address internal _head;
    uint32 internal _listSize;
    uint32 internal _maxActive;
    address internal _tail;
    ActiveTotals internal _totals;

    /// @notice A hint named an address that is not in the active set.
    error HintNotInActiveSet(address hint);

    /// @notice `orchestrator` enters the active set from `activationRound`.
    event OrchestratorActivated(address indexed orchestrator, uint256 activationRound);
    /// @notice `orchestrator` leaves the active set from `deactivationRound`.
    event OrchestratorDeactivated(address indexed orchestrator, uint256 deactivationRound);

    function _isActive(address orchestrator, uint256 round) internal view returns (bool) {
        Member memory m = _members[orchestrator];
        return m.activationRound != 0 && m.activationRound <= round
            && (m.deactivationRound == 0 || round < m.deactivationRound);
    }

    function _totalActiveStake(uint256 round) internal view returns (uint256) {
        ActiveTotals memory t = _totals;
        return t.round < round ? t.next : t.current;
    }

    /// @dev Keeps the set and next round's total in step with a change of `orchestrator`'s stake
    /// from `oldStake` to `newStake`. `eligible`: whether
    /// it may be active at all (registered, stake above zero).
    function _onStakeChange(
        address orchestrator,
        uint256 oldStake,
        uint256 newStake,
        bool eligible,
        uint256 round,
        address prevHint,
        address nextHint
    ) internal {
        if (_members[orchestrator].listed) {
            if (!eligible) {
                _setNextTotal(round, _totals.next - oldStake);
                _unlink(orchestrator);
                _deactivate(orchestrator, round);
                return;
            }
            _setNextTotal(round, uint256(_totals.next) + newStake - oldStake);
            _reposition(orchestrator, newStake, prevHint, nextHint);
            return;
        }
        if (!eligible) return;
        if (_listSize >= _maxActive) {
            address tail = _tail;
            uint256 tailStake = _links[tail].stake;
            if (tail == address(0) || newStake <= tailStake) return;
            _setNextTotal(round, _totals.next - tailStake);
            _unlink(tail);
            _deactivate(tail, round);
        }
        _setNextTotal(round, uint256(_totals.next) + newStake);
        (address prev, address next) = _findPosition(newStake, prevHint, nextHint, orchestrator);
        _link(orchestrator, newStake, prev, next);
        _activate(orchestrator, round);
    }

    function _setNextTotal(uint256 round, uint256 next) private {
        ActiveTotals memory t = _totals;
        if (t.round < round) {
            t.current = t.next;
            t.round = round.toUint32();
        }
        t.next = next.toUint112();
        _totals = t;
    }

    function _activate(address orchestrator, uint256 round) private {
        Member storage m = _members[orchestrator];
        // Evicted earlier this round and back again: it never stopped being active.
        if (m.activationRound != 0 && m.activationRound <= round && m.deactivationRound == round + 1) {
            m.deactivationRound = 0;
            return;
        }
        m.activationRound = (round + 1).toUint32();
        m.deactivationRound = 0;
        emit OrchestratorActivated(orchestrator, round + 1);
    }

    function _deactivate(address orchestrator, uint256 round) private {
        _members[orchestrator].deactivationRound = (round + 1).toUint32();
        emit OrchestratorDeactivated(orchestrator, round + 1);
    }

    function _reposition(address orchestrator, uint256 stake, address prevHint, address nextHint) private {
        address prev = _members[orchestrator].prev;
        address next = _links[orchestrator].next;
        // Still in order where it is: only the key changes (the common case for a reward).
        bool prevOk = prev == address(0) || _links[prev].stake >= stake;
        if (prevOk && (next == address(0) || stake >= _links[next].stake)) {
            _links[orchestrator].stake = stake.toUint96();
            return;
        }
        // Without hints, search from where it was: a small change of stake is a short walk.
        if (prevHint == address(0) && nextHint == address(0)) (prevHint, nextHint) = (prev, next);
        _unlink(orchestrator);
        (prev, next) = _findPosition(stake, prevHint, nextHint, orchestrator);
        _link(orchestrator, stake, prev, next);
    }

    /// @dev The neighbours for `stake`: after every member with at least that stake. `self` (being
    /// placed, already unlinked) is ignored as a hint.
    function _findPosition(uint256 stake, address prevHint, address nextHint, address self)
        private
        view
        returns (address prev, address next)
    {
        if (prevHint == self) prevHint = address(0);
        if (nextHint == self) nextHint = address(0);
        if (prevHint != address(0) && !_members[prevHint].listed) revert HintNotInActiveSet(prevHint);
        if (nextHint != address(0) && !_members[nextHint].listed) revert HintNotInActiveSet(nextHint);

        if (prevHint == address(0) && nextHint == address(0)) return _walkDown(address(0), _head, stake);
        address anchor = prevHint != address(0) ? prevHint : nextHint;
        Link memory anchorLink = _links[anchor];
        if (anchorLink.stake >= stake) return _walkDown(anchor, anchorLink.next, stake);
        return _walkUp(_members[anchor].prev, anchor, stake);
    }

    /// @dev From (prev, next), moves toward the tail while `next` has at least `stake`.
    function _walkDown(address prev, address next, uint256 stake) private view returns (address, address) {
        while (next != address(0)) {
            Link memory link = _links[next];
            if (link.stake < stake) break;
            prev = next;
            next = link.next;
        }
        return (prev, next);
    }

    /// @dev From (prev, next), moves toward the head while `prev` has less than `stake`.
    function _walkUp(address prev, address next, uint256 stake) private view returns (address, address) {
        while (prev != address(0) && _links[prev].stake < stake) {
            next = prev;
            prev = _members[prev].prev;
        }
        return (prev, next);
    }

    function _link(address orchestrator, uint256 stake, address prev, address next) private {
        Member storage m = _members[orchestrator];
        m.prev = prev;
        m.listed = true;
        _links[orchestrator] = Link({next: next, stake: stake.toUint96()});
        if (prev == address(0)) _head = orchestrator;
        else _links[prev].next = orchestrator;
        if (next == address(0)) _tail = orchestrator;
        else _members[next].prev = orchestrator;
        _listSize++;
    }

    function _unlink(address orchestrator) private {
        Member storage m = _members[orchestrator];
        address prev = m.prev;
        address next = _links[orchestrator].next;
        if (prev == address(0)) _head = next;
        else _links[prev].next = next;
        if (next == address(0)) _tail = prev;
        else _members[next].prev = prev;
        m.prev = address(0);
        m.listed = false;
        delete _links[orchestrator];
        _listSize--;
    }
}
