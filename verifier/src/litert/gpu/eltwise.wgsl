// One invocation per output element. Word 4 selects the op:
// 0 ADD/SUB/MUL/SQUARED_DIFFERENCE (word 12: which), NumPy broadcasting through rank-6 strides;
// 1 table lookup (LOGISTIC/TANH/GELU, and RSQRT, whose int8 domain the host tabulates with the
//   CPU kernel's own function; an entry past 127 marks an input the op refuses);
// 2 GATHER; 3 a copy into a slice (RESHAPE, CONCATENATION); 4 TRANSPOSE;
// 5 RESIZE_NEAREST_NEIGHBOR; 6 RESIZE_BILINEAR (four channels per invocation); 7 SOFTMAX's
// output from the row max and sum; 8 the read-back's packing (four int8 to a word).

// Words: 13 zp_a, 14 zp_b, 15 zp_out, 16..21 output dims, 22..27 a's strides, 28..33 b's,
// 34..39 (q1, s1, q2, s2, q_out, s_out), 40 low clamp, 41 high clamp.
fn binary(g: u32) -> i32 {
    let x = a[strided(g, 16u, 22u)] - p(13u);
    let y = b[strided(g, 16u, 28u)] - p(14u);
    let which = p(12u);
    var raw: i32;
    if (which == 2) {
        raw = x * y;
    } else {
        let left = select(20u, 7u, which == 3);
        let ra = mbqm(x << left, p(34u), p(35u));
        let rb = mbqm(y << left, p(36u), p(37u));
        if (which == 0) {
            raw = ra + rb;
        } else if (which == 1) {
            raw = ra - rb;
        } else {
            let d = ra - rb;
            raw = d * d;
        }
    }
    return clamp(sat_add(mbqm(raw, p(38u), p(39u)), p(15u)), p(40u), p(41u));
}

// Words 12 height in, 13 width in, 14 channels, 15 height out, 16 width out, 17 channel blocks
// ceil(channels / 4). Invocation g resizes channels 4 cb .. 4 cb + 3 of output pixel px
// (g = px * blocks + cb): the source rows and columns are looked up once for four outputs.
// Nearest: aux holds the source row of each output row, then the source column of each output
// column. Bilinear: aux holds (y0, y1, fy) per output row, then (x0, x1, fx) per output column.
fn resize4(g: u32, bilinear: bool) {
    let ih = pu(12u);
    let iw = pu(13u);
    let ch = pu(14u);
    let oh = pu(15u);
    let ow = pu(16u);
    let cb = pu(17u);
    let c0 = (g % cb) * 4u;
    let px = g / cb;
    let x = px % ow;
    let y = (px / ow) % oh;
    let row = (px / (ow * oh)) * ih;
    let dst = px * ch;
    if (!bilinear) {
        let src = ((row + u32(aux[y])) * iw + u32(aux[oh + x])) * ch;
        for (var l = 0u; l < 4u; l++) {
            if (c0 + l < ch) {
                out[dst + c0 + l] = a[src + c0 + l];
            }
        }
        return;
    }
    let y0 = u32(aux[3u * y]);
    let y1 = u32(aux[3u * y + 1u]);
    let fy = aux[3u * y + 2u];
    let cx = 3u * oh + 3u * x;
    let x0 = u32(aux[cx]);
    let x1 = u32(aux[cx + 1u]);
    let fx = aux[cx + 2u];
    let s00 = ((row + y0) * iw + x0) * ch;
    let s10 = ((row + y1) * iw + x0) * ch;
    let s01 = ((row + y0) * iw + x1) * ch;
    let s11 = ((row + y1) * iw + x1) * ch;
    let w00 = (1024 - fy) * (1024 - fx);
    let w10 = fy * (1024 - fx);
    let w01 = (1024 - fy) * fx;
    let w11 = fy * fx;
    for (var l = 0u; l < 4u; l++) {
        let c = c0 + l;
        if (c < ch) {
            // |acc| < 2^30: the four weights' magnitudes sum to at most 1536^2 and |tap| <= 128.
            let acc = a[s00 + c] * w00 + a[s10 + c] * w10 + a[s01 + c] * w01 + a[s11 + c] * w11;
            let r = (acc + select(-(1 << 19u), 1 << 19u, acc > 0)) / (1 << 20u);
            out[dst + c] = clamp(r, -128, 127);
        }
    }
}

// Words 12 depth, 13 the row maxima's offset in scratch, 14 the row sums'; aux: exp table.
fn softmax_out(g: u32) -> i32 {
    let row = g / pu(12u);
    let e = aux[a[g] - scratch[pu(13u) + row] + 255];
    if (e < 0) {
        return -128;
    }
    let sum = bitcast<u32>(scratch[pu(14u) + row]);
    let h = countLeadingZeros(sum);
    let bits = 12 - i32(h);
    let shifted = select(sum << (h & 31u), 0u, h == 32u) - 0x80000000u;
    let recip = reciprocal_one_plus(bitcast<i32>(shifted));
    return clamp(rdbpot(srdhm(recip, e), bits + 23) - 128, -128, 127);
}

@compute @workgroup_size(64, 1, 1)
fn eltwise(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let gi = index(wid, lid);
    if (gi < 0) {
        return;
    }
    let g = u32(gi);
    switch (KIND) {
        case 0: {
            out[g] = binary(g);
        }
        case 1: {
            let v = aux[a[g] & 255];
            if (v > 127) {
                fail(a[g]);
                out[g] = 0;
            } else {
                out[g] = v;
            }
        }
        case 2: {
            // words 12 row width, 13 rows; b holds the ids
            let width = pu(12u);
            let id = b[g / width];
            if (id < 0 || id >= p(13u)) {
                fail(id);
                out[g] = 0;
            } else {
                out[g] = a[u32(id) * width + g % width];
            }
        }
        case 3: {
            // words 12 chunk, 13 output chunk, 14 offset in the output chunk
            let chunk = pu(12u);
            out[(g / chunk) * pu(13u) + pu(14u) + g % chunk] = a[g];
        }
        case 4: {
            // words 16..21 output dims, 22..27 the input strides in output axis order
            out[g] = a[strided(g, 16u, 22u)];
        }
        case 5: {
            resize4(g, false);
        }
        case 6: {
            resize4(g, true);
        }
        case 8: {
            // the read-back: elements 4g .. 4g+3 of an op output (word 12 its length) packed
            // four bytes to a word at word 13 + g, so a quarter of the bytes cross to the host
            let n = pu(12u);
            var word = 0u;
            for (var l = 0u; l < 4u; l++) {
                let e = 4u * g + l;
                if (e < n) {
                    word |= (bitcast<u32>(a[e]) & 255u) << (8u * l);
                }
            }
            out[pu(13u) + g] = bitcast<i32>(word);
        }
        default: {
            out[g] = softmax_out(g);
        }
    }
}
