//! Byte movers: GATHER, TRANSPOSE, CONCATENATION (RESHAPE is a plain copy in `ops::eval`).

use super::Values;
use crate::litert::graph::Op;

/// GATHER (axis 0): output row `i` is row `ids[i]` of the table; an id outside `[0, rows)`
/// fails the inference, as LiteRT's kernel does.
pub fn gather(op: &Op, v: &Values<'_>) -> Result<Vec<i8>, String> {
    let p = v.info(op.inputs[0]);
    let rows = p.shape[0];
    let width = p.len() / rows.max(1);
    let table = v.i8(op.inputs[0]);
    let mut res = Vec::with_capacity(v.info(op.outputs[0]).len());
    for &id in v.i32(op.inputs[1]) {
        let r = usize::try_from(id)
            .ok()
            .filter(|&r| r < rows)
            .ok_or_else(|| format!("index {id} out of [0, {rows})"))?;
        res.extend_from_slice(&table[r * width..(r + 1) * width]);
    }
    Ok(res)
}

/// TRANSPOSE: output axis `i` is input axis `perm[i]`.
pub fn transpose(op: &Op, v: &Values<'_>, perm: &[usize]) -> Vec<i8> {
    let shape = &v.info(op.inputs[0]).shape;
    let mut in_strides = vec![1usize; shape.len()];
    for a in (0..shape.len().saturating_sub(1)).rev() {
        in_strides[a] = in_strides[a + 1] * shape[a + 1];
    }
    let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
    let strides: Vec<usize> = perm.iter().map(|&p| in_strides[p]).collect();
    let xs = v.i8(op.inputs[0]);
    let mut res = Vec::with_capacity(xs.len());
    let mut idx = vec![0usize; perm.len()];
    let mut flat = 0usize;
    for _ in 0..xs.len() {
        res.push(xs[flat]);
        for a in (0..perm.len()).rev() {
            idx[a] += 1;
            flat += strides[a];
            if idx[a] < out_shape[a] {
                break;
            }
            flat -= strides[a] * idx[a];
            idx[a] = 0;
        }
    }
    res
}

/// CONCATENATION along `axis` (inputs quantized like the output, checked at import).
pub fn concatenation(op: &Op, v: &Values<'_>, axis: usize) -> Vec<i8> {
    let out = v.info(op.outputs[0]);
    let outer: usize = out.shape[..axis].iter().product();
    let mut res = Vec::with_capacity(out.len());
    for o in 0..outer {
        for &t in &op.inputs {
            let chunk = v.info(t).shape[axis..].iter().product::<usize>();
            res.extend_from_slice(&v.i8(t)[o * chunk..(o + 1) * chunk]);
        }
    }
    res
}
