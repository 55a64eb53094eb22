//! Trained weights: the byte format round-trips bit for bit (buffers and, under `std`, files);
//! every truncation, every flipped byte and the weights of another network are rejected with
//! the right error; the Rust-source export prints a `const` that compiles to the same values.

use nn_runtime::toy::{Line, Xor221};
use nn_runtime::weights::{
    crc32, encoded_len, layout_fingerprint, read_bytes, rust_source, write_bytes, CHECKSUM_BYTES,
    HEADER_BYTES, MAGIC, VERSION,
};
use nn_runtime::{Error, Parameters, Real, TensorInfo};

/// Awkward values: signed zeros, a subnormal, the extremes, infinities and a NaN with a payload.
fn awkward_f32() -> Xor221<f32> {
    Xor221 {
        w1: [[-0.0, 1.0e-45], [f32::MAX, f32::MIN_POSITIVE]],
        b1: [f32::INFINITY, f32::NEG_INFINITY],
        w2: [f32::from_bits(0x7fc0_1234), 0.1],
        b2: -123.456,
    }
}

fn awkward_f64() -> Xor221<f64> {
    Xor221 {
        w1: [[-0.0, 5.0e-324], [f64::MAX, f64::MIN_POSITIVE]],
        b1: [f64::INFINITY, f64::NEG_INFINITY],
        w2: [f64::from_bits(0x7ff8_0000_dead_beef), 0.1 + 0.2],
        b2: -123.456,
    }
}

/// Every scalar's bit pattern, tensor by tensor.
fn bits<P: Parameters>(p: &P) -> Vec<u64>
where
    P::Scalar: Real,
{
    (0..P::TENSORS.len())
        .flat_map(|k| p.tensor(k).iter().map(|v| v.to_bits_u64()))
        .collect()
}

fn encode<P: Parameters>(p: &P) -> Vec<u8>
where
    P::Scalar: Real,
{
    let mut buf = vec![0u8; encoded_len::<P>()];
    assert_eq!(write_bytes(p, &mut buf).unwrap(), buf.len());
    buf
}

/// Errors hold no `PartialEq` (an I/O error may be inside), so compare their `Debug` forms.
fn same(got: &Error, want: &Error) -> bool {
    format!("{got:?}") == format!("{want:?}")
}

#[track_caller]
fn assert_err<T: std::fmt::Debug>(got: Result<T, Error>, want: Error) {
    match got {
        Err(e) => assert!(same(&e, &want), "expected {want:?}, got {e:?}"),
        Ok(v) => panic!("expected {want:?}, got Ok({v:?})"),
    }
}

