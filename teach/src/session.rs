//! One training run as the page asks for it: the request read and checked, the run, and the
//! events the page draws (the start, the loss and the parameters as they move, the end).

use std::time::Instant;

use nn_codegen::explain::{parse_values, Argument, Failure, Model};
use serde::{Deserialize, Serialize};

use crate::api;
use crate::limits;
use crate::train::{column_names, Data, Loss, Optimizer, Run, Settings};

/// What the page asks to have trained.
#[derive(Clone, Debug, Deserialize)]
#[serde(default)]
pub struct TrainRequest {
    /// The network, as for an explanation.
    pub network: String,
    /// Its bindings.
    pub with: String,
    /// Starting values of parameters; the others start at random.
    pub at: String,
    /// The data: rows of the inputs' elements, then the targets.
    pub data: String,
    /// `squared`, `cross-entropy` or `output`.
    pub loss: String,
    /// `sgd`, `momentum` or `adam`.
    pub optimizer: String,
    /// The learning rate η.
    pub rate: f64,
    /// Passes over the data: a whole number from 1 to [`limits::EPOCHS`].
    pub epochs: f64,
    /// Samples per step; 0 for all.
    pub batch: f64,
    /// The seed of the random start, a whole number from 1: the same seed, the same run.
    pub seed: f64,
    /// Milliseconds to wait after each epoch, to watch the parameters move (0: none; at
    /// most 1,000).
    pub pace: f64,
}

/// `value` as a whole number from `low` to `high`, or the error that says what `what` must be.
fn whole(what: &str, value: f64, low: u64, high: u64) -> Result<u64, String> {
    if value.fract() != 0.0 || !(low as f64..=high as f64).contains(&value) {
        return Err(format!(
            "{what} must be a whole number from {low} to {high}, not {value}"
        ));
    }
    Ok(value as u64)
}

impl Default for TrainRequest {
    fn default() -> TrainRequest {
        TrainRequest {
            network: String::new(),
            with: String::new(),
            at: String::new(),
            data: String::new(),
            loss: "squared".into(),
            optimizer: "sgd".into(),
            rate: 0.1,
            epochs: 100.0,
            batch: 0.0,
            seed: 1.0,
            pace: 0.0,
        }
    }
}

/// What the page is told while a run goes.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(tag = "event", rename_all = "lowercase")]
pub enum Event {
    /// The run starts: the parameters' names and starting values, the loss before training.
    Start {
        /// The parameters' names.
        names: Vec<String>,
        /// Their dimensions: none for a number, `[n]`, `[rows, columns]`.
        dims: Vec<Vec<usize>>,
        /// The inputs' names and dimensions, in the order of a row's columns.
        inputs: Vec<(String, Vec<usize>)>,
        /// Their values.
        params: Vec<Vec<f64>>,
        /// The mean loss at the start.
        loss: f64,
        /// Rows of data.
        rows: usize,
    },
    /// Progress: the mean loss over the data after each epoch since the last event, up to
    /// `epoch`, and the parameters after `epoch`.
    Epoch {
        /// Epochs done.
        epoch: usize,
        /// The mean loss after each epoch since the last event, the last after `epoch`.
        losses: Vec<f64>,
        /// The parameters.
        params: Vec<Vec<f64>>,
    },
    /// The run ended: why, after how many epochs, at what loss.
    Done {
        /// Epochs done.
        epoch: usize,
        /// The mean loss.
        loss: f64,
        /// `epochs` (all done) or `time` (the time limit).
        why: &'static str,
        /// What to look at: the loss ended above where it started.
        warning: Option<String>,
    },
    /// The run could not start or stopped: the message, and for a network that does not
    /// compile, where.
    Error {
        /// What went wrong.
        #[serde(flatten)]
        errors: Failure,
        /// The last good parameters when the run had started.
        params: Option<Vec<Vec<f64>>>,
    },
}

impl Event {
    fn error(message: String) -> Event {
        Event::Error {
            errors: message.into(),
            params: None,
        }
    }
}

/// A random start: uniform in ±1/√fan-in (xorshift64*, so that a seed gives the same run).
struct Start(u64);

impl Start {
    fn value(&mut self, a: &Argument) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        let unit = bits as f64 / (1u64 << 53) as f64; // [0, 1)
        (2.0 * unit - 1.0) / (a.fan_in as f64).sqrt()
    }
}

