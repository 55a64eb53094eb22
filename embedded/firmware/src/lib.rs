//! What every image of the firmware shares: output and exit over semihosting, a panic handler
//! that reports and fails, and the measuring [`Harness`].
//!
//! The images run in QEMU on the MPS2 boards (`mps2-an385`: Cortex-M3, also with
//! `-cpu cortex-m0`; `mps2-an386`: Cortex-M4F), started with `-semihosting-config
//! enable=on,target=native` so that what they print reaches QEMU's standard output and their
//! exit status becomes QEMU's, and with `-icount shift=0`, which makes QEMU's virtual clock
//! advance 1 ns per instruction executed.
//!
//! **Instructions** are read from the board's CMSDK timer 0 (at `0x4000_0000`, clocked at
//! 25 MHz), a 32-bit down-counter: under `-icount shift=0` one tick is 40 instructions.
//! [`Harness::start`] checks that by timing a loop of a known number of instructions and
//! prints the ratio it found (`calibrate`). The timer needs no interrupt, so nothing else runs
//! during a measurement and nothing else uses the stack. (Neither QEMU's DWT cycle counter nor
//! semihosting's clock counts instructions: QEMU does not model the first, and the second
//! reads the host's clock.)
//!
//! **Stack** is measured by painting: before a measurement, every word from the end of the
//! static data (`__sheap`) to just below the current stack pointer is filled with a pattern;
//! afterwards the lowest word that no longer holds it is the deepest the workload reached.
//! What is printed is the depth below the stack pointer of the measuring function: the
//! workload's own stack, including whatever state the workload makes on it.
#![no_std]
#![deny(unsafe_code)]

use core::fmt::{self, Write};
use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_semihosting::{debug, hio};

pub use cortex_m_rt::entry;

/// Standard output over semihosting, a line at a time.
pub struct Out {
    stream: Option<hio::HostStream>,
    line: [u8; 240],
    len: usize,
}

impl Out {
    /// The host's standard output (nothing is printed if the debugger does not answer).
    pub fn new() -> Self {
        Out {
            stream: hio::hstdout().ok(),
            line: [0; 240],
            len: 0,
        }
    }

    fn flush(&mut self) -> fmt::Result {
        let len = core::mem::take(&mut self.len);
        match &mut self.stream {
            Some(stream) => stream.write_all(&self.line[..len]).map_err(|_| fmt::Error),
            None => Err(fmt::Error),
        }
    }
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

impl Write for Out {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &b in s.as_bytes() {
            if self.len == self.line.len() {
                self.flush()?;
            }
            self.line[self.len] = b;
            self.len += 1;
            if b == b'\n' {
                self.flush()?;
            }
        }
        Ok(())
    }
}

/// Ends the program: QEMU exits with status 0 for `true`, 1 for `false`.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    let mut out = Out::new();
    let _ = writeln!(out, "panic: {info}");
    exit(false)
}

/// The board's CMSDK APB timer 0 and the stack's bounds: the only `unsafe` code of the
/// firmware (volatile accesses to the timer's registers and to memory below the stack
/// pointer).
#[allow(unsafe_code)]
mod hw {
    use core::ptr::{addr_of, read_volatile, write_volatile};

    const TIMER0: usize = 0x4000_0000;
    const CTRL: usize = TIMER0;
    const VALUE: usize = TIMER0 + 0x4;
    const RELOAD: usize = TIMER0 + 0x8;

    /// Starts timer 0 counting down from 2³² − 1, without interrupts.
    pub fn start_timer() {
        // SAFETY: the registers of the CMSDK timer 0 on the MPS2 boards.
        unsafe {
            write_volatile(CTRL as *mut u32, 0);
            write_volatile(RELOAD as *mut u32, u32::MAX);
            write_volatile(VALUE as *mut u32, u32::MAX);
            write_volatile(CTRL as *mut u32, 1);
        }
    }

    /// Timer ticks since [`start_timer`] (25 MHz on the MPS2 boards).
    #[inline(always)]
    pub fn ticks() -> u32 {
        // SAFETY: a read of the timer's current value register.
        u32::MAX - unsafe { read_volatile(VALUE as *const u32) }
    }

    /// `2·n` instructions (plus the call): a loop of `subs` and `bne`.
    #[inline(never)]
    pub fn spin(n: u32) {
        // SAFETY: only counts r0 down to 0.
        unsafe {
            core::arch::asm!(
                "1:",
                "subs r0, #1",
                "bne 1b",
                inout("r0") n => _,
                options(nomem, nostack)
            );
        }
    }

    extern "C" {
        /// The end of `.bss` (cortex-m-rt's link.x): the lowest address the stack may reach.
        static __sheap: u32;
        /// The initial stack pointer (the top of RAM).
        static _stack_start: u32;
    }

