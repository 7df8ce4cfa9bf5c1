// Channel-blocked reductions: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D and TRANSPOSE_CONV with
// one invocation per (chunk, pixel, block of 4 NB output channels) instead of per output. The
// window's position, bounds checks and counters are computed once for the block, and (but for
// DEPTHWISE) each activation is loaded once for all its channels: on llvmpipe, where every load
// of a lane is a scalar load, that is most of the cost. Same terms, same order, same wrapping
// sums as the one-per-output functions of reduce.wgsl; the outputs' layout in scratch and `out`
// is theirs, so the combine and finish passes are shared. Channels past oc (a last block not
// full) read channel oc - 1 and are not written.
//
// Words: 50 channels oc, 51 blocks ceil(oc / (4 NB)), 52 pixels (FULLY_CONNECTED: rows), 53
// ceil(oc / 4), 54 NB. `NB` (1 or 2) and `WT` are specializations, like `KIND`. WT: constant
// weights packed in aux, four int8 to a word (a load brings four weights): FULLY_CONNECTED and
// CONV_2D as [ceil(K / 4)][oc] words of four consecutive terms (zero bytes past K; from word 20,
// respectively 31; CONV_2D's WT is 2 when ic is a multiple of 4, a word then four channels of
// one tap), DEPTHWISE_CONV_2D as [K][ceil(oc / 4)] words of four channels (zero bytes
// past oc; from word 31), TRANSPOSE_CONV (ic a multiple of 4) as [K / 4][oc] words of four
// channels of one tap (from word 31); else one i32 per weight in b. With packed weights and ic a
// multiple of 4, WT one more (CONV_2D, TRANSPOSE_CONV, DEPTHWISE_CONV_2D of multiplier 1): the
// activations are read from a copy packed four int8 to a word in b, one load for four channels
// of a pixel.

alias Acc = array<vec4<i32>, 2>;

// Channels c0 .. c0 + 3, clamped to the last.
fn lanes(c0: u32, oc: u32) -> vec4<u32> {
    return min(vec4<u32>(c0) + vec4<u32>(0u, 1u, 2u, 3u), vec4<u32>(oc - 1u));
}

// The packed words at aux[at.x .. at.w] (one per channel), unpacked.
fn quad(at: vec4<u32>) -> array<vec4<i32>, 4> {
    return array<vec4<i32>, 4>(
        unpack4(bitcast<u32>(aux[at.x])),
        unpack4(bitcast<u32>(aux[at.y])),
        unpack4(bitcast<u32>(aux[at.z])),
        unpack4(bitcast<u32>(aux[at.w])),
    );
}

// Activations at..at+3 (at a multiple of 4 when PACKED): from the packed copy in b (one load,
// four int8) or one i32 each from a.
fn act4(at: u32, packed: bool) -> vec4<i32> {
    if (packed) {
        return unpack4(bitcast<u32>(b[at / 4u]));
    }
    return vec4<i32>(a[at], a[at + 1u], a[at + 2u], a[at + 3u]);
}

// Term l of four channels' quads.
fn term(w: array<vec4<i32>, 4>, l: u32) -> vec4<i32> {
    return vec4<i32>(w[0][l], w[1][l], w[2][l], w[3][l]);
}

// Weights of term t for channels cs read in place, [oc][K] in b.
fn rows_b(cs: vec4<u32>, k: u32, t: u32) -> vec4<i32> {
    let wb = cs * k + vec4<u32>(t);
    return vec4<i32>(b[wb.x], b[wb.y], b[wb.z], b[wb.w]);
}

fn fc_block(row: u32, c0: u32, t0: u32, t1: u32) -> Acc {
    let oc = pu(12u);
    let zi = p(13u);
    let d = pu(6u);
    let xr = row * d;
    var acc: Acc;
    if (WT != 0) {
        // terms 4 q .. 4 q + 3 (t0 is a multiple of 4: chunks are)
        for (var q = t0 / 4u; q < (t1 + 3u) / 4u; q++) {
            let wb = vec4<u32>(pu(20u) + q * oc);
            var w: array<array<vec4<i32>, 4>, 2>;
            for (var h = 0u; h < NB; h++) {
                w[h] = quad(wb + lanes(c0 + 4u * h, oc));
            }
            for (var l = 0u; l < 4u; l++) {
                let t = 4u * q + l;
                if (t < t1) {
                    let x = a[xr + t] - zi;
                    for (var h = 0u; h < NB; h++) {
                        acc[h] += term(w[h], l) * x;
                    }
                }
            }
        }
        return acc;
    }
    for (var t = t0; t < t1; t++) {
        let x = a[xr + t] - zi;
        for (var h = 0u; h < NB; h++) {
            acc[h] += rows_b(lanes(c0 + 4u * h, oc), d, t) * x;
        }
    }
    return acc;
}

