//! Logs in words, decoded with the suite's ABIs (the generated artifacts): `Name(arg: value, ...)`,
//! addresses in hex and numbers in decimal.

use alloy::{
    dyn_abi::{DynSolValue, EventExt},
    json_abi::Event,
    primitives::Log,
};

use crate::known::{self, Kind};

/// A log decoded as an event of contract `kind` (by name), or of any suite contract when the
/// emitter is unknown; `None` when no ABI decodes it.
pub fn decode(kind: Option<&str>, log: &Log) -> Option<String> {
    match kind {
        Some(name) => known::kind(name).and_then(|k| decode_as(k, log)),
        None => known::KINDS.iter().find_map(|k| decode_as(k, log)),
    }
}

fn decode_as(kind: &Kind, log: &Log) -> Option<String> {
    let topic0 = *log.topics().first()?;
    kind.abi()
        .events()
        .filter(|e| !e.anonymous && e.selector() == topic0)
        .find_map(|e| describe(e, log))
}

fn describe(event: &Event, log: &Log) -> Option<String> {
    let decoded = event
        .decode_log_parts(log.topics().iter().copied(), &log.data.data)
        .ok()?;
    let (mut indexed, mut body) = (decoded.indexed.iter(), decoded.body.iter());
    let args: Vec<String> = event
        .inputs
        .iter()
        .map(|p| {
            let value = if p.indexed {
                indexed.next()
            } else {
                body.next()
            };
            format!("{}: {}", p.name, value.map_or_else(String::new, show))
        })
        .collect();
    Some(format!("{}({})", event.name, args.join(", ")))
}

/// A value in words.
pub fn show(v: &DynSolValue) -> String {
    let list = |items: &[DynSolValue]| items.iter().map(show).collect::<Vec<_>>().join(", ");
    match v {
        DynSolValue::Address(a) => a.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::FixedBytes(w, size) => format!("0x{}", alloy::hex::encode(&w[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => format!("[{}]", list(items)),
        DynSolValue::Tuple(items) => format!("({})", list(items)),
        DynSolValue::Function(f) => f.to_string(),
    }
}
