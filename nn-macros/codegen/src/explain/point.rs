//! The numbers of a network at one point: the arguments' values (given, or 0.5), every
//! named value and every gradient, scalars, vectors and matrices alike.

use super::value::{list, number, Value};
use super::Request;
use crate::compiled::Compiled;
use crate::diff::Target;
use crate::eval::{self, Customs};
use crate::graph::{NodeId, PerNode};

/// Default value of an argument not given in [`Request::at`] (every element).
pub(super) const DEFAULT_VALUE: f64 = 0.5;

/// What a number line says of an argument that took the default.
pub(super) const NOT_GIVEN: &str = "(the default: no value given)";

/// Elements shown of a vector (or rows of a matrix) in the numbers, `…` counted.
const SHOWN: usize = 10;

/// The arguments' values at the request's point, in signature order, and the arguments that
/// took the default; an error for a name that is no argument, a name given twice, or a value
/// of the wrong shape.
pub(super) struct Arguments {
    inputs: Vec<Vec<f64>>,
    params: Vec<Vec<f64>>,
    /// The arguments not given, which are 0.5.
    pub defaults: Vec<NodeId>,
    /// Names given values that are no arguments, left out (with [`Request::skip_other_values`]).
    skipped: Vec<String>,
}

impl Arguments {
    pub(super) fn read(c: &Compiled, request: &Request) -> Result<Arguments, String> {
        let g = &c.graph;
        let arguments: Vec<NodeId> = g.inputs.iter().chain(&g.params).copied().collect();
        let mut skipped = Vec::new();
        for (k, (name, _)) in request.at.iter().enumerate() {
            if request.at[..k].iter().any(|(n, _)| n == name) {
                return Err(format!("`{name}` is given a value twice"));
            }
            if !arguments.iter().any(|&id| c.names.of(id) == name) {
                if request.skip_other_values {
                    skipped.push(name.clone());
                    continue;
                }
                let names: Vec<&str> = arguments.iter().map(|&id| c.names.of(id)).collect();
                let computed = g.ids().any(|id| c.names.value(id) == Some(name.as_str()));
                let why = if computed {
                    "is computed by the network, not one of its arguments"
                } else {
                    "is no argument of the network"
                };
                return Err(format!(
                    "`{name}` is given a value but {why}; the arguments are {}",
                    names.join(", ")
                ));
            }
        }
        let mut defaults = Vec::new();
        let mut value_of = |id: NodeId| -> Result<Vec<f64>, String> {
            let name = c.names.of(id);
            match request.at.iter().find(|(n, _)| n == name) {
                Some((_, value)) => value.elements(name, g.shape(id)),
                None => {
                    defaults.push(id);
                    Value::Number(DEFAULT_VALUE).elements(name, g.shape(id))
                }
            }
        };
        let inputs = g
            .inputs
            .iter()
            .map(|&i| value_of(i))
            .collect::<Result<_, _>>()?;
        let params = g
            .params
            .iter()
            .map(|&i| value_of(i))
            .collect::<Result<_, _>>()?;
        Ok(Arguments {
            inputs,
            params,
            defaults,
            skipped,
        })
    }
}

/// The numbers of a network at one point.
pub(super) struct Point {
    /// Every node's value.
    pub values: PerNode<Vec<f64>>,
    /// Every node's gradient.
    pub gradients: eval::Gradients,
    seed: Vec<f64>,
    defaults: Vec<NodeId>,
    skipped: Vec<String>,
}

impl Point {
    /// The values and gradients at the arguments; an error for a seed not of the output's
    /// shape.
    pub(super) fn evaluate(
        c: &Compiled,
        arguments: Arguments,
        seed: Option<&Value>,
    ) -> Result<Point, String> {
        let g = &c.graph;
        let values = eval::forward(g, &arguments.inputs, &arguments.params, &Customs::NONE);
        let output = c.names.of(g.output);
        let seed = seed
            .unwrap_or(&Value::Number(1.0))
            .elements(&format!("∂L/∂{output} (the seed)"), g.shape(g.output))?;
        let gradients = eval::backward(g, &c.backward, &values, &seed, &Customs::NONE);
        Ok(Point {
            values,
            gradients,
            seed,
            defaults: arguments.defaults,
            skipped: arguments.skipped,
        })
    }

    /// A node's value as the numbers show it: `0.5`, `[0.1, 0.2]`.
    pub(super) fn value(&self, c: &Compiled, id: NodeId, max: usize) -> String {
        list(&self.values[id], c.graph.shape(id), max)
    }

    /// A node's gradient ∂L/∂node as the numbers show it.
    pub(super) fn gradient(&self, c: &Compiled, id: NodeId, max: usize) -> String {
        list(&self.gradients.adjoints[id], c.graph.shape(id), max)
    }

    /// One line per named value (`z = [0.1, 0.2]`, `w2 = 0.5 (the default: no value given)`),
    /// then the seed and one line per gradient.
    pub(super) fn numbers(&self, c: &Compiled) -> Vec<String> {
        let g = &c.graph;
        let live = c.backward.needed(g);
        let mut lines = Vec::new();
        for id in g.ids() {
            if let (true, Some(name)) = (live[id], c.names.value(id)) {
                if g[id].op.constant().is_none() {
                    let note = if self.defaults.contains(&id) {
                        format!(" {NOT_GIVEN}")
                    } else {
                        String::new()
                    };
                    lines.push(format!("{name} = {}{note}", self.value(c, id, SHOWN)));
                }
            }
        }
        for name in &self.skipped {
            lines.push(format!(
                "{name}: left out, it is no argument of this network"
            ));
        }
        let same = self.seed.iter().all(|&s| s == self.seed[0]);
        let seed = match (self.seed.len(), same) {
            (1, _) => number(self.seed[0]),
            (_, true) => format!("{} for every element", number(self.seed[0])),
            (_, false) => list(&self.seed, g.shape(g.output), SHOWN),
        };
        lines.push(format!("∂L/∂{} = {seed} (the seed)", c.names.of(g.output)));
        for step in &c.backward.steps {
            let id = step.node;
            let what = match step.target {
                Target::Param(_) => " (parameter)",
                Target::Input(_) => " (input)",
                Target::Node => "",
            };
            lines.push(format!(
                "∂L/∂{} = {}{what}",
                c.names.of(id),
                self.gradient(c, id, SHOWN)
            ));
        }
        lines
    }
}
