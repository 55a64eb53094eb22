//! The MNIST data set from its IDX files (feature `idx`).
//!
//! MNIST (Yann LeCun, Corinna Cortes and Christopher J. C. Burges) is 70 000 hand-written
//! digits of 28×28 grey pixels, stored as four files in the IDX format that LeCun's MNIST page
//! (`http://yann.lecun.com/exdb/mnist/`) describes:
//!
//! | file | magic number | dimensions | content |
//! |---|---|---|---|
//! | [`TRAIN_IMAGES`] `train-images-idx3-ubyte` | `0x00000803` | 60 000 × 28 × 28 | training images |
//! | [`TRAIN_LABELS`] `train-labels-idx1-ubyte` | `0x00000801` | 60 000 | training labels |
//! | [`TEST_IMAGES`] `t10k-images-idx3-ubyte` | `0x00000803` | 10 000 × 28 × 28 | test images |
//! | [`TEST_LABELS`] `t10k-labels-idx1-ubyte` | `0x00000801` | 10 000 | test labels |
//!
//! An IDX file is a header and then the values, row-major (the last dimension varies
//! fastest). The header is a magic number, two zero bytes, a byte for the value type
//! (`0x08`: unsigned byte) and a byte for the number of dimensions, followed by each dimension
//! as a 32-bit big-endian unsigned integer: 16 bytes for images (count, rows, columns), 8 for
//! labels (count). Pixels are 0 (background) to 255 (ink); labels are the digits 0 to 9.
//!
//! The files are usually distributed gzipped (`train-images-idx3-ubyte.gz`, …). Every reader
//! here takes either: a file whose first two bytes are gzip's magic bytes `1f 8b` is
//! decompressed while it is read, whatever its name; any other file is read as it is.
//!
//! ```no_run
//! use nn_runtime::idx;
//!
//! # fn main() -> Result<(), nn_runtime::Error> {
//! // The four files (each with or without `.gz`) in one directory.
//! let mnist: idx::Mnist = idx::read_mnist("data/mnist")?;
//! assert_eq!((mnist.train.len(), mnist.test.len()), (60_000, 10_000));
//! let (image, label) = (&mnist.train.images()[0], mnist.train.labels()[0]);
//! assert!(image.iter().all(|p| (0.0..=1.0).contains(p)) && label <= 9);
//!
//! // Or one file at a time; the pixels per image are the array length, checked against the
//! // file's rows × columns.
//! let images = idx::read_images::<784>("data/mnist/t10k-images-idx3-ubyte.gz")?;
//! let labels = idx::read_labels("data/mnist/t10k-labels-idx1-ubyte.gz")?;
//! # Ok(())
//! # }
//! ```
//!
//! A [`LabelledImages`] is a [`Dataset`] of `([f32; D], usize)` samples, so `&mnist.train` goes
//! straight to [`Trainer::fit`](crate::Trainer::fit) with
//! [`SoftmaxCrossEntropy`](crate::loss::SoftmaxCrossEntropy) and class-index targets, and to
//! [`metrics`](crate::metrics).
//!
//! Every problem with a file is an [`Error::Idx`] naming the file and what is wrong with it
//! ([`IdxError`] lists them): a missing file, a truncated header or truncated data, bytes
//! after the data, a wrong magic number (also telling when an image and a label file were
//! swapped), images of another size than `D`, corrupt gzip data, and image and label files of
//! different lengths.

use core::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::vec::Vec;

use crate::data::Dataset;
use crate::error::Error;

/// File name of the 60 000 training images (the reader also looks for it with `.gz`).
pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
/// File name of the 60 000 training labels (the reader also looks for it with `.gz`).
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
/// File name of the 10 000 test images (the reader also looks for it with `.gz`).
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
/// File name of the 10 000 test labels (the reader also looks for it with `.gz`).
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// Pixels of an MNIST image: 28 rows × 28 columns.
pub const PIXELS: usize = 28 * 28;

/// The two kinds of IDX file MNIST has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Images: unsigned bytes in 3 dimensions (count, rows, columns); magic `0x00000803`.
    Images,
    /// Labels: unsigned bytes in 1 dimension (count); magic `0x00000801`.
    Labels,
}

impl Kind {
    /// The magic number that starts a file of this kind: `0x00000803` for images,
    /// `0x00000801` for labels.
    pub const fn magic(self) -> u32 {
        match self {
            Kind::Images => 0x0000_0803,
            Kind::Labels => 0x0000_0801,
        }
    }

