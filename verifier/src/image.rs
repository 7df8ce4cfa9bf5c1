//! PNG output of image tensors.
//!
//! An image tensor is `[3, H, W]` (RGB) or `[1, H, W]` (grey), channel-major; the pixel value of
//! an i8 activation `v` is `v + 128` (so `-128` is black and `127` is white).

use crate::exec::Tensor;
use crate::{Error, Result};

/// Encodes an image tensor as PNG bytes (8-bit RGB or greyscale).
pub fn encode_png(t: &Tensor) -> Result<Vec<u8>> {
    let [c, h, w] = match t.shape.as_slice() {
        [c @ (1 | 3), h, w] => [*c, *h, *w],
        s => return Err(Error::Image(format!("shape {s:?} is not [3|1, H, W]"))),
    };
    let mut pixels = Vec::with_capacity(c * h * w);
    for y in 0..h {
        for x in 0..w {
            for ch in 0..c {
                pixels.push((t.data[(ch * h + y) * w + x] as i16 + 128) as u8);
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w as u32, h as u32);
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

/// Writes an image tensor to a PNG file.
pub fn write_png(t: &Tensor, path: impl AsRef<std::path::Path>) -> Result<()> {
    let bytes = encode_png(t)?;
    std::fs::write(path.as_ref(), bytes).map_err(|e| Error::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_roundtrip_pixels() {
        let t = Tensor {
            shape: vec![3, 1, 2],
            data: vec![-128, 127, 0, 1, -1, 5],
        };
        let bytes = encode_png(&t).unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut buf = vec![0; dec.output_buffer_size().unwrap()];
        let info = dec.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (2, 1));
        // pixel0 = (r,g,b) = (-128, 0, -1) + 128 ; pixel1 = (127, 1, 5) + 128
        assert_eq!(&buf[..6], &[0, 128, 127, 255, 129, 133]);
        assert!(
            encode_png(&Tensor {
                shape: vec![2, 1, 1],
                data: vec![0, 0]
            })
            .is_err()
        );
    }
}
