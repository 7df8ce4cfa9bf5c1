// Reductions (FULLY_CONNECTED, BATCH_MATMUL, CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV, MEAN,
// SOFTMAX's row max and sum) in passes with bounded loops. `partial`: invocation (chunk, o)
// sums terms [chunk * C, min((chunk + 1) * C, K)) of output o into scratch[dst + chunk * nout +
// o]; the same entry point then combines up to C partials per output into the next level
// (kinds 7 and 8), until one is left; `finish`: requantizes scratch[src + o] into out[o]. No invocation
// loops more than C times (Mesa's llvmpipe silently stops an invocation after ~65,535 loop
// iterations); wrapping i32 addition is associative and commutative, so the split sum is the
// CPU's sum bit for bit.
//
// Words: 4 kind, 5 nout, 6 K (partials per output when combining), 7 C, 8 dst, 9 src
// (combining), 12.. per kind.

// Words 12 O, 13 zp_in; 19 set: the weights transposed to [D][O] in aux from word 20 (so
// neighbouring invocations, neighbouring channels, read neighbouring words), else [O][D] in b.
fn fc_terms(o: u32, t0: u32, t1: u32) -> i32 {
    let oc = pu(12u);
    let zi = p(13u);
    let d = pu(6u);
    let xr = (o / oc) * d;
    let c = o % oc;
    var acc = 0;
    if (WT != 0) {
        let wt = pu(20u) + c;
        for (var t = t0; t < t1; t++) {
            acc += aux[wt + t * oc] * (a[xr + t] - zi);
        }
    } else {
        for (var t = t0; t < t1; t++) {
            acc += b[c * d + t] * (a[xr + t] - zi);
        }
    }
    return acc;
}

// Words 12 m, 13 n, 14 adj_x, 15 adj_y, 16 zp_lhs, 17 zp_rhs, 18 where aux holds each batch's
// (lhs, rhs) matrix index (NumPy broadcasting of the leading dims).
fn bmm_terms(o: u32, t0: u32, t1: u32) -> i32 {
    let m = pu(12u);
    let n = pu(13u);
    let k = pu(6u);
    let adj_x = p(14u) != 0;
    let adj_y = p(15u) != 0;
    let za = p(16u);
    let zb = p(17u);
    let bi = o / (m * n);
    let i = (o / n) % m;
    let j = o % n;
    let maps = pu(18u) + 2u * bi;
    let la = u32(aux[maps]) * m * k;
    let lb = u32(aux[maps + 1u]) * k * n;
    var acc = 0;
    for (var t = t0; t < t1; t++) {
        let l = a[la + select(i * k + t, t * m + i, adj_x)];
        let r = b[lb + select(t * n + j, j * k + t, adj_y)];
        acc += (l - za) * (r - zb);
    }
    return acc;
}

// Geometry words of the convolutions: 12 h, 13 w, 14 ic, 15 kh, 16 kw, 17 oh, 18 ow, 19 oc,
// 20 pad_h, 21 pad_w, 22 stride_h, 23 stride_w, 24 dil_h, 25 dil_w, 26 zp_in, 27 multiplier.
struct Pix {
    n: u32,
    y: u32,
    x: u32,
    c: u32,
}

fn out_pixel(o: u32) -> Pix {
    let oc = pu(19u);
    let ow = pu(18u);
    let oh = pu(17u);
    let px = o / oc;
    return Pix(px / (ow * oh), (px / ow) % oh, px % ow, o % oc);
}

// The window geometry every convolution reads.
struct Geo {
    h: i32,
    w: i32,
    ic: u32,
    kh: u32,
    kw: u32,
    zi: i32,
    q: Pix,
}

fn geo(o: u32) -> Geo {
    return Geo(p(12u), p(13u), pu(14u), pu(15u), pu(16u), p(26u), out_pixel(o));
}

// Flat index of input (n, iy, ix, i) (iy, ix already inside the input).
fn input_at(g: Geo, iy: i32, ix: i32, i: u32) -> u32 {
    return ((g.q.n * u32(g.h) + u32(iy)) * u32(g.w) + u32(ix)) * g.ic + i;
}

