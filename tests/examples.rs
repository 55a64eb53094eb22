//! The examples, run in their fast modes, and their key numbers checked.
//!
//! Each example's file is included as a module, and its `run` (the function its `main` calls)
//! is called with the example's own options; the printed text goes to a buffer that some
//! tests read too.
#![allow(dead_code)] // each example's `main`, and report fields only its printout uses

#[path = "../examples/digits.rs"]
mod digits;
#[path = "../examples/embedded.rs"]
mod embedded;
#[path = "../examples/logistic_step.rs"]
mod logistic_step;
// Needs the IDX reader: `cargo test --test examples --features idx,plot,embedded-example`.
#[cfg(feature = "idx")]
#[path = "../examples/mnist.rs"]
mod mnist;
#[path = "../examples/perceptron.rs"]
mod perceptron;
#[path = "../examples/smallest.rs"]
mod smallest;
#[path = "../examples/xor.rs"]
mod xor;

use std::path::{Path, PathBuf};

/// A fresh directory for one test's files, under Cargo's scratch directory for tests.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

// ---- perceptron ----

#[test]
fn perceptron_learns_and_and_or_but_not_xor() {
    let mut out = Vec::new();
    let report = perceptron::run(&perceptron::Options::full(), &mut out).unwrap();
    let [and, or, xor] = &report.gates[..] else {
        panic!("three gates")
    };

    // The generated backward multiplies by step′ = 0: a wrong perceptron, and no gradient.
    assert_eq!(report.gradient.w, [0.0, 0.0]);
    assert_eq!(report.gradient.b, 0.0);

    for (gate, expected) in [(and, [0.0, 0.0, 0.0, 1.0]), (or, [0.0, 1.0, 1.0, 1.0])] {
        assert!(gate.converged_after.is_some(), "{} not learnt", gate.name);
        assert_eq!(gate.outputs, expected, "{}", gate.name);
        assert_eq!(gate.correct, 4);
        assert_eq!(gate.errors_per_epoch.last(), Some(&0));
    }
    // With η = 0.25 from w = 0, b = 0, visiting the rows in order (exact in binary floats).
    assert_eq!(and.converged_after, Some(6));
    assert_eq!((and.params.w, and.params.b), ([0.5, 0.25], -0.5));
    assert_eq!(or.converged_after, Some(4));

    assert_eq!(xor.converged_after, None, "XOR is not linearly separable");
    assert!(xor.correct < 4);
    assert_eq!(xor.errors_per_epoch.len(), 20);
    assert!(xor.errors_per_epoch.iter().all(|&e| e > 0));

    // Two layers of perceptrons, wired by hand, do compute XOR.
    assert_eq!(report.two_layer_xor, [0.0, 1.0, 1.0, 0.0]);

    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("step_derivative(z)"), "{text}");
    assert!(text.contains("NOT learnt in 20 epochs"), "{text}");
}

#[test]
fn perceptron_never_learns_xor_however_long() {
    let opts = perceptron::Options {
        epochs: 1000,
        ..perceptron::Options::full()
    };
    let xor = perceptron::learn(&perceptron::GATES[2], &opts);
    assert_eq!(xor.converged_after, None);
    assert_eq!(xor.errors_per_epoch.len(), 1000);
}

#[test]
fn perceptron_arguments() {
    assert_eq!(
        perceptron::Options::from_args(args(&["--epochs", "5"]))
            .unwrap()
            .epochs,
        5
    );
    let err = perceptron::Options::from_args(args(&["--eta", "-1"])).unwrap_err();
    assert!(err.contains("positive"), "{err}");
    assert!(perceptron::Options::from_args(args(&["--bogus"])).is_err());
}

// ---- smallest ----

