//! XOR 2-4-1 inference with trained weights in flash, repeated over the four inputs.
#![no_std]
#![no_main]

use core::hint::black_box;

use nn_embedded_workload::{measured, xor, xor_infer_result, xor_inference, xor_task};
use nn_firmware::{entry, Harness};

/// The weights, in read-only memory (flash).
static WEIGHTS: xor::Params = xor_task::TRAINED;

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    let data = xor_task::DATA;
    harness.measure("xor_infer", measured::XOR_INFERENCES, |i| {
        xor_inference(black_box(&WEIGHTS), black_box(data[i as usize % 4].0))
    });
    let result = xor_infer_result(harness.out(), &WEIGHTS);
    harness.finish(result)
}