    /// Bytes of the header, magic number included: 16 for images, 8 for labels.
    pub const fn header_len(self) -> usize {
        match self {
            Kind::Images => 16,
            Kind::Labels => 8,
        }
    }

    fn singular(self) -> &'static str {
        match self {
            Kind::Images => "image",
            Kind::Labels => "label",
        }
    }

    fn other(self) -> Kind {
        match self {
            Kind::Images => Kind::Labels,
            Kind::Labels => Kind::Images,
        }
    }
}

/// "images" or "labels".
impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Images => "images",
            Kind::Labels => "labels",
        })
    }
}

/// What is wrong with an IDX file; the runtime's [`Error::Idx`] carries it, and its message
/// names the file.
#[derive(Debug)]
#[non_exhaustive]
pub enum IdxError {
    /// No file at any of the paths tried: the path given, or for [`find_file`] and
    /// [`read_mnist`] the name without and with `.gz`.
    Missing {
        /// The paths tried, in order.
        tried: Vec<PathBuf>,
    },
    /// The operating system could not open or read the file (other than its not existing).
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// The gzip data cannot be decompressed: a damaged or truncated `.gz` file.
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decompressor's error.
        source: io::Error,
    },
    /// The file ends inside the header.
    TruncatedHeader {
        /// The file.
        path: PathBuf,
        /// Bytes of the header ([`Kind::header_len`]).
        expected: usize,
        /// Bytes the file has (decompressed, for a gzipped file).
        found: usize,
    },
    /// The file does not start with the magic number of the kind of file asked for.
    WrongMagic {
        /// The file.
        path: PathBuf,
        /// The kind of file asked for, whose magic number was expected.
        expected: Kind,
        /// The first four bytes, big-endian.
        found: u32,
    },
    /// The images are not of `D` pixels (the array length asked for).
    WrongDimensions {
        /// The file.
        path: PathBuf,
        /// Rows per image, from the header.
        rows: u32,
        /// Columns per image, from the header.
        cols: u32,
        /// Pixels per image asked for, `D`.
        expected: usize,
    },
    /// The file ends before the values its header announces.
    TruncatedData {
        /// The file.
        path: PathBuf,
        /// Images or labels.
        kind: Kind,
        /// Images or labels the header announces.
        count: usize,
        /// Bytes of values after the header that `count` needs.
        expected: u64,
        /// Bytes of values after the header the file has.
        found: u64,
    },
    /// The file has bytes after the values its header announces.
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Images or labels.
        kind: Kind,
        /// Images or labels the header announces.
        count: usize,
        /// Bytes of values after the header that `count` needs.
        expected: u64,
        /// Bytes after the header the file has.
        found: u64,
    },
    /// An image file and a label file of different lengths.
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// Images in it.
        image_count: usize,
        /// The label file.
        labels: PathBuf,
        /// Labels in it.
        label_count: usize,
    },
}

impl fmt::Display for IdxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdxError::Missing { tried } => {
                f.write_str("file not found: ")?;
                if tried.len() > 1 {
                    f.write_str("tried ")?;
                }
                for (i, path) in tried.iter().enumerate() {
                    match i {
                        0 => {}
                        _ if i + 1 == tried.len() => f.write_str(" and ")?,
                        _ => f.write_str(", ")?,
                    }
                    write!(f, "{}", path.display())?;
                }
                Ok(())
            }
            IdxError::Io { path, source } => write!(f, "{}: cannot read: {source}", path.display()),
            IdxError::Gzip { path, source } => {
                write!(f, "{}: corrupt gzip data: {source}", path.display())
            }
            IdxError::TruncatedHeader {
                path,
                expected,
                found,
            } => write!(
                f,
                "{}: truncated header: expected {expected} bytes, found {found}",
                path.display()
            ),
            IdxError::WrongMagic {
                path,
                expected,
                found,
            } => {
                write!(
                    f,
                    "{}: wrong magic number: expected {:#010x} (an IDX {} file), found {found:#010x}",
                    path.display(),
                    expected.magic(),
                    expected.singular()
                )?;
                let bytes = found.to_be_bytes();
                if *found == expected.other().magic() {
                    write!(
                        f,
                        ", the magic number of an IDX {} file: are the image and label files swapped?",
                        expected.other().singular()
                    )
                } else if bytes[..2] == [0, 0] {
                    write!(
                        f,
                        ", an IDX file of value type {:#04x} in {} dimensions, not MNIST {expected} \
                         (unsigned bytes, type 0x08, in {} dimensions)",
                        bytes[2],
                        bytes[3],
                        match expected {
                            Kind::Images => 3,
                            Kind::Labels => 1,
                        }
                    )
                } else if bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
                    let text: std::string::String = bytes.iter().map(|&b| char::from(b)).collect();
                    write!(f, " (the text \"{text}\"): not an IDX file")
                } else {
                    f.write_str(": not an IDX file")
                }
            }
            IdxError::WrongDimensions {
                path,
                rows,
                cols,
                expected,
            } => write!(
                f,
                "{}: wrong image size: {rows}×{cols} = {} pixels, expected {expected}",
                path.display(),
                u64::from(*rows) * u64::from(*cols)
            ),
            IdxError::TruncatedData {
                path,
                kind,
                count,
                expected,
                found,
            } => write!(
                f,
                "{}: truncated data: expected {expected} bytes for the {count} {kind} the header \
                 announces, found {found}",
                path.display()
            ),
            IdxError::TrailingBytes {
                path,
                kind,
                count,
                expected,
                found,
            } => write!(
                f,
                "{}: trailing bytes: expected {expected} bytes for the {count} {kind} the header \
                 announces, found {found}",
                path.display()
            ),
            IdxError::CountMismatch {
                images,
                image_count,
                labels,
                label_count,
            } => write!(
                f,
                "{image_count} images in {} but {label_count} labels in {}; every image needs \
                 exactly one label",
                images.display(),
                labels.display()
            ),
        }
    }
}

