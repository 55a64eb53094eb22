//! XOR 2-4-1 trained with the Trainer and Adam from its seeded initial weights.
//!
//! Measured twice: `xor_train_all` makes the parameters and the trainer inside the measured
//! call (its stack is all the RAM training needs besides static data), `xor_train` trains
//! state made before (its instructions per step and its stack are the steps' own).
#![no_std]
#![no_main]

use nn_embedded_workload::{measured, xor_task, xor_train_result, xor_trainer};
use nn_firmware::{entry, Harness};

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    let data = xor_task::DATA;
    let epochs = measured::XOR_EPOCHS;
    let all = harness.measure("xor_train_all", 1, |_| {
        let mut params = xor_task::initial();
        xor_trainer!(epochs).fit(&mut params, &data)
    });
    let mut params = xor_task::initial();
    let mut trainer = xor_trainer!(epochs);
    let state = core::mem::size_of_val(&params) + core::mem::size_of_val(&trainer);
    let summary = harness.measure("xor_train", 1, |_| trainer.fit(&mut params, &data));
    harness.note("steps", epochs * data.len());
    harness.note("state", state);
    let result = match (all, summary) {
        (Ok(_), Ok(summary)) => xor_train_result(harness.out(), summary.loss).map_err(|_| "output"),
        _ => Err("training failed"),
    };
    harness.finish(result)
}
