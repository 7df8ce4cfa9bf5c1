// Elementwise and data-movement ops over channel-packed int8 (see mod.rs): one invocation per
// output word, i.e. four channels at one position. (c, h, w) is the input's packed geometry,
// (oh, ow) the output's plane; a word holds channels 4*c4 .. 4*c4+3 at one (y, x).
// avg_pool sums only the window positions t in [t_begin, t_end) (t = u * kw + v) per dispatch,
// at most 1024, chaining the four partial sums of a word through `scratch` (one i32 per
// element) like the conv kernel's K splits.

struct EwParams {
    op: u32, n: u32, c: u32, h: u32,
    w: u32, oh: u32, ow: u32, f0: u32,
    f1: u32, f2: u32, f3: u32, shift: u32,
    i0: i32, i1: i32, oc: u32, base: u32,
    t_begin: u32, t_end: u32, mode: u32, end: u32,
    pad3: vec4<u32>, pad4: vec4<u32>, pad5: vec4<u32>,
}

const MODE_FIRST: u32 = 1u;
const MODE_LAST: u32 = 2u;

const OP_RELU: u32 = 0u;
const OP_CLAMP: u32 = 1u;
const OP_REQUANT: u32 = 2u;
const OP_LUT: u32 = 3u;
const OP_ADD: u32 = 4u;
const OP_UPSAMPLE: u32 = 5u;
const OP_AVGPOOL: u32 = 6u;
const OP_REPACK: u32 = 7u;

@group(0) @binding(0) var<uniform> prm: EwParams;
@group(0) @binding(1) var<storage, read> a: array<u32>;
@group(0) @binding(2) var<storage, read> b: array<u32>;
@group(0) @binding(3) var<storage, read> table: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;

// The four int8 of a word, sign-extended.
fn bytes4(v: u32) -> vec4<i32> {
    let s = bitcast<i32>(v);
    return vec4<i32>(
        extractBits(s, 0u, 8u),
        extractBits(s, 8u, 8u),
        extractBits(s, 16u, 8u),
        extractBits(s, 24u, 8u),
    );
}

// Four values in -128..=127 packed into a word.
fn pack4(v: vec4<i32>) -> u32 {
    let u = bitcast<vec4<u32>>(v) & vec4<u32>(0xffu);
    return u.x | (u.y << 8u) | (u.z << 16u) | (u.w << 24u);
}

// sign(S) * floor((|S| + floor(n/2)) / n), saturated.
fn rounded_average(sum: i32, n: u32) -> i32 {
    let q = i32((magnitude(sum) + n / 2u) / n);
    return clamp(select(q, -q, sum < 0), -128, 127);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    // base, end: this dispatch's words when a grid is split to fit the dispatch limits.
    let i = prm.base + gid.y * nwg.x * 256u + gid.x;
    if (i >= prm.end) {
        return;
    }
    switch prm.op {
        case OP_RELU: {
            out[i] = pack4(max(bytes4(a[i]), vec4<i32>(0)));
        }
        case OP_CLAMP: {
            out[i] = pack4(clamp(bytes4(a[i]), vec4<i32>(prm.i0), vec4<i32>(prm.i1)));
        }
        case OP_REQUANT: {
            let v = bytes4(a[i]);
            var r: vec4<i32>;
            for (var l = 0u; l < 4u; l++) {
                r[l] = requantize(v[l], prm.i0, prm.shift);
            }
            out[i] = pack4(r);
        }
        case OP_LUT: {
            let v = bytes4(a[i]) + vec4<i32>(128);
            out[i] = pack4(vec4<i32>(table[v.x], table[v.y], table[v.z], table[v.w]));
        }
        case OP_ADD: {
            let s = prm.i0 * bytes4(a[i]) + prm.i1 * bytes4(b[i]);
            var r: vec4<i32>;
            for (var l = 0u; l < 4u; l++) {
                r[l] = requantize(s[l], 1, prm.shift);
            }
            out[i] = pack4(r);
        }
        case OP_UPSAMPLE: {
            // Whole words move: the four channels share the position.
            let f = prm.f0;
            let c4 = i / (prm.oh * prm.ow);
            let r = i % (prm.oh * prm.ow);
            out[i] = a[(c4 * prm.h + (r / prm.ow) / f) * prm.w + (r % prm.ow) / f];
        }
        case OP_AVGPOOL: {
            let c4 = i / (prm.oh * prm.ow);
            let r = i % (prm.oh * prm.ow);
            let y0 = (r / prm.ow) * prm.f2;
            let x0 = (r % prm.ow) * prm.f3;
            var sum = vec4<i32>(0);
            if ((prm.mode & MODE_FIRST) == 0u) {
                sum = vec4<i32>(scratch[4u * i], scratch[4u * i + 1u], scratch[4u * i + 2u], scratch[4u * i + 3u]);
            }
            for (var t = prm.t_begin; t < prm.t_end; t++) {
                let u = t / prm.f1;
                let v = t % prm.f1;
                sum += bytes4(a[(c4 * prm.h + y0 + u) * prm.w + x0 + v]);
            }
            if ((prm.mode & MODE_LAST) != 0u) {
                let n = prm.f0 * prm.f1;
                out[i] = pack4(vec4<i32>(
                    rounded_average(sum.x, n),
                    rounded_average(sum.y, n),
                    rounded_average(sum.z, n),
                    rounded_average(sum.w, n),
                ));
            } else {
                for (var l = 0u; l < 4u; l++) {
                    scratch[4u * i + l] = sum[l];
                }
            }
        }
        case OP_REPACK: {
            // reshape between layouts: output element (c, r) is flat element c * oh*ow + r,
            // found in the input's geometry (c, h, w).
            let plane = prm.oh * prm.ow;
            let c4 = i / plane;
            let r = i % plane;
            let in_plane = prm.h * prm.w;
            var word = 0u;
            for (var l = 0u; l < 4u; l++) {
                let ch = 4u * c4 + l;
                if (ch < prm.oc) {
                    let e = ch * plane + r;
                    let ci = e / in_plane;
                    let src = a[(ci / 4u) * in_plane + e % in_plane];
                    word |= ((src >> (8u * (ci % 4u))) & 0xffu) << (8u * l);
                }
            }
            out[i] = word;
        }
        default: {
            out[i] = 0u;
        }
    }
}
