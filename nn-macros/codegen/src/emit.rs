//! Stage 4: tokens of the generated items, and their pretty-printed source with one comment
//! per chain-rule step.

use crate::ast::{Func, Role, Scalar};
use crate::diff::{BExpr, Deriv, Step, Target};
use crate::ir::{NodeId, Op};
use crate::{text, Compiled};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote, ToTokens};
use std::cell::RefCell;
use std::collections::BTreeSet;

/// Generated tokens and the readable source of the same items.
pub struct Output {
    /// What the macro expands to.
    pub tokens: TokenStream,
    /// The generated items pretty-printed, with chain-rule comments (`SOURCE`).
    pub source: String,
}

struct Emitter<'a> {
    c: &'a Compiled,
    /// `f32`, `f64` or `T`.
    scalar: TokenStream,
    generic: bool,
    customs: Vec<String>,
    /// Nodes that get a `let` in the forward pass.
    named: Vec<bool>,
    /// Functions of `nn::math` the code calls.
    math: RefCell<BTreeSet<&'static str>>,
}

/// Emits everything for a compiled network.
pub fn emit(c: &Compiled) -> Output {
    let live = c.graph.reachable();
    let named = (0..c.graph.nodes.len())
        .map(|id| {
            let node = &c.graph.nodes[id];
            live[id]
                && !node.op.is_leaf()
                && !matches!(node.op, Op::Const(_))
                && node.name.is_some()
        })
        .collect();
    let e = Emitter {
        c,
        scalar: c.network.scalar.ident().to_token_stream(),
        generic: matches!(c.network.scalar, Scalar::Generic(_)),
        customs: c
            .network
            .customs
            .iter()
            .map(|k| k.name.to_string())
            .collect(),
        named,
        math: RefCell::new(BTreeSet::new()),
    };
    e.output()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

impl Emitter<'_> {
    fn name(&self, id: NodeId) -> Ident {
        ident(self.c.graph.name(id).unwrap_or("unnamed"))
    }

    fn adj_name(&self, id: NodeId) -> Ident {
        format_ident!("dl_d{}", self.c.graph.name(id).unwrap_or("unnamed"))
    }

    fn use_math(&self, name: &'static str) -> Ident {
        self.math.borrow_mut().insert(name);
        ident(name)
    }

    /// A constant in the scalar type, with its precedence.
    fn constant(&self, v: f64) -> (TokenStream, u8) {
        if self.generic {
            let t = &self.scalar;
            if v == 0.0 {
                return (quote!(#t::zero()), 4);
            }
            if v.abs() == 1.0 {
                let one = quote!(#t::one());
                return if v < 0.0 {
                    (quote!(-#one), 3)
                } else {
                    (one, 4)
                };
            }
            let lit = self.use_math("lit");
            let value = float_literal(v, false);
            return (quote!(#lit::<#t>(#value)), 4);
        }
        let is_f32 = self.scalar.to_string() == "f32";
        let lit = float_literal(v.abs(), is_f32);
        if v < 0.0 {
            (quote!(-#lit), 3)
        } else {
            (lit, 4)
        }
    }

    fn paren(tokens: TokenStream, prec: u8, min: u8) -> TokenStream {
        if prec < min {
            quote!((#tokens))
        } else {
            tokens
        }
    }

    fn binary(
        &self,
        a: (TokenStream, u8),
        op: TokenStream,
        b: (TokenStream, u8),
        prec: u8,
    ) -> (TokenStream, u8) {
        let a = Self::paren(a.0, a.1, prec);
        let b = Self::paren(b.0, b.1, prec + 1);
        (quote!(#a #op #b), prec)
    }

    /// The forward expression of node `id`; named nodes below the top are referenced by name.
    fn forward_expr(&self, id: NodeId, top: bool) -> (TokenStream, u8) {
        let node = &self.c.graph.nodes[id];
        if node.op.is_leaf() || (!top && self.named[id]) {
            let name = self.name(id);
            return (quote!(#name), 4);
        }
        let sub = |c| self.forward_expr(c, false);
        match node.op {
            Op::Input(_) | Op::Param(_) => unreachable_leaf(),
            Op::Const(v) => self.constant(v),
            Op::Add(a, b) => self.binary(sub(a), quote!(+), sub(b), 1),
            Op::Sub(a, b) => self.binary(sub(a), quote!(-), sub(b), 1),
            Op::Mul(a, b) => self.binary(sub(a), quote!(*), sub(b), 2),
            Op::Div(a, b) => self.binary(sub(a), quote!(/), sub(b), 2),
            Op::Neg(a) => {
                let (t, p) = sub(a);
                let t = Self::paren(t, p, 4);
                (quote!(-#t), 3)
            }
            Op::Call(f, a) => {
                let (z, _) = sub(a);
                (self.call(f, z), 4)
            }
        }
    }

    fn call(&self, f: Func, z: TokenStream) -> TokenStream {
        let simple = |name: &'static str| {
            let f = self.use_math(name);
            quote!(#f(#z))
        };
        match f {
            Func::Step(t) => {
                let f = self.use_math("step");
                let (t, _) = self.constant(t);
                quote!(#f(#z, #t))
            }
            Func::LeakyRelu(alpha) => {
                let f = self.use_math("leaky_relu");
                let (alpha, _) = self.constant(alpha);
                quote!(#f(#z, #alpha))
            }
            Func::Powi(n) => {
                let f = self.use_math("powi");
                let n = Literal::i32_unsuffixed(n);
                quote!(#f(#z, #n))
            }
            Func::Sigmoid => simple("sigmoid"),
            Func::Tanh => simple("tanh"),
            Func::Relu => simple("relu"),
            Func::Exp => simple("exp"),
            Func::Ln => simple("ln"),
            Func::Sqrt => simple("sqrt"),
            Func::Abs => simple("abs"),
            Func::Softplus => simple("softplus"),
            Func::Custom(i) => {
                let path = super_path(&self.c.network.customs[i].function);
                quote!(#path(#z))
            }
        }
    }

    fn backward_expr(&self, e: &BExpr) -> (TokenStream, u8) {
        let sub = |x: &BExpr| self.backward_expr(x);
        match e {
            BExpr::Seed => {
                let n = self.adj_name(self.c.graph.output);
                (quote!(#n), 4)
            }
            BExpr::Adj(id) => {
                let n = self.adj_name(*id);
                (quote!(#n), 4)
            }
            BExpr::Val(id) => {
                let n = self.name(*id);
                (quote!(#n), 4)
            }
            BExpr::Const(v) => self.constant(*v),
            BExpr::Add(a, b) => self.binary(sub(a), quote!(+), sub(b), 1),
            BExpr::Sub(a, b) => self.binary(sub(a), quote!(-), sub(b), 1),
            BExpr::Mul(a, b) => self.binary(sub(a), quote!(*), sub(b), 2),
            BExpr::Div(a, b) => self.binary(sub(a), quote!(/), sub(b), 2),
            BExpr::Neg(a) => {
                let (t, p) = sub(a);
                let t = Self::paren(t, p, 4);
                (quote!(-#t), 3)
            }
            BExpr::Call(d, args) => {
                let z = sub(&args[0]).0;
                let tokens = match d {
                    Deriv::ReluDerivative => {
                        let f = self.use_math("relu_derivative");
                        quote!(#f(#z))
                    }
                    Deriv::LeakyReluDerivative => {
                        let f = self.use_math("leaky_relu_derivative");
                        let alpha = sub(&args[1]).0;
                        quote!(#f(#z, #alpha))
                    }
                    Deriv::StepDerivative => {
                        let f = self.use_math("step_derivative");
                        quote!(#f(#z))
                    }
                    Deriv::Sign => {
                        let f = self.use_math("sign");
                        quote!(#f(#z))
                    }
                    Deriv::Sigmoid => {
                        let f = self.use_math("sigmoid");
                        quote!(#f(#z))
                    }
                    Deriv::Powi(n) => {
                        let f = self.use_math("powi");
                        let n = Literal::i32_unsuffixed(*n);
                        quote!(#f(#z, #n))
                    }
                    Deriv::Custom(k) => {
                        let path = super_path(&self.c.network.customs[*k].derivative);
                        let fz = sub(&args[1]).0;
                        quote!(#path(#z, #fz))
                    }
                };
                (tokens, 4)
            }
        }
    }

    fn output(&self) -> Output {
        let c = self.c;
        let g = &c.graph;
        let net = &c.network;
        let s = &self.scalar;
        let krate = &net.krate;
        let fn_name = &net.item.sig.ident;
        let vis = &net.item.vis;
        let (impl_generics, ty_generics, where_clause) = net.item.sig.generics.split_for_impl();
        let generic_args = if self.generic {
            quote!(#ty_generics)
        } else {
            quote!()
        };
        let read = c.backward.values_read(g);

        let params: Vec<NodeId> = g.params.clone();
        let inputs: Vec<NodeId> = g.inputs.clone();
        let param_names: Vec<Ident> = params.iter().map(|&p| self.name(p)).collect();
        let input_names: Vec<Ident> = inputs.iter().map(|&p| self.name(p)).collect();
        let params_ty = if params.is_empty() {
            quote!(Params)
        } else {
            quote!(Params #generic_args)
        };

        // The tape: inputs and intermediates the backward reads.
        let tape_nodes: Vec<NodeId> = (0..g.nodes.len())
            .filter(|&id| read[id] && !matches!(g.nodes[id].op, Op::Param(_) | Op::Const(_)))
            .collect();
        let tape_names: Vec<Ident> = tape_nodes.iter().map(|&id| self.name(id)).collect();
        let tape_ty = if tape_nodes.is_empty() {
            quote!(Tape)
        } else {
            quote!(Tape #generic_args)
        };
        let input_ty = match inputs.len() {
            0 => quote!(()),
            1 => s.clone(),
            _ => quote!(Inputs #generic_args),
        };

        // Forward statements shared by `forward` and `forward_tape`.
        let live = g.reachable();
        let mut lets = Vec::new();
        for id in (0..g.nodes.len()).filter(|&id| live[id]) {
            if self.named[id] && id != g.output {
                let name = self.name(id);
                let (value, _) = self.forward_expr(id, true);
                lets.push(quote!(let #name = #value;));
            }
        }
        let (out_expr, _) = self.forward_expr(g.output, true);
        let out_name = self.name(g.output);
        let destructure_params = if params.is_empty() {
            quote!()
        } else {
            quote!(let Params { #(#param_names),* } = *params;)
        };
        let params_arg = if params.is_empty() {
            quote!(_params)
        } else {
            quote!(params)
        };
        let tape_fields = tape_nodes.iter().map(|&id| {
            let n = self.name(id);
            quote!(#n)
        });
        let (tape_out_let, tape_out) = if read[g.output] {
            (quote!(let #out_name = #out_expr;), quote!(#out_name))
        } else {
            (quote!(), out_expr.clone())
        };

        // Backward.
        let read_params: Vec<Ident> = params
            .iter()
            .filter(|&&p| read[p])
            .map(|&p| self.name(p))
            .collect();
        let rest = if read_params.len() < params.len() {
            quote!(, ..)
        } else {
            quote!()
        };
        let backward_params = if read_params.is_empty() {
            quote!()
        } else {
            quote!(let Params { #(#read_params),* #rest } = *params;)
        };
        let backward_params_arg = if read_params.is_empty() {
            quote!(_params)
        } else {
            quote!(params)
        };
        let destructure_tape = if tape_nodes.is_empty() {
            quote!()
        } else {
            quote!(let Tape { #(#tape_names),* } = *tape;)
        };
        let tape_arg = if tape_nodes.is_empty() {
            quote!(_tape)
        } else {
            quote!(tape)
        };
        let grads_arg = if params.is_empty() {
            quote!(_grads)
        } else {
            quote!(grads)
        };
        let seed = self.adj_name(g.output);
        let steps = &c.backward.steps;
        let mut body = Vec::new();
        let mut tail = quote!();
        for (k, step) in steps.iter().enumerate() {
            let (value, _) = self.backward_expr(&step.value);
            match step.target {
                Target::Node(id) => {
                    let n = self.adj_name(id);
                    body.push(quote!(let #n = #value;));
                }
                Target::Param(_) => {
                    let p = self.name(step.node);
                    body.push(if self.generic {
                        quote!(grads.#p = grads.#p + #value;)
                    } else {
                        quote!(grads.#p += #value;)
                    });
                }
                Target::Input(_) if inputs.len() == 1 && k + 1 == steps.len() => tail = value,
                Target::Input(_) => {
                    let n = self.adj_name(step.node);
                    body.push(quote!(let #n = #value;));
                }
            }
        }
        if inputs.len() == 1 && tail.is_empty() {
            tail = self.adj_name(inputs[0]).to_token_stream();
        } else if inputs.len() > 1 {
            let fields = inputs.iter().map(|&i| {
                let n = self.name(i);
                let a = self.adj_name(i);
                quote!(#n: #a)
            });
            tail = quote!(Inputs { #(#fields),* });
        }

        // Docs.
        let equations: Vec<String> = (0..g.nodes.len())
            .filter(|&id| live[id] && (self.named[id] || id == g.output))
            .map(|id| {
                format!(
                    "{} = {}",
                    g.name(id).unwrap_or("?"),
                    text::forward(g, id, &self.customs, true).0
                )
            })
            .collect();
        let equations_doc = format!("```text\n{}\n```", equations.join("\n"));
        let derivation: Vec<String> = steps
            .iter()
            .map(|st| text::derivation(g, st, &self.customs))
            .collect();
        let derivation_doc = format!("```text\n{}\n```", derivation.join("\n"));
        let fn_str = fn_name.to_string();
        let params_doc = format!(
            "The trainable parameters of `{fn_str}`. The same type holds their gradients, ∂L/∂θ per field."
        );
        let forward_doc =
            format!("Inference: the output of `{fn_str}`, nothing kept.\n\n{equations_doc}");
        let forward_tape_doc =
            "Training forward: the output, and the tape that [`backward`] reads.";
        let backward_doc = format!(
            "Backward pass (reverse-mode chain rule): from `{seed}` = ∂L/∂{out}, *adds* ∂L/∂θ of every \
             parameter to `grads` and returns ∂L/∂input.\n\n{derivation_doc}",
            out = g.name(g.output).unwrap_or("y")
        );

        let params_doc_attrs = doc(&params_doc);
        let forward_doc_attrs = doc(&forward_doc);
        let forward_tape_doc_attrs = doc(forward_tape_doc);
        let backward_doc_attrs = doc(&backward_doc);
        let input_args: Vec<TokenStream> = input_names.iter().map(|n| quote!(#n: #s)).collect();
        let inputs_struct = if inputs.len() > 1 {
            quote! {
                /// The inputs of one sample (the data arguments of the network).
                #[derive(Clone, Copy, Debug, PartialEq)]
                pub struct Inputs #generic_args { #(pub #input_names: #s),* }
            }
        } else {
            quote!()
        };
        let params_generics = if params.is_empty() {
            quote!()
        } else {
            generic_args.clone()
        };
        let tape_generics = if tape_nodes.is_empty() {
            quote!()
        } else {
            generic_args.clone()
        };
        let count = Literal::usize_unsuffixed(params.len());
        let types = quote! {
            #params_doc_attrs
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct Params #params_generics { #(pub #param_names: #s),* }

            #inputs_struct

            /// What [`forward_tape`] keeps for [`backward`]: the values the chain rule reads.
            #[derive(Clone, Copy, Debug, PartialEq)]
            pub struct Tape #tape_generics { #(pub #tape_names: #s),* }

            /// Number of trainable scalars.
            pub const PARAM_COUNT: usize = #count;
        };
        let functions = quote! {
            #forward_doc_attrs
            pub fn forward #impl_generics (params: &#params_ty, #(#input_args),*) -> #s #where_clause {
                #destructure_params
                #(#lets)*
                #out_expr
            }

            #forward_tape_doc_attrs
            pub fn forward_tape #impl_generics (params: &#params_ty, #(#input_args),*) -> (#s, #tape_ty) #where_clause {
                #destructure_params
                #(#lets)*
                #tape_out_let
                (#tape_out, Tape { #(#tape_fields),* })
            }

            #backward_doc_attrs
            pub fn backward #impl_generics (
                #backward_params_arg: &#params_ty,
                #tape_arg: &#tape_ty,
                #seed: #s,
                #grads_arg: &mut #params_ty,
            ) -> #input_ty #where_clause {
                #backward_params
                #destructure_tape
                #(#body)*
                #tail
            }
        };
        let _ = params_arg;
        let impls = if params.is_empty() {
            quote!()
        } else {
            let infos = param_names.iter().map(|n| {
                let n = n.to_string();
                quote!(#krate::TensorInfo { name: #n, shape: &[] })
            });
            let (zero, _) = self.constant(0.0);
            let k: Vec<Literal> = (0..params.len()).map(Literal::usize_unsuffixed).collect();
            let k2 = k.clone();
            let call_args = match inputs.len() {
                0 => quote!(),
                1 => quote!(*input),
                _ => quote!(#(input.#input_names),*),
            };
            let input_param = if inputs.is_empty() {
                quote!(_input)
            } else {
                quote!(input)
            };
            quote! {
                impl #impl_generics #krate::Parameters for Params #generic_args #where_clause {
                    type Scalar = #s;
                    const TENSORS: &'static [#krate::TensorInfo] = &[#(#infos),*];
                    const COUNT: usize = #count;
                    fn zeros() -> Self {
                        Params { #(#param_names: #zero),* }
                    }
                    fn tensor(&self, k: usize) -> &[#s] {
                        match k {
                            #(#k => ::core::slice::from_ref(&self.#param_names),)*
                            _ => &[],
                        }
                    }
                    fn tensor_mut(&mut self, k: usize) -> &mut [#s] {
                        match k {
                            #(#k2 => ::core::slice::from_mut(&mut self.#param_names),)*
                            _ => &mut [],
                        }
                    }
                }

                impl #impl_generics #krate::Network for Params #generic_args #where_clause {
                    type Input = #input_ty;
                    type Output = #s;
                    type Tape = #tape_ty;
                    fn forward(&self, #input_param: &Self::Input) -> #s {
                        forward(self, #call_args)
                    }
                    fn forward_tape(&self, #input_param: &Self::Input) -> (#s, #tape_ty) {
                        forward_tape(self, #call_args)
                    }
                    fn backward(&self, tape: &#tape_ty, d_output: &#s, grads: &mut Self) -> Self::Input {
                        backward(self, tape, *d_output, grads)
                    }
                }
            }
        };
        let math: Vec<Ident> = self.math.borrow().iter().map(|n| ident(n)).collect();
        let math_use = if math.is_empty() {
            quote!()
        } else {
            quote!(use #krate::math::{#(#math),*};)
        };

        // The user's function stays callable: the inference forward with its own arguments.
        let attrs = &net.item.attrs;
        let sig = &net.item.sig;
        let wrapper = quote! {
            #(#attrs)*
            #[allow(dead_code, non_snake_case)]
            #vis #sig {
                #fn_name::forward(&#fn_name::Params { #(#param_names),* }, #(#input_names),*)
            }
        };
        let items = quote! {
            #math_use
            #types
            #functions
            #impls
        };
        let source = pretty_source(c, &wrapper, fn_name, &items, &self.customs);
        let mod_doc = format!(
            "Generated by `#[network]` from [`{fn_str}`]({fn_str}()): forward, backward and their types.\n\n\
             The generated source, with the chain-rule factor of each backward step:\n\n```text\n{source}```"
        );
        let mod_doc_attrs = doc(&mod_doc);
        let tokens = quote! {
            #wrapper

            #mod_doc_attrs
            #[allow(non_snake_case, dead_code)]
            #vis mod #fn_name {
                #[allow(unused_imports)]
                use super::*;
                #items

                /// The generated code above, pretty-printed, with one comment per chain-rule step.
                pub const SOURCE: &str = #source;
            }
        };
        let _ = Role::Input;
        Output { tokens, source }
    }
}

/// One `#[doc = " line"]` per line, so that the source prints as `/// line` comments.
fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn unreachable_leaf() -> (TokenStream, u8) {
    (quote!(), 4)
}

/// A path written in the user's module, as seen from the generated child module.
fn super_path(path: &syn::Path) -> TokenStream {
    let mut path = path.clone();
    if let Some(first) = path.segments.first_mut() {
        if first.ident == "self" {
            first.ident = Ident::new("super", first.ident.span());
        }
    }
    path.to_token_stream()
}

/// A float literal that rustc and clippy accept in the scalar type: shortest round-trip
/// digits of the value as that type.
fn float_literal(v: f64, is_f32: bool) -> TokenStream {
    let text = if is_f32 && (v as f32).is_finite() {
        format!("{:?}", v as f32)
    } else {
        format!("{v:?}")
    };
    match text.parse::<TokenStream>() {
        Ok(tokens) if v.is_finite() => tokens,
        _ => quote!(::core::f64::NAN),
    }
}

/// `SOURCE`: the generated items pretty-printed, each backward statement commented with its
/// chain-rule factor.
fn pretty_source(
    c: &Compiled,
    wrapper: &TokenStream,
    module: &Ident,
    items: &TokenStream,
    customs: &[String],
) -> String {
    let file: syn::File = match syn::parse2(quote!(#wrapper pub mod #module { #items })) {
        Ok(f) => f,
        Err(e) => return format!("// generated code could not be printed: {e}\n"),
    };
    let printed = prettyplease::unparse(&file);
    let mut lines: Vec<String> = printed.lines().map(str::to_string).collect();
    let steps: &[Step] = &c.backward.steps;
    let g = &c.graph;
    let mut tail_comment = None;
    for (k, step) in steps.iter().enumerate() {
        let comment = text::step_comment(g, step, customs);
        let name = g.name(step.node).unwrap_or("?");
        let key = match step.target {
            Target::Node(_) => format!("let dl_d{name} = "),
            Target::Param(_) => format!("grads.{name} "),
            Target::Input(_) if g.inputs.len() == 1 && k + 1 == steps.len() => {
                tail_comment = Some(format!("∂L/∂{name}: {comment}"));
                continue;
            }
            Target::Input(_) => format!("let dl_d{name} = "),
        };
        if let Some(i) = lines.iter().position(|l| l.trim_start().starts_with(&key)) {
            annotate(&mut lines, i, &comment);
        }
    }
    if let Some(comment) = tail_comment {
        // The returned input gradient is the last expression of `backward`.
        if let Some(start) = lines.iter().position(|l| l.contains("pub fn backward")) {
            let close = format!("{}}}", leading(&lines[start]));
            if let Some(end) = (start..lines.len()).find(|&i| lines[i] == close) {
                let code = |l: &str| l.split(" // ").next().unwrap_or("").trim_end().to_string();
                let tail = (start..end)
                    .rev()
                    .find(|&i| code(&lines[i]).ends_with(';') || code(&lines[i]).ends_with('{'));
                if let Some(t) = tail {
                    let indent = leading(&lines[t + 1]);
                    lines.insert(t + 1, format!("{indent}// {comment}"));
                }
            }
        }
    }
    let mut out = String::new();
    for (i, line) in lines.iter().enumerate() {
        if i > 0 && starts_item(line) && ends_item(&lines[i - 1]) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Whether `line` opens an item of the file or of the generated module (its doc comment,
/// attribute or first line): the places where a blank line helps the reader.
fn starts_item(line: &str) -> bool {
    let body = line.strip_prefix("    ").unwrap_or(line);
    !body.starts_with(' ')
        && ["///", "#[", "pub ", "impl ", "fn ", "use ", "mod "]
            .iter()
            .any(|p| body.starts_with(p))
}

/// Whether `line` closes an item of the file or of the generated module.
fn ends_item(line: &str) -> bool {
    let body = line.strip_prefix("    ").unwrap_or(line);
    !body.starts_with(' ') && (body == "}" || (body.ends_with(';') && !body.starts_with("///")))
}

fn leading(line: &str) -> String {
    line.chars().take_while(|c| c.is_whitespace()).collect()
}

/// Puts `// comment` after the statement on line `i` when it fits, else on the line above.
fn annotate(lines: &mut Vec<String>, i: usize, comment: &str) {
    let line = &lines[i];
    if line.trim_end().ends_with(';') && line.chars().count() + comment.chars().count() + 4 <= 100 {
        lines[i] = format!("{line} // {comment}");
    } else {
        let indent = leading(line);
        lines.insert(i, format!("{indent}// {comment}"));
    }
}
