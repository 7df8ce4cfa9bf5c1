// Elementwise and data-movement ops, one invocation per output element.
// avg_pool sums only the window positions t in [t_begin, t_end) (t = u * kw + v) per dispatch,
// at most 1024, chaining partial sums through `scratch` like the conv kernel's K splits.

struct EwParams {
    op: u32, n: u32, c: u32, h: u32,
    w: u32, oh: u32, ow: u32, f0: u32,
    f1: u32, f2: u32, f3: u32, shift: u32,
    i0: i32, i1: i32, pad0: u32, pad1: u32,
    t_begin: u32, t_end: u32, mode: u32, pad2: u32,
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

@group(0) @binding(0) var<uniform> prm: EwParams;
@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read> table: array<i32>;
@group(0) @binding(4) var<storage, read_write> out: array<i32>;
@group(0) @binding(5) var<storage, read_write> scratch: array<i32>;

// sign(S) * floor((|S| + floor(n/2)) / n), saturated.
fn rounded_average(sum: i32, n: u32) -> i32 {
    let q = i32((magnitude(sum) + n / 2u) / n);
    return clamp(select(q, -q, sum < 0), -128, 127);
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.y * nwg.x * 256u + gid.x;
    if (i >= prm.n) {
        return;
    }
    switch prm.op {
        case OP_RELU: {
            out[i] = max(a[i], 0);
        }
        case OP_CLAMP: {
            out[i] = clamp(a[i], prm.i0, prm.i1);
        }
        case OP_REQUANT: {
            out[i] = requantize(a[i], prm.i0, prm.shift);
        }
        case OP_LUT: {
            out[i] = table[u32(a[i] + 128)];
        }
        case OP_ADD: {
            out[i] = requantize(prm.i0 * a[i] + prm.i1 * b[i], 1, prm.shift);
        }
        case OP_UPSAMPLE: {
            let f = prm.f0;
            let ch = i / (prm.oh * prm.ow);
            let r = i % (prm.oh * prm.ow);
            let y = r / prm.ow;
            let xx = r % prm.ow;
            out[i] = a[(ch * prm.h + y / f) * prm.w + xx / f];
        }
        case OP_AVGPOOL: {
            let ch = i / (prm.oh * prm.ow);
            let r = i % (prm.oh * prm.ow);
            let y0 = (r / prm.ow) * prm.f2;
            let x0 = (r % prm.ow) * prm.f3;
            var sum = 0;
            if ((prm.mode & MODE_FIRST) == 0u) {
                sum = scratch[i];
            }
            for (var t = prm.t_begin; t < prm.t_end; t++) {
                let u = t / prm.f1;
                let v = t % prm.f1;
                sum += a[(ch * prm.h + y0 + u) * prm.w + x0 + v];
            }
            if ((prm.mode & MODE_LAST) != 0u) {
                out[i] = rounded_average(sum, prm.f0 * prm.f1);
            } else {
                scratch[i] = sum;
            }
        }
        default: {
            out[i] = 0;
        }
    }
}
