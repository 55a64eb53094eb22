//! Trained weights: exported as Rust source, or saved and loaded as bytes.
//!
//! **Rust source.** [`rust_source`] prints a `const` of the parameter struct, so firmware can
//! embed trained weights with no file system and no parsing:
//!
//! ```
//! use nn_runtime::toy::Line;
//! use nn_runtime::weights::rust_source;
//!
//! let line = Line { w: 0.5_f32, b: -1.25 };
//! let src = rust_source(&line, "Line<f32>", "TRAINED").to_string();
//! assert_eq!(src, "pub const TRAINED: Line<f32> = Line { w: 0.5, b: -1.25 };\n");
//! ```
//!
//! The struct literal is built from [`Parameters::TENSORS`] (field names and shapes), so the
//! `const` must be placed where those fields are visible. Floats are printed in the shortest
//! form that reads back to the same bits.
//!
//! **Bytes.** [`write_bytes`]/[`read_bytes`] use this little-endian layout (format version 1):
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 4 | magic `NNWT` |
//! | 4 | 2 | format version (`u16`, 1) |
//! | 6 | 1 | bytes per float: 4 (`f32`) or 8 (`f64`) |
//! | 7 | 1 | reserved, 0 |
//! | 8 | 4 | number of parameters n (`u32`) |
//! | 12 | 4 | layout fingerprint: FNV-1a of the tensor names and shapes (`u32`) |
//! | 16 | n·size | the parameters, tensor by tensor, row-major |
//! | 16 + n·size | 4 | CRC-32 (IEEE) of everything before it |
//!
//! Reading checks every field, so a truncated, extended or corrupted buffer, or the weights
//! of another network, is an [`Error`], never a panic or a silently wrong model.
//!
//! ```
//! use nn_runtime::toy::Line;
//! use nn_runtime::weights::{encoded_len, read_bytes, write_bytes};
//!
//! let line = Line { w: 0.5_f64, b: -1.25 };
//! let mut buf = [0u8; 64];
//! let n = write_bytes(&line, &mut buf).unwrap();
//! assert_eq!(n, encoded_len::<Line<f64>>());
//! assert_eq!(read_bytes::<Line<f64>>(&buf[..n]).unwrap(), line);
//! assert!(read_bytes::<Line<f64>>(&buf[..n - 1]).is_err());
//! ```

use core::fmt;

use crate::error::Error;
use crate::network::Parameters;
use crate::tensor::Real;

/// The first four bytes of every weights buffer.
pub const MAGIC: [u8; 4] = *b"NNWT";
/// The format version written and read.
pub const VERSION: u16 = 1;
/// Bytes before the values.
pub const HEADER_BYTES: usize = 16;
/// Bytes of the trailing checksum.
pub const CHECKSUM_BYTES: usize = 4;

/// Size in bytes of the encoded parameters `P`.
pub fn encoded_len<P: Parameters>() -> usize
where
    P::Scalar: Real,
{
    HEADER_BYTES + P::COUNT * <P::Scalar as Real>::BYTES + CHECKSUM_BYTES
}

/// FNV-1a (32-bit) of the tensor names and shapes: two networks with the same number of
/// parameters but other tensors get different fingerprints.
pub fn layout_fingerprint<P: Parameters>() -> u32 {
    let mut h = Fnv::new();
    for info in P::TENSORS {
        h.write(info.name.as_bytes());
        h.write(&[0]);
        for &d in info.shape {
            h.write(&(d as u64).to_le_bytes());
        }
        h.write(&[0xff]);
    }
    h.0
}

struct Fnv(u32);

impl Fnv {
    fn new() -> Self {
        Fnv(0x811c_9dc5)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u32::from(b)).wrapping_mul(0x0100_0193);
        }
    }
}

/// The CRC-32 lookup table (IEEE polynomial, reflected), built at compile time.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3, as zlib and PNG use it) of `bytes`.
///
/// ```
/// assert_eq!(nn_runtime::weights::crc32(b"123456789"), 0xcbf4_3926);
/// ```
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in bytes {
        c = CRC_TABLE[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

/// A little-endian writer into a slice that checks its bounds.
struct Cursor<'a> {
    buf: &'a mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        if let Some(dst) = self.buf.get_mut(self.at..self.at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        self.at += bytes.len();
    }
}

