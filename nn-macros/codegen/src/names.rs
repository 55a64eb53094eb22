//! Every name of the generated code, decided once, here: the values (the user's names, the
//! lecture's `a1`, `z1`, `f1`, temporaries `t1`, …), their adjoints (`dl_da1`), the seed of
//! the backward pass, and the batch functions' own names (the sample index, the batch size,
//! the products computed for a whole batch).

use std::collections::BTreeSet;

use crate::ast::Shape;
use crate::diff::bexpr::Whole;
use crate::diff::Backward;
use crate::graph::{Graph, Lecture, NodeId, Op, PerNode};
use crate::reserved::{self, ADJOINT_PREFIX};

/// The names of one network's generated code.
#[derive(Clone, Debug)]
pub struct Names {
    /// The variable of each node that has one (arguments included).
    value: PerNode<Option<String>>,
    /// The backward's argument, ∂L/∂output: `dl_dy`.
    pub seed: String,
    /// The sample index of the batch functions: `s`.
    pub sample: String,
    /// The batch size of the batch functions: `B`.
    pub batch: String,
    /// Names for the products `W·x` that only the batch functions compute into a variable.
    product: PerNode<Option<String>>,
    /// The shares `Wᵀ·∂L/∂z` that the batch functions compute for the whole batch.
    pub transposes: Vec<(Whole, String)>,
}

impl Names {
    /// The node's variable, if it has one.
    pub fn value(&self, id: NodeId) -> Option<&str> {
        self.value[id].as_deref()
    }

    /// The node's name in text, `?` when it has none.
    pub fn of(&self, id: NodeId) -> &str {
        self.value(id).unwrap_or("?")
    }

    /// The variable of the node's adjoint: `dl_da1`.
    pub fn adjoint(&self, id: NodeId) -> String {
        format!("{ADJOINT_PREFIX}{}", self.of(id))
    }

    /// The variable a batch product is computed into.
    pub fn product(&self, id: NodeId) -> Option<&str> {
        self.product[id].as_deref().or_else(|| self.value(id))
    }
}

/// Decides every name of a network.
pub fn decide(graph: &Graph, backward: &Backward, generics: &syn::Generics) -> Names {
    let mut value = lecture_names(graph);
    let mut taken: BTreeSet<String> = value.0.iter().flatten().cloned().collect();
    temporaries(graph, backward, &mut value, &mut taken);
    let output = value[graph.output].clone().unwrap_or_default();
    let seed = if output.eq_ignore_ascii_case("l") {
        // `dl_dl` would read as a tautology: the loss is the output itself.
        fresh("seed", &mut taken, "")
    } else {
        format!("{ADJOINT_PREFIX}{output}")
    };
    for name in value.0.iter().flatten() {
        taken.insert(format!("{ADJOINT_PREFIX}{name}"));
    }
    for param in &generics.params {
        match param {
            syn::GenericParam::Type(t) => taken.insert(t.ident.to_string()),
            syn::GenericParam::Const(c) => taken.insert(c.ident.to_string()),
            syn::GenericParam::Lifetime(_) => false,
        };
    }
    let sample = fresh("s", &mut taken, "");
    let batch = fresh("B", &mut taken, "");
    let mut product = graph.per_node(None);
    let products = graph.batch_products();
    for id in graph
        .ids()
        .filter(|&id| products[id] && value[id].is_none())
    {
        if let Op::MatVec(w, x) = graph[id].op {
            let base = format!(
                "{}{}",
                value[w].as_deref().unwrap_or("v"),
                value[x].as_deref().unwrap_or("v")
            );
            product[id] = Some(fresh(&base, &mut taken, ""));
        }
    }
    let transposes = backward
        .batched_transposes(graph)
        .into_iter()
        .map(|w| {
            let dy = match &w.dy {
                crate::diff::bexpr::BExpr::Adj(id) => value[*id].clone().unwrap_or_default(),
                _ => output.clone(),
            };
            let base = format!(
                "{}t_{ADJOINT_PREFIX}{dy}",
                value[w.value].as_deref().unwrap_or("v")
            );
            let name = fresh(&base, &mut taken, "");
            (w, name)
        })
        .collect();
    Names {
        value,
        seed,
        sample,
        batch,
        product,
        transposes,
    }
}

/// `base`, or `base2`, `base3`, … (with `separator` before the number), whichever is free.
fn fresh(base: &str, taken: &mut BTreeSet<String>, separator: &str) -> String {
    let mut name = base.to_string();
    let mut k = 2;
    while taken.contains(&name) || reserved::is_reserved(&name) {
        name = format!("{base}{separator}{k}");
        k += 1;
    }
    taken.insert(name.clone());
    name
}

