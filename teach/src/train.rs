//! Training on the page: a data set, a loss, an optimizer; the network evaluated by the
//! engine's reference evaluator ([`Model`], `f64`), one sample at a time, the gradient
//! averaged over each mini-batch.
//!
//! The runtime's optimizers (`nn::optim`) work on parameter types the macro generates at
//! compile time; a network typed into the page has none, so the three here work on plain
//! lists of numbers, with the same formulas (Adam: Kingma and Ba, 2015, Algorithm 1).

use nn_codegen::explain::{Argument, Model};

/// The loss of one sample, from the network's output `y` and the target `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// ½ Σ (y − t)²: ∂L/∂y = y − t.
    Squared,
    /// −Σ [t ln y + (1 − t) ln(1 − y)], for outputs in (0, 1): ∂L/∂y = (y − t) / (y (1 − y)).
    CrossEntropy,
    /// The network's output is the loss (it reads the target as an input): ∂L/∂y = 1.
    Output,
}

impl Loss {
    /// The loss named `name` (`squared`, `cross-entropy`, `output`).
    pub fn named(name: &str) -> Result<Loss, String> {
        match name {
            "squared" => Ok(Loss::Squared),
            "cross-entropy" => Ok(Loss::CrossEntropy),
            "output" => Ok(Loss::Output),
            other => Err(format!(
                "unknown loss `{other}`; the losses are squared, cross-entropy, output"
            )),
        }
    }

    /// The loss and ∂L/∂y at output `y` and target `t` (empty for [`Loss::Output`]).
    pub fn of(self, y: &[f64], t: &[f64]) -> (f64, Vec<f64>) {
        match self {
            Loss::Squared => {
                let l = y.iter().zip(t).map(|(y, t)| 0.5 * (y - t) * (y - t)).sum();
                (l, y.iter().zip(t).map(|(y, t)| y - t).collect())
            }
            Loss::CrossEntropy => {
                let l = y
                    .iter()
                    .zip(t)
                    .map(|(y, t)| -(t * y.ln() + (1.0 - t) * (1.0 - y).ln()))
                    .sum();
                let d = y.iter().zip(t).map(|(y, t)| (y - t) / (y * (1.0 - y)));
                (l, d.collect())
            }
            Loss::Output => (y.iter().sum(), vec![1.0; y.len()]),
        }
    }

    /// Whether a row of data holds targets after the inputs.
    pub fn has_targets(self) -> bool {
        self != Loss::Output
    }
}

/// How parameters move against the gradient.
#[derive(Clone, Debug, PartialEq)]
pub enum Optimizer {
    /// θ ← θ − η g.
    Sgd,
    /// v ← μ v + g, θ ← θ − η v (μ = 0.9).
    Momentum(Vec<f64>),
    /// Adam with β1 = 0.9, β2 = 0.999, ε = 1e-8: first and second moments, and the step.
    Adam(Vec<f64>, Vec<f64>, i32),
}

impl Optimizer {
    /// The optimizer named `name` (`sgd`, `momentum`, `adam`) for `count` parameters.
    pub fn named(name: &str, count: usize) -> Result<Optimizer, String> {
        match name {
            "sgd" => Ok(Optimizer::Sgd),
            "momentum" => Ok(Optimizer::Momentum(vec![0.0; count])),
            "adam" => Ok(Optimizer::Adam(vec![0.0; count], vec![0.0; count], 0)),
            other => Err(format!(
                "unknown optimizer `{other}`; the optimizers are sgd, momentum, adam"
            )),
        }
    }