/// Encodes `params` into the front of `out`; returns the number of bytes written
/// ([`encoded_len`]). Allocation-free.
///
/// Errors: [`Error::BufferTooSmall`]; [`Error::InvalidSetting`] for a parameter type whose
/// `COUNT` disagrees with its tensors or exceeds `u32::MAX`.
pub fn write_bytes<P: Parameters>(params: &P, out: &mut [u8]) -> Result<usize, Error>
where
    P::Scalar: Real,
{
    let needed = encoded_len::<P>();
    if out.len() < needed {
        return Err(Error::BufferTooSmall {
            needed,
            available: out.len(),
        });
    }
    let count = u32::try_from(P::COUNT)
        .map_err(|_| Error::InvalidSetting("more than u32::MAX parameters"))?;
    let actual: usize = (0..P::TENSORS.len()).map(|k| params.tensor(k).len()).sum();
    if actual != P::COUNT {
        return Err(Error::InvalidSetting(
            "Parameters::COUNT disagrees with the tensors' lengths",
        ));
    }
    let size = <P::Scalar as Real>::BYTES;
    let mut w = Cursor { buf: out, at: 0 };
    w.put(&MAGIC);
    w.put(&VERSION.to_le_bytes());
    w.put(&[size as u8, 0]);
    w.put(&count.to_le_bytes());
    w.put(&layout_fingerprint::<P>().to_le_bytes());
    for k in 0..P::TENSORS.len() {
        for &v in params.tensor(k) {
            let bits = v.to_bits_u64().to_le_bytes();
            w.put(bits.get(..size).unwrap_or(&bits));
        }
    }
    let body = needed - CHECKSUM_BYTES;
    let crc = crc32(w.buf.get(..body).unwrap_or(&[]));
    w.put(&crc.to_le_bytes());
    Ok(needed)
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Decodes parameters written by [`write_bytes`]. The buffer must hold exactly one encoding.
///
/// The checks, in order, and their errors: fewer bytes than a header and a checksum
/// ([`Error::Truncated`]); the magic number ([`Error::BadMagic`]); the version
/// ([`Error::UnsupportedVersion`]); a float size other than 4 or 8 ([`Error::ScalarMismatch`]);
/// the length the header declares ([`Error::Truncated`], [`Error::TrailingBytes`]); the
/// checksum ([`Error::ChecksumMismatch`]); then whether the intact weights fit `P`: its float
/// type ([`Error::ScalarMismatch`]), its parameter count ([`Error::CountMismatch`]) and its
/// tensor names and shapes ([`Error::LayoutMismatch`]). So any single corrupted byte of a saved
/// buffer is an error (a corrupted count usually shows as a wrong length).
pub fn read_bytes<P: Parameters>(bytes: &[u8]) -> Result<P, Error>
where
    P::Scalar: Real,
{
    let truncated = |needed| Error::Truncated {
        needed,
        found: bytes.len(),
    };
    if bytes.len() < HEADER_BYTES + CHECKSUM_BYTES {
        return Err(truncated(HEADER_BYTES + CHECKSUM_BYTES));
    }
    if bytes.get(..4) != Some(&MAGIC[..]) {
        return Err(Error::BadMagic);
    }
    let version = u16_at(bytes, 4).ok_or(truncated(HEADER_BYTES))?;
    if version != VERSION {
        return Err(Error::UnsupportedVersion(version));
    }
    let size = bytes.get(6).copied().unwrap_or(0);
    let want_size = <P::Scalar as Real>::BYTES;
    if size != 4 && size != 8 {
        // No float has this size: a corrupt header, reported before the length it implies.
        return Err(Error::ScalarMismatch {
            expected: want_size as u8,
            found: size,
        });
    }
    let count = u32_at(bytes, 8).ok_or(truncated(HEADER_BYTES))?;
    // The length the header itself declares, so that the checksum can be verified first.
    let declared = (count as usize)
        .checked_mul(usize::from(size))
        .and_then(|n| n.checked_add(HEADER_BYTES + CHECKSUM_BYTES))
        .ok_or(Error::ChecksumMismatch)?;
    if bytes.len() < declared {
        return Err(truncated(declared));
    }
    if bytes.len() > declared {
        return Err(Error::TrailingBytes {
            needed: declared,
            found: bytes.len(),
        });
    }
    let body = declared - CHECKSUM_BYTES;
    let stored = u32_at(bytes, body).ok_or(truncated(declared))?;
    if crc32(bytes.get(..body).unwrap_or(&[])) != stored {
        return Err(Error::ChecksumMismatch);
    }
    if usize::from(size) != want_size || bytes.get(7) != Some(&0) {
        return Err(Error::ScalarMismatch {
            expected: want_size as u8,
            found: size,
        });
    }
    if count as usize != P::COUNT {
        return Err(Error::CountMismatch {
            expected: u32::try_from(P::COUNT).unwrap_or(u32::MAX),
            found: count,
        });
    }
    if u32_at(bytes, 12) != Some(layout_fingerprint::<P>()) {
        return Err(Error::LayoutMismatch);
    }

    let mut params = P::zeros();
    let mut values = bytes
        .get(HEADER_BYTES..body)
        .unwrap_or(&[])
        .chunks_exact(want_size);
    for k in 0..P::TENSORS.len() {
        for v in params.tensor_mut(k) {
            let chunk = values.next().ok_or(Error::LayoutMismatch)?;
            let mut bits = [0u8; 8];
            for (b, &c) in bits.iter_mut().zip(chunk) {
                *b = c;
            }
            *v = P::Scalar::from_bits_u64(u64::from_le_bytes(bits));
        }
    }
    if values.next().is_some() {
        return Err(Error::LayoutMismatch);
    }
    Ok(params)
}

/// Parameters printed as a Rust `const` item; made by [`rust_source`], written by its
/// [`Display`](fmt::Display) implementation (so it works on `no_std` through `core::fmt`).
pub struct RustSource<'a, P> {
    params: &'a P,
    type_name: &'a str,
    const_name: &'a str,
}

