#!/usr/bin/env python3
"""Rewrites sim/layouts/storage.json: the suite's storage layouts, from solc's `storageLayout`
output (compiled through tools/solc with foundry.toml's settings; nothing else is written).

Run from the repo root after a contract's storage changes:
    python3 sim/layouts/regenerate.py
"""
import json
import subprocess

SOURCES = {
    "AccessManager": "contracts/access/AccessManagerImport.sol",
    "LivepeerToken": "contracts/token/LivepeerToken.sol",
    "Minter": "contracts/token/Minter.sol",
    "RoundsManager": "contracts/rounds/RoundsManager.sol",
    "BondingManager": "contracts/bonding/BondingManager.sol",
    "TicketBroker": "contracts/payments/TicketBroker.sol",
    "CapabilityRegistry": "contracts/registry/CapabilityRegistry.sol",
    "Reputation": "contracts/verification/Reputation.sol",
    "DisputeManager": "contracts/verification/DisputeManager.sol",
    "BondingVotes": "contracts/governance/BondingVotes.sol",
    "TimelockController": "contracts/governance/LivepeerGovernor.sol",
    "LivepeerGovernor": "contracts/governance/LivepeerGovernor.sol",
}
REMAPPINGS = [
    "@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/",
]


def size(types, t):
    return int(types.get(t, {}).get("numberOfBytes", "32"))


request = {
    "language": "Solidity",
    "sources": {path: {"urls": [path]} for path in sorted(set(SOURCES.values()))},
    "settings": {
        "remappings": REMAPPINGS,
        "optimizer": {"enabled": True, "runs": 1000},
        "evmVersion": "prague",
        "outputSelection": {"*": {"*": ["storageLayout"]}},
    },
}
for path in request["sources"]:
    with open(path) as f:
        request["sources"][path] = {"content": f.read()}
raw = subprocess.run(
    ["tools/solc", "--standard-json", "--base-path", ".", "--include-path", "node_modules"],
    input=json.dumps(request), capture_output=True, text=True, check=True, timeout=900,
).stdout
compiled = json.loads(raw)
errors = [e for e in compiled.get("errors", []) if e.get("severity") == "error"]
if errors:
    raise SystemExit("\n".join(e["formattedMessage"] for e in errors))

out = {}
for name in SOURCES:
    found = [c[name] for c in compiled["contracts"].values() if name in c]
    if not found:
        raise SystemExit(f"{name} was not compiled")
    layout = found[0]["storageLayout"]
    types = layout.get("types") or {}
    variables = []
    for v in layout["storage"]:
        t = types.get(v["type"], {})
        entry = {
            "label": v["label"],
            "slot": int(v["slot"]),
            "offset": v["offset"],
            "type": t.get("label", v["type"]),
            "bytes": size(types, v["type"]),
        }
        if t.get("encoding") == "mapping":
            value = types.get(t["value"], {})
            entry["mapping_value_bytes"] = size(types, t["value"])
            if value.get("encoding") == "mapping":
                entry["nested_value_bytes"] = size(types, value["value"])
        variables.append(entry)
    out[name] = variables

with open("sim/layouts/storage.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