// Term t of a convolution is tap (ky, kx) = divmod(t / ic, kw), channel i = t % ic
// (depthwise: tap t, the output channel's input channel), so the weight is w[c * K + t]
// (depthwise: w[t * oc + c]; word 30 set: CONV_2D's weights transposed to [K][oc] in aux from
// word 31). The counters are decoded once and stepped, not divided per term.
fn conv_terms(o: u32, t0: u32, t1: u32, depthwise: bool) -> i32 {
    let g = geo(o);
    let oc = pu(19u);
    let k = pu(6u);
    let y0 = i32(g.q.y) * p(22u) - p(20u);
    let x0 = i32(g.q.x) * p(23u) - p(21u);
    var i = select(t0 % g.ic, g.q.c / max(pu(27u), 1u), depthwise);
    let tap = select(t0 / g.ic, t0, depthwise);
    var ky = tap / g.kw;
    var kx = tap % g.kw;
    var acc = 0;
    for (var t = t0; t < t1; t++) {
        let iy = y0 + i32(ky) * p(24u);
        let ix = x0 + i32(kx) * p(25u);
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
            var wv: i32;
            if (depthwise) {
                wv = b[t * oc + g.q.c];
            } else if (WT != 0) {
                wv = aux[pu(31u) + t * oc + g.q.c];
            } else {
                wv = b[g.q.c * k + t];
            }
            acc += wv * (a[input_at(g, iy, ix, i)] - g.zi);
        }
        if (!depthwise) {
            i++;
        }
        if (depthwise || i == g.ic) {
            i = select(0u, i, depthwise);
            kx++;
            if (kx == g.kw) {
                kx = 0u;
                ky++;
            }
        }
    }
    return acc;
}

