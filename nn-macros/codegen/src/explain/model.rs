//! A network compiled once and evaluated many times by the reference evaluator (`f64`): what
//! the teaching page trains, one sample at a time, without compiling Rust.

use super::source;
use super::value::Value;
use super::{Failure, Request};
use crate::ast::Shape;
use crate::compiled::Compiled;
use crate::eval::{self, Customs};
use crate::graph::NodeId;

/// A compiled network, evaluated in `f64` by [`crate::eval`], the evaluator the engine's
/// tests check the generated code against.
pub struct Model {
    compiled: Compiled,
}

/// One argument of a network: a data input or a parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Argument {
    /// Its name in the network.
    pub name: String,
    /// Its number of elements: 1 for a number, n for a vector, rows × columns for a matrix
    /// (row by row).
    pub elements: usize,
    /// How many numbers each of its elements meets in a product: the columns of a matrix, 1
    /// otherwise (the fan-in a random start is scaled by).
    pub fan_in: usize,
    /// Its dimensions: none for a number, `[n]` for a vector, `[rows, columns]` for a matrix.
    pub dims: Vec<usize>,
}

/// The output, the loss and the gradients of one sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The network's output, element by element.
    pub output: Vec<f64>,
    /// The loss the caller computed from the output.
    pub loss: f64,
    /// ∂loss/∂parameter for every parameter, in signature order.
    pub gradients: Vec<Vec<f64>>,
}

impl Model {
    /// Compiles the request's network; the error is the compiler's, or says that a network
    /// calling the user's own functions cannot be evaluated here.
    pub fn new(request: &Request) -> Result<Model, Failure> {
        crate::stack::grown_for_text(request.chars(), || Model::compiled(request))
    }

    fn compiled(request: &Request) -> Result<Model, Failure> {
        let source = source::network_source(request)?;
        let compiled = crate::compile(source.attr.clone(), source.item.clone())
            .map_err(|e| super::failure(&e, &source, request))?;
        if let Some(custom) = compiled.network.customs.first() {
            return Err(format!(
                "the network calls the user's own function `{}`, which only the compiled program can evaluate; the page trains networks of the language's functions",
                custom.name
            )
            .into());
        }
        Ok(Model { compiled })
    }

    fn arguments(&self, ids: &[NodeId]) -> Vec<Argument> {
        let g = &self.compiled.graph;
        ids.iter()
            .map(|&id| {
                let shape = g.shape(id);
                Argument {
                    name: self.compiled.names.of(id).to_string(),
                    elements: shape.elements(),
                    // The inputs each output sums over: a matrix's columns, a kernel's taps
                    // over its input channels.
                    fan_in: match shape {
                        Shape::Scalar | Shape::Vector(_) => 1,
                        _ => shape.dims()[1..].iter().product(),
                    },
                    dims: shape.dims(),
                }
            })
            .collect()
    }

    /// The data inputs, in signature order.
    pub fn inputs(&self) -> Vec<Argument> {
        self.arguments(&self.compiled.graph.inputs)
    }

    /// The parameters, in signature order.
    pub fn params(&self) -> Vec<Argument> {
        self.arguments(&self.compiled.graph.params)
    }

    /// The number of elements of the output.
    pub fn outputs(&self) -> usize {
        let g = &self.compiled.graph;
        g.shape(g.output).elements()
    }

    /// Starting values of the parameters: those in `given` (a number, or a list, as
    /// [`Request::at`] has them), `fill(argument)` for each element of the others. An error
    /// for a name in `given` that is no parameter, or a value of the wrong shape.
    pub fn start(
        &self,
        given: &[(String, Value)],
        mut fill: impl FnMut(&Argument) -> f64,
    ) -> Result<Vec<Vec<f64>>, String> {
        let g = &self.compiled.graph;
        let params = self.params();
        if let Some((name, _)) = given
            .iter()
            .find(|(name, _)| !params.iter().any(|p| &p.name == name))
        {
            let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            return Err(format!(
                "`{name}` is no parameter of the network; its parameters are {}",
                names.join(", ")
            ));
        }
        params
            .iter()
            .zip(&g.params)
            .map(|(p, &id)| match given.iter().find(|(n, _)| *n == p.name) {
                Some((_, value)) => value.elements(&p.name, g.shape(id)),
                None => Ok((0..p.elements).map(|_| fill(p)).collect()),
            })
            .collect()
    }

    /// The output at `inputs` and `params` (each in signature order, element by element): the
    /// forward pass alone.
    pub fn output(&self, inputs: &[Vec<f64>], params: &[Vec<f64>]) -> Vec<f64> {
        let g = &self.compiled.graph;
        let mut values = eval::forward(g, inputs, params, &Customs::NONE);
        std::mem::take(&mut values[g.output])
    }

    /// The output at `inputs` and `params` (each in signature order, element by element), the
    /// loss `loss` makes of it with ∂loss/∂output, and the parameters' gradients from that
    /// seed.
    pub fn evaluate(
        &self,
        inputs: &[Vec<f64>],
        params: &[Vec<f64>],
        loss: impl FnOnce(&[f64]) -> (f64, Vec<f64>),
    ) -> Evaluation {
        let c = &self.compiled;
        let g = &c.graph;
        let values = eval::forward(g, inputs, params, &Customs::NONE);
        let output = values[g.output].clone();
        let (loss, seed) = loss(&output);
        let gradients = eval::backward(g, &c.backward, &values, &seed, &Customs::NONE).params;
        Evaluation {
            output,
            loss,
            gradients,
        }
    }
}
