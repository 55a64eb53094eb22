//! The graph's layout: the forward pass reads left to right (every edge goes to a later
//! column), no two nodes share a place, and an argument sits just before its first user.

use nn_codegen::explain::{explain, Request};
use nn_teach::layout::places;

#[test]
fn edges_go_right_and_places_are_distinct() {
    for (body, with) in [
        ("y = f3(w3·f2(w2·f1(w1·x + b1)))", "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid"),
        ("let net2 = w3·x3 + w4·x4; f = (x3 + x5) - sigmoid(net2)", "inputs(x3, x4, x5)"),
        (
            "let h1 = tanh(w11·x1 + w12·x2 + b1); let h2 = tanh(w21·x1 + w22·x2 + b2); y = sigmoid(v1·h1 + v2·h2 + c)",
            "inputs(x1, x2)",
        ),
    ] {
        let e = explain(&Request {
            body: body.into(),
            with: with.into(),
            ..Request::default()
        })
        .unwrap();
        let p = &e.picture;
        let at = places(p);
        assert_eq!(at.len(), p.nodes.len());
        let place = |id: usize| at[p.nodes.iter().position(|n| n.id == id).unwrap()];
        for edge in &p.edges {
            assert!(
                place(edge.from).column < place(edge.to).column,
                "{body}: {edge:?}"
            );
        }
        for (k, a) in at.iter().enumerate() {
            assert!(!at[..k].contains(a), "{body}: two nodes at {a:?}");
        }
    }
    // The chain: b1 is in the column just before the sum that uses it.
    let e = explain(&Request {
        body: "y = sigmoid(w·x + b)".into(),
        ..Request::default()
    })
    .unwrap();
    let at = places(&e.picture);
    let column = |label: &str| {
        at[e.picture
            .nodes
            .iter()
            .position(|n| n.label == label)
            .unwrap()]
        .column
    };
    assert_eq!(column("b") + 1, column("z = +"));
    assert_eq!(column("x"), 0);
}