fn conv_block(px: u32, c0: u32, t0: u32, t1: u32, depthwise: bool) -> Acc {
    let h = p(12u);
    let w = p(13u);
    let ic = pu(14u);
    let kw = pu(16u);
    let oh = pu(17u);
    let ow = pu(18u);
    let oc = pu(19u);
    let zi = p(26u);
    let k = pu(6u);
    let n = px / (ow * oh);
    let y0 = i32((px / ow) % oh) * p(22u) - p(20u);
    let x0 = i32(px % ow) * p(23u) - p(21u);
    var i = select(t0 % ic, 0u, depthwise);
    let tap = select(t0 / ic, t0, depthwise);
    var ky = tap / kw;
    var kx = tap % kw;
    var acc: Acc;
    if (!depthwise && WT >= 2) {
        // ic a multiple of 4 (and so K and every chunk's ends): terms 4 q .. 4 q + 3 are four
        // channels of one tap, one bounds check and four neighbouring loads
        for (var q = t0 / 4u; q < t1 / 4u; q++) {
            let iy = y0 + i32(ky) * p(24u);
            let ix = x0 + i32(kx) * p(25u);
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                let at = ((n * u32(h) + u32(iy)) * u32(w) + u32(ix)) * ic + i;
                let x = act4(at, WT == 3) - vec4<i32>(zi);
                let wb = vec4<u32>(pu(31u) + q * oc);
                for (var hh = 0u; hh < NB; hh++) {
                    let wq = quad(wb + lanes(c0 + 4u * hh, oc));
                    for (var l = 0u; l < 4u; l++) {
                        acc[hh] += term(wq, l) * x[l];
                    }
                }
            }
            i += 4u;
            if (i == ic) {
                i = 0u;
                kx++;
                if (kx == kw) {
                    kx = 0u;
                    ky++;
                }
            }
        }
        return acc;
    }
    if (!depthwise && WT != 0) {
        // terms 4 q .. 4 q + 3 (t0 is a multiple of 4: chunks are)
        for (var q = t0 / 4u; q < (t1 + 3u) / 4u; q++) {
            let wb = vec4<u32>(pu(31u) + q * oc);
            var wq: array<array<vec4<i32>, 4>, 2>;
            for (var hh = 0u; hh < NB; hh++) {
                wq[hh] = quad(wb + lanes(c0 + 4u * hh, oc));
            }
            for (var l = 0u; l < 4u; l++) {
                let iy = y0 + i32(ky) * p(24u);
                let ix = x0 + i32(kx) * p(25u);
                if (4u * q + l < t1 && iy >= 0 && iy < h && ix >= 0 && ix < w) {
                    let x = a[((n * u32(h) + u32(iy)) * u32(w) + u32(ix)) * ic + i] - zi;
                    for (var hh = 0u; hh < NB; hh++) {
                        acc[hh] += term(wq[hh], l) * x;
                    }
                }
                i++;
                if (i == ic) {
                    i = 0u;
                    kx++;
                    if (kx == kw) {
                        kx = 0u;
                        ky++;
                    }
                }
            }
        }
        return acc;
    }
    // depthwise: each output channel's input channel
    let mult = max(pu(27u), 1u);
    for (var t = t0; t < t1; t++) {
        let iy = y0 + i32(ky) * p(24u);
        let ix = x0 + i32(kx) * p(25u);
        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
            let row = ((n * u32(h) + u32(iy)) * u32(w) + u32(ix)) * ic;
            for (var hh = 0u; hh < NB; hh++) {
                let cs = lanes(c0 + 4u * hh, oc);
                if (depthwise) {
                    var xv: vec4<i32>;
                    if (WT == 2) {
                        // multiplier 1, ic a multiple of 4: the block's four input channels in
                        // one packed word (a block past oc reads the last one; not written)
                        xv = act4(row + min(c0 + 4u * hh, oc - 4u), true);
                    } else {
                        let ins = vec4<u32>(row) + cs / vec4<u32>(mult);
                        xv = vec4<i32>(a[ins.x], a[ins.y], a[ins.z], a[ins.w]);
                    }
                    var wv: vec4<i32>;
                    if (WT != 0) {
                        wv = unpack4(bitcast<u32>(aux[pu(31u) + t * pu(53u) + c0 / 4u + hh]));
                    } else {
                        let wb = t * oc;
                        wv = vec4<i32>(b[wb + cs.x], b[wb + cs.y], b[wb + cs.z], b[wb + cs.w]);
                    }
                    acc[hh] += wv * (xv - vec4<i32>(zi));
                } else {
                    acc[hh] += rows_b(cs, k, t) * (a[row + i] - zi);
                }
            }
        }
        if (!depthwise) {
            i++;
        }
        if (depthwise || i == ic) {
            i = 0u;
            kx++;
            if (kx == kw) {
                kx = 0u;
                ky++;
            }
        }
    }
    return acc;
}