/// `pub const {const_name}: {type_name} = {struct} { field: value, … };` for `params`, where
/// the struct literal's path is `type_name` without generic arguments.
pub fn rust_source<'a, P: Parameters>(
    params: &'a P,
    type_name: &'a str,
    const_name: &'a str,
) -> RustSource<'a, P>
where
    P::Scalar: Real,
{
    RustSource {
        params,
        type_name,
        const_name,
    }
}

impl<P: Parameters> fmt::Display for RustSource<'_, P>
where
    P::Scalar: Real,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self
            .type_name
            .split('<')
            .next()
            .unwrap_or(self.type_name)
            .trim();
        let multiline = P::TENSORS.iter().any(|t| t.shape.len() > 1 || t.len() > 8);
        write!(
            f,
            "pub const {}: {} = {path} {{",
            self.const_name, self.type_name
        )?;
        for (k, info) in P::TENSORS.iter().enumerate() {
            let sep = if k == 0 { "" } else { "," };
            if multiline {
                write!(f, "{sep}\n    {}: ", info.name)?;
            } else {
                write!(f, "{sep} {}: ", info.name)?;
            }
            write_nested(f, self.params.tensor(k), info.shape, 1)?;
        }
        if multiline {
            f.write_str(",\n};\n")
        } else {
            f.write_str(" };\n")
        }
    }
}

/// Writes `values` of the given shape as nested array literals, one row per line for
/// matrices, indented by `depth` levels of four spaces.
fn write_nested<T: Real>(
    f: &mut fmt::Formatter<'_>,
    values: &[T],
    shape: &[usize],
    depth: usize,
) -> fmt::Result {
    match shape {
        [] => write_float(f, values.first().copied().unwrap_or_else(T::nan)),
        [_] => {
            f.write_str("[")?;
            for (i, &v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_float(f, v)?;
            }
            f.write_str("]")
        }
        [_, inner @ ..] => {
            let row: usize = inner.iter().product();
            f.write_str("[")?;
            for chunk in values.chunks(row.max(1)) {
                write!(f, "\n{:width$}", "", width = 4 * (depth + 1))?;
                write_nested(f, chunk, inner, depth + 1)?;
                f.write_str(",")?;
            }
            write!(f, "\n{:width$}]", "", width = 4 * depth)
        }
    }
}

/// A float literal that reads back to the same bits (`{:?}` is shortest round-trip and keeps
/// the decimal point); non-finite values become the type's named constants.
fn write_float<T: Real>(f: &mut fmt::Formatter<'_>, v: T) -> fmt::Result {
    if v.is_nan() {
        write!(f, "{}::NAN", T::NAME)
    } else if v.is_infinite() {
        let sign = if v > T::zero() { "" } else { "NEG_" };
        write!(f, "{}::{sign}INFINITY", T::NAME)
    } else {
        write!(f, "{v:?}")
    }
}

#[cfg(feature = "std")]
mod file {
    use std::io::Write;
    use std::path::Path;
    use std::vec::Vec;

    use super::{encoded_len, read_bytes, write_bytes};
    use crate::error::Error;
    use crate::network::Parameters;
    use crate::tensor::Real;

    /// The encoding of `params` as a new vector ([`write_bytes`] into a fresh buffer).
    pub fn to_bytes<P: Parameters>(params: &P) -> Result<Vec<u8>, Error>
    where
        P::Scalar: Real,
    {
        let mut buf = std::vec![0u8; encoded_len::<P>()];
        write_bytes(params, &mut buf)?;
        Ok(buf)
    }

    /// Saves `params` to `path` atomically: the bytes go to a temporary file in the same
    /// directory, which is flushed to disk and then renamed over `path`, so a crash leaves
    /// either the old file or the new one, never half of one.
    pub fn save<P: Parameters>(params: &P, path: impl AsRef<Path>) -> Result<(), Error>
    where
        P::Scalar: Real,
    {
        let path = path.as_ref();
        let bytes = to_bytes(params)?;
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(std::format!(".tmp{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let written = (|| -> std::io::Result<()> {
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, path)
        })();
        if let Err(e) = written {
            // Best effort: the temporary file may not exist.
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::Io(e));
        }
        Ok(())
    }

    /// Loads parameters saved by [`save`].
    pub fn load<P: Parameters>(path: impl AsRef<Path>) -> Result<P, Error>
    where
        P::Scalar: Real,
    {
        read_bytes(&std::fs::read(path)?)
    }
}

#[cfg(feature = "std")]
pub use file::{load, save, to_bytes};
