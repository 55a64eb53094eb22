//! The comparison run: XOR and digits trained on the device, every number printed for the
//! host to compare (`nn-embedded-host compare`); exits with 1 if either did not learn.
#![no_std]
#![no_main]

use nn_firmware::{entry, Harness};

#[entry]
fn main() -> ! {
    let mut harness = Harness::start();
    let result = nn_embedded_workload::check(harness.out());
    harness.finish(result)
}