#[test]
fn smallest_converges_to_least_squares() {
    let opts = smallest::Options::full();
    let mut out = Vec::new();
    let report = smallest::run(&opts, &mut out).unwrap();
    assert!((smallest::least_squares() - 117.8 / 117.25).abs() < 1e-15);
    assert!(
        (report.w - 1.0047).abs() <= 0.001,
        "w = {} after SGD",
        report.w
    );
    assert!((report.w - 117.8 / 117.25).abs() < 0.001);
    // dL/dw = −(y − ŷ)·x at w = 0 for (10, 10.1): −101.
    assert!((report.first_gradient + 101.0).abs() < 1e-12);
    // One w per epoch, printed; the first epoch moved w up from 0.
    assert_eq!(report.w_per_epoch.len(), opts.epochs);
    assert!(report.w_per_epoch[0] > 0.0 && report.w_per_epoch[0] < 0.5);
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.matches("epoch ").count(), opts.epochs, "{text}");
    assert!(
        text.contains(&format!("epoch 100: w = {:.5}", report.w)),
        "{text}"
    );
    // The L1 loss ends at the weighted median of y/x, the x = 10 point's 1.01.
    assert!((report.w_l1 - 1.01).abs() < 1e-3, "L1: w = {}", report.w_l1);
}

#[test]
fn smallest_converges_for_other_sample_orders() {
    for seed in 0..5 {
        let opts = smallest::Options {
            seed,
            every_epoch: false,
            ..smallest::Options::full()
        };
        let report = smallest::run(&opts, &mut std::io::sink()).unwrap();
        assert!(
            (report.w - 1.0047).abs() <= 0.001,
            "seed {seed}: {}",
            report.w
        );
    }
}

// ---- logistic_step ----

#[test]
fn logistic_step_prints_the_curriculum_numbers() {
    let mut out = Vec::new();
    let r = logistic_step::run(&mut out).unwrap();
    let f = |v: f64, digits: usize| format!("{v:.digits$}");
    // docs/lectures.md §9, at the precision it prints each number.
    assert_eq!(f(r.before.z, 2), "0.32");
    assert_eq!(f(r.before.a, 4), "0.5793");
    assert_eq!(f(r.before.l, 4), "0.5459");
    assert_eq!(f(r.dl_dz, 4), "-0.4207");
    assert_eq!(f(r.before.a - 1.0, 4), "-0.4207");
    assert_eq!(f(r.grad_w[0], 5), "-0.04207");
    assert_eq!(f(r.grad_w[1], 5), "-0.29447");
    assert_eq!(f(r.grad_b, 4), "-0.4207");
    assert_eq!(f(r.after.w1, 5), "0.82103");
    assert_eq!(f(r.after.w2, 5), "0.34724");
    assert_eq!(f(r.after.b, 5), "0.31034");
    assert_eq!(f(r.check.z, 4), "0.6355");
    assert_eq!(f(r.check.a, 4), "0.6537");
    assert_eq!(f(r.check.l, 5), "0.42505");
    assert!(r.check.l < r.before.l);

    // And the printout shows every number to 5 decimals.
    let text = String::from_utf8(out).unwrap();
    for shown in [
        "= 0.32000",
        "= 0.57932",
        "= 0.54589",
        "= -0.42068",
        "= (-0.04207, -0.29447)",
        "= (0.82103, 0.34724)",
        "= 0.31034",
        "z = 0.63551",
        "a = 0.65374",
        "L = 0.42505",
        "0.54589 → 0.42505",
    ] {
        assert!(text.contains(shown), "`{shown}` missing from\n{text}");
    }
}

// ---- xor ----

#[test]
fn xor_learns_the_truth_table_and_draws_it() {
    let dir = scratch("xor");
    let opts = xor::Options::from_args(args(&["--fast", "--out", dir.to_str().unwrap()])).unwrap();
    assert_eq!(opts.out, dir.join("xor.svg"));
    let mut out = Vec::new();
    let report = xor::run(&opts, &mut out).unwrap();
    assert_eq!(report.svg, dir.join("xor.svg"));
    for ((x, t), y) in xor::DATA.iter().zip(report.outputs) {
        assert_eq!(y.round(), *t, "{x:?} -> {y}");
        assert!((y - t).abs() < 0.1, "{x:?} -> {y}: not confident");
    }
    assert!(report.loss < 0.05, "loss {}", report.loss);

    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("  1   0 |   1 |"), "{text}");
    assert!(!text.contains("wrong"), "{text}");
    let wrote = format!(
        "wrote the decision boundary (output = 0.5) to {}\n",
        report.svg.display()
    );
    assert!(text.contains(&wrote), "{text}");

    let svg = std::fs::read_to_string(&report.svg).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<circle").count(), 8, "two circles per point");
    assert!(svg.contains("fill=\"#000000\""), "boundary cells are drawn");
}

