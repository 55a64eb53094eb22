//! Digits 64-32-10 trained with the Trainer (Adam, batches of 16, a cosine schedule) from its
//! seeded initial weights, on the 320 embedded training images.
//!
//! Measured twice: `digits_train_all` makes the parameters and the trainer inside the
//! measured call and trains with `fit` (which makes its gradient and rollback copy on the
//! stack): its stack is all the RAM training needs besides static data. `digits_train` trains
//! state made before with `fit_in` and a workspace made before: its instructions per step and
//! its stack are the steps' own.
#![no_std]
#![no_main]

use nn::train::Workspace;
use nn_embedded_workload::{
    data, digits, digits_task, digits_train_result, digits_trainer, measured,
};
use nn_firmware::{entry, Harness};

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    let epochs = measured::DIGITS_EPOCHS;
    let all = harness.measure("digits_train_all", 1, |_| {
        let mut params = digits_task::initial();
        digits_trainer!(epochs).fit(&mut params, &data::TRAIN)
    });
    let mut params = digits_task::initial();
    let mut trainer = digits_trainer!(epochs);
    let mut workspace = Workspace::<digits::Params>::new();
    let state = core::mem::size_of_val(&params)
        + core::mem::size_of_val(&trainer)
        + core::mem::size_of_val(&workspace);
    let summary = harness.measure("digits_train", 1, |_| {
        trainer.fit_in(&mut workspace, &mut params, &data::TRAIN, |_| ())
    });
    let batches = data::TRAIN.len().div_ceil(digits_task::BATCH);
    harness.note("steps", epochs * batches);
    harness.note("state", state);
    let result = match (all, summary) {
        (Ok(_), Ok(summary)) => {
            digits_train_result(harness.out(), summary.loss).map_err(|_| "output")
        }
        _ => Err("training failed"),
    };
    harness.finish(result)
}