    /// The lowest address the stack may reach.
    pub fn bottom() -> usize {
        addr_of!(__sheap) as usize
    }

    /// The top of the stack.
    pub fn top() -> usize {
        addr_of!(_stack_start) as usize
    }

    /// The word written below the stack pointer.
    pub const PAINT: u32 = 0x5afe_c0de;

    /// Fills the stack from [`bottom`] to 16 bytes below the stack pointer with [`PAINT`];
    /// returns the stack pointer it painted below.
    #[inline(never)]
    pub fn paint() -> usize {
        let sp = cortex_m::register::msp::read() as usize;
        let mut p = bottom();
        while p < sp - 16 {
            // SAFETY: free stack, below the stack pointer of this leaf function.
            unsafe { write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
        sp
    }

    /// The lowest address at or above [`bottom`] that no longer holds [`PAINT`].
    #[inline(never)]
    pub fn low_water(limit: usize) -> usize {
        let mut p = bottom();
        // SAFETY: reads of RAM between the end of .bss and the stack pointer.
        while p < limit && unsafe { read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        p
    }
}

/// Instructions for each timer tick when `-icount shift=0` is on (1 ns per instruction, a
/// 25 MHz timer).
pub const INSTRUCTIONS_PER_TICK: u32 = 40;

/// Times and measures workloads, printing one `measure` line each.
pub struct Harness {
    out: Out,
}

/// `f(0)`, …, `f(reps − 1)`, each result kept from the optimizer: in a frame of its own, below
/// the painted stack pointer, so that whatever `f` keeps on the stack (inlined into this
/// function) is counted.
#[inline(never)]
fn repeat<R>(f: &mut impl FnMut(u32) -> R, reps: u32) -> R {
    let mut last = black_box(f(black_box(0)));
    for i in 1..reps {
        last = black_box(f(black_box(i)));
    }
    last
}

/// What [`Harness::measure`] found.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// Instructions of all repetitions, less the empty loop's.
    pub instructions: u64,
    /// Bytes of stack below the measuring function's stack pointer.
    pub stack: usize,
}

impl Harness {
    /// Starts the timer and prints the calibration: `calibrate instructions N ticks T`, where
    /// N is the number of instructions of a known loop and T the ticks it took (N / T is 40
    /// under `-icount shift=0`).
    pub fn start() -> Self {
        hw::start_timer();
        let mut harness = Harness { out: Out::new() };
        let n = 1_000_000;
        let t0 = hw::ticks();
        hw::spin(n);
        let t1 = hw::ticks();
        let _ = writeln!(
            harness.out,
            "calibrate instructions {} ticks {}",
            2 * n,
            t1.wrapping_sub(t0)
        );
        harness
    }

    /// The output.
    pub fn out(&mut self) -> &mut Out {
        &mut self.out
    }

    /// Runs `f(0)`, …, `f(reps − 1)` and prints
    /// `measure NAME reps R instructions I stack S`: I the instructions of all R calls (the
    /// empty loop's subtracted), S the bytes of stack they used below this function's frame.
    #[inline(never)]
    pub fn measure<R>(&mut self, name: &str, reps: u32, mut f: impl FnMut(u32) -> R) -> R {
        let sp = hw::paint();
        let t0 = hw::ticks();
        let last = repeat(&mut f, reps);
        let t1 = hw::ticks();
        let low = hw::low_water(sp);
        // The loop alone, to subtract.
        let e0 = hw::ticks();
        repeat(&mut |i| i, reps);
        let e1 = hw::ticks();
        let ticks = u64::from(t1.wrapping_sub(t0)).saturating_sub(u64::from(e1.wrapping_sub(e0)));
        let m = Measurement {
            instructions: ticks * u64::from(INSTRUCTIONS_PER_TICK),
            stack: sp.saturating_sub(low),
        };
        let _ = writeln!(
            self.out,
            "measure {name} reps {reps} instructions {} stack {}",
            m.instructions, m.stack
        );
        last
    }

    /// Prints `NAME VALUE` (a count the script reads, such as the steps of a training run).
    pub fn note(&mut self, name: &str, value: usize) {
        let _ = writeln!(self.out, "note {name} {value}");
    }

    /// Prints the stack's bounds and ends the program with the status of `result`, printing the
    /// error if there is one.
    pub fn finish<E: fmt::Display>(mut self, result: Result<(), E>) -> ! {
        let _ = writeln!(
            self.out,
            "note stack_region {}",
            hw::top().saturating_sub(hw::bottom())
        );
        match result {
            Ok(()) => {
                let _ = writeln!(self.out, "ok");
                exit(true)
            }
            Err(e) => {
                let _ = writeln!(self.out, "error: {e}");
                exit(false)
            }
        }
    }
}
