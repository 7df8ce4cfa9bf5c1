//! A bounds-checked reader for the FlatBuffers wire format, just enough for `.tflite` files.
//!
//! Why not the `flatbuffers` crate: its table access (`Table::get`, `follow`) is `unsafe` and only
//! sound after a `Verifier` pass that needs generated per-table code (the TFLite schema compiled
//! with `flatc`, several thousand lines). Here every read checks its bounds and returns
//! [`LiteRtError::Malformed`] instead, so a hostile file cannot panic or read out of bounds, and
//! the importer names the fields it needs by their schema ids (see `import.rs`).
//!
//! Wire format: a table starts with an i32 offset back to its vtable (`vtable = table - soffset`);
//! the vtable is u16 `[vtable_len, table_len, field_0, field_1, ...]`, each field an offset from
//! the table start (0 = absent, default value). Tables, vectors and strings are reached through
//! u32 offsets relative to where the offset is stored; a vector is a u32 length then elements.
//! All integers little-endian. Offsets to tables/vectors only point forward (they are unsigned),
//! so following them always terminates.

use super::error::LiteRtError;

type Result<T> = std::result::Result<T, LiteRtError>;

fn bad(what: impl Into<String>) -> LiteRtError {
    LiteRtError::Malformed(what.into())
}

/// `N` bytes at `pos`, or an error naming `what`.
fn bytes<const N: usize>(buf: &[u8], pos: usize, what: &str) -> Result<[u8; N]> {
    pos.checked_add(N)
        .and_then(|end| buf.get(pos..end))
        .and_then(|s| s.try_into().ok())
        .ok_or_else(|| bad(format!("{what}: offset {pos} past the end of the file")))
}

fn u32_at(buf: &[u8], pos: usize, what: &str) -> Result<u32> {
    bytes::<4>(buf, pos, what).map(u32::from_le_bytes)
}

/// Follows the u32 forward offset stored at `pos`.
fn follow(buf: &[u8], pos: usize, what: &str) -> Result<usize> {
    let off = u32_at(buf, pos, what)? as usize;
    pos.checked_add(off)
        .filter(|p| *p < buf.len())
        .ok_or_else(|| bad(format!("{what}: offset out of range")))
}

/// A table: its position and its vtable's field offsets.
#[derive(Clone, Copy)]
pub struct Table<'a> {
    buf: &'a [u8],
    pos: usize,
    vtable: usize,
    vtable_len: usize,
}

impl<'a> Table<'a> {
    /// The root table of a buffer.
    pub fn root(buf: &'a [u8]) -> Result<Self> {
        let pos = follow(buf, 0, "root table")?;
        Self::at(buf, pos, "root table")
    }

    fn at(buf: &'a [u8], pos: usize, what: &str) -> Result<Self> {
        let soff = i32::from_le_bytes(bytes::<4>(buf, pos, what)?) as i64;
        let vtable = usize::try_from(pos as i64 - soff)
            .map_err(|_| bad(format!("{what}: vtable before the file")))?;
        let vtable_len = u16::from_le_bytes(bytes::<2>(buf, vtable, what)?) as usize;
        if vtable_len < 4 || vtable.checked_add(vtable_len).is_none_or(|e| e > buf.len()) {
            return Err(bad(format!("{what}: bad vtable")));
        }
        Ok(Self {
            buf,
            pos,
            vtable,
            vtable_len,
        })
    }

    /// Absolute position of field `id`, `None` when absent.
    fn field(&self, id: usize, size: usize, what: &str) -> Result<Option<usize>> {
        let slot = 4 + 2 * id;
        if slot + 2 > self.vtable_len {
            return Ok(None);
        }
        let off = u16::from_le_bytes(bytes::<2>(self.buf, self.vtable + slot, what)?) as usize;
        if off == 0 {
            return Ok(None);
        }
        let pos = self.pos + off;
        if pos + size > self.buf.len() {
            return Err(bad(format!("{what}: field past the end of the file")));
        }
        Ok(Some(pos))
    }

