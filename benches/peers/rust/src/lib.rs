//! What every Rust system of the peer benchmark shares: the data files, the schedule, the
//! timer and the result line. See `../README.md`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

/// One workload: a 2-layer MLP, its batch, learning rate and sanity schedule.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    pub name: &'static str,
    pub i: usize,
    pub h: usize,
    pub o: usize,
    pub batch: usize,
    pub lr: f32,
    /// Training steps from the initial weights before the sanity numbers are taken.
    pub sanity_steps: usize,
}

pub const XOR: Workload = Workload {
    name: "xor",
    i: 2,
    h: 4,
    o: 1,
    batch: 1,
    lr: 0.5,
    sanity_steps: 2000,
};
pub const DIGITS: Workload = Workload {
    name: "digits",
    i: 64,
    h: 32,
    o: 10,
    batch: 32,
    lr: 0.1,
    sanity_steps: 300,
};
pub const WIDE: Workload = Workload {
    name: "wide",
    i: 256,
    h: 256,
    o: 10,
    batch: 64,
    lr: 0.1,
    sanity_steps: 40,
};
pub const LARGE: Workload = Workload {
    name: "large",
    i: 784,
    h: 512,
    o: 10,
    batch: 64,
    lr: 0.1,
    sanity_steps: 40,
};
/// MNIST-1D's CNN (issue 13): `i` is the signal's length; the layers are [`CNN_TENSORS`]
/// (`h` is unused). Softmax cross-entropy, SGD.
pub const CNN: Workload = Workload {
    name: "cnn",
    i: 40,
    h: 0,
    o: 10,
    batch: 100,
    lr: 0.1,
    sanity_steps: 100,
};
pub const ALL: [Workload; 5] = [XOR, DIGITS, WIDE, LARGE, CNN];

/// The CNN's tensors in the order of `cnn_params.bin`, with their shapes: three `conv1d`
/// layers (kernel bank [out][in][taps], a bias per channel; stride 2, padding 1; ReLU) and a
/// dense layer on the 25 × 5 features, flattened channel by channel.
pub const CNN_TENSORS: [(&str, &[usize]); 8] = [
    ("K1", &[25, 1, 5]),
    ("c1", &[25]),
    ("K2", &[25, 25, 3]),
    ("c2", &[25]),
    ("K3", &[25, 25, 3]),
    ("c3", &[25]),
    ("W", &[10, 125]),
    ("b", &[10]),
];

/// The data of one workload, as written by `gen_data.py`.
pub struct Data {
    pub w: Workload,
    /// W1 [h][i], b1 [h], W2 [o][h], b2 [o], row-major.
    pub w1: Vec<f32>,
    pub b1: Vec<f32>,
    pub w2: Vec<f32>,
    pub b2: Vec<f32>,
    /// n × i
    pub x: Vec<f32>,
    /// n targets: 0/1 for XOR, the class index for the classifiers.
    pub y: Vec<f32>,
    pub n: usize,
}

pub fn data_dir() -> PathBuf {
    std::env::var_os("PEERS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data"))
}

fn read_f32(name: &str) -> Vec<f32> {
    let path = data_dir().join(name);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run gen_data.py)", path.display()));
    bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