#[test]
fn byte_layout_is_as_documented() {
    let line = Line {
        w: 0.5_f32,
        b: -1.25,
    };
    let bytes = encode(&line);
    assert_eq!(bytes.len(), 16 + 2 * 4 + 4);
    assert_eq!(encoded_len::<Xor221<f32>>(), 16 + 9 * 4 + 4);
    assert_eq!(encoded_len::<Xor221<f64>>(), 16 + 9 * 8 + 4);
    assert_eq!(&bytes[0..4], b"NNWT");
    assert_eq!(&bytes[4..6], &[1, 0]); // version 1
    assert_eq!(&bytes[6..8], &[4, 0]); // 4-byte floats, reserved 0
    assert_eq!(&bytes[8..12], &[2, 0, 0, 0]); // 2 parameters
                                              // FNV-1a of "w" 0 0xff "b" 0 0xff (scalars have no dimensions), worked out here again.
    let mut h: u32 = 0x811c_9dc5;
    for b in [b'w', 0, 0xff, b'b', 0, 0xff] {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    assert_eq!(layout_fingerprint::<Line<f32>>(), h);
    assert_eq!(&bytes[12..16], &h.to_le_bytes());
    assert_eq!(&bytes[16..20], &0.5_f32.to_le_bytes());
    assert_eq!(&bytes[20..24], &(-1.25_f32).to_le_bytes());
    assert_eq!(&bytes[24..28], &crc32(&bytes[..24]).to_le_bytes());
    assert_eq!(
        (HEADER_BYTES, CHECKSUM_BYTES, MAGIC, VERSION),
        (16, 4, *b"NNWT", 1)
    );
    // The layout fingerprint tells networks apart.
    assert_ne!(
        layout_fingerprint::<Line<f32>>(),
        layout_fingerprint::<Xor221<f32>>()
    );
}

#[test]
fn round_trip_is_bit_exact() {
    let a = awkward_f32();
    let back: Xor221<f32> = read_bytes(&encode(&a)).unwrap();
    assert_eq!(bits(&back), bits(&a));
    let b = awkward_f64();
    let back: Xor221<f64> = read_bytes(&encode(&b)).unwrap();
    assert_eq!(bits(&back), bits(&b));
    // The same parameters always encode to the same bytes.
    assert_eq!(encode(&a), encode(&a));
    // Into a larger buffer: only the front is used, and it reads back.
    let mut big = [0xaau8; 200];
    let n = write_bytes(&b, &mut big).unwrap();
    assert_eq!(n, encoded_len::<Xor221<f64>>());
    assert_eq!(
        bits(&read_bytes::<Xor221<f64>>(&big[..n]).unwrap()),
        bits(&b)
    );
    assert!(big[n..].iter().all(|&x| x == 0xaa));
}

#[test]
fn a_small_buffer_is_an_error() {
    let mut buf = [0u8; 55];
    assert_err(
        write_bytes(&awkward_f32(), &mut buf),
        Error::BufferTooSmall {
            needed: 56,
            available: 55,
        },
    );
}

#[test]
fn every_truncation_is_rejected() {
    for bytes in [encode(&awkward_f32()), encode(&awkward_f64())] {
        let n = bytes.len();
        for len in 0..n {
            let want = if len < HEADER_BYTES + CHECKSUM_BYTES {
                Error::Truncated {
                    needed: HEADER_BYTES + CHECKSUM_BYTES,
                    found: len,
                }
            } else {
                Error::Truncated {
                    needed: n,
                    found: len,
                }
            };
            if n == 56 {
                assert_err(read_bytes::<Xor221<f32>>(&bytes[..len]), want);
            } else {
                assert_err(read_bytes::<Xor221<f64>>(&bytes[..len]), want);
            }
        }
    }
    // One byte too many is rejected as well.
    let mut long = encode(&awkward_f32());
    long.push(0);
    assert_err(
        read_bytes::<Xor221<f32>>(&long),
        Error::TrailingBytes {
            needed: 56,
            found: 57,
        },
    );
}

/// The error a buffer with byte `i` changed to `new` must give (see `read_bytes`'s order of
/// checks).
fn expected_for_flip(original: &[u8], i: usize, new: u8) -> Error {
    let n = original.len();
    match i {
        0..=3 => Error::BadMagic,
        4 | 5 => {
            let mut v = [original[4], original[5]];
            v[i - 4] = new;
            Error::UnsupportedVersion(u16::from_le_bytes(v))
        }
        6 => Error::ScalarMismatch {
            expected: original[6],
            found: new,
        },
        8..=11 => {
            // A corrupted count declares another length than the buffer has.
            let mut c = [original[8], original[9], original[10], original[11]];
            c[i - 8] = new;
            let declared = u32::from_le_bytes(c) as usize * usize::from(original[6]) + 20;
            if declared > n {
                Error::Truncated {
                    needed: declared,
                    found: n,
                }
            } else {
                Error::TrailingBytes {
                    needed: declared,
                    found: n,
                }
            }
        }
        // The reserved byte, the fingerprint, the values and the checksum itself.
        _ => Error::ChecksumMismatch,
    }
}

#[test]
fn every_flipped_byte_is_rejected() {
    let masks = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0xff];
    let mut checked = 0;
    let f32_bytes = encode(&awkward_f32());
    let f64_bytes = encode(&awkward_f64());
    for i in 0..f32_bytes.len() {
        for mask in masks {
            let mut bad = f32_bytes.clone();
            bad[i] ^= mask;
            let want = expected_for_flip(&f32_bytes, i, bad[i]);
            assert_err(read_bytes::<Xor221<f32>>(&bad), want);
            checked += 1;
        }
    }
    for i in 0..f64_bytes.len() {
        for mask in masks {
            let mut bad = f64_bytes.clone();
            bad[i] ^= mask;
            let want = expected_for_flip(&f64_bytes, i, bad[i]);
            assert_err(read_bytes::<Xor221<f64>>(&bad), want);
            checked += 1;
        }
    }
    assert_eq!(checked, (56 + 92) * 9);
}

