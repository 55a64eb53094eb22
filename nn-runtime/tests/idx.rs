//! The MNIST IDX reader (feature `idx`): small IDX files, plain and gzipped, written to a
//! scratch directory and read back exactly; and one corrupt file of each kind, with the
//! exact message it gives.
//!
//! `cargo test -p nn-runtime --features idx --test idx`
#![cfg(feature = "idx")]

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::Compression;
use nn_runtime::data::Dataset;
use nn_runtime::idx::{self, IdxError, Kind, LabelledImages, Mnist};
use nn_runtime::Error;

/// A fresh directory for one test's files, under Cargo's scratch directory for tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("idx")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An IDX header: the magic number, then each dimension, big-endian.
fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes
}

/// An image file of `count` images of `rows` × `cols` pixels.
fn image_file(rows: u32, cols: u32, pixels: &[u8]) -> Vec<u8> {
    let per_image = (rows * cols) as usize;
    let count = pixels.len().checked_div(per_image).unwrap_or(0);
    let mut bytes = header(0x0000_0803, &[count as u32, rows, cols]);
    bytes.extend(pixels);
    bytes
}

fn label_file(labels: &[u8]) -> Vec<u8> {
    let mut bytes = header(0x0000_0801, &[labels.len() as u32]);
    bytes.extend(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Every byte value once, and a few again: 256 + 4 = 260 = 10 images of 2 × 13 pixels.
fn all_bytes() -> Vec<u8> {
    (0..=255u8).chain([0, 255, 1, 254]).collect()
}

fn expected_images<const D: usize>(pixels: &[u8]) -> Vec<[f32; D]> {
    pixels
        .chunks_exact(D)
        .map(|c| core::array::from_fn(|i| f32::from(c[i]) / 255.0))
        .collect()
}

fn message(e: Error) -> String {
    let text = e.to_string();
    assert_eq!(format!("{e:?}"), text, "Debug prints the message");
    text
}

fn images_error<const D: usize>(path: &Path) -> String {
    message(idx::read_images::<D>(path).unwrap_err())
}

fn labels_error(path: &Path) -> String {
    message(idx::read_labels(path).unwrap_err())
}

// ---- reading back ----

#[test]
fn plain_images_read_back_exactly() {
    let dir = scratch("plain_images");
    let pixels = all_bytes();
    let path = write(&dir, "images", &image_file(2, 13, &pixels));
    let images = idx::read_images::<26>(&path).unwrap();
    assert_eq!(images.len(), 10);
    assert_eq!(images, expected_images::<26>(&pixels));
    assert_eq!(images[0][0], 0.0);
    assert_eq!(images[9][25], 254.0 / 255.0);
    assert_eq!(images[9][23], 1.0, "255 is 1 exactly");
    assert!(images.iter().flatten().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn gzipped_images_read_back_exactly_whatever_the_name() {
    let dir = scratch("gzipped_images");
    let pixels = all_bytes();
    let bytes = gzip(&image_file(13, 2, &pixels));
    assert_eq!(bytes[..2], [0x1f, 0x8b]);
    // Detected by the magic bytes, not the name: with `.gz`, and without.
    for name in ["images.gz", "images"] {
        let path = write(&dir, name, &bytes);
        let images = idx::read_images::<26>(&path).unwrap();
        assert_eq!(images, expected_images::<26>(&pixels), "{name}");
    }
    // And a plain file named `.gz` is read as it is.
    let path = write(&dir, "plain.gz", &image_file(13, 2, &pixels));
    assert_eq!(
        idx::read_images::<26>(&path).unwrap(),
        expected_images::<26>(&pixels)
    );
}

#[test]
fn gzip_of_several_members_is_read_whole() {
    // `cat a.gz b.gz` is a valid gzip file of the concatenated data.
    let dir = scratch("gzip_members");
    let file = label_file(&[3, 1, 4, 1, 5]);
    let (a, b) = file.split_at(6);
    let mut bytes = gzip(a);
    bytes.extend(gzip(b));
    let path = write(&dir, "labels.gz", &bytes);
    assert_eq!(idx::read_labels(&path).unwrap(), [3, 1, 4, 1, 5]);
}

#[test]
fn labels_read_back_exactly_plain_and_gzipped() {
    let dir = scratch("labels");
    // Any byte is a label; 0..=9 is MNIST's range but not checked here.
    let labels: Vec<u8> = (0..=255).collect();
    let expected: Vec<usize> = (0..=255).collect();
    let plain = write(&dir, "labels", &label_file(&labels));
    let gz = write(&dir, "labels.gz", &gzip(&label_file(&labels)));
    assert_eq!(idx::read_labels(&plain).unwrap(), expected);
    assert_eq!(idx::read_labels(&gz).unwrap(), expected);
}

#[test]
fn empty_files_of_no_images_are_fine() {
    let dir = scratch("empty_sets");
    let images = write(&dir, "images", &image_file(28, 28, &[]));
    let labels = write(&dir, "labels", &label_file(&[]));
    assert!(idx::read_images::<784>(&images).unwrap().is_empty());
    assert!(idx::read_labels(&labels).unwrap().is_empty());
    let set = LabelledImages::<784>::read(&images, &labels).unwrap();
    assert!(set.is_empty());
}

/// Writes the four files of a small MNIST of 28×28 images: 5 to train, 3 to test; plain or
/// gzipped (`.gz` names) by `gz`. Returns the train and test pixels and labels.
fn small_mnist(dir: &Path, gz: [bool; 4]) -> [(Vec<u8>, Vec<u8>); 2] {
    let train_pixels: Vec<u8> = (0..5 * 784).map(|i| (i * 7 % 256) as u8).collect();
    let test_pixels: Vec<u8> = (0..3 * 784).map(|i| (i * 13 % 256) as u8).collect();
    let train_labels = vec![5, 0, 4, 1, 9];
    let test_labels = vec![7, 2, 1];
    let files = [
        (idx::TRAIN_IMAGES, image_file(28, 28, &train_pixels)),
        (idx::TRAIN_LABELS, label_file(&train_labels)),
        (idx::TEST_IMAGES, image_file(28, 28, &test_pixels)),
        (idx::TEST_LABELS, label_file(&test_labels)),
    ];
    for ((name, bytes), gz) in files.into_iter().zip(gz) {
        if gz {
            write(dir, &format!("{name}.gz"), &gzip(&bytes));
        } else {
            write(dir, name, &bytes);
        }
    }
    [(train_pixels, train_labels), (test_pixels, test_labels)]
}

#[test]
fn a_directory_of_the_four_files_reads_into_train_and_test_sets() {
    for gz in [
        [false; 4],
        [true; 4],
        [true, false, false, true],
        [false, true, true, false],
    ] {
        let dir = scratch(&format!("mnist_{gz:?}").replace([' ', ',', '[', ']'], "_"));
        let [(train_pixels, train_labels), (test_pixels, test_labels)] = small_mnist(&dir, gz);
        let mnist: Mnist = idx::read_mnist(&dir).unwrap();
        assert_eq!(mnist.train.images(), expected_images::<784>(&train_pixels));
        assert_eq!(mnist.test.images(), expected_images::<784>(&test_pixels));
        let usize_labels = |l: &[u8]| l.iter().map(|&l| usize::from(l)).collect::<Vec<_>>();
        assert_eq!(mnist.train.labels(), usize_labels(&train_labels));
        assert_eq!(mnist.test.labels(), usize_labels(&test_labels));

        // A data set of (image, label) samples.
        assert_eq!(Dataset::len(&mnist.test), 3);
        let (x, y) = mnist.test.sample(2).unwrap();
        assert_eq!((x, *y), (&mnist.test.images()[2], 1));
        assert_eq!(mnist.test.sample(3), None);
        assert_eq!(
            format!("{:?}", mnist.train),
            "LabelledImages { len: 5, pixels: 784 }"
        );
    }
}

#[test]
fn plain_files_are_preferred_to_gzipped_ones() {
    let dir = scratch("both");
    small_mnist(&dir, [false; 4]);
    write(
        &dir,
        "t10k-labels-idx1-ubyte.gz",
        &gzip(&label_file(&[0, 0, 0])),
    );
    let found = idx::find_file(&dir, idx::TEST_LABELS).unwrap();
    assert_eq!(found, dir.join("t10k-labels-idx1-ubyte"));
    let mnist: Mnist = idx::read_mnist(&dir).unwrap();
    assert_eq!(mnist.test.labels(), [7, 2, 1]);
}

#[test]
fn labelled_images_keep_images_and_labels_together() {
    let mut set = LabelledImages::new(vec![[0.0; 2], [1.0; 2], [0.5; 2]], vec![1, 2, 3]).unwrap();
    set.truncate(2);
    assert_eq!(set.len(), 2);
    let (images, labels) = set.into_parts();
    assert_eq!((images, labels), (vec![[0.0; 2], [1.0; 2]], vec![1, 2]));
    let err = LabelledImages::new(vec![[0.0; 2]], vec![1, 2]).unwrap_err();
    assert_eq!(
        message(err),
        "1 inputs but 2 targets; every input needs exactly one target"
    );
}

#[test]
fn kinds_and_their_magic_numbers() {
    assert_eq!(Kind::Images.magic(), 0x0000_0803);
    assert_eq!(Kind::Labels.magic(), 0x0000_0801);
    assert_eq!(
        (Kind::Images.header_len(), Kind::Labels.header_len()),
        (16, 8)
    );
    assert_eq!(idx::PIXELS, 784);
}

// ---- one corrupt file of each kind, and its message ----

#[test]
fn a_missing_file_names_it() {
    let dir = scratch("missing");
    let path = dir.join("nowhere");
    assert_eq!(
        images_error::<784>(&path),
        format!("file not found: {}", path.display())
    );
    assert_eq!(
        labels_error(&path),
        format!("file not found: {}", path.display())
    );
    let err = idx::read_images::<784>(&path).unwrap_err();
    assert!(
        matches!(&err, Error::Idx(IdxError::Missing { tried }) if tried[..] == [path.clone()]),
        "{err}"
    );
}

#[test]
fn a_missing_file_of_the_four_names_both_names_tried() {
    let dir = scratch("missing_of_four");
    small_mnist(&dir, [true; 4]);
    std::fs::remove_file(dir.join("t10k-images-idx3-ubyte.gz")).unwrap();
    let err = idx::read_mnist::<784>(&dir).unwrap_err();
    assert_eq!(
        message(err),
        format!(
            "file not found: tried {} and {}",
            dir.join("t10k-images-idx3-ubyte").display(),
            dir.join("t10k-images-idx3-ubyte.gz").display()
        )
    );
    let err = idx::read_mnist::<784>(dir.join("no such directory")).unwrap_err();
    assert!(
        message(err).starts_with("file not found: tried "),
        "a missing directory is a missing file"
    );
}

#[test]
fn a_truncated_header_says_how_many_bytes() {
    let dir = scratch("truncated_header");
    let full = image_file(2, 2, &[1, 2, 3, 4]);
    for (keep, name) in [(9, "images9"), (2, "images2"), (0, "empty")] {
        let path = write(&dir, name, &full[..keep]);
        assert_eq!(
            images_error::<4>(&path),
            format!(
                "{}: truncated header: expected 16 bytes, found {keep}",
                path.display()
            )
        );
    }
    let path = write(&dir, "labels", &label_file(&[1, 2])[..6]);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: truncated header: expected 8 bytes, found 6",
            path.display()
        )
    );
    // Gzipped: the bytes counted are the decompressed ones.
    let path = write(&dir, "images.gz", &gzip(&full[..12]));
    assert_eq!(
        images_error::<4>(&path),
        format!(
            "{}: truncated header: expected 16 bytes, found 12",
            path.display()
        )
    );
}

#[test]
fn truncated_data_says_how_many_bytes_were_expected_and_found() {
    let dir = scratch("truncated_data");
    let full = image_file(2, 3, &[9; 18]);
    let path = write(&dir, "images", &full[..16 + 10]);
    assert_eq!(
        images_error::<6>(&path),
        format!(
            "{}: truncated data: expected 18 bytes for the 3 images the header announces, found 10",
            path.display()
        )
    );
    let path = write(&dir, "labels.gz", &gzip(&label_file(&[1, 2, 3, 4])[..10]));
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: truncated data: expected 4 bytes for the 4 labels the header announces, found 2",
            path.display()
        )
    );
    // A header announcing far more than there is: an error, not an allocation of it.
    let mut huge = header(0x0000_0803, &[u32::MAX, 28, 28]);
    huge.extend([0; 784]);
    let path = write(&dir, "huge", &huge);
    assert_eq!(
        images_error::<784>(&path),
        format!(
            "{}: truncated data: expected 3367254359280 bytes for the 4294967295 images the \
             header announces, found 784",
            path.display()
        )
    );
}

