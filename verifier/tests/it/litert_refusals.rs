//! Synthetic `.tflite` files (built here with a minimal FlatBuffer writer) that the importer
//! must refuse for a named reason, next to a valid one it must accept and run.

use verifier::litert::{self, LiteRtError};

/// A FlatBuffer value: tables are written parent-first with children after them, so every
/// uoffset points forward and each vtable sits just before its table.
enum F {
    U8(u8),
    I32(i32),
    U32(u32),
    Bytes(Vec<u8>, u32), // vector body and element count
    Str(&'static str),
    T(Vec<(usize, F)>),
    Ts(Vec<Vec<(usize, F)>>),
}

fn i32s(v: &[i32]) -> F {
    F::Bytes(
        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        v.len() as u32,
    )
}
fn f32s(v: &[f32]) -> F {
    F::Bytes(
        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        v.len() as u32,
    )
}
fn i64s(v: &[i64]) -> F {
    F::Bytes(
        v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        v.len() as u32,
    )
}

fn align(buf: &mut Vec<u8>) {
    while !buf.len().is_multiple_of(4) {
        buf.push(0);
    }
}

fn patch(buf: &mut [u8], at: usize, target: usize) {
    buf[at..at + 4].copy_from_slice(&((target - at) as u32).to_le_bytes());
}

fn table(buf: &mut Vec<u8>, fields: &[(usize, F)]) -> usize {
    align(buf);
    let slots = fields.iter().map(|(id, _)| id + 1).max().unwrap_or(0);
    let vt = buf.len();
    let vt_len = 4 + 2 * slots;
    let tbl_len = 4 + 4 * fields.len();
    buf.extend((vt_len as u16).to_le_bytes());
    buf.extend((tbl_len as u16).to_le_bytes());
    let mut offs = vec![0u16; slots];
    for (k, (id, _)) in fields.iter().enumerate() {
        offs[*id] = (4 + 4 * k) as u16;
    }
    offs.iter().for_each(|o| buf.extend(o.to_le_bytes()));
    align(buf);
    let pos = buf.len();
    buf.extend(((pos - vt) as i32).to_le_bytes());
    let mut later = Vec::new();
    for (k, (_, f)) in fields.iter().enumerate() {
        let at = pos + 4 + 4 * k;
        match f {
            F::U8(v) => buf.extend([*v, 0, 0, 0]),
            F::I32(v) => buf.extend(v.to_le_bytes()),
            F::U32(v) => buf.extend(v.to_le_bytes()),
            _ => {
                buf.extend([0; 4]);
                later.push((at, f));
            }
        }
    }
    for (at, f) in later {
        let target = child(buf, f);
        patch(buf, at, target);
    }
    pos
}

fn child(buf: &mut Vec<u8>, f: &F) -> usize {
    align(buf);
    match f {
        F::Bytes(b, n) => {
            let pos = buf.len();
            buf.extend(n.to_le_bytes());
            buf.extend(b);
            pos
        }
        F::Str(s) => {
            let pos = buf.len();
            buf.extend((s.len() as u32).to_le_bytes());
            buf.extend(s.as_bytes());
            buf.push(0);
            pos
        }
        F::T(fields) => table(buf, fields),
        F::Ts(tables) => {
            let pos = buf.len();
            buf.extend((tables.len() as u32).to_le_bytes());
            buf.extend(vec![0u8; 4 * tables.len()]);
            for (i, t) in tables.iter().enumerate() {
                let tp = table(buf, t);
                patch(buf, pos + 4 + 4 * i, tp);
            }
            pos
        }
        _ => unreachable!("scalars are inline"),
    }
}

fn file(model: Vec<(usize, F)>) -> Vec<u8> {
    let mut buf = vec![0u8; 4];
    buf.extend(b"TFL3");
    let root = table(&mut buf, &model);
    patch(&mut buf, 0, root);
    buf
}

/// An int8 tensor [1, 4] with scale and zero point, optionally constant (`buffer`).
fn tensor(
    name: &'static str,
    shape: &[i32],
    scale: &[f32],
    zp: &[i64],
    buffer: u32,
) -> Vec<(usize, F)> {
    vec![
        (0, i32s(shape)),
        (1, F::U8(9)),
        (2, F::U32(buffer)),
        (3, F::Str(name)),
        (
            4,
            F::T(vec![(2, f32s(scale)), (3, i64s(zp)), (6, F::I32(0))]),
        ),
    ]
}

/// (opcode index, inputs, outputs, builtin options).
type OpSpec<'a> = (u32, &'a [i32], &'a [i32], Vec<(usize, F)>);

/// A one-subgraph model: `ops` as (opcode index, inputs, outputs, options), `codes` builtin codes.
fn model(
    tensors: Vec<Vec<(usize, F)>>,
    ops: Vec<OpSpec<'_>>,
    codes: &[i32],
    inputs: &[i32],
    outputs: &[i32],
    buffers: Vec<Vec<u8>>,
) -> Vec<u8> {
    let ops = ops
        .into_iter()
        .map(|(c, i, o, opts)| vec![(0, F::U32(c)), (1, i32s(i)), (2, i32s(o)), (4, F::T(opts))])
        .collect();
    let codes = codes
        .iter()
        .map(|&c| vec![(0, F::U8(c.min(127) as u8)), (2, F::I32(1)), (3, F::I32(c))])
        .collect();
    let buffers = buffers
        .into_iter()
        .map(|b| {
            if b.is_empty() {
                vec![]
            } else {
                vec![(0, F::Bytes(b.clone(), b.len() as u32))]
            }
        })
        .collect();
    file(vec![
        (0, F::U32(3)),
        (1, F::Ts(codes)),
        (
            2,
            F::Ts(vec![vec![
                (0, F::Ts(tensors)),
                (1, i32s(inputs)),
                (2, i32s(outputs)),
                (3, F::Ts(ops)),
            ]]),
        ),
        (4, F::Ts(buffers)),
    ])
}

const ADD: i32 = 0;
const FULLY_CONNECTED: i32 = 9;

fn add_model(act: u8) -> Vec<u8> {
    let t = |n| tensor(n, &[1, 4], &[0.5], &[0], 0);
    model(
        vec![t("a"), t("b"), t("y")],
        vec![(0, &[0, 1], &[2], vec![(0, F::U8(act))])],
        &[ADD],
        &[0, 1],
        &[2],
        vec![vec![]],
    )
}

#[test]
fn a_valid_synthetic_model_imports_and_runs() {
    let g = litert::import(&add_model(0), &Default::default()).expect("valid ADD model");
    let out = litert::run(&g, &[&[1, 2, 3, 0x80], &[1, 2, 3, 0x7f]]).expect("runs");
    // equal scales, zero points 0: ADD is exact integer addition, saturated to int8
    assert_eq!(out[0].bytes, [2, 4, 6, 0xff]);
}

#[test]
fn unsupported_fused_activation_is_refused() {
    let err =
        litert::import(&add_model(4), &Default::default()).expect_err("TANH fused activation");
    assert!(
        matches!(&err, LiteRtError::Op { op: "ADD", why, .. } if why.contains("fused activation 4")),
        "{err}"
    );
}

#[test]
fn unsupported_operator_is_refused_by_name_or_code() {
    let t = |n| tensor(n, &[1, 4], &[0.5], &[0], 0);
    let bytes = model(
        vec![t("x"), t("y")],
        vec![(0, &[0], &[1], vec![])],
        &[17],
        &[0],
        &[1],
        vec![vec![]],
    );
    let err = litert::import(&bytes, &Default::default()).expect_err("MAX_POOL_2D");
    assert_eq!(
        err,
        LiteRtError::UnsupportedOp {
            index: 0,
            op: "builtin code 17".into()
        }
    );
    let bytes = model(
        vec![t("x"), t("y")],
        vec![(0, &[0], &[1], vec![])],
        &[114],
        &[0],
        &[1],
        vec![vec![]],
    );
    let err = litert::import(&bytes, &Default::default()).expect_err("QUANTIZE");
    assert_eq!(
        err,
        LiteRtError::UnsupportedOp {
            index: 0,
            op: "QUANTIZE".into()
        }
    );
}

#[test]
fn asymmetric_per_channel_weights_are_refused() {
    let w = tensor("w", &[2, 4], &[0.1, 0.2], &[0, 3], 1);
    let bytes = model(
        vec![
            tensor("x", &[1, 4], &[0.5], &[0], 0),
            w,
            tensor("y", &[1, 2], &[0.5], &[0], 0),
        ],
        vec![(0, &[0, 1, -1], &[2], vec![])],
        &[FULLY_CONNECTED],
        &[0],
        &[2],
        vec![vec![], vec![1; 8]],
    );
    let err = litert::import(&bytes, &Default::default()).expect_err("asymmetric per-channel");
    assert!(
        matches!(&err, LiteRtError::UnsupportedQuant { name, why, .. } if name == "w" && why.contains("asymmetric")),
        "{err}"
    );
}

#[test]
fn cyclic_and_unwritten_reads_are_refused() {
    let t = |n| tensor(n, &[1, 4], &[0.5], &[0], 0);
    // op 0 reads tensor 3, which only op 1 writes (from op 0's output): a cycle.
    let bytes = model(
        vec![t("x"), t("a"), t("b"), t("c")],
        vec![(0, &[0, 3], &[1], vec![]), (0, &[1, 1], &[3], vec![])],
        &[ADD],
        &[0],
        &[3],
        vec![vec![]],
    );
    let err = litert::import(&bytes, &Default::default()).expect_err("cycle");
    assert!(
        matches!(&err, LiteRtError::Graph(m) if m.contains("reads tensor 3 before it is written")),
        "{err}"
    );
    // an opcode index past the table
    let bytes = model(
        vec![t("x"), t("y")],
        vec![(5, &[0, 0], &[1], vec![])],
        &[ADD],
        &[0],
        &[1],
        vec![vec![]],
    );
    assert!(matches!(
        litert::import(&bytes, &Default::default()),
        Err(LiteRtError::Malformed(_))
    ));
}