// TRANSPOSE_CONV as a gather: output (oy, ox) receives tap (ky, kx) of input (iy, ix) when
// iy * stride - pad + ky = oy (the CPU scatters; the wrapping sum is the same). Only the taps
// with ky = (oy + pad) mod stride (+ a multiple of the stride) can hit, so term t walks
// (ky', kx', i) over ceil(kh / sh) x ceil(kw / sw) (words 28, 29) x ic with
// ky = ry + ky' * sh, iy = (oy + pad - ry) / sh - ky'; the weight is w[((c kh + ky) kw + kx) ic
// + i].
fn tconv_terms(o: u32, t0: u32, t1: u32) -> i32 {
    let g = geo(o);
    let sh = pu(22u);
    let sw = pu(23u);
    let ny = g.q.y + pu(20u);
    let nx = g.q.x + pu(21u);
    let ry = ny % sh;
    let rx = nx % sw;
    let by = i32(ny / sh);
    let bx = i32(nx / sw);
    let kwq = pu(29u);
    var i = t0 % g.ic;
    var kyq = (t0 / g.ic) / kwq;
    var kxq = (t0 / g.ic) % kwq;
    var acc = 0;
    for (var t = t0; t < t1; t++) {
        let ky = ry + kyq * sh;
        let kx = rx + kxq * sw;
        let iy = by - i32(kyq);
        let ix = bx - i32(kxq);
        if (ky < g.kh && kx < g.kw && iy >= 0 && ix >= 0 && iy < g.h && ix < g.w) {
            let wi = ((g.q.c * g.kh + ky) * g.kw + kx) * g.ic + i;
            acc += b[wi] * (a[input_at(g, iy, ix, i)] - g.zi);
        }
        i++;
        if (i == g.ic) {
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

// MEAN: words 16..21 the kept dims, 22..27 their input strides, 28..33 the reduced dims,
// 34..39 their input strides.
fn mean_terms(o: u32, t0: u32, t1: u32) -> i32 {
    let base = strided(o, 16u, 22u);
    var acc = 0;
    for (var t = t0; t < t1; t++) {
        acc += a[base + strided(t, 28u, 34u)];
    }
    return acc;
}

// SOFTMAX row max (word 12 = 0) or the row's sum of rdbpot(exp(x - max), 12) (word 12 = 1, the
// row maxima at scratch[word 13], exp(d) for d in [-255, 0] at aux[d + 255], -1 below diff_min).
fn softmax_terms(o: u32, t0: u32, t1: u32) -> i32 {
    let k = pu(6u);
    if (p(12u) == 0) {
        var mx = I32_MIN;
        for (var t = t0; t < t1; t++) {
            mx = max(mx, a[o * k + t]);
        }
        return mx;
    }
    let mx = scratch[pu(13u) + o];
    var acc = 0;
    for (var t = t0; t < t1; t++) {
        let e = aux[a[o * k + t] - mx + 255];
        if (e >= 0) {
            acc += rdbpot(e, 12);
        }
    }
    return acc;
}

// The partial sums (kind 7) or maxima (kind 8) of an earlier pass: partial j of output o at
// scratch[word 9 + j * nout + o].
fn combine_terms(o: u32, j0: u32, j1: u32, is_max: bool) -> i32 {
    let nout = pu(5u);
    let src = pu(9u);
    var acc = select(0, I32_MIN, is_max);
    for (var j = j0; j < j1; j++) {
        let v = scratch[src + j * nout + o];
        acc = select(acc + v, max(acc, v), is_max);
    }
    return acc;
}

// Invocation g's output o = g % nout and its slice [begin, end) of chunk g / nout (C = word 7
// long, the total count at word `count`).
fn span(g: u32, count: u32) -> vec3<u32> {
    let nout = pu(5u);
    let begin = (g / nout) * pu(7u);
    return vec3<u32>(g % nout, begin, min(begin + pu(7u), pu(count)));
}

// Terms [t0, t1) of output o for this pipeline's reduction kind.
fn terms(o: u32, t0: u32, t1: u32) -> i32 {
    switch (KIND) {
        case 0: { return fc_terms(o, t0, t1); }
        case 1: { return bmm_terms(o, t0, t1); }
        case 2: { return conv_terms(o, t0, t1, false); }
        case 3: { return conv_terms(o, t0, t1, true); }
        case 4: { return tconv_terms(o, t0, t1); }
        case 5: { return mean_terms(o, t0, t1); }
        case 6: { return softmax_terms(o, t0, t1); }
        default: { return combine_terms(o, t0, t1, KIND == 8); }
    }
}

@compute @workgroup_size(64, 1, 1)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let g = index(wid, lid);
    if (g < 0) {
        return;
    }
    let r = span(u32(g), 6u);
    scratch[pu(8u) + u32(g)] = terms(r.x, r.y, r.z);
}

// The sum of output o is scratch[word 49 + o], or (word 10 set, K <= C) computed here from the
// kind's terms. Word 44 = 0: FULLY_CONNECTED, aux[4c..4c+3] = (bias, significand low, high,
// exponent) of channel c = o % word 45; 1: per-channel MBQM, aux[3c..3c+2] = (bias, q, shift).
// Words 46 zp_out, 47 low clamp, 48 high clamp.
@compute @workgroup_size(64, 1, 1)
fn finish(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let g = index(wid, lid);
    if (g < 0) {
        return;
    }
    let o = u32(g);
    var acc: i32;
    if (p(10u) != 0) {
        acc = terms(o, 0u, pu(6u));
    } else {
        acc = scratch[pu(49u) + o];
    }
    out[o] = requantize_out(o, acc);
}

// Output o of the sum `acc` requantized as words 44..48 say (see `finish`; the tiled GEMM calls
// it too when one chunk covers K).
fn requantize_out(o: u32, acc: i32) -> i32 {
    let c = o % pu(45u);
    var v: i32;
    if (REQ == 0) {
        let r = fc_round(acc + aux[4u * c], u32(aux[4u * c + 1u]), u32(aux[4u * c + 2u]), aux[4u * c + 3u]);
        v = r + p(46u);
    } else {
        v = sat_add(mbqm(acc + aux[3u * c], aux[3u * c + 1u], aux[3u * c + 2u]), p(46u));
    }
    return clamp(v, p(47u), p(48u));
}