#[test]
fn bytes_after_the_data_are_an_error() {
    let dir = scratch("trailing");
    let mut bytes = image_file(2, 2, &[1; 8]);
    bytes.extend([0; 5]);
    let path = write(&dir, "images", &bytes);
    assert_eq!(
        images_error::<4>(&path),
        format!(
            "{}: trailing bytes: expected 8 bytes for the 2 images the header announces, found 13",
            path.display()
        )
    );
    let mut bytes = label_file(&[1, 2, 3]);
    bytes.push(4);
    let path = write(&dir, "labels.gz", &gzip(&bytes));
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: trailing bytes: expected 3 bytes for the 3 labels the header announces, found 4",
            path.display()
        )
    );
}

#[test]
fn swapped_image_and_label_files_are_named_as_such() {
    let dir = scratch("swapped");
    let labels = write(&dir, "train-labels-idx1-ubyte", &label_file(&[1, 2]));
    let images = write(&dir, "train-images-idx3-ubyte", &image_file(2, 2, &[0; 8]));
    assert_eq!(
        images_error::<4>(&labels),
        format!(
            "{}: wrong magic number: expected 0x00000803 (an IDX image file), found 0x00000801, \
             the magic number of an IDX label file: are the image and label files swapped?",
            labels.display()
        )
    );
    assert_eq!(
        labels_error(&images),
        format!(
            "{}: wrong magic number: expected 0x00000801 (an IDX label file), found 0x00000803, \
             the magic number of an IDX image file: are the image and label files swapped?",
            images.display()
        )
    );
    let err = idx::read_labels(&images).unwrap_err();
    assert!(matches!(
        err,
        Error::Idx(IdxError::WrongMagic {
            expected: Kind::Labels,
            found: 0x0000_0803,
            ..
        })
    ));
}

