//! The runtime's traits for the generated `Params`: `Parameters` (the tensors, for
//! initialisers, optimizers and weight files) and `Network` (the passes, for the trainer).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

use super::expr::{Mode, Render};
use super::plan::{ident, input_type, Generics, Plan, Recorder};
use super::source::Item;
use crate::ast::Shape;
use crate::func::{Builtin, Func};
use crate::graph::Op;

/// `impl Parameters` and `impl Network` (none for a network without parameters); with
/// `batch`, `Network::gradient_batch` calls the generated `gradient_batch`.
pub fn impls(plan: &Plan, batch: bool, uses: &Recorder) -> Vec<Item> {
    if plan.c.graph.params.is_empty() {
        return Vec::new();
    }
    vec![parameters(plan, uses), network(plan, batch)]
}

fn parameters(plan: &Plan, uses: &Recorder) -> Item {
    let g = &plan.c.graph;
    let params = &g.params;
    let generics = Generics::of(plan);
    let (ig, wc) = (&generics.impl_generics, &generics.where_clause);
    let krate = &plan.c.network.krate;
    let s = &plan.scalar;
    let params_ty = generics.ty("Params", true);
    let r = Render::new(plan, Mode::Forward, uses);
    let infos = params.iter().map(|&p| {
        let n = plan.c.names.of(p);
        let dims: Vec<Literal> = plan
            .shape(p)
            .dims()
            .into_iter()
            .map(Literal::usize_unsuffixed)
            .collect();
        quote!(#krate::TensorInfo { name: #n, shape: &[#(#dims),*] })
    });
    let names: Vec<_> = params.iter().map(|&p| plan.name(p)).collect();
    let zeros = params.iter().map(|&p| match plan.shape(p) {
        // Made where they live, never whole on the stack.
        Shape::Vector(_) if plan.is_large(p) => quote!(#krate::storage::zero_vector()),
        Shape::Matrix(..) if plan.is_large(p) => quote!(#krate::storage::zero_matrix()),
        shape => r.zero(shape),
    });
    let views = |mutable: bool| -> Vec<TokenStream> {
        params
            .iter()
            .map(|&p| {
                let n = plan.name(p);
                match (plan.shape(p), mutable) {
                    (Shape::Scalar, false) => quote!(::core::slice::from_ref(&self.#n)),
                    (Shape::Scalar, true) => quote!(::core::slice::from_mut(&mut self.#n)),
                    // A large vector is a `Box`: `[..]` reaches the slice through it.
                    (Shape::Vector(_), false) if plan.is_large(p) => quote!(&self.#n[..]),
                    (Shape::Vector(_), true) if plan.is_large(p) => quote!(&mut self.#n[..]),
                    (Shape::Vector(_), false) => quote!(&self.#n),
                    (Shape::Vector(_), true) => quote!(&mut self.#n),
                    (Shape::Matrix(..), false) => quote!(self.#n.as_flattened()),
                    (Shape::Matrix(..), true) => quote!(self.#n.as_flattened_mut()),
                    (Shape::Array3(..), false) => quote!(self.#n.as_flattened().as_flattened()),
                    (Shape::Array3(..), true) => {
                        quote!(self.#n.as_flattened_mut().as_flattened_mut())
                    }
                    (Shape::Array4(..), false) => {
                        quote!(self.#n.as_flattened().as_flattened().as_flattened())
                    }
                    (Shape::Array4(..), true) => quote!(self
                        .#n
                        .as_flattened_mut()
                        .as_flattened_mut()
                        .as_flattened_mut()),
                }
            })
            .collect()
    };
    let (views, views_mut) = (views(false), views(true));
    let k: Vec<Literal> = (0..params.len()).map(Literal::usize_unsuffixed).collect();
    let count = Literal::usize_unsuffixed(params.iter().map(|&p| plan.shape(p).elements()).sum());
    Item::Plain(quote! {
        impl #ig #krate::Parameters for #params_ty #wc {
            type Scalar = #s;
            const TENSORS: &'static [#krate::TensorInfo] = &[#(#infos),*];
            const COUNT: usize = #count;
            fn zeros() -> Self {
                Params { #(#names: #zeros),* }
            }
            fn tensor(&self, k: usize) -> &[#s] {
                match k {
                    #(#k => #views,)*
                    _ => &[],
                }
            }
            fn tensor_mut(&mut self, k: usize) -> &mut [#s] {
                match k {
                    #(#k => #views_mut,)*
                    _ => &mut [],
                }
            }
        }
    })
}

fn network(plan: &Plan, batch: bool) -> Item {
    let g = &plan.c.graph;
    let generics = Generics::of(plan);
    let (ig, wc) = (&generics.impl_generics, &generics.where_clause);
    let krate = &plan.c.network.krate;
    let params_ty = generics.ty("Params", true);
    let tape_ty = generics.ty("Tape", !plan.tape.is_empty());
    let input_ty = input_type(plan, &generics);
    let out_ty = plan.ty(plan.shape(g.output));
    let input_names: Vec<_> = g.inputs.iter().map(|&i| plan.name(i)).collect();
    let call_args = match input_names.as_slice() {
        [] => quote!(),
        [_] => quote!(*input),
        several => quote!(#(input.#several),*),
    };
    let input = ident(if g.inputs.is_empty() {
        "_input"
    } else {
        "input"
    });
    let batch_method = batch.then(|| gradient_batch(plan, &out_ty));
    // A loss that expects logits refuses an output that is a softmax or a sigmoid already.
    let output_kind = match g[g.output].op {
        Op::Call(Func::Builtin(Builtin::Softmax, _), _) => Some(quote!(Softmax)),
        Op::Call(Func::Builtin(Builtin::Sigmoid, _), _) => Some(quote!(Sigmoid)),
        _ => None,
    }
    .map(|kind| quote!(const OUTPUT: #krate::OutputKind = #krate::OutputKind::#kind;));
    let stack_per_sample = batch.then(|| {
        // Every value and every gradient of one sample, as the batched code keeps them: an
        // upper bound (it keeps fewer), for the Trainer's choice of chunk.
        let elements: usize = g
            .ids()
            .filter(|&id| !matches!(g[id].op, Op::Param(_) | Op::Const(_) | Op::Input(_)))
            .map(|id| 2 * plan.shape(id).elements())
            .sum();
        let elements = Literal::usize_unsuffixed(elements);
        let s = &plan.scalar;
        quote!(const STACK_PER_SAMPLE: usize = #elements * ::core::mem::size_of::<#s>();)
    });
    Item::Plain(quote! {
        impl #ig #krate::Network for #params_ty #wc {
            type Input = #input_ty;
            type Output = #out_ty;
            type Tape = #tape_ty;
            #output_kind
            #stack_per_sample
            #[inline]
            fn forward(&self, #input: &Self::Input) -> #out_ty {
                forward(self, #call_args)
            }
            #[inline]
            fn forward_tape(&self, #input: &Self::Input) -> (#out_ty, #tape_ty) {
                forward_tape(self, #call_args)
            }
            #[inline]
            fn backward(&self, tape: &#tape_ty, d_output: &#out_ty, grads: &mut Self) -> Self::Input {
                backward(self, tape, *d_output, grads)
            }
            #[inline]
            fn backward_params(&self, tape: &#tape_ty, d_output: &#out_ty, grads: &mut Self) {
                backward_params(self, tape, *d_output, grads)
            }
            #batch_method
        }
    })
}

/// `Network::gradient_batch` and `gradient_batch_of`: the generated function takes each input's
/// rows as `&impl Rows`, so both pass them where they are, nothing copied. With one input the
/// samples are its rows: the array itself, or `ByRef` of the references the `Trainer` holds.
/// With several, each input's rows are references into the samples, `ByRef(samples.map(..))`
/// (by `map` rather than an index, which can keep a bounds check where a closure is not
/// inlined).
fn gradient_batch(plan: &Plan, out_ty: &TokenStream) -> TokenStream {
    let g = &plan.c.graph;
    let b = ident(&plan.c.names.batch);
    let signature = |name: &str, samples: TokenStream| {
        let name = ident(name);
        quote! {
            fn #name<const #b: usize>(
                &self,
                #samples,
                d_output: impl FnMut(usize, &#out_ty) -> #out_ty,
                grads: &mut Self,
            ) -> [#out_ty; #b]
        }
    };
    let krate = &plan.c.network.krate;
    let by_value = signature("gradient_batch", quote!(inputs: &[Self::Input; #b]));
    let by_reference = signature("gradient_batch_of", quote!(samples: &[&Self::Input; #b]));
    if let [_] = g.inputs.as_slice() {
        return quote! {
            #by_value {
                gradient_batch(self, inputs, d_output, grads)
            }
            #by_reference {
                gradient_batch(self, &#krate::math::ByRef(*samples), d_output, grads)
            }
        };
    }
    let sample = ident(&plan.c.names.sample);
    let names: Vec<Ident> = g.inputs.iter().map(|&i| plan.name(i)).collect();
    quote! {
        #by_value {
            self.gradient_batch_of(&inputs.each_ref(), d_output, grads)
        }
        #by_reference {
            gradient_batch(
                self,
                #(&#krate::math::ByRef(samples.map(|#sample| &#sample.#names)),)*
                d_output,
                grads,
            )
        }
    }
}