impl std::error::Error for IdxError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            IdxError::Io { source, .. } | IdxError::Gzip { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<IdxError> for Error {
    fn from(e: IdxError) -> Self {
        Error::Idx(e)
    }
}

/// Images with one class label each, in file order: a [`Dataset`] of `([f32; D], usize)`
/// samples (pixels in [0, 1], label as read, 0 to 9 for MNIST).
///
/// The images and labels are held in two vectors of equal length (it is checked where the
/// set is made), so a set of 60 000 MNIST images takes 60 000 × 784 × 4 bytes ≈ 188 MB for
/// the pixels and 480 KB for the labels.
#[derive(Clone, PartialEq)]
pub struct LabelledImages<const D: usize = PIXELS> {
    images: Vec<[f32; D]>,
    labels: Vec<usize>,
}

impl<const D: usize> LabelledImages<D> {
    /// Pairs `images[i]` with `labels[i]`.
    ///
    /// Errors: [`Error::LengthMismatch`] for vectors of different lengths.
    pub fn new(images: Vec<[f32; D]>, labels: Vec<usize>) -> Result<Self, Error> {
        if images.len() != labels.len() {
            return Err(Error::LengthMismatch {
                inputs: images.len(),
                targets: labels.len(),
            });
        }
        Ok(LabelledImages { images, labels })
    }

    /// Reads an image file ([`read_images`]) and a label file ([`read_labels`]).
    ///
    /// Errors: those of the two readers, and [`IdxError::CountMismatch`] when the files hold
    /// different numbers of images and labels.
    pub fn read(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Self, Error> {
        let (images_path, labels_path) = (images.as_ref(), labels.as_ref());
        let images = read_images(images_path)?;
        let labels = read_labels(labels_path)?;
        if images.len() != labels.len() {
            return Err(IdxError::CountMismatch {
                images: images_path.to_path_buf(),
                image_count: images.len(),
                labels: labels_path.to_path_buf(),
                label_count: labels.len(),
            }
            .into());
        }
        Ok(LabelledImages { images, labels })
    }

    /// The images, each `D` pixels in [0, 1], row by row.
    pub fn images(&self) -> &[[f32; D]] {
        &self.images
    }

    /// The labels, one per image.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Number of images (and labels).
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Keeps the first `n` images and their labels (all of them if there are fewer).
    pub fn truncate(&mut self, n: usize) {
        self.images.truncate(n);
        self.labels.truncate(n);
    }

    /// The images and the labels, as two vectors of equal length.
    pub fn into_parts(self) -> (Vec<[f32; D]>, Vec<usize>) {
        (self.images, self.labels)
    }
}

/// The size, not the pixels: `LabelledImages { len: 60000, pixels: 784 }`.
impl<const D: usize> fmt::Debug for LabelledImages<D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabelledImages")
            .field("len", &self.len())
            .field("pixels", &D)
            .finish()
    }
}

impl<const D: usize> Dataset<[f32; D], usize> for LabelledImages<D> {
    fn len(&self) -> usize {
        self.images.len()
    }
    fn sample(&self, i: usize) -> Option<(&[f32; D], &usize)> {
        Some((self.images.get(i)?, self.labels.get(i)?))
    }
}