#[test]
fn xor_draws_in_the_current_directory_unless_told() {
    let full = xor::Options::full();
    assert_eq!(full.out, Path::new("./xor.svg"));
    assert_eq!(full.out.display().to_string(), "./xor.svg");
    let opts = xor::Options::from_args(args(&["--out", "pictures"])).unwrap();
    assert_eq!(opts.out, Path::new("pictures/xor.svg"));
    assert!(xor::Options::from_args(args(&["--out"])).is_err());
}

#[test]
fn xor_reports_an_unwritable_picture() {
    let dir = scratch("xor_bad");
    let blocker = dir.join("file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let opts = xor::Options {
        epochs: 10,
        out: blocker.join("boundary.svg"),
        ..xor::Options::fast()
    };
    let err = xor::run(&opts, &mut std::io::sink())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("cannot "), "{err}");
}

// ---- digits ----

#[test]
fn digits_fast_mode_learns() {
    let dir = scratch("digits");
    let opts = digits::Options::from_args(args(&[
        "--fast",
        "--no-progress",
        "--out",
        dir.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(opts.curve, Some(dir.join("digits_loss.svg")));
    let mut out = Vec::new();
    let report = digits::run(&opts, &mut out).unwrap();
    assert_eq!((report.train_size, report.test_size), (480, 120));
    assert_eq!(report.losses.len(), opts.epochs);
    assert!(report.losses.last() < report.losses.first());
    assert!(
        report.test_accuracy >= 0.9,
        "test accuracy {}",
        report.test_accuracy
    );
    assert_eq!(report.confusion.total(), 120);
    assert_eq!(
        report.confusion.accuracy(),
        Some(report.test_accuracy),
        "the matrix and the accuracy agree"
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("actual \\ predicted"), "{text}");
    let curve = report.curve.unwrap();
    assert_eq!(curve, dir.join("digits_loss.svg"));
    let wrote = format!("wrote the loss curve to {}\n", curve.display());
    assert!(text.contains(&wrote), "{text}");
    let svg = std::fs::read_to_string(curve).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("epoch"));
}

#[test]
fn digits_data_file_is_in_the_repository() {
    let samples = digits::load(&digits::Options::full().data).unwrap();
    assert_eq!(samples.len(), 1797);
    assert_eq!(samples[0].1, 0);
    assert!(samples
        .iter()
        .all(|(x, l)| *l < 10 && x.iter().all(|p| (0.0..=1.0).contains(p))));
    let mut counts = [0; 10];
    for (_, l) in &samples {
        counts[*l] += 1;
    }
    assert!(counts.iter().all(|&c| c > 170), "{counts:?}");
}

#[test]
fn digits_split_is_fixed_and_disjoint() {
    let samples = digits::load(&digits::Options::full().data).unwrap();
    let how = digits::Options::full().split;
    let (train, test) = digits::split(&samples, how, None);
    assert_eq!((train.len(), test.len()), (1438, 359));
    let (train2, test2) = digits::split(&samples, how, None);
    assert_eq!(train, train2);
    assert_eq!(test, test2);
    let (train, test) = digits::split(&samples, digits::Split::Benchmark, None);
    assert_eq!((train.len(), test.len()), (1500, 297));
    assert_eq!(test[0], samples[1500]);
}

#[test]
fn digits_missing_file_is_a_clear_error() {
    let opts = digits::Options {
        data: scratch("digits_missing").join("nope.csv"),
        progress: false,
        curve: None,
        ..digits::Options::fast()
    };
    let err = digits::run(&opts, &mut std::io::sink())
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot read the digits data"), "{err}");
    assert!(err.contains("nope.csv"), "{err}");
}

#[test]
fn digits_malformed_lines_name_the_line() {
    let header = (0..64)
        .map(|i| format!("pixel{i}"))
        .chain(["label".to_string()])
        .collect::<Vec<_>>()
        .join(",");
    let good = format!("{}0", "1,".repeat(64));
    let path = Path::new("bad.csv");
    let cases = [
        (
            format!("{}0", "1,".repeat(63)),
            "expected 65 comma-separated values (64 pixels and a label), found 64",
        ),
        (format!("{}x,3", "1,".repeat(63)), "pixel63 is `x`"),
        (format!("17,{}3", "1,".repeat(63)), "pixel0 is `17`"),
        (format!("{}10", "1,".repeat(64)), "the label is `10`"),
    ];
    for (line, expected) in cases {
        let text = format!("{header}\n{good}\n\n{line}\n");
        let err = digits::parse(&text, path).unwrap_err().to_string();
        assert!(err.starts_with("bad.csv:4: "), "{err}");
        assert!(err.contains(expected), "{err}");
    }
    let err = digits::parse("1,2,3\n", path).unwrap_err().to_string();
    assert!(err.contains("bad.csv:1: expected the header"), "{err}");
    let err = digits::parse(&format!("{header}\n"), path)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no images"), "{err}");
    assert_eq!(
        digits::parse(&format!("{header}\n{good}\n"), path)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn digits_arguments() {
    let opts =
        digits::Options::from_args(args(&["--fast", "--epochs", "3", "--no-curve"])).unwrap();
    assert_eq!((opts.rows, opts.epochs, opts.curve), (Some(600), 3, None));
    let err = digits::Options::from_args(args(&["--batch", "0"])).unwrap_err();
    assert!(err.contains("--batch"), "{err}");
    let err = digits::Options::from_args(args(&["--rows"])).unwrap_err();
    assert!(err.contains("--rows needs a value"), "{err}");
    // The loss curve: ./digits_loss.svg, DIR/digits_loss.svg, or the file named.
    let curve = |list: &[&str]| digits::Options::from_args(args(list)).unwrap().curve;
    assert_eq!(
        curve(&[]),
        Some(Path::new("./digits_loss.svg").to_path_buf())
    );
    assert_eq!(
        curve(&["--out", "pictures"]),
        Some(Path::new("pictures/digits_loss.svg").to_path_buf())
    );
    assert_eq!(curve(&["--curve", "a.svg"]), Some(PathBuf::from("a.svg")));
    assert_eq!(curve(&["--out", "pictures", "--no-curve"]), None);
}

// ---- mnist (feature `idx`) ----

/// Writes the four MNIST files (plain) to `dir`: `train` and `test` images of 28×28 pixels of
/// noise with a bright 10×4 block whose place is the label's; the labels cycle 0 to 9 from a
/// seeded generator. Returns the test labels.
#[cfg(feature = "idx")]
fn synthetic_mnist(dir: &Path, train: usize, test: usize) -> Vec<usize> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut write_set = |images_name: &str, labels_name: &str, n: usize| -> Vec<usize> {
        let mut images = [0x0803_u32, n as u32, 28, 28]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        let mut labels = [0x0801_u32, n as u32]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect::<Vec<u8>>();
        let mut classes = Vec::new();
        for _ in 0..n {
            let k = (next() % 10) as usize;
            let (r0, c0) = (2 + (k / 5) * 12, 1 + (k % 5) * 5);
            for r in 0..28 {
                for c in 0..28 {
                    let ink = (r0..r0 + 10).contains(&r) && (c0..c0 + 4).contains(&c);
                    let noise = (next() % 60) as u8;
                    images.push(if ink { 195 + noise } else { noise });
                }
            }
            labels.push(k as u8);
            classes.push(k);
        }
        std::fs::write(dir.join(images_name), images).unwrap();
        std::fs::write(dir.join(labels_name), labels).unwrap();
        classes
    };
    write_set("train-images-idx3-ubyte", "train-labels-idx1-ubyte", train);
    write_set("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", test)
}

#[cfg(feature = "idx")]
#[test]
fn mnist_trains_one_epoch_on_synthetic_idx_files() {
    let data = scratch("mnist_data");
    let pictures = scratch("mnist_out");
    let test_labels = synthetic_mnist(&data, 160, 40);
    let opts = mnist::Options::from_args(args(&[
        data.to_str().unwrap(),
        "--epochs",
        "1",
        "--batch",
        "16",
        "--no-progress",
        "--out",
        pictures.to_str().unwrap(),
    ]))
    .unwrap();
    assert_eq!(opts.curve, Some(pictures.join("mnist_loss.svg")));
    let mut out = Vec::new();
    let report = mnist::run(&opts, &mut out).unwrap();
    assert_eq!((report.train_size, report.test_size), (160, 40));
    assert_eq!(report.losses.len(), 1);
    assert!(report.losses[0].is_finite(), "{:?}", report.losses);
    assert_eq!(report.test_accuracy_per_epoch.len(), 1);
    // The blocks are far apart: one epoch learns them.
    assert!(
        report.test_accuracy >= 0.9,
        "test accuracy {}",
        report.test_accuracy
    );
    assert_eq!(report.confusion.total(), 40);
    for k in 0..10 {
        let actual = test_labels.iter().filter(|&&l| l == k).count() as u64;
        let row: u64 = (0..10).map(|p| report.confusion.count(k, p)).sum();
        assert_eq!(row, actual, "class {k}");
    }

    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!(
            "MNIST from {}: 160 images to train, 40 to test",
            data.display()
        )
    );
    assert_eq!(
        lines[1],
        "784-512-10 MLP, 407050 parameters; Adam(lr 0.001 cosine-annealed to 0), batches of 16, \
         1 epochs, softmax cross-entropy"
    );
    assert_eq!(lines[3], "epoch   train loss   test accuracy");
    assert_eq!(
        lines[4],
        format!(
            "    1   {:>10.5}   {:>12.2}%",
            report.losses[0],
            100.0 * report.test_accuracy_per_epoch[0]
        )
    );
    let correct = report.confusion.correct();
    assert!(
        lines[6].starts_with("trained in ")
            && lines[6].ends_with(&format!(
                " s: test accuracy {:.2}% ({correct} of 40)",
                100.0 * report.test_accuracy
            )),
        "{}",
        lines[6]
    );
    assert_eq!(lines[8], "confusion matrix on the test images:");
    assert!(lines[9].starts_with("actual \\ predicted"), "{text}");
    let curve = report.curve.unwrap();
    assert_eq!(curve, pictures.join("mnist_loss.svg"));
    assert_eq!(
        lines.last().copied(),
        Some(format!("wrote the loss curve to {}", curve.display()).as_str())
    );
    let svg = std::fs::read_to_string(curve).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("epoch"));
}

#[cfg(feature = "idx")]
#[test]
fn mnist_without_its_files_says_where_to_get_them() {
    let help = |err: &str| {
        for name in [
            "train-images-idx3-ubyte.gz",
            "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz",
            "t10k-labels-idx1-ubyte.gz",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
        ] {
            assert!(err.contains(name), "{name} missing from\n{err}");
        }
    };
    let no_path = mnist::Options::from_args(args(&["--no-progress"])).unwrap();
    assert_eq!(no_path.data, None);
    let err = mnist::run(&no_path, &mut std::io::sink())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("no MNIST directory given\n"), "{err}");
    help(&err);

    let dir = scratch("mnist_missing");
    let opts = mnist::Options {
        data: Some(dir.clone()),
        ..no_path
    };
    let err = mnist::run(&opts, &mut std::io::sink())
        .unwrap_err()
        .to_string();
    let first = format!(
        "file not found: tried {} and {}\n",
        dir.join("train-images-idx3-ubyte").display(),
        dir.join("train-images-idx3-ubyte.gz").display()
    );
    assert!(err.starts_with(&first), "{err}");
    help(&err);

    // A file that is there but wrong: its own message, no download advice.
    synthetic_mnist(&dir, 3, 2);
    std::fs::copy(
        dir.join("t10k-labels-idx1-ubyte"),
        dir.join("t10k-images-idx3-ubyte"),
    )
    .unwrap();
    let err = mnist::run(&opts, &mut std::io::sink())
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        format!(
            "{}: wrong magic number: expected 0x00000803 (an IDX image file), found 0x00000801, \
             the magic number of an IDX label file: are the image and label files swapped?",
            dir.join("t10k-images-idx3-ubyte").display()
        )
    );
}

