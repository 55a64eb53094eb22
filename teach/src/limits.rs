//! What one request may ask of the server, so that any input, however large or strange, gets
//! an answer in bounded time and memory, and the server goes on serving.

use std::time::Duration;

/// Characters of the network, of the bindings, of the values.
pub const NETWORK_CHARS: usize = 20_000;
/// Characters of the data.
pub const DATA_CHARS: usize = 100_000;
/// Rows of data.
pub const ROWS: usize = 2_000;
/// Epochs of a training run.
pub const EPOCHS: usize = 100_000;
/// The longest an explanation may take (compiling and evaluating the network).
pub const EXPLAIN_TIME: Duration = Duration::from_secs(5);
/// The longest a training run may take; it stops there, with its parameters.
pub const TRAIN_TIME: Duration = Duration::from_secs(120);
/// Requests body size: the largest network, bindings, values and data, with room for JSON.
pub const BODY_BYTES: usize = 512 * 1024;
/// Explanations computed at once (the machine's cores do the work; more at once would only
/// make each slower); a pool of their own, so that training runs never hold them up.
pub const EXPLAINING: usize = 2;
/// Training runs at once.
pub const TRAINING: usize = 2;
/// Shortest time between two progress events of a training run (the page redraws on each).
pub const PROGRESS_EVERY: Duration = Duration::from_millis(30);

/// An error when `text` (what the page calls `what`) is longer than `max` characters.
pub fn length(what: &str, text: &str, max: usize) -> Result<(), String> {
    let n = text.chars().count();
    if n > max {
        return Err(format!(
            "the {what} is {n} characters long; the page takes at most {max}"
        ));
    }
    Ok(())
}