/// The run the request asks for, checked.
fn prepare(r: &TrainRequest) -> Result<Run, Event> {
    let explain = api::ExplainRequest {
        network: r.network.clone(),
        with: r.with.clone(),
        ..Default::default()
    };
    let failed = |errors: Failure| Event::Error {
        errors,
        params: None,
    };
    let request = api::request(&explain).map_err(failed)?;
    let model = Model::new(&request).map_err(failed)?;
    let checked = || -> Result<(Data, Vec<Vec<f64>>, Settings), String> {
        limits::length("data", &r.data, limits::DATA_CHARS)?;
        limits::length("values", &r.at, limits::NETWORK_CHARS)?;
        let epochs = whole("the number of epochs", r.epochs, 1, limits::EPOCHS as u64)? as usize;
        let batch = whole("the batch", r.batch, 0, limits::ROWS as u64)? as usize;
        let seed = whole("the seed", r.seed, 1, u32::MAX as u64)?;
        if !(r.rate.is_finite() && r.rate > 0.0) {
            return Err(format!(
                "the learning rate must be a positive number, not {}",
                r.rate
            ));
        }
        let loss = Loss::named(&r.loss)?;
        let names = column_names(&model.inputs(), model.outputs(), loss);
        let data = Data::parse(&r.data, names.len(), &names)?;
        if data.rows.len() > limits::ROWS {
            return Err(format!(
                "the data has {} rows; the page trains on at most {}",
                data.rows.len(),
                limits::ROWS
            ));
        }
        let given = if r.at.trim().is_empty() {
            Vec::new()
        } else {
            parse_values(&r.at)?
        };
        if loss == Loss::CrossEntropy {
            let targets = model.inputs().iter().map(|a| a.elements).sum::<usize>();
            if let Some((k, t)) = data.rows.iter().enumerate().find_map(|(k, row)| {
                row[targets..]
                    .iter()
                    .find(|t| !(0.0..=1.0).contains(*t))
                    .map(|t| (k, t))
            }) {
                return Err(format!(
                    "cross-entropy needs targets from 0 to 1 (a probability); row {} has {t}",
                    k + 1
                ));
            }
        }
        let mut start = Start(seed);
        let params = model.start(&given, |a| start.value(a))?;
        let count = params.iter().map(Vec::len).sum();
        let settings = Settings {
            loss,
            optimizer: Optimizer::named(&r.optimizer, count)?,
            rate: r.rate,
            epochs,
            batch: if batch == 0 { usize::MAX } else { batch },
        };
        Ok((data, params, settings))
    };
    let (data, params, settings) = checked().map_err(Event::error)?;
    let run = Run::new(model, &data, params, settings);
    run.check_outputs().map_err(Event::error)?;
    Ok(run)
}

/// Runs the request, calling `send` with each event; stops when `send` says the page has
/// gone (returns false), when the epochs are done, or at the time limit.
pub fn train(r: &TrainRequest, mut send: impl FnMut(Event) -> bool) {
    let mut run = match prepare(r) {
        Ok(run) => run,
        Err(e) => {
            send(e);
            return;
        }
    };
    let began = Instant::now();
    let mut loss = run.loss();
    let first = loss;
    let start = Event::Start {
        names: run.names(),
        dims: run.params_dims(),
        inputs: run.inputs_dims(),
        params: run.params.clone(),
        loss,
        rows: run.rows(),
    };
    if !send(start) {
        return;
    }
    let mut last_sent = Instant::now();
    let mut losses = Vec::new();
    let pace = std::time::Duration::from_millis(r.pace.clamp(0.0, 1000.0) as u64);
    let why = loop {
        if run.epoch == run.epochs() {
            break "epochs";
        }
        if began.elapsed() > limits::TRAIN_TIME {
            break "time";
        }
        match run.epoch() {
            Ok(l) => {
                loss = l;
                losses.push(l);
            }
            Err(message) => {
                let mut e = Event::error(message);
                if let Event::Error { params, .. } = &mut e {
                    *params = Some(run.params.clone());
                }
                send(e);
                return;
            }
        }
        if last_sent.elapsed() >= limits::PROGRESS_EVERY || run.epoch == run.epochs() {
            last_sent = Instant::now();
            let progress = Event::Epoch {
                epoch: run.epoch,
                losses: std::mem::take(&mut losses),
                params: run.params.clone(),
            };
            if !send(progress) {
                return;
            }
        }
        if !pace.is_zero() {
            std::thread::sleep(pace);
        }
    };
    let warning = (loss > first).then(|| {
        format!("the loss grew, from {first:.4e} to {loss:.4e}: the learning rate may be too large")
    });
    send(Event::Done {
        epoch: run.epoch,
        loss,
        why,
        warning,
    });
}
