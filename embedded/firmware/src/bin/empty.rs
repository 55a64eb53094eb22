//! The harness alone, with the same kinds of output as the measuring images: the baseline
//! whose flash and RAM the others' are counted above.
#![no_std]
#![no_main]

use core::fmt::Write;
use core::hint::black_box;

use nn_firmware::{entry, Harness};

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    let x = harness.measure("empty", 1000, |i| black_box(i as f32));
    let result = writeln!(harness.out(), "result empty {:?}", black_box(x) - 999.0);
    harness.note("steps", 1);
    harness.finish(result)
}
