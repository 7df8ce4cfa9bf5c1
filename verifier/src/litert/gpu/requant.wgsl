// Bit-exact requantization, shared by every kernel (prepended to each shader source).
// requantize(acc, m, s) = clamp(sign(p) * floor((|p| + 2^(s-1)) / 2^s), -128, 127), p = acc * m,
// computed with a 64-bit unsigned magnitude held in two u32 words (WGSL has no 64-bit integers).

// |x| as u32; |i32::MIN| = 2^31 is representable.
fn magnitude(x: i32) -> u32 {
    let u = bitcast<u32>(x);
    return select(u, 0u - u, x < 0);
}

// Full 32x32 -> 64-bit unsigned product from 16-bit pieces; returns (lo, hi).
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
    let a0 = a & 0xffffu;
    let a1 = a >> 16u;
    let b0 = b & 0xffffu;
    let b1 = b >> 16u;
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Sum of the middle column; at most 3 * 0xffff, no overflow.
    let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
    let lo = (p00 & 0xffffu) | (mid << 16u);
    let hi = p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u);
    return vec2<u32>(lo, hi);
}

fn requantize(acc: i32, m: i32, s: u32) -> i32 {
    let negative = (acc < 0) != (m < 0);
    let p = mul_wide(magnitude(acc), magnitude(m));
    var lo = p.x;
    var hi = p.y;
    if (s > 0u) {
        // Add 2^(s-1) (round half away from zero on the magnitude). |p| <= 2^62, so no carry-out.
        if (s <= 32u) {
            let add = 1u << (s - 1u);
            let sum = lo + add;
            hi = hi + select(0u, 1u, sum < lo);
            lo = sum;
        } else {
            hi = hi + (1u << (s - 33u));
        }
        // Logical right shift of the 64-bit value by s (1..=63).
        if (s < 32u) {
            lo = (lo >> s) | (hi << (32u - s));
            hi = hi >> s;
        } else {
            lo = hi >> (s - 32u);
            hi = 0u;
        }
    }
    if (negative) {
        if (hi != 0u || lo > 128u) {
            return -128;
        }
        return -i32(lo);
    }
    if (hi != 0u || lo > 127u) {
        return 127;
    }
    return i32(lo);
}