/// Nine `f32`s in one vector: the same count and float type as `Xor221<f32>`, another layout.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Flat9 {
    w: [f32; 9],
}

impl Parameters for Flat9 {
    type Scalar = f32;
    const TENSORS: &'static [TensorInfo] = &[TensorInfo {
        name: "w",
        shape: &[9],
    }];
    const COUNT: usize = 9;
    fn zeros() -> Self {
        Flat9 { w: [0.0; 9] }
    }
    fn tensor(&self, k: usize) -> &[f32] {
        if k == 0 {
            &self.w
        } else {
            &[]
        }
    }
    fn tensor_mut(&mut self, k: usize) -> &mut [f32] {
        if k == 0 {
            &mut self.w
        } else {
            &mut []
        }
    }
}

#[test]
fn weights_of_another_network_are_rejected() {
    let xor32 = encode(&awkward_f32());
    // Another parameter count.
    assert_err(
        read_bytes::<Xor221<f32>>(&encode(&Line { w: 1.0_f32, b: 2.0 })),
        Error::CountMismatch {
            expected: 9,
            found: 2,
        },
    );
    assert_err(
        read_bytes::<Line<f32>>(&xor32),
        Error::CountMismatch {
            expected: 2,
            found: 9,
        },
    );
    // Another float type.
    assert_err(
        read_bytes::<Xor221<f32>>(&encode(&awkward_f64())),
        Error::ScalarMismatch {
            expected: 4,
            found: 8,
        },
    );
    assert_err(
        read_bytes::<Xor221<f64>>(&xor32),
        Error::ScalarMismatch {
            expected: 8,
            found: 4,
        },
    );
    // The same count and float type, other tensors.
    assert_err(read_bytes::<Flat9>(&xor32), Error::LayoutMismatch);
    assert_err(
        read_bytes::<Xor221<f32>>(&encode(&Flat9 { w: [1.0; 9] })),
        Error::LayoutMismatch,
    );
    // Not a weights buffer at all; a future version.
    assert_err(read_bytes::<Flat9>(&[0u8; 56]), Error::BadMagic);
    let mut v2 = xor32.clone();
    v2[4] = 2;
    assert_err(read_bytes::<Xor221<f32>>(&v2), Error::UnsupportedVersion(2));
}