// TRANSPOSE_CONV's gather (see tconv_terms) for a block of channels: the weight of channel c is
// w[((c kh + ky) kw + kx) ic + i].
fn tconv_block(px: u32, c0: u32, t0: u32, t1: u32) -> Acc {
    let h = p(12u);
    let w = p(13u);
    let ic = pu(14u);
    let kh = pu(15u);
    let kw = pu(16u);
    let oh = pu(17u);
    let ow = pu(18u);
    let oc = pu(19u);
    let zi = p(26u);
    let sh = pu(22u);
    let sw = pu(23u);
    let n = px / (ow * oh);
    let ny = (px / ow) % oh + pu(20u);
    let nx = px % ow + pu(21u);
    let ry = ny % sh;
    let rx = nx % sw;
    let by = i32(ny / sh);
    let bx = i32(nx / sw);
    let kwq = pu(29u);
    let per = kh * kw * ic;
    var i = t0 % ic;
    var kyq = (t0 / ic) / kwq;
    var kxq = (t0 / ic) % kwq;
    var acc: Acc;
    if (WT != 0) {
        // ic a multiple of 4 (and so K and every chunk's ends): terms 4 q .. 4 q + 3 are four
        // channels of one tap, their weights one packed word per output channel, [K / 4][oc]
        // over the weights' own [kh][kw][ic] order, from word 31
        for (var q = t0 / 4u; q < t1 / 4u; q++) {
            let ky = ry + kyq * sh;
            let kx = rx + kxq * sw;
            let iy = by - i32(kyq);
            let ix = bx - i32(kxq);
            if (ky < kh && kx < kw && iy >= 0 && ix >= 0 && iy < h && ix < w) {
                let at = ((n * u32(h) + u32(iy)) * u32(w) + u32(ix)) * ic + i;
                let x = act4(at, WT == 2) - vec4<i32>(zi);
                let wb = vec4<u32>(pu(31u) + (((ky * kw + kx) * ic + i) / 4u) * oc);
                for (var hh = 0u; hh < NB; hh++) {
                    let wq = quad(wb + lanes(c0 + 4u * hh, oc));
                    for (var l = 0u; l < 4u; l++) {
                        acc[hh] += term(wq, l) * x[l];
                    }
                }
            }
            i += 4u;
            if (i == ic) {
                i = 0u;
                kxq++;
                if (kxq == kwq) {
                    kxq = 0u;
                    kyq++;
                }
            }
        }
        return acc;
    }
    for (var t = t0; t < t1; t++) {
        let ky = ry + kyq * sh;
        let kx = rx + kxq * sw;
        let iy = by - i32(kyq);
        let ix = bx - i32(kxq);
        if (ky < kh && kx < kw && iy >= 0 && ix >= 0 && iy < h && ix < w) {
            let x = a[((n * u32(h) + u32(iy)) * u32(w) + u32(ix)) * ic + i] - zi;
            let tap = (ky * kw + kx) * ic + i;
            for (var hh = 0u; hh < NB; hh++) {
                acc[hh] += rows_b(lanes(c0 + 4u * hh, oc), per, tap) * x;
            }
        }
        i++;
        if (i == ic) {
            i = 0u;
            kxq++;
            if (kxq == kwq) {
                kxq = 0u;
                kyq++;
            }
        }
    }
    return acc;
}

fn block_terms(px: u32, c0: u32, t0: u32, t1: u32) -> Acc {
    switch (KIND) {
        case 0: { return fc_block(px, c0, t0, t1); }
        case 2: { return conv_block(px, c0, t0, t1, false); }
        case 3: { return conv_block(px, c0, t0, t1, true); }
        default: { return tconv_block(px, c0, t0, t1); }
    }
}

// Invocation g's (chunk, pixel, first channel).
fn block_of(g: u32) -> vec3<u32> {
    let cb = pu(51u);
    let per = pu(52u) * cb;
    let r = g % per;
    return vec3<u32>(g / per, r / cb, (r % cb) * 4u * NB);
}

// Partial sums of terms [chunk C, min((chunk + 1) C, K)) of a block, laid out as `partial`.
@compute @workgroup_size(64, 1, 1)
fn partial4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let g = index(wid, lid);
    if (g < 0) {
        return;
    }
    let q = block_of(u32(g));
    let t0 = q.x * pu(7u);
    let acc = block_terms(q.y, q.z, t0, min(t0 + pu(7u), pu(6u)));
    let oc = pu(50u);
    let at = pu(8u) + q.x * pu(5u) + q.y * oc;
    for (var hh = 0u; hh < NB; hh++) {
        for (var l = 0u; l < 4u; l++) {
            let c = q.z + 4u * hh + l;
            if (c < oc) {
                scratch[at + c] = acc[hh][l];
            }
        }
    }
}

// K <= C: the whole sums of a block, requantized as `finish` does.
@compute @workgroup_size(64, 1, 1)
fn finish4(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let g = index(wid, lid);
    if (g < 0) {
        return;
    }
    let q = block_of(u32(g));
    let acc = block_terms(q.y, q.z, 0u, pu(6u));
    let oc = pu(50u);
    for (var hh = 0u; hh < NB; hh++) {
        for (var l = 0u; l < 4u; l++) {
            let c = q.z + 4u * hh + l;
            if (c < oc) {
                let o = q.y * oc + c;
                out[o] = requantize_out(o, acc[hh][l]);
            }
        }
    }
}