#[cfg(feature = "idx")]
#[test]
fn mnist_arguments() {
    let opts = mnist::Options::from_args(args(&[])).unwrap();
    assert_eq!(
        (opts.data, opts.epochs, opts.batch, opts.learning_rate),
        (None, 10, 64, 0.001)
    );
    assert_eq!(
        opts.curve,
        Some(Path::new("./mnist_loss.svg").to_path_buf())
    );
    let opts = mnist::Options::from_args(args(&[
        "--epochs",
        "3",
        "data/mnist",
        "--train",
        "100",
        "--test",
        "20",
        "--lr",
        "0.01",
        "--seed",
        "5",
        "--no-curve",
    ]))
    .unwrap();
    assert_eq!(opts.data, Some(PathBuf::from("data/mnist")));
    assert_eq!(
        (
            opts.epochs,
            opts.train,
            opts.test,
            opts.learning_rate,
            opts.seed
        ),
        (3, Some(100), Some(20), 0.01, 5)
    );
    assert_eq!(opts.curve, None);
    let curve = |list: &[&str]| mnist::Options::from_args(args(list)).unwrap().curve;
    assert_eq!(
        curve(&["--out", "pictures"]),
        Some(Path::new("pictures/mnist_loss.svg").to_path_buf())
    );
    assert_eq!(curve(&["--curve", "a.svg"]), Some(PathBuf::from("a.svg")));
    let err = |list: &[&str]| mnist::Options::from_args(args(list)).unwrap_err();
    assert_eq!(err(&["--batch", "0"]), "--batch needs at least 1");
    assert_eq!(err(&["--epochs"]), "--epochs needs a value");
    assert_eq!(
        err(&["--lr", "-1"]),
        "--lr needs a positive number, not `-1`"
    );
    assert_eq!(
        err(&["a", "b"]),
        "one directory of MNIST files, please: `a` and `b` given"
    );
    assert!(err(&["--bogus"]).starts_with("unknown argument `--bogus`"));
}