/// The MNIST training and test sets, as [`read_mnist`] reads them.
#[derive(Clone, Debug, PartialEq)]
pub struct Mnist<const D: usize = PIXELS> {
    /// The training set: [`TRAIN_IMAGES`] and [`TRAIN_LABELS`], 60 000 images in MNIST.
    pub train: LabelledImages<D>,
    /// The test set: [`TEST_IMAGES`] and [`TEST_LABELS`], 10 000 images in MNIST.
    pub test: LabelledImages<D>,
}

/// Reads the four MNIST files from the directory `dir`: [`TRAIN_IMAGES`], [`TRAIN_LABELS`],
/// [`TEST_IMAGES`] and [`TEST_LABELS`], each by [`find_file`] (plain or gzipped, with or
/// without `.gz` in its name). All four are found before any is read.
///
/// `D` is the pixels per image, 784 ([`PIXELS`]) for MNIST (the default of [`Mnist`]; a
/// smaller `D` is an error, the images are not resized).
///
/// Errors ([`Error::Idx`]): a file missing ([`IdxError::Missing`], with both names tried),
/// any error of [`read_images`] and [`read_labels`], and an image file and its label file of
/// different lengths ([`IdxError::CountMismatch`]).
pub fn read_mnist<const D: usize>(dir: impl AsRef<Path>) -> Result<Mnist<D>, Error> {
    let dir = dir.as_ref();
    let train_images = find_file(dir, TRAIN_IMAGES)?;
    let train_labels = find_file(dir, TRAIN_LABELS)?;
    let test_images = find_file(dir, TEST_IMAGES)?;
    let test_labels = find_file(dir, TEST_LABELS)?;
    Ok(Mnist {
        train: LabelledImages::read(train_images, train_labels)?,
        test: LabelledImages::read(test_images, test_labels)?,
    })
}

/// The path of the file `name` in `dir`: `dir/name` if it exists, else `dir/name.gz` if that
/// exists.
///
/// Errors: [`IdxError::Missing`] listing both paths when neither exists.
pub fn find_file(dir: impl AsRef<Path>, name: &str) -> Result<PathBuf, Error> {
    let plain = dir.as_ref().join(name);
    let mut gz_name = std::string::String::from(name);
    gz_name.push_str(".gz");
    let gz = dir.as_ref().join(gz_name);
    if plain.exists() {
        Ok(plain)
    } else if gz.exists() {
        Ok(gz)
    } else {
        Err(IdxError::Missing {
            tried: std::vec![plain, gz],
        }
        .into())
    }
}

/// Reads an IDX image file (magic `0x00000803`: unsigned bytes, count × rows × columns),
/// plain or gzipped, into one array of `D` = rows × columns pixels per image, row by row, each
/// pixel divided by 255 to lie in [0, 1].
///
/// Errors ([`Error::Idx`], each naming the file): [`IdxError::Missing`], [`IdxError::Io`],
/// [`IdxError::Gzip`], [`IdxError::TruncatedHeader`] (fewer than 16 bytes),
/// [`IdxError::WrongMagic`] (for instance a label file), [`IdxError::WrongDimensions`]
/// (rows × columns ≠ `D`), [`IdxError::TruncatedData`] and [`IdxError::TrailingBytes`]
/// (fewer or more than count × rows × columns bytes after the header).
pub fn read_images<const D: usize>(path: impl AsRef<Path>) -> Result<Vec<[f32; D]>, Error> {
    let path = path.as_ref();
    let mut file = IdxReader::open(path)?;
    let dims = file.header(Kind::Images)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if u64::from(rows) * u64::from(cols) != D as u64 {
        return Err(IdxError::WrongDimensions {
            path: path.to_path_buf(),
            rows,
            cols,
            expected: D,
        }
        .into());
    }
    let bytes = file.values(Kind::Images, count as usize, D as u64)?;
    let mut images = Vec::with_capacity(count as usize);
    for chunk in bytes.chunks_exact(D.max(1)).take(count as usize) {
        let mut image = [0.0; D];
        for (pixel, &byte) in image.iter_mut().zip(chunk) {
            *pixel = f32::from(byte) / 255.0;
        }
        images.push(image);
    }
    // D = 0: no bytes, `count` empty images.
    images.resize(count as usize, [0.0; D]);
    Ok(images)
}