    /// A scalar field of `N` bytes, `None` when absent (the schema default applies).
    fn scalar<const N: usize>(&self, id: usize, what: &str) -> Result<Option<[u8; N]>> {
        match self.field(id, N, what)? {
            Some(p) => bytes::<N>(self.buf, p, what).map(Some),
            None => Ok(None),
        }
    }

    /// A u8/byte/bool/enum(ubyte) field.
    pub fn u8(&self, id: usize, default: u8, what: &str) -> Result<u8> {
        Ok(self.scalar::<1>(id, what)?.map_or(default, |b| b[0]))
    }

    /// An i32 (or enum:int) field.
    pub fn i32(&self, id: usize, default: i32, what: &str) -> Result<i32> {
        Ok(self
            .scalar::<4>(id, what)?
            .map_or(default, i32::from_le_bytes))
    }

    /// A u32 field.
    pub fn u32(&self, id: usize, default: u32, what: &str) -> Result<u32> {
        Ok(self
            .scalar::<4>(id, what)?
            .map_or(default, u32::from_le_bytes))
    }

    /// A u64 field.
    pub fn u64(&self, id: usize, default: u64, what: &str) -> Result<u64> {
        Ok(self
            .scalar::<8>(id, what)?
            .map_or(default, u64::from_le_bytes))
    }

    /// An f32 field.
    pub fn f32(&self, id: usize, default: f32, what: &str) -> Result<f32> {
        Ok(self
            .scalar::<4>(id, what)?
            .map_or(default, f32::from_le_bytes))
    }

    /// A sub-table field.
    pub fn table(&self, id: usize, what: &str) -> Result<Option<Table<'a>>> {
        match self.field(id, 4, what)? {
            Some(p) => Table::at(self.buf, follow(self.buf, p, what)?, what).map(Some),
            None => Ok(None),
        }
    }

    /// A vector field whose elements are `elem` bytes wide.
    pub fn vector(&self, id: usize, elem: usize, what: &str) -> Result<Option<Vector<'a>>> {
        let Some(p) = self.field(id, 4, what)? else {
            return Ok(None);
        };
        let start = follow(self.buf, p, what)?;
        let len = u32_at(self.buf, start, what)? as usize;
        let body = start + 4;
        if len
            .checked_mul(elem)
            .and_then(|n| n.checked_add(body))
            .is_none_or(|e| e > self.buf.len())
        {
            return Err(bad(format!(
                "{what}: vector of {len} elements past the end of the file"
            )));
        }
        Ok(Some(Vector {
            buf: self.buf,
            body,
            len,
            elem,
        }))
    }

    /// A string field (UTF-8 checked).
    pub fn string(&self, id: usize, what: &str) -> Result<Option<&'a str>> {
        match self.vector(id, 1, what)? {
            Some(v) => std::str::from_utf8(v.bytes())
                .map(Some)
                .map_err(|_| bad(format!("{what}: not UTF-8"))),
            None => Ok(None),
        }
    }
}

/// A vector's elements, in bounds by construction.
#[derive(Clone, Copy)]
pub struct Vector<'a> {
    buf: &'a [u8],
    body: usize,
    len: usize,
    elem: usize,
}

impl<'a> Vector<'a> {
    /// Element count.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the vector is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The raw element bytes.
    pub fn bytes(&self) -> &'a [u8] {
        &self.buf[self.body..self.body + self.len * self.elem]
    }

    /// Elements as little-endian i32 (the vector must have 4-byte elements).
    pub fn i32s(&self) -> Vec<i32> {
        self.bytes()
            .chunks_exact(4)
            .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// Elements as little-endian f32.
    pub fn f32s(&self) -> Vec<f32> {
        self.bytes()
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }

    /// Elements as little-endian i64.
    pub fn i64s(&self) -> Vec<i64> {
        self.bytes()
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect()
    }

    /// Element `i` of a vector of tables.
    pub fn table(&self, i: usize, what: &str) -> Result<Table<'a>> {
        if i >= self.len {
            return Err(bad(format!("{what}: index {i} of {}", self.len)));
        }
        let p = self.body + 4 * i;
        Table::at(self.buf, follow(self.buf, p, what)?, what)
    }
}
