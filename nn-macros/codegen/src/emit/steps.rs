//! The backward program as statements of one sample: one group of statements per chain-rule
//! step, the first carrying the step's comment.

use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};

use super::expr::{index, index_vars, Render, Var};
use super::plan::{ident, repeat, ConvPart, Plan};
use super::source::{anchor, comment, Anchor, Stmt};
use crate::ast::Shape;
use crate::diff::bexpr::{BExpr, Whole, WholeKind};
use crate::diff::{Step, Target};
use crate::func::Kernel;
use crate::graph::NodeId;

/// The statements of a backward pass made of the program's `steps` (indices), and what it
/// returns: the input gradients when `with_inputs`.
pub fn backward_body(r: &Render, steps: &[usize], with_inputs: bool) -> Vec<Stmt> {
    let c = r.plan.c;
    let customs = r.plan.customs();
    let text = r.plan.text(&customs);
    let inputs = &c.graph.inputs;
    // With one input whose step comes last, its gradient is returned as that step's value.
    let tail = steps.last().copied().filter(|&k| {
        with_inputs && inputs.len() == 1 && matches!(c.backward.steps[k].target, Target::Input(_))
    });
    let mut body = Vec::new();
    for &k in steps {
        let step = &c.backward.steps[k];
        if matches!(step.target, Target::Input(_)) && !with_inputs {
            continue;
        }
        let mut stmts = step_statements(r, step, tail == Some(k));
        let mut note = text.step_comment(step);
        if tail == Some(k) {
            // The returned gradient is the last expression: the comment says what it is.
            note = format!("∂L/∂{}: {note}", text.name(step.node));
        }
        comment(&mut stmts, note);
        anchor(&mut stmts, Anchor::Backward(k));
        body.extend(stmts);
    }
    if with_inputs && tail.is_none() {
        match inputs.as_slice() {
            [] => {}
            [one] => body.push(Stmt::new(r.ident(Var::Adjoint(*one)).into_token_stream())),
            several => {
                let fields = several.iter().map(|&i| {
                    let n = r.plan.name(i);
                    let a = r.ident(Var::Adjoint(i));
                    quote!(#n: #a)
                });
                body.push(Stmt::new(quote!(Inputs { #(#fields),* })));
            }
        }
    }
    body
}

/// `let &Params { ref W1, ref b1, w2, b2 } = params;`: the fields in `ids`, arrays by
/// reference (copying a layer's weights on every call would cost as much as using them),
/// scalars by value; `..` when some are left out.
pub fn bind(plan: &Plan, ty: &str, ids: &[NodeId], total: usize) -> Option<Stmt> {
    if ids.is_empty() {
        return None;
    }
    let ty = ident(ty);
    let var = ident(&ty.to_string().to_lowercase());
    let scalar = |id: &NodeId| plan.shape(*id) == Shape::Scalar;
    let fields = ids.iter().map(|id| {
        let n = plan.name(*id);
        if scalar(id) {
            quote!(#n)
        } else {
            quote!(ref #n)
        }
    });
    let rest = (ids.len() < total).then(|| quote!(, ..));
    Some(Stmt::new(if ids.iter().all(scalar) {
        // Scalars only: a copy of the few numbers, as the lecture reads.
        quote!(let #ty { #(#fields),* #rest } = *#var;)
    } else {
        quote!(let &#ty { #(#fields),* #rest } = #var;)
    }))
}

/// `place += value;` (`place = place + value;` for a generic float, which has no `+=`).
pub fn accumulate(r: &Render, place: TokenStream, value: TokenStream) -> TokenStream {
    if r.plan.generic {
        quote!(#place = #place + #value;)
    } else {
        quote!(#place += #value;)
    }
}

/// The statements of one chain-rule step for one sample; the returned input gradient is the
/// last statement, an expression, when `is_tail`.
pub fn step_statements(r: &Render, step: &Step, is_tail: bool) -> Vec<Stmt> {
    let shape = r.plan.shape(step.node);
    let node = step.node;
    match (step.target, shape) {
        (Target::Param(_), Shape::Scalar) => {
            let value = r.backward(each(step), false).0;
            let p = r.plan.name(node);
            vec![Stmt::new(accumulate(r, quote!(grads.#p), value))]
        }
        (Target::Param(_), Shape::Vector(n)) => {
            let p = r.plan.name(node);
            let place = quote!(grads.#p);
            let mut stmts = Vec::new();
            if let Some(e) = &step.each {
                if e.is_variable() {
                    let add = r.kernel(Kernel::AddAssign);
                    let v = r.backward_arg(e);
                    stmts.push(Stmt::new(quote!(#add(&mut #place, #v);)));
                } else {
                    stmts.push(add_elements(
                        r,
                        &place,
                        r.backward(e, true).0,
                        Shape::Vector(n),
                    ));
                }
            }
            for w in &step.whole {
                let add = r.kernel(Kernel::AddAssign);
                let w = r.whole(w);
                stmts.push(Stmt::new(quote!(#add(&mut #place, &#w);)));
            }
            stmts
        }
        (Target::Param(_), Shape::Matrix(..) | Shape::Array3(..) | Shape::Array4(..)) => {
            let p = r.plan.name(node);
            let place = quote!(grads.#p);
            let mut stmts = outer_products(r, &step.whole, &place);
            stmts.extend(kernel_gradients(r, &step.whole, &place));
            let add = match shape {
                Shape::Array3(..) => Kernel::AddAssignImages,
                _ => Kernel::AddAssignChannels,
            };
            for w in &step.whole {
                if !matches!(w.kind, WholeKind::Outer | WholeKind::ConvKernel(_)) {
                    let f = r.kernel(add);
                    let w = r.whole(w);
                    stmts.push(Stmt::new(quote!(#f(&mut #place, &#w);)));
                }
            }
            if let Some(e) = &step.each {
                stmts.push(add_elements(r, &place, r.backward(e, true).0, shape));
            }
            stmts
        }
        (_, Shape::Matrix(..)) if step.whole.iter().any(|w| w.kind == WholeKind::Outer) => {
            let n = r.ident(Var::Adjoint(node));
            let zero = r.zero(shape);
            let mut stmts = vec![Stmt::zeroes(quote!(let mut #n = #zero;))];
            stmts.extend(outer_products(r, &step.whole, &quote!(#n)));
            if is_tail {
                stmts.push(Stmt::new(quote!(#n)));
            }
            stmts
        }
        (_, Shape::Vector(_) | Shape::Matrix(..) | Shape::Array3(..) | Shape::Array4(..)) => {
            let n = r.ident(Var::Adjoint(node));
            let (mut stmts, single) = vector_adjoint(r, step, shape);
            match single {
                Some(value) if is_tail => stmts.push(Stmt::new(value)),
                Some(value) => {
                    let ty = r.plan.ty(shape);
                    stmts.push(Stmt::new(quote!(let #n: #ty = #value;)));
                }
                None if is_tail => stmts.push(Stmt::new(quote!(#n))),
                None => {}
            }
            stmts
        }
        (_, Shape::Scalar) => {
            let value = r.backward(each(step), false).0;
            if is_tail {
                vec![Stmt::new(value)]
            } else {
                let n = r.ident(Var::Adjoint(node));
                vec![Stmt::new(quote!(let #n = #value;))]
            }
        }
    }
}

/// The elementwise share of a step that has one (every step of a scalar does).
fn each(step: &Step) -> &crate::diff::bexpr::BExpr {
    static ZERO: crate::diff::bexpr::BExpr = crate::diff::bexpr::BExpr::Const(0.0);
    step.each.as_ref().unwrap_or(&ZERO)
}

/// `for i in 0..n { place[i] += element; }`, a loop per dimension for channel data.
pub fn add_elements(r: &Render, place: &TokenStream, element: TokenStream, shape: Shape) -> Stmt {
    let index = index(shape);
    let add = accumulate(r, quote!(#place #index), element);
    each_element(add, shape)
}

/// Channel data computed element by element into a variable of its own: `let mut z1 = [[0.0;
/// 19]; 25];` and `for ch in 0..25 { for i in 0..19 { z1[ch][i] = element; } }` (nested
/// `from_fn`s would build each channel apart and then copy it).
pub fn channel_data(
    r: &Render,
    name: &TokenStream,
    element: TokenStream,
    shape: Shape,
) -> Vec<Stmt> {
    let (ty, zero) = (r.plan.ty(shape), r.zero(shape));
    let index = index(shape);
    vec![
        Stmt::zeroes(quote!(let mut #name: #ty = #zero;)),
        each_element(quote!(#name #index = #element;), shape),
    ]
}

/// `body` in a loop per dimension of `shape`, its index variables those of [`index_vars`].
fn each_element(body: TokenStream, shape: Shape) -> Stmt {
    let add = body;
    let vars = index_vars(shape);
    let looped = vars
        .iter()
        .zip(shape.dims())
        .rev()
        .fold(add, |body, (v, n)| {
            let len = Literal::usize_unsuffixed(n);
            quote!(for #v in 0..#len { #body })
        });
    Stmt::index_loop(looped)
}

/// An adjoint of a vector or of channel data: the statements that build it in its variable,
/// or, when it is one expression, that expression.
pub fn vector_adjoint(r: &Render, step: &Step, shape: Shape) -> (Vec<Stmt>, Option<TokenStream>) {
    let name = r.ident(Var::Adjoint(step.node));
    let element = step
        .each
        .as_ref()
        .map(|e| (r.backward(e, true).0, r.vector_len(e) == 0));
    let wholes: Vec<TokenStream> = step.whole.iter().map(|w| r.whole(w)).collect();
    // The adjoint of another value of this shape, unchanged (a factor of 1): that array.
    let same = match &step.each {
        Some(BExpr::Adj(id)) if wholes.is_empty() && r.plan.shape(*id) == shape => {
            Some(Var::Adjoint(*id))
        }
        Some(BExpr::Seed) if wholes.is_empty() && r.shape(Var::Seed) == shape => Some(Var::Seed),
        _ => None,
    };
    if let Some(var) = same {
        return (Vec::new(), Some(r.read(var, false)));
    }
    match (element, wholes.as_slice()) {
        // The same value in every element: `[dl_ds; n]`.
        (Some((element, true)), []) => (Vec::new(), Some(repeat(element, shape))),
        (Some((element, false)), []) if shape.rank() >= 2 => (
            channel_data(r, &name.to_token_stream(), element, shape),
            None,
        ),
        (Some((element, false)), []) => (Vec::new(), Some(r.from_fn_shaped(shape, element))),
        (None, [one]) => (Vec::new(), Some(one.clone())),
        (element, [first, rest @ ..]) => {
            let ty = r.plan.ty(shape);
            let mut stmts = vec![Stmt::new(quote!(let mut #name: #ty = #first;))];
            let add = match shape {
                Shape::Matrix(..) => Kernel::AddAssignChannels,
                Shape::Array3(..) => Kernel::AddAssignImages,
                _ => Kernel::AddAssign,
            };
            for w in rest {
                let f = r.kernel(add);
                stmts.push(Stmt::new(quote!(#f(&mut #name, &#w);)));
            }
            if let Some((element, _)) = element {
                stmts.push(add_elements(r, &name.to_token_stream(), element, shape));
            }
            (stmts, None)
        }
        (None, []) => (Vec::new(), Some(r.zero(shape))),
    }
}

/// The kernel bank gradients of the convolutions that read a kernel bank, added to `target`
/// (`grads.K1`).
pub fn kernel_gradients(r: &Render, whole: &[Whole], target: &TokenStream) -> Vec<Stmt> {
    whole
        .iter()
        .filter_map(|w| match w.kind {
            WholeKind::ConvKernel(layer) => Some((w, layer)),
            _ => None,
        })
        .map(|(w, layer)| {
            let f = r.conv_kernel(layer, ConvPart::KernelGradient);
            let x = r.node_arg(w.value);
            let dy = r.backward_arg(&w.dy);
            Stmt::new(quote!(#f(&mut #target, #x, #dy);))
        })
        .collect()
}

/// The outer products a matrix receives, added to `target` (`grads.W1` or `dl_dX`).
pub fn outer_products(r: &Render, whole: &[Whole], target: &TokenStream) -> Vec<Stmt> {
    whole
        .iter()
        .filter(|w| w.kind == WholeKind::Outer)
        .map(|w| {
            let f = r.kernel(Kernel::OuterAdd);
            let dy = r.backward_arg(&w.dy);
            let x = r.node_arg(w.value);
            Stmt::new(quote!(#f(&mut #target, #dy, #x);))
        })
        .collect()
}