/// Reads an IDX label file (magic `0x00000801`: unsigned bytes, one dimension, the count),
/// plain or gzipped, one label per byte. Labels are returned as read (0 to 9 for MNIST; a
/// larger one is not an error here, [`SoftmaxCrossEntropy`](crate::loss::SoftmaxCrossEntropy)
/// and [`metrics`](crate::metrics) report a class out of range).
///
/// Errors ([`Error::Idx`], each naming the file): [`IdxError::Missing`], [`IdxError::Io`],
/// [`IdxError::Gzip`], [`IdxError::TruncatedHeader`] (fewer than 8 bytes),
/// [`IdxError::WrongMagic`] (for instance an image file), [`IdxError::TruncatedData`] and
/// [`IdxError::TrailingBytes`] (fewer or more than count bytes after the header).
pub fn read_labels(path: impl AsRef<Path>) -> Result<Vec<usize>, Error> {
    let mut file = IdxReader::open(path.as_ref())?;
    let dims = file.header(Kind::Labels)?;
    let bytes = file.values(Kind::Labels, dims[0] as usize, 1)?;
    Ok(bytes.into_iter().map(usize::from).collect())
}

/// The bytes of a file, decompressed on the way if it is gzipped.
enum Source {
    Plain(BufReader<File>),
    Gzip(flate2::bufread::MultiGzDecoder<BufReader<File>>),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Source::Plain(r) => r.read(buf),
            Source::Gzip(r) => r.read(buf),
        }
    }
}

/// An open IDX file, read front to back.
struct IdxReader<'a> {
    path: &'a Path,
    source: Source,
}

/// gzip's magic bytes (RFC 1952).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

impl<'a> IdxReader<'a> {
    fn open(path: &'a Path) -> Result<Self, IdxError> {
        let io_error = |source: io::Error| IdxError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => IdxError::Missing {
                tried: std::vec![path.to_path_buf()],
            },
            _ => io_error(e),
        })?;
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let gzipped = reader
            .fill_buf()
            .map_err(io_error)?
            .starts_with(&GZIP_MAGIC);
        let source = if gzipped {
            Source::Gzip(flate2::bufread::MultiGzDecoder::new(reader))
        } else {
            Source::Plain(reader)
        };
        Ok(IdxReader { path, source })
    }

    fn error(&self, source: io::Error) -> IdxError {
        let path = self.path.to_path_buf();
        match self.source {
            Source::Plain(_) => IdxError::Io { path, source },
            Source::Gzip(_) => IdxError::Gzip { path, source },
        }
    }

    /// Up to `limit` bytes: fewer only at the end of the file.
    fn read_up_to(&mut self, limit: u64) -> Result<Vec<u8>, IdxError> {
        let mut bytes = Vec::new();
        match (&mut self.source).take(limit).read_to_end(&mut bytes) {
            Ok(_) => Ok(bytes),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Checks the magic number and returns the dimensions (count first).
    fn header(&mut self, kind: Kind) -> Result<Vec<u32>, IdxError> {
        let (path, expected) = (self.path, kind.header_len());
        let truncated = |found: usize| IdxError::TruncatedHeader {
            path: path.to_path_buf(),
            expected,
            found,
        };
        let magic = self.read_up_to(4)?;
        let magic: [u8; 4] = magic[..].try_into().map_err(|_| truncated(magic.len()))?;
        let found = u32::from_be_bytes(magic);
        if found != kind.magic() {
            return Err(IdxError::WrongMagic {
                path: path.to_path_buf(),
                expected: kind,
                found,
            });
        }
        let rest = self.read_up_to(expected as u64 - 4)?;
        if rest.len() < expected - 4 {
            return Err(truncated(4 + rest.len()));
        }
        Ok(rest
            .chunks_exact(4)
            .map(|d| u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
            .collect())
    }

    /// The `count` values of `size` bytes each after the header, and nothing after them.
    fn values(&mut self, kind: Kind, count: usize, size: u64) -> Result<Vec<u8>, IdxError> {
        let expected = count as u64 * size;
        let bytes = self.read_up_to(expected)?;
        let found = bytes.len() as u64;
        if found < expected {
            return Err(IdxError::TruncatedData {
                path: self.path.to_path_buf(),
                kind,
                count,
                expected,
                found,
            });
        }
        let more = io::copy(&mut self.source, &mut io::sink()).map_err(|e| self.error(e))?;
        if more > 0 {
            return Err(IdxError::TrailingBytes {
                path: self.path.to_path_buf(),
                kind,
                count,
                expected,
                found: expected + more,
            });
        }
        Ok(bytes)
    }
}
