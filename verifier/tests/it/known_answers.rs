//! Hand-computed small cases for every op, run through both executors.

use verifier::model::builder::ModelBuilder;
use verifier::ops::Requant;

const ID: Requant = Requant {
    multiplier: 1,
    shift: 0,
};

fn check(b: &ModelBuilder, input: &[i8], expected: &[i8]) {
    let model = b.build().unwrap();
    let exec = crate::common::run_both(&model, input);
    assert_eq!(exec.output.data, expected);
}

#[test]
fn dense_rounding_and_wrapping() {
    // y = (10 + 2 - 6, -1 - 8 - 15) = (6, -24), then halves with ties away from zero:
    // (7 -> 4 would be a tie) here 6/2 = 3, -24/2 = -12.
    let mut b = ModelBuilder::new(vec![2]);
    b.dense(
        0,
        &[1, 2, -4, 5],
        &[10, -1],
        Requant {
            multiplier: 1,
            shift: 1,
        },
    );
    check(&b, &[2, -3], &[3, -12]);
    // Ties: 7/2 -> 4, -7/2 -> -4, 5/2 -> 3, -5/2 -> -3.
    let mut b = ModelBuilder::new(vec![1]);
    b.dense(
        0,
        &[7, -7, 5, -5],
        &[0; 4],
        Requant {
            multiplier: 1,
            shift: 1,
        },
    );
    check(&b, &[1], &[4, -4, 3, -3]);
    // Wrapping: i32::MAX + 1 -> i32::MIN -> -128; i32::MIN - 1 -> i32::MAX -> 127.
    let mut b = ModelBuilder::new(vec![1]);
    b.dense(0, &[1, -1], &[i32::MAX, i32::MIN], ID);
    check(&b, &[1], &[-128, 127]);
    // i32::MIN * i32::MIN = 2^62; / 2^56 = 64.
    let mut b = ModelBuilder::new(vec![1]);
    b.dense(
        0,
        &[0],
        &[i32::MIN],
        Requant {
            multiplier: i32::MIN,
            shift: 56,
        },
    );
    check(&b, &[0], &[64]);
}

#[test]
fn conv2d_padding_stride() {
    // 3x3 input 1..9, 3x3 ones kernel, pad 1, stride 2 -> window sums 12, 16, 24, 28; then
    // scaled by 3/8: 4.5 -> 5, 6, 9, 10.5 -> 11.
    let mut b = ModelBuilder::new(vec![1, 3, 3]);
    b.conv2d(
        0,
        [1, 1, 3, 3],
        &[1; 9],
        &[0],
        [2, 2],
        [1, 1],
        Requant {
            multiplier: 3,
            shift: 3,
        },
    );
    check(&b, &[1, 2, 3, 4, 5, 6, 7, 8, 9], &[5, 6, 9, 11]);
}

#[test]
fn upsample_pool_add_relu_clamp_requantize_lut() {
    // upsample 1x2x2 by 2 -> 4x4; avg_pool 3x3 stride 1 -> 2x2:
    // input [1, 2, 3, 4]; upsampled rows: 1 1 2 2 / 1 1 2 2 / 3 3 4 4 / 3 3 4 4
    // windows: (1+1+2)*2+(3+3+4) = 18 -> 2 ; (1+2+2)*2+(3+4+4) = 21 -> 2.33 -> 2 ;
    //          (1+1+2)+(3+3+4)*2 = 24 -> 2.67 -> 3 ; (1+2+2)+(3+4+4)*2 = 27 -> 3
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    let up = b.upsample(0, 2);
    let p = b.avg_pool(up, [3, 3], [1, 1]);
    check(&b, &[1, 2, 3, 4], &[2, 2, 3, 3]);
    // add(p, p, 3, -1, 1) = (2p)/2 = p; relu; clamp to [0, 2]
    let a = b.add(p, p, 3, -1, 1);
    let r = b.relu(a);
    b.clamp(r, 0, 2);
    check(&b, &[1, 2, 3, 4], &[2, 2, 2, 2]);

    // requantize by 0.75 with saturation, then a table negating and offsetting.
    let mut b = ModelBuilder::new(vec![5]);
    let q = b.requantize(
        0,
        Requant {
            multiplier: 3,
            shift: 2,
        },
    );
    check(&b, &[2, -2, 127, -128, 1], &[2, -2, 95, -96, 1]);
    let mut table = [0i8; 256];
    for (i, t) in table.iter_mut().enumerate() {
        *t = (i as i32 - 128).saturating_neg().clamp(-128, 127) as i8;
    }
    b.lut(q, &table);
    check(&b, &[2, -2, 127, -128, 1], &[-2, 2, -95, 96, -1]);
    // Negative averages round away from zero: (-1 -2 -3 -4)/4 = -2.5 -> -3.
    let mut b = ModelBuilder::new(vec![1, 2, 2]);
    b.avg_pool(0, [2, 2], [2, 2]);
    check(&b, &[-1, -2, -3, -4], &[-3]);
    // Add saturates: 100 * 2 + 100 = 300 -> 127.
    let mut b = ModelBuilder::new(vec![1]);
    b.add(0, 0, 2, 1, 0);
    check(&b, &[100], &[127]);
}
