//! PNG output of image tensors.
//!
//! An image tensor is NHWC `[1, H, W, C]` (or `[H, W, C]`) with `C` = 3 (RGB) or 1 (grey), as
//! LiteRT lays images out; the pixel value of an int8 `q` is `q + 128` (the demo model's output
//! is quantized with scale 1/256 and zero point −128, so this is its real value × 256).

use crate::exec::Tensor;
use crate::{Error, Result};

/// Side, in pixels, that [`write_png`] upscales small images to (at least).
pub const DISPLAY_SIDE: usize = 256;

/// Encodes an image tensor as PNG bytes, each pixel repeated `scale`×`scale` (nearest).
pub fn encode_png(t: &Tensor, scale: usize) -> Result<Vec<u8>> {
    let [h, w, c] = match t.shape.as_slice() {
        [1, h, w, c @ (1 | 3)] | [h, w, c @ (1 | 3)] => [*h, *w, *c],
        s => return Err(Error::Image(format!("shape {s:?} is not [1, H, W, 3|1]"))),
    };
    let scale = scale.max(1);
    let (oh, ow) = (h * scale, w * scale);
    let mut pixels = Vec::with_capacity(oh * ow * c);
    for y in 0..oh {
        for x in 0..ow {
            let at = ((y / scale) * w + x / scale) * c;
            pixels.extend(t.data[at..at + c].iter().map(|&q| (q as i16 + 128) as u8));
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, ow as u32, oh as u32);
        enc.set_color(if c == 3 {
            png::ColorType::Rgb
        } else {
            png::ColorType::Grayscale
        });
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc
            .write_header()
            .map_err(|e| Error::Image(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::Image(e.to_string()))?;
    }
    Ok(out)
}

/// Writes an image tensor to a PNG file, upscaled (nearest) to at least [`DISPLAY_SIDE`] pixels.
pub fn write_png(t: &Tensor, path: impl AsRef<std::path::Path>) -> Result<()> {
    let side = t
        .shape
        .iter()
        .rev()
        .skip(1)
        .take(2)
        .copied()
        .max()
        .unwrap_or(1);
    let bytes = encode_png(t, DISPLAY_SIDE.div_ceil(side.max(1)))?;
    std::fs::write(path.as_ref(), bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_pixels_and_upscale() {
        let t = Tensor {
            shape: vec![1, 1, 2, 3],
            data: vec![-128, 0, -1, 127, 1, 5],
        };
        let bytes = encode_png(&t, 2).unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; dec.output_buffer_size().unwrap()];
        let info = dec.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (4, 2));
        // Row 0: p0 p0 p1 p1, each pixel q + 128.
        assert_eq!(
            &buf[..12],
            &[0, 128, 127, 0, 128, 127, 255, 129, 133, 255, 129, 133]
        );
        assert_eq!(&buf[12..24], &buf[..12]);
        let bad = Tensor {
            shape: vec![1, 1, 1, 2],
            data: vec![0, 0],
        };
        assert!(encode_png(&bad, 1).is_err());
    }
}
