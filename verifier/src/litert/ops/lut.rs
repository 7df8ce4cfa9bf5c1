//! LOGISTIC, TANH and GELU: a 256-entry table built at import from the f32 scales
//! (`LUTPopulateInt8`), then a lookup.
//!
//! For every int8 `q`: `t[q] = clamp(round_half_away(f(s_in * f32(q - zp_in)) * (1 / s_out)) +
//! zp_out)`, all in f32 (the reciprocal `1 / s_out` taken first). The functions, in f32:
//! LOGISTIC `1 / (1 + exp(-x))`; TANH `tanh(x)`; GELU `0.5 * x * erfc(x * -sqrt(1/2))` with
//! erfc computed in f64 and rounded to f32; GELU (approximate)
//! `0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))`. exp and tanh come from the
//! platform libm (as LiteRT's do); the differential test checks all 256 entries of each table
//! against LiteRT on this machine.

use crate::litert::graph::LutFn;

fn apply(func: LutFn, x: f32) -> f32 {
    match func {
        LutFn::Logistic => 1.0 / (1.0 + (-x).exp()),
        LutFn::Tanh => x.tanh(),
        LutFn::Gelu => {
            let k = -std::f64::consts::FRAC_1_SQRT_2 as f32;
            0.5 * x * libm::erfc((x * k) as f64) as f32
        }
        LutFn::GeluTanh => {
            let k = (2.0 / std::f64::consts::PI.sqrt() * std::f64::consts::FRAC_1_SQRT_2) as f32;
            0.5 * x * (1.0 + (k * (x + 0.044715 * x * x * x)).tanh())
        }
    }
}

/// The table, indexed by `q as u8`.
pub fn table(func: LutFn, s_in: f32, zp_in: i32, s_out: f32, zp_out: i32) -> [i8; 256] {
    let inv = 1.0 / s_out;
    let mut t = [0i8; 256];
    for q in -128i32..=127 {
        let y = apply(func, s_in * (q - zp_in) as f32) * inv;
        let r = (y.round() as i32).saturating_add(zp_out);
        t[q as u8 as usize] = r.clamp(-128, 127) as i8;
    }
    t
}