#[test]
fn other_magic_numbers_say_what_the_file_looks_like() {
    let dir = scratch("magic");
    // An IDX file of floats (type 0x0D) in 3 dimensions.
    let path = write(&dir, "floats", &header(0x0000_0D03, &[1, 1, 1]));
    assert_eq!(
        images_error::<1>(&path),
        format!(
            "{}: wrong magic number: expected 0x00000803 (an IDX image file), found 0x00000d03, \
             an IDX file of value type 0x0d in 3 dimensions, not MNIST images (unsigned bytes, \
             type 0x08, in 3 dimensions)",
            path.display()
        )
    );
    // An HTML page saved in place of the file.
    let path = write(&dir, "page", b"<!DOCTYPE html><html></html>");
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: wrong magic number: expected 0x00000801 (an IDX label file), found 0x3c21444f \
             (the text \"<!DO\"): not an IDX file",
            path.display()
        )
    );
    let path = write(&dir, "binary", &[0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 0]);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: wrong magic number: expected 0x00000801 (an IDX label file), found 0xdeadbeef: \
             not an IDX file",
            path.display()
        )
    );
}

#[test]
fn images_of_another_size_than_d_are_an_error() {
    let dir = scratch("dimensions");
    let path = write(&dir, "images", &image_file(28, 28, &[0; 784]));
    assert_eq!(
        images_error::<64>(&path),
        format!(
            "{}: wrong image size: 28×28 = 784 pixels, expected 64",
            path.display()
        )
    );
    assert_eq!(idx::read_images::<784>(&path).unwrap().len(), 1);
}