impl Data {
    pub fn load(w: Workload) -> Data {
        let p = read_f32(&format!("{}_params.bin", w.name));
        if w.name == CNN.name {
            return Data::load_cnn(w, p);
        }
        let (a, b, c) = (w.h * w.i, w.h, w.o * w.h);
        assert_eq!(p.len(), a + b + c + w.o);
        let x = read_f32(&format!("{}_x.bin", w.name));
        let y = read_f32(&format!("{}_y.bin", w.name));
        let n = y.len();
        assert_eq!(x.len(), n * w.i);
        Data {
            w,
            w1: p[..a].to_vec(),
            b1: p[a..a + b].to_vec(),
            w2: p[a + b..a + b + c].to_vec(),
            b2: p[a + b + c..].to_vec(),
            x,
            y,
            n,
        }
    }
    /// The CNN's data: every tensor in `w1` (see [`Data::cnn_tensors`]).
    fn load_cnn(w: Workload, p: Vec<f32>) -> Data {
        let total: usize = CNN_TENSORS
            .iter()
            .map(|(_, shape)| shape.iter().product::<usize>())
            .sum();
        assert_eq!(p.len(), total, "cnn_params.bin: run gen_data.py");
        let x = read_f32("cnn_x.bin");
        let y = read_f32("cnn_y.bin");
        let n = y.len();
        assert_eq!(x.len(), n * w.i);
        Data {
            w,
            w1: p,
            b1: Vec::new(),
            w2: Vec::new(),
            b2: Vec::new(),
            x,
            y,
            n,
        }
    }
    /// The CNN's tensors, in the order of [`CNN_TENSORS`].
    pub fn cnn_tensors(&self) -> Vec<&[f32]> {
        let mut rest = &self.w1[..];
        CNN_TENSORS
            .iter()
            .map(|(_, shape)| {
                let (tensor, after) = rest.split_at(shape.iter().product());
                rest = after;
                tensor
            })
            .collect()
    }
    pub fn batches(&self) -> usize {
        self.n / self.w.batch
    }
    /// The first sample of step `k`'s batch.
    pub fn start(&self, k: usize) -> usize {
        (k % self.batches()) * self.w.batch
    }
    /// The targets as the network's output: one-hot rows for the classifiers, 0/1 for XOR.
    pub fn targets(&self) -> Vec<f32> {
        if self.w.o == 1 {
            return self.y.clone();
        }
        let mut t = vec![0.0; self.n * self.w.o];
        for (s, &c) in self.y.iter().enumerate() {
            t[s * self.w.o + c as usize] = 1.0;
        }
        t
    }
    /// Accuracy from the network outputs of every sample (n × o): argmax, or y > ½ for XOR.
    pub fn accuracy(&self, out: &[f32]) -> f64 {
        let o = self.w.o;
        let mut right = 0;
        for s in 0..self.n {
            let row = &out[s * o..(s + 1) * o];
            let pred = if o == 1 {
                (row[0] > 0.5) as usize
            } else {
                (0..o).fold(0, |m, k| if row[k] > row[m] { k } else { m })
            };
            right += (pred == self.y[s] as usize) as usize;
        }
        right as f64 / self.n as f64
    }
    /// Mean loss over the whole data set from the network outputs (n × o): ½(y − t)² for XOR
    /// (outputs are sigmoid values), softmax cross-entropy of the logits for the classifiers.
    pub fn mean_loss(&self, out: &[f32]) -> f64 {
        let o = self.w.o;
        let mut total = 0.0f64;
        for s in 0..self.n {
            let row = &out[s * o..(s + 1) * o];
            if o == 1 {
                let e = (row[0] - self.y[s]) as f64;
                total += 0.5 * e * e;
            } else {
                let m = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max) as f64;
                let lse = m + row.iter().map(|&z| (z as f64 - m).exp()).sum::<f64>().ln();
                total += lse - row[self.y[s] as usize] as f64;
            }
        }
        total / self.n as f64
    }
}

/// Nanoseconds per call of `f`: calibrated to blocks of ≥ `PEERS_BLOCK_MS` (default 100) ms,
/// `PEERS_BLOCKS` (default 5) blocks, the median.
pub fn time_ns(mut f: impl FnMut()) -> f64 {
    let block_ms: f64 = std::env::var("PEERS_BLOCK_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100.0);
    let blocks: usize = std::env::var("PEERS_BLOCKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    // Warm up and calibrate.
    let mut iters = 1usize;
    loop {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        let e = t.elapsed().as_secs_f64() * 1e3;
        if e >= block_ms / 4.0 {
            iters = ((iters as f64) * block_ms / e).ceil() as usize;
            break;
        }
        iters *= 4;
    }
    let mut per: Vec<f64> = (0..blocks)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..iters {
                f();
            }
            t.elapsed().as_secs_f64() * 1e9 / iters as f64
        })
        .collect();
    per.sort_by(|a, b| a.partial_cmp(b).unwrap());
    black_box(&mut f);
    per[per.len() / 2]
}

/// Which workloads to run: `argv[1]` if given (a comma list), else all.
pub fn selected() -> Vec<Workload> {
    match std::env::args().nth(1) {
        Some(list) => ALL
            .iter()
            .copied()
            .filter(|w| list.split(',').any(|n| n == w.name))
            .collect(),
        None => ALL.to_vec(),
    }
}

/// Prints the result line that `run.sh` collects (one JSON object per line), without a
/// per-sample inference time.
#[allow(clippy::too_many_arguments)]
pub fn report(
    system: &str,
    version: &str,
    threads: usize,
    w: &Workload,
    train_ns: f64,
    infer_ns: f64,
    loss: f64,
    acc: f64,
) {
    report_sample(
        system,
        version,
        threads,
        w,
        train_ns,
        infer_ns,
        f64::NAN,
        loss,
        acc,
    );
}

/// Prints the result line with `sample_ns`, the inference of one sample on its own (what
/// firmware does), the mean over the batch's samples.
#[allow(clippy::too_many_arguments)]
pub fn report_sample(
    system: &str,
    version: &str,
    threads: usize,
    w: &Workload,
    train_ns: f64,
    infer_ns: f64,
    sample_ns: f64,
    loss: f64,
    acc: f64,
) {
    println!(
        "{{\"system\":\"{system}\",\"version\":\"{version}\",\"threads\":{threads},\"workload\":\"{}\",\"train_ns\":{train_ns:.1},\"infer_ns\":{infer_ns:.1},\"sample_ns\":{sample_ns:.1},\"loss\":{loss:.6},\"acc\":{acc:.4}}}",
        w.name
    );
}
