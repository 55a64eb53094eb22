//! Training on the page: each data set offered trains to what the lecture says, a run that
//! diverges stops with the last good parameters, and bad requests get messages.

use nn_teach::presets::PRESETS;
use nn_teach::session::{train, Event, TrainRequest};

/// The request the page sends for preset `key`.
fn preset(key: &str) -> TrainRequest {
    let p = PRESETS.iter().find(|p| p.key == key).unwrap();
    TrainRequest {
        network: p.network.into(),
        with: p.with.into(),
        at: p.at.into(),
        data: p.data.into(),
        loss: p.loss.into(),
        optimizer: p.optimizer.into(),
        rate: p.rate,
        epochs: p.epochs as f64,
        batch: p.batch as f64,
        seed: 1.0,
        pace: 0.0,
    }
}

/// Every event of a run.
fn events(r: &TrainRequest) -> Vec<Event> {
    let mut events = Vec::new();
    train(r, |e| {
        events.push(e);
        true
    });
    events
}

/// The last parameters and the last loss of a run that ended well.
fn result(events: &[Event]) -> (Vec<String>, Vec<Vec<f64>>, f64) {
    let Some(Event::Start { names, .. }) = events.first() else {
        panic!("no start: {events:#?}")
    };
    let params = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Epoch { params, .. } => Some(params.clone()),
            _ => None,
        })
        .unwrap();
    let Some(Event::Done {
        loss, why, warning, ..
    }) = events.last()
    else {
        panic!("no end: {:#?}", events.last())
    };
    assert_eq!(*why, "epochs");
    assert_eq!(*warning, None);
    (names.clone(), params, *loss)
}

#[test]
fn xor_is_learned() {
    let events = events(&preset("xor"));
    let (_, _, loss) = result(&events);
    assert!(loss < 0.01, "{loss}");
    // Every epoch's loss reaches the page, however few events carry them.
    let losses: usize = events
        .iter()
        .map(|e| match e {
            Event::Epoch { losses, .. } => losses.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(losses, 500);
}

/// Gradient descent on the four points finds the least-squares weight 117.8 / 117.25.
#[test]
fn the_four_points_give_the_least_squares_weight() {
    let (names, params, _) = result(&events(&preset("four-points")));
    assert_eq!(names, ["w"]);
    let w = params[0][0];
    assert!((w - 117.8 / 117.25).abs() < 1e-6, "{w}");
}

/// The circuit's data were made at w3 = 0.5, w4 = −0.25; training from 0 finds them.
#[test]
fn the_circuit_recovers_its_weights() {
    let (names, params, loss) = result(&events(&preset("circuit")));
    assert_eq!(names, ["w3", "w4"]);
    assert!((params[0][0] - 0.5).abs() < 1e-3, "{params:?}");
    assert!((params[1][0] + 0.25).abs() < 1e-3, "{params:?}");
    assert!(loss < 1e-7, "{loss}");
}

/// A learning rate too large: the loss overflows, the run stops, and the parameters are the
/// last finite ones.
#[test]
fn a_diverging_run_stops_with_the_last_good_parameters() {
    let mut r = preset("four-points");
    r.rate = 1.0;
    r.epochs = 10_000.0;
    let events = events(&r);
    let Some(Event::Error { errors, params }) = events.last() else {
        panic!("{:#?}", events.last())
    };
    assert!(
        errors.message.starts_with("the loss became inf in epoch "),
        "{}",
        errors.message
    );
    let params = params.as_ref().unwrap();
    assert!(params[0][0].is_finite());
}

#[test]
fn mistakes_are_messages() {
    let message = |r: TrainRequest| match events(&r).as_slice() {
        [Event::Error { errors, .. }] => errors.clone(),
        other => panic!("{other:#?}"),
    };
    let mut r = preset("four-points");
    r.network = "y = swoosh(w·x)".into();
    let e = message(r);
    assert_eq!(e.marks.len(), 1);
    assert_eq!((e.marks[0].start, e.marks[0].end), (4, 10));
    let mut r = preset("four-points");
    r.data = "x, t\n1, 2\n3".into();
    assert_eq!(
        message(r).message,
        "line 3 of the data has 1 number; each row needs 2 numbers: x, t (the target)"
    );
    let mut r = preset("xor");
    r.loss = "hinge".into();
    assert_eq!(
        message(r).message,
        "unknown loss `hinge`; the losses are squared, cross-entropy, output"
    );
    let mut r = preset("four-points");
    r.epochs = 2.5;
    assert_eq!(
        message(r).message,
        "the number of epochs must be a whole number from 1 to 100000, not 2.5"
    );
    // Cross-entropy takes probabilities: outputs and targets in (0, 1).
    let mut r = preset("four-points");
    r.loss = "cross-entropy".into();
    assert_eq!(
        message(r).message,
        "cross-entropy needs targets from 0 to 1 (a probability); row 1 has 10.1"
    );
    let mut r = preset("xor");
    r.network = "y = w·x1 + v·x2".into();
    assert!(message(r).message.starts_with(
        "cross-entropy needs outputs between 0 and 1 (a sigmoid's, say); the network gives "
    ));
    let mut r = preset("four-points");
    r.at = "v = 1".into();
    assert_eq!(
        message(r).message,
        "`v` is no parameter of the network; its parameters are w"
    );
}

/// The page going away (the stream's receiver dropped) stops the run.
#[test]
fn a_run_stops_when_the_page_goes() {
    let mut r = preset("xor");
    r.epochs = 100_000.0;
    let mut sent = 0;
    train(&r, |_| {
        sent += 1;
        sent < 3
    });
    assert_eq!(sent, 3);
}

/// A run whose loss ends above where it started says so, though nothing overflowed.
#[test]
fn a_loss_that_grows_is_pointed_out() {
    let mut r = preset("four-points");
    r.rate = 0.07;
    r.epochs = 20.0;
    let events = events(&r);
    let Some(Event::Done { warning, loss, .. }) = events.last() else {
        panic!("{:#?}", events.last())
    };
    assert!(loss.is_finite());
    let warning = warning.as_deref().unwrap();
    assert!(warning.starts_with("the loss grew, from "), "{warning}");
}