#[test]
fn image_and_label_counts_must_match() {
    let dir = scratch("counts");
    let images = write(&dir, "images", &image_file(2, 2, &[0; 12]));
    let labels = write(&dir, "labels", &label_file(&[1, 2, 3, 4]));
    let err = LabelledImages::<4>::read(&images, &labels).unwrap_err();
    assert_eq!(
        message(err),
        format!(
            "3 images in {} but 4 labels in {}; every image needs exactly one label",
            images.display(),
            labels.display()
        )
    );

    small_mnist(&dir, [false; 4]);
    write(&dir, "train-labels-idx1-ubyte", &label_file(&[1, 2, 3]));
    let err = idx::read_mnist::<784>(&dir).unwrap_err();
    assert_eq!(
        message(err),
        format!(
            "5 images in {} but 3 labels in {}; every image needs exactly one label",
            dir.join("train-images-idx3-ubyte").display(),
            dir.join("train-labels-idx1-ubyte").display()
        )
    );
}

#[test]
fn corrupt_gzip_data_is_an_error() {
    let dir = scratch("gzip");
    let good = gzip(&label_file(&[1, 2, 3, 4, 5, 6, 7, 8]));

    // A wrong checksum (the CRC-32 is the trailer's first 4 bytes).
    let mut bad_crc = good.clone();
    let at = bad_crc.len() - 8;
    bad_crc[at] ^= 0xff;
    let path = write(&dir, "crc.gz", &bad_crc);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: corrupt gzip data: corrupt gzip stream does not have a matching checksum",
            path.display()
        )
    );
    let err = idx::read_labels(&path).unwrap_err();
    let source = std::error::Error::source(&err).expect("the gzip error is the source");
    assert_eq!(
        source.to_string(),
        "corrupt gzip stream does not have a matching checksum"
    );

    // Cut short: in the compressed data, and in the trailer (checksum and length).
    let path = write(&dir, "short.gz", &good[..good.len() / 2]);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: corrupt gzip data: incomplete deflate stream",
            path.display()
        )
    );
    let path = write(&dir, "trailer.gz", &good[..good.len() - 3]);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: corrupt gzip data: unexpected end of file",
            path.display()
        )
    );

    // The gzip magic bytes, and then not gzip: compression method 7 (deflate is 8).
    let mut not_gzip = good.clone();
    not_gzip[2] = 7;
    let path = write(&dir, "header.gz", &not_gzip);
    assert_eq!(
        labels_error(&path),
        format!("{}: corrupt gzip data: invalid gzip header", path.display())
    );

    // A damaged deflate stream.
    let mut bad_data = good.clone();
    for b in &mut bad_data[10..14] {
        *b ^= 0xff;
    }
    let path = write(&dir, "data.gz", &bad_data);
    assert_eq!(
        labels_error(&path),
        format!(
            "{}: corrupt gzip data: corrupt deflate stream",
            path.display()
        )
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_directory_is_not_a_file() {
    let dir = scratch("directory");
    assert_eq!(
        labels_error(&dir),
        format!(
            "{}: cannot read: Is a directory (os error 21)",
            dir.display()
        )
    );
}
