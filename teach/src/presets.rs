//! The data sets the page offers, each with a network that fits it and settings that train
//! it: XOR, the lecture's four points, the lecture's circuit.

use serde::Serialize;

/// A data set with its network and training settings, as the page fills its fields.
#[derive(Clone, Debug, Serialize)]
pub struct Preset {
    /// Its key in the page's list.
    pub key: &'static str,
    /// What the list shows.
    pub title: &'static str,
    /// The network, in the lecture's notation.
    pub network: &'static str,
    /// The bindings.
    pub with: &'static str,
    /// Starting values of parameters (the others start at random).
    pub at: &'static str,
    /// The data: a header, then rows.
    pub data: &'static str,
    /// `squared`, `cross-entropy` or `output`.
    pub loss: &'static str,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: &'static str,
    /// The learning rate.
    pub rate: f64,
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per step (0: all).
    pub batch: usize,
    /// What to watch for.
    pub note: &'static str,
}

/// Every preset, the first the page's default.
pub const PRESETS: &[Preset] = &[
    Preset {
        key: "xor",
        title: "XOR (two tanh units, a sigmoid output)",
        network: "let h1 = tanh(w11·x1 + w12·x2 + b1);\nlet h2 = tanh(w21·x1 + w22·x2 + b2);\ny = sigmoid(v1·h1 + v2·h2 + c)",
        with: "inputs(x1, x2)",
        at: "",
        data: "x1, x2, t\n0, 0, 0\n0, 1, 1\n1, 0, 1\n1, 1, 0",
        loss: "cross-entropy",
        optimizer: "adam",
        rate: 0.1,
        epochs: 500,
        batch: 0,
        note: "one linear layer cannot separate XOR; two tanh units can: the loss falls below 0.01",
    },
    Preset {
        key: "four-points",
        title: "The lecture's four points (one weight, y = w·x)",
        network: "y = w·x",
        with: "",
        at: "w = 0",
        data: "x, t\n10, 10.1\n2, 1.9\n3.5, 3.4\n1, 1.1",
        loss: "squared",
        optimizer: "sgd",
        rate: 0.005,
        epochs: 100,
        batch: 0,
        note: "the least-squares weight is 117.8 / 117.25 ≈ 1.00469",
    },
    Preset {
        key: "circuit",
        title: "The lecture's circuit (recover w3 = 0.5, w4 = −0.25)",
        network: "let net2 = w3·x3 + w4·x4;\nf = (x3 + x5) - sigmoid(net2)",
        with: "inputs(x3, x4, x5)",
        at: "w3 = 0, w4 = 0",
        // t = (x3 + x5) − σ(0.5·x3 − 0.25·x4), the circuit at the lecture's weights.
        data: "x3, x4, x5, t\n1, 2, -1, -0.5\n2, 1, 0, 1.3208213\n-1, 2, 1, -0.2689414\n0.5, -1, 2, 1.8775407\n-2, -2, 0, -2.3775407\n1.5, 0, -0.5, 0.3208213\n3, 4, 1, 3.3775407\n-1, -3, -1, -2.5621765",
        loss: "squared",
        optimizer: "adam",
        rate: 0.05,
        epochs: 400,
        batch: 0,
        note: "the data were made by the circuit at w3 = 0.5, w4 = −0.25; training finds them again",
    },
];
