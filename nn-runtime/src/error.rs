//! The one error type of the runtime: everything a user can get wrong is a value, not a panic.

use core::fmt;

/// Which quantity turned NaN or infinite during training.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// The loss of a sample.
    Loss,
    /// The (mini-batch mean, clipped) gradient.
    Gradient,
    /// The parameters after an optimizer step (they are rolled back to the values before it).
    Parameters,
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quantity::Loss => "loss",
            Quantity::Gradient => "gradient",
            Quantity::Parameters => "parameters",
        })
    }
}

/// Everything that can go wrong in the runtime.
///
/// ```
/// use nn_runtime::Error;
/// let e = Error::LengthMismatch { inputs: 4, targets: 3 };
/// assert_eq!(e.to_string(), "4 inputs but 3 targets; every input needs exactly one target");
/// // `Debug` prints the same sentence, so `fn main() -> Result<(), nn::Error>` shows it.
/// assert_eq!(format!("{e:?}"), e.to_string());
/// ```
#[non_exhaustive]
pub enum Error {
    /// Input and target slices of different lengths.
    LengthMismatch {
        /// Number of inputs.
        inputs: usize,
        /// Number of targets.
        targets: usize,
    },
    /// Training or evaluation on a data set without samples.
    EmptyData,
    /// A loss that applies a softmax or a sigmoid itself (it expects logits) for a network
    /// whose output is one already.
    LogitsExpected {
        /// What the network's output is.
        output: crate::network::OutputKind,
    },
    /// A setting that cannot work, such as a batch size of 0; the text names it.
    InvalidSetting(&'static str),
    /// A class index outside `0..classes`.
    ClassOutOfRange {
        /// The offending index.
        class: usize,
        /// Number of classes.
        classes: usize,
    },
    /// Training diverged: a NaN or infinite value appeared. The parameters keep their last
    /// finite values (those before the failing step).
    NonFinite {
        /// What was not finite.
        quantity: Quantity,
        /// The epoch, counted from 0.
        epoch: usize,
        /// The optimizer step within that epoch, counted from 0.
        step: usize,
    },
    /// A weights buffer or file ended early.
    Truncated {
        /// Bytes the format needs.
        needed: usize,
        /// Bytes there were.
        found: usize,
    },
    /// A weights buffer has bytes after the checksum.
    TrailingBytes {
        /// Bytes the format needs.
        needed: usize,
        /// Bytes there were.
        found: usize,
    },
    /// The bytes do not start with the weights file magic number.
    BadMagic,
    /// A weights format version this runtime does not read.
    UnsupportedVersion(u16),
    /// Weights stored as one float type, loaded as another (sizes in bytes).
    ScalarMismatch {
        /// Size of the float the parameters use.
        expected: u8,
        /// Size of the float in the file.
        found: u8,
    },
    /// Weights of a different number of parameters.
    CountMismatch {
        /// Scalars the parameters have.
        expected: u32,
        /// Scalars in the file.
        found: u32,
    },
    /// Weights of a network with other tensor names or shapes (same count, other layout).
    LayoutMismatch,
    /// The checksum over header and values does not match: the bytes are corrupt.
    ChecksumMismatch,
    /// A destination buffer too small for the encoded weights.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
        /// Bytes available.
        available: usize,
    },
    /// Writing formatted text failed.
    Format,
    /// An operating-system error while reading or writing a file.
    #[cfg(feature = "std")]
    Io(std::io::Error),
    /// Drawing a plot failed; the text is the plotting library's message.
    #[cfg(feature = "plot")]
    Plot(std::string::String),
    /// An MNIST IDX file that cannot be read: missing, truncated, of the wrong kind or size,
    /// corrupt gzip data, or image and label files of different lengths; the message names
    /// the file (feature `idx`, [`crate::idx`]).
    #[cfg(feature = "idx")]
    Idx(crate::idx::IdxError),
}

/// The message, not the variant's fields: `fn main() -> Result<(), Error>` prints an error with
/// `Debug`, and the message is what says what to do.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::LogitsExpected { output } => {
                let (last, squash, instead) = match output {
                    crate::network::OutputKind::Sigmoid => (
                        "sigmoid",
                        "a sigmoid",
                        ", or keep it and train with `BinaryCrossEntropy`, which takes probabilities",
                    ),
                    _ => ("softmax", "a softmax", ""),
                };
                write!(
                    f,
                    "the network's output is already {squash}, but this loss applies {squash} itself and expects logits: end the network before its final `{last}(…)`{instead}"
                )
            }
            Error::LengthMismatch { inputs, targets } => write!(
                f,
                "{inputs} inputs but {targets} targets; every input needs exactly one target"
            ),
            Error::EmptyData => f.write_str("the data set has no samples"),
            Error::InvalidSetting(what) => write!(f, "invalid setting: {what}"),
            Error::ClassOutOfRange { class, classes } => {
                write!(f, "class {class} out of range for {classes} classes")
            }
            Error::NonFinite {
                quantity,
                epoch,
                step,
            } => write!(
                f,
                "training diverged: the {quantity} became NaN or infinite at epoch {epoch}, \
                 step {step}; the parameters keep their values from before that step"
            ),
            Error::Truncated { needed, found } => {
                write!(f, "weights truncated: need {needed} bytes, found {found}")
            }
            Error::TrailingBytes { needed, found } => {
                write!(
                    f,
                    "weights have trailing bytes: need {needed}, found {found}"
                )
            }
            Error::BadMagic => f.write_str("not a weights file (bad magic number)"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported weights format version {v}"),
            Error::ScalarMismatch { expected, found } => write!(
                f,
                "weights hold {found}-byte floats but the parameters use {expected}-byte floats"
            ),
            Error::CountMismatch { expected, found } => write!(
                f,
                "weights hold {found} parameters but the network has {expected}"
            ),
            Error::LayoutMismatch => {
                f.write_str("weights belong to a network with other tensor names or shapes")
            }
            Error::ChecksumMismatch => f.write_str("weights corrupt: checksum mismatch"),
            Error::BufferTooSmall { needed, available } => write!(
                f,
                "buffer too small for the weights: need {needed} bytes, have {available}"
            ),
            Error::Format => f.write_str("writing formatted text failed"),
            #[cfg(feature = "std")]
            Error::Io(e) => write!(f, "i/o error: {e}"),
            #[cfg(feature = "plot")]
            Error::Plot(e) => write!(f, "plotting failed: {e}"),
            #[cfg(feature = "idx")]
            Error::Idx(e) => fmt::Display::fmt(e, f),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            #[cfg(feature = "std")]
            Error::Io(e) => Some(e),
            // The `IdxError`'s message is this error's; its cause is the I/O or gzip error.
            #[cfg(feature = "idx")]
            Error::Idx(e) => std::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<fmt::Error> for Error {
    fn from(_: fmt::Error) -> Self {
        Error::Format
    }
}

#[cfg(feature = "std")]
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}
