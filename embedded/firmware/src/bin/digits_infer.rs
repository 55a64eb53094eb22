//! Digits 64-32-10 inference with fixed weights in flash, over the embedded test images.
#![no_std]
#![no_main]

use core::hint::black_box;

use nn_embedded_workload::{
    data, digits, digits_infer_result, digits_inference, digits_task, measured,
};
use nn_firmware::{entry, Harness};

/// The weights, in read-only memory (flash).
static WEIGHTS: digits::Params = digits_task::FIXED;

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    harness.measure("digits_infer", measured::DIGITS_INFERENCES, |i| {
        let x = &data::TEST[i as usize % data::TEST.len()].0;
        digits_inference(black_box(&WEIGHTS), black_box(x))
    });
    let result = digits_infer_result(harness.out(), &WEIGHTS);
    harness.finish(result)
}