#[test]
fn rust_source_is_a_const_with_exact_values() {
    // TRAINED below is the text the test expects, pasted as code: so the output compiles, and
    // reads back to exactly these values.
    const TRAINED: Xor221<f32> = Xor221 {
        w1: [[0.1, -2.5], [1e-7, 3.0]],
        b1: [0.0, -0.0],
        w2: [1.5, 1.1754944e-38],
        b2: 123456.79,
    };
    const EXPECTED: &str = "\
pub const TRAINED: Xor221<f32> = Xor221 {
    w1: [
        [0.1, -2.5],
        [1e-7, 3.0],
    ],
    b1: [0.0, -0.0],
    w2: [1.5, 1.1754944e-38],
    b2: 123456.79,
};
";
    let net = Xor221 {
        w1: [[0.1_f32, -2.5], [1e-7, 3.0]],
        b1: [0.0, -0.0],
        w2: [1.5, f32::MIN_POSITIVE],
        b2: 123_456.79,
    };
    assert_eq!(
        rust_source(&net, "Xor221<f32>", "TRAINED").to_string(),
        EXPECTED
    );
    assert_eq!(bits(&TRAINED), bits(&net));

    // Scalars only: one line. Shortest round-trip digits; non-finite values by name.
    const LINE: Line<f64> = Line {
        w: 0.30000000000000004,
        b: -1e-300,
    };
    let line = Line {
        w: 0.1 + 0.2,
        b: -1e-300,
    };
    assert_eq!(
        rust_source(&line, "Line<f64>", "LINE").to_string(),
        "pub const LINE: Line<f64> = Line { w: 0.30000000000000004, b: -1e-300 };\n"
    );
    assert_eq!(bits(&LINE), bits(&line));
    let odd = Line {
        w: f64::NAN,
        b: f64::NEG_INFINITY,
    };
    assert_eq!(
        rust_source(&odd, "nn::toy::Line<f64>", "ODD").to_string(),
        "pub const ODD: nn::toy::Line<f64> = nn::toy::Line { w: f64::NAN, b: f64::NEG_INFINITY };\n"
    );
}

#[cfg(feature = "std")]
mod files {
    use super::*;
    use nn_runtime::weights::{load, save, to_bytes};
    use std::path::PathBuf;

    /// A fresh directory of its own under the system's temporary directory.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!(
                "nn-runtime-test-{name}-{}-{:?}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
        fn entries(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(&self.0)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn file_round_trip_is_bit_exact_and_atomic() {
        let dir = TempDir::new("roundtrip");
        let path = dir.0.join("net.nnw");
        let a = awkward_f64();
        save(&a, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), to_bytes(&a).unwrap());
        assert_eq!(to_bytes(&a).unwrap(), encode(&a));
        assert_eq!(bits(&load::<Xor221<f64>>(&path).unwrap()), bits(&a));
        // Saving again replaces the file whole, and leaves no temporary file behind.
        let b = Xor221::<f64>::zeros();
        save(&b, &path).unwrap();
        assert_eq!(bits(&load::<Xor221<f64>>(&path).unwrap()), bits(&b));
        assert_eq!(dir.entries(), ["net.nnw"]);
    }

    #[test]
    fn corrupt_files_are_rejected() {
        let dir = TempDir::new("corrupt");
        let path = dir.0.join("net.nnw");
        let good = encode(&awkward_f32());
        for len in 0..good.len() {
            std::fs::write(&path, &good[..len]).unwrap();
            let needed = if len < 20 { 20 } else { good.len() };
            assert_err(
                load::<Xor221<f32>>(&path),
                Error::Truncated { needed, found: len },
            );
        }
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            std::fs::write(&path, &bad).unwrap();
            assert!(
                load::<Xor221<f32>>(&path).is_err(),
                "flipped byte {i} accepted"
            );
        }
        std::fs::write(&path, &good).unwrap();
        assert_err(
            load::<Line<f32>>(&path),
            Error::CountMismatch {
                expected: 2,
                found: 9,
            },
        );
    }

    #[test]
    fn missing_files_and_directories_are_io_errors() {
        let dir = TempDir::new("missing");
        let missing = dir.0.join("none.nnw");
        match load::<Line<f32>>(&missing) {
            Err(Error::Io(e)) => assert_eq!(e.kind(), std::io::ErrorKind::NotFound),
            other => panic!("expected a NotFound I/O error, got {other:?}"),
        }
        let nowhere = dir.0.join("no-such-dir").join("net.nnw");
        assert!(matches!(
            save(&Line { w: 1.0_f32, b: 0.0 }, &nowhere),
            Err(Error::Io(_))
        ));
        assert!(dir.entries().is_empty(), "{:?}", dir.entries());
    }
}