    /// One step of `theta` (every parameter's elements, one after another) along `g`.
    pub fn step<'a>(&mut self, theta: impl Iterator<Item = &'a mut f64>, g: &[f64], rate: f64) {
        match self {
            Optimizer::Sgd => {
                for (p, g) in theta.zip(g) {
                    *p -= rate * g;
                }
            }
            Optimizer::Momentum(v) => {
                for ((p, g), v) in theta.zip(g).zip(v.iter_mut()) {
                    *v = 0.9 * *v + g;
                    *p -= rate * *v;
                }
            }
            Optimizer::Adam(m, v, t) => {
                *t += 1;
                let (b1, b2) = (0.9f64, 0.999f64);
                let (c1, c2) = (1.0 - b1.powi(*t), 1.0 - b2.powi(*t));
                for (((p, g), m), v) in theta.zip(g).zip(m.iter_mut()).zip(v.iter_mut()) {
                    *m = b1 * *m + (1.0 - b1) * g;
                    *v = b2 * *v + (1.0 - b2) * g * g;
                    *p -= rate * (*m / c1) / ((*v / c2).sqrt() + 1e-8);
                }
            }
        }
    }
}

/// Rows of numbers: each the inputs' elements in signature order, then the targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// The rows.
    pub rows: Vec<Vec<f64>>,
}

impl Data {
    /// Reads rows of numbers separated by commas or spaces, one row a line; a first line
    /// that is not numbers is a header and skipped, as are empty lines and `#` comments. Each
    /// row must have `columns` numbers; `names` says which, for the error.
    pub fn parse(text: &str, columns: usize, names: &[String]) -> Result<Data, String> {
        let mut rows = Vec::new();
        for (k, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let fields: Vec<&str> = line
                .split([',', ' ', '\t', ';'])
                .filter(|f| !f.is_empty())
                .collect();
            let numbers: Result<Vec<f64>, _> = fields.iter().map(|f| f.parse::<f64>()).collect();
            let row = match numbers {
                Ok(row) => row,
                Err(_) if rows.is_empty() && k == first_line(text) => continue, // a header
                Err(_) => {
                    return Err(format!(
                        "line {} of the data, `{line}`, is not numbers",
                        k + 1
                    ))
                }
            };
            if row.len() != columns {
                let numbers = |n: usize| match n {
                    1 => "1 number".to_string(),
                    n => format!("{n} numbers"),
                };
                return Err(format!(
                    "line {} of the data has {}; each row needs {}: {}",
                    k + 1,
                    numbers(row.len()),
                    numbers(columns),
                    names.join(", ")
                ));
            }
            if let Some(bad) = row.iter().find(|v| !v.is_finite()) {
                return Err(format!("line {} of the data holds {bad}", k + 1));
            }
            rows.push(row);
        }
        if rows.is_empty() {
            return Err(format!(
                "no data: give rows of {columns} numbers ({})",
                names.join(", ")
            ));
        }
        Ok(Data { rows })
    }
}

/// The index of the first line with something on it.
fn first_line(text: &str) -> usize {
    text.lines()
        .position(|l| !l.split('#').next().unwrap_or("").trim().is_empty())
        .unwrap_or(0)
}

/// The names of a row's columns: the inputs' elements, then the targets.
pub fn column_names(inputs: &[Argument], outputs: usize, loss: Loss) -> Vec<String> {
    let mut names = Vec::new();
    for a in inputs {
        if a.elements == 1 {
            names.push(a.name.clone());
        } else {
            names.extend((0..a.elements).map(|i| format!("{}[{i}]", a.name)));
        }
    }
    if loss.has_targets() {
        if outputs == 1 {
            names.push("t (the target)".into());
        } else {
            names.extend((0..outputs).map(|i| format!("t[{i}]")));
        }
    }
    names
}

/// What a training run is given.
pub struct Settings {
    /// The loss.
    pub loss: Loss,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// The learning rate η.
    pub rate: f64,
    /// Passes over the data.
    pub epochs: usize,
    /// Samples per gradient step (at least 1; more than the rows means all of them).
    pub batch: usize,
}

/// A training run: the model, the data split into inputs and targets, the parameters.
pub struct Run {
    model: Model,
    inputs: Vec<Vec<Vec<f64>>>,
    targets: Vec<Vec<f64>>,
    /// The parameters, each a list of elements, in signature order.
    pub params: Vec<Vec<f64>>,
    settings: Settings,
    /// Epochs done.
    pub epoch: usize,
}