// ---- embedded ----

#[test]
fn embedded_builds_in_cargos_target_directory() {
    let exe = PathBuf::from("/build/out/release/examples/embedded");
    assert_eq!(
        embedded::default_target_dir(Some("/elsewhere".into()), Some(exe.clone())),
        Path::new("/elsewhere/embedded")
    );
    assert_eq!(
        embedded::default_target_dir(None, Some(exe)),
        Path::new("/build/out/embedded")
    );
    assert_eq!(
        embedded::default_target_dir(Some("".into()), Some("/somewhere/embedded".into())),
        Path::new("target/embedded")
    );
}

#[test]
fn embedded_library_classifies_and_links_no_allocator() {
    let options = embedded::Options {
        target_dir: Path::new(env!("CARGO_TARGET_TMPDIR")).join("embedded"),
    };
    let mut out = Vec::new();
    let report = embedded::run(&options, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(report.predictions.len(), 11);
    for (x, p) in &report.predictions {
        assert_eq!(*p > 0.5, *x > 0.5, "x = {x}: p = {p}");
    }
    assert!(
        report.allocator_symbols.is_empty(),
        "{:?}",
        report.allocator_symbols
    );
    // A network of four parameters: a little code, no RAM of its own.
    assert!(
        report.exported_code_bytes > 0 && report.exported_code_bytes <= report.code_bytes,
        "{} of {}",
        report.exported_code_bytes,
        report.code_bytes
    );
    assert!(
        report.code_bytes < 16 * 1024,
        "{} bytes of code",
        report.code_bytes
    );
    assert_eq!(report.ram_bytes, 0);
    assert!(text.contains("pub const TRAINED: tiny::Params = tiny::Params { w1: -11.859308"));
}

// ---- mnist1d ----

#[path = "../examples/mnist1d.rs"]
mod mnist1d;
// `lenet` includes the digits example's module a second time (it trains that MLP beside its CNN).
#[path = "../examples/lenet.rs"]
#[allow(clippy::duplicate_mod)]
mod lenet;

/// Four epochs on a quarter of the training signals (a debug build: the CNN's loops are slow
/// there): every model is well above chance (10 %); the full run's numbers are in the
/// example's header.
#[test]
fn mnist1d_trains_three_models() {
    let mut out = Vec::new();
    let report = mnist1d::run(args(&["--epochs", "4", "--train", "1000"]), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("1000 training and 1000 test signals"),
        "{text}"
    );
    assert!(report.logistic > 0.15, "{text}");
    assert!(report.mlp > 0.2, "{text}");
    assert!(report.cnn > 0.3, "{text}");
}

#[test]
fn mnist1d_arguments() {
    let err = |list: &[&str]| {
        mnist1d::run(args(list), &mut Vec::new())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    };
    assert_eq!(
        err(&["--epochs", "many"]),
        "--epochs needs a whole number, not `many`"
    );
    assert!(err(&["--data", "/nonexistent/mnist1d.csv"])
        .starts_with("cannot read /nonexistent/mnist1d.csv"));
    assert!(err(&["--bogus"]).starts_with("unknown argument `--bogus`"));
    assert_eq!(
        err(&["--train", "50"]),
        "--train needs at least 100 signals (one batch), not 50"
    );
    assert_eq!(err(&["--epochs", "0"]), "--epochs needs at least 1, not 0");
    assert_eq!(
        err(&["--train", "5000"]),
        "--train 5000 asks for more than the 4000 training signals there are"
    );
    assert_eq!(
        err(&["--train", "1000", "--validation", "3100"]),
        "--train 1000 asks for more than the 900 training signals there are after the held-out ones"
    );
    assert_eq!(
        err(&["--weight-decay", "-1"]),
        "--weight-decay needs a number of at least 0, not `-1`"
    );
    assert_eq!(
        err(&["--weight-decay", "NaN"]),
        "--weight-decay needs a number of at least 0, not `NaN`"
    );
    assert_eq!(
        err(&["--validation", "0"]),
        "--validation needs at least 1 signal, not 0"
    );
    assert_eq!(
        err(&["--validation", "3950"]),
        "--validation 3950 leaves fewer than 100 of the 4000 training signals to train on"
    );
}

/// `--validation N` holds out the last N training signals and reports the accuracy on them;
/// `--train` then takes the first signals of the rest.
#[test]
fn mnist1d_validation_split() {
    let mut out = Vec::new();
    let args = args(&["--epochs", "1", "--train", "200", "--validation", "500"]);
    let report = mnist1d::run(args, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("200 training and 500 validation signals"),
        "{text}"
    );
    assert!(text.contains("validation accuracy   paper test"), "{text}");
    assert!(text.contains("the CNN's weight decay 0.1"), "{text}");
    assert!((0.0..=1.0).contains(&report.cnn), "{text}");
}

// ---- lenet ----

/// The CNN beats the MLP on the same split; the full run (40 epochs, 98.3 %) is in the README.
#[test]
fn lenet_trains_past_the_mlp() {
    let mut out = Vec::new();
    let report = lenet::run(args(&["--epochs", "8"]), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("LeNet-style CNN (3658 parameters)"), "{text}");
    assert!(report.cnn > 0.95, "{text}");
    assert!(report.cnn > report.mlp, "{text}");
}

#[test]
fn lenet_prints_its_generated_source() {
    let mut out = Vec::new();
    lenet::run(args(&["--source"]), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("conv2d::<_, 1, 8, 8, 8, 3, 8, 8, 1, 1>(K1, &x)"),
        "{text}"
    );
    assert!(text.contains("conv2d_input_gradient"), "{text}");
    assert!(text.contains("max_pool2d_gradient"), "{text}");
    let err = lenet::run(args(&["--epochs", "x"]), &mut Vec::new())
        .err()
        .unwrap();
    assert_eq!(err.to_string(), "--epochs needs a whole number, not `x`");
}