/// The names the lecture gives: the user's, then `f1`/`a1` of placeholders and `a`/`z` of
/// activations (renamed `a1_2` should they collide with a user's name), and the output's.
fn lecture_names(graph: &Graph) -> PerNode<Option<String>> {
    let lecture = graph.lecture_names();
    let mut names = graph.per_node(None);
    let mut taken = BTreeSet::new();
    for id in graph.ids() {
        if let Some(Lecture::User(name)) = &lecture[id] {
            names[id] = Some(name.clone());
            taken.insert(name.clone());
        }
    }
    if names[graph.output].is_none() {
        let name = ["y", "y_hat", "output"]
            .into_iter()
            .find(|n| !taken.contains(*n))
            .unwrap_or("network_output")
            .to_string();
        taken.insert(name.clone());
        names[graph.output] = Some(name);
    }
    for id in graph.ids() {
        if names[id].is_some() {
            continue;
        }
        let number = |k: &Option<usize>| k.map(|k| k.to_string()).unwrap_or_default();
        let base = match &lecture[id] {
            None | Some(Lecture::User(_)) => continue,
            Some(Lecture::Placeholder(p)) => p.clone(),
            Some(Lecture::PlaceholderArgument(p)) => {
                let digits: String = p.chars().skip_while(|c| !c.is_ascii_digit()).collect();
                if !digits.is_empty() && p.ends_with(&digits) {
                    format!("a{digits}")
                } else {
                    format!("{p}_in")
                }
            }
            Some(Lecture::Activation(k)) => format!("a{}", number(k)),
            Some(Lecture::Derived(name)) => name.clone(),
            Some(Lecture::ActivationArgument(k)) => format!("z{}", number(k)),
        };
        names[id] = Some(fresh(&base, &mut taken, "_"));
    }
    names
}

/// Names `t1`, `t2`, … for the values generated code must compute into a variable of their
/// own but that have no name yet: values the backward reads, values with an adjoint of their
/// own, values used more than once (computed once, then reused), and values that must be
/// whole before their use.
fn temporaries(
    graph: &Graph,
    backward: &Backward,
    names: &mut PerNode<Option<String>>,
    taken: &mut BTreeSet<String>,
) {
    let read = backward.values_read(graph);
    let own = backward.adjoint_variables(graph);
    let live = backward.needed(graph);
    let uses = graph.use_counts(&live);
    let whole = whole_values(graph);
    let mut k = 1;
    for id in graph.ids() {
        let op = &graph[id].op;
        let needs = live[id]
            && !op.is_leaf()
            && op.constant().is_none()
            && (read[id] || own[id] || uses[id] > 1 || whole[id]);
        if needs && names[id].is_none() {
            let mut candidate = format!("t{k}");
            while taken.contains(&candidate) {
                k += 1;
                candidate = format!("t{k}");
            }
            k += 1;
            taken.insert(candidate.clone());
            names[id] = Some(candidate);
        }
    }
}

/// Values that must be computed whole, into a variable of their own, before their use:
/// vector operands of dot and matrix-vector products and of whole-vector functions, vectors
/// that only a whole-vector function makes (`softmax`), and scalars used inside a vector
/// loop (computed once, not once per element).
fn whole_values(graph: &Graph) -> PerNode<bool> {
    let mut whole = graph.per_node(false);
    for id in graph.ids() {
        let node = &graph[id];
        if let Op::Call(f, _) = node.op {
            if f.is_whole_vector() && node.shape != Shape::Scalar {
                whole[id] = true;
            }
        }
        match node.op {
            // A layer's value comes from a kernel call; the bias of `z + b` is read per
            // channel, `b[ch]`, inside the loop over `z`.
            Op::Conv(..) | Op::Pool(..) | Op::Flatten(_) => whole[id] = true,
            Op::ChannelBias(_, b) => whole[b] = true,
            _ => {}
        }
        for (slot, c) in node.op.operands().into_iter().enumerate() {
            let child = &graph[c];
            let operand_of_whole = !node.op.is_elementwise()
                && child.shape != Shape::Scalar
                && !(matches!(node.op, Op::MatVec(..)) && slot == 0);
            let scalar_in_loop = node.shape != Shape::Scalar
                && node.op.is_elementwise()
                && child.shape == Shape::Scalar
                && child.op.constant().is_none();
            if operand_of_whole || scalar_in_loop {
                whole[c] = true;
            }
        }
    }
    whole
}