impl Run {
    /// A run of `model` on `data` from `params`.
    pub fn new(model: Model, data: &Data, params: Vec<Vec<f64>>, settings: Settings) -> Run {
        let shapes = model.inputs();
        let split = |row: &Vec<f64>| {
            let mut at = 0;
            let inputs: Vec<Vec<f64>> = shapes
                .iter()
                .map(|a| {
                    at += a.elements;
                    row[at - a.elements..at].to_vec()
                })
                .collect();
            (inputs, row[at..].to_vec())
        };
        let (inputs, targets) = data.rows.iter().map(split).unzip();
        Run {
            model,
            inputs,
            targets,
            params,
            settings,
            epoch: 0,
        }
    }

    /// The mean loss over the data at the current parameters.
    pub fn loss(&self) -> f64 {
        let loss = self.settings.loss;
        let total: f64 = self
            .inputs
            .iter()
            .zip(&self.targets)
            .map(|(x, t)| loss.of(&self.model.output(x, &self.params), t).0)
            .sum();
        total / self.inputs.len() as f64
    }

    /// An error when the loss cannot be taken of the outputs at the current parameters:
    /// cross-entropy of an output outside (0, 1).
    pub fn check_outputs(&self) -> Result<(), String> {
        if self.settings.loss != Loss::CrossEntropy {
            return Ok(());
        }
        for (k, x) in self.inputs.iter().enumerate() {
            let y = self.model.output(x, &self.params);
            if let Some(bad) = y.iter().find(|y| !(**y > 0.0 && **y < 1.0)) {
                return Err(format!(
                    "cross-entropy needs outputs between 0 and 1 (a sigmoid's, say); the network gives {bad} for row {}: end it in sigmoid(…), or use ½(y − t)²",
                    k + 1
                ));
            }
        }
        Ok(())
    }

    /// One pass over the data in order, a step per mini-batch; the mean loss after it. An
    /// error, with the parameters of before the pass kept, when a parameter or the loss
    /// stops being finite.
    pub fn epoch(&mut self) -> Result<f64, String> {
        let before = self.params.clone();
        let loss = self.settings.loss;
        let batch = self.settings.batch.clamp(1, self.inputs.len());
        for start in (0..self.inputs.len()).step_by(batch) {
            let end = (start + batch).min(self.inputs.len());
            let mut g: Vec<f64> = vec![0.0; self.params.iter().map(Vec::len).sum()];
            for k in start..end {
                let t = &self.targets[k];
                let e = self
                    .model
                    .evaluate(&self.inputs[k], &self.params, |y| loss.of(y, t));
                for (sum, d) in g.iter_mut().zip(e.gradients.iter().flatten()) {
                    *sum += d / (end - start) as f64;
                }
            }
            let theta = self.params.iter_mut().flatten();
            self.settings.optimizer.step(theta, &g, self.settings.rate);
        }
        self.epoch += 1;
        let mean = self.loss();
        if !mean.is_finite() || self.params.iter().flatten().any(|p| !p.is_finite()) {
            let outputs = self.check_outputs();
            self.params = before;
            outputs.map_err(|e| format!("in epoch {}, {e}", self.epoch))?;
            return Err(format!(
                "the loss became {mean} in epoch {}: the parameters shown are those before it; lower the learning rate",
                self.epoch
            ));
        }
        Ok(mean)
    }

    /// Rows of data.
    pub fn rows(&self) -> usize {
        self.inputs.len()
    }

    /// The epochs asked for.
    pub fn epochs(&self) -> usize {
        self.settings.epochs
    }

    /// The parameters' names.
    pub fn names(&self) -> Vec<String> {
        self.model.params().into_iter().map(|a| a.name).collect()
    }

    /// The parameters' dimensions.
    pub fn params_dims(&self) -> Vec<Vec<usize>> {
        self.model.params().into_iter().map(|a| a.dims).collect()
    }

    /// The inputs' names and dimensions.
    pub fn inputs_dims(&self) -> Vec<(String, Vec<usize>)> {
        self.model
            .inputs()
            .into_iter()
            .map(|a| (a.name, a.dims))
            .collect()
    }
}
