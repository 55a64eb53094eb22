// The hand-written networks of the benchmarks, shared by `benches/mlp.rs` and
// `benches/peers/rust/src/bin/hand.rs` through `include!`: the same networks as a competent
// Rust programmer writes them (plain loops over fixed arrays, a dot product with eight partial
// sums, no SIMD intrinsics, no `unsafe`, no ∂L/∂x), trained by a per-sample loop.
// ---------------------------------------------------------------------------------------------
// Hand-written: 2-4-1, tanh hidden, sigmoid out, ½(y − t)².

#[derive(Clone, Copy, Debug)]
struct HandXor {
    w1: [[f32; 2]; 4],
    b1: [f32; 4],
    w2: [f32; 4],
    b2: f32,
}

struct XorTape {
    h: [f32; 4],
    y: f32,
}

impl HandXor {
    fn zeros() -> Self {
        HandXor {
            w1: [[0.0; 2]; 4],
            b1: [0.0; 4],
            w2: [0.0; 4],
            b2: 0.0,
        }
    }

    fn forward_tape(&self, x: &[f32; 2], t: f32) -> (f32, XorTape) {
        let mut h = [0.0; 4];
        let mut z2 = self.b2;
        for j in 0..4 {
            h[j] = (self.w1[j][0] * x[0] + self.w1[j][1] * x[1] + self.b1[j]).tanh();
            z2 += self.w2[j] * h[j];
        }
        let y = 1.0 / (1.0 + (-z2).exp());
        let e = y - t;
        (0.5 * e * e, XorTape { h, y })
    }

    fn forward(&self, x: &[f32; 2], t: f32) -> f32 {
        self.forward_tape(x, t).0
    }

    /// Adds ∂L/∂θ to `g`.
    fn backward(&self, x: &[f32; 2], t: f32, tape: &XorTape, g: &mut HandXor) {
        let y = tape.y;
        let dz2 = (y - t) * y * (1.0 - y);
        g.b2 += dz2;
        for j in 0..4 {
            let h = tape.h[j];
            g.w2[j] += dz2 * h;
            let dz1 = dz2 * self.w2[j] * (1.0 - h * h);
            g.b1[j] += dz1;
            g.w1[j][0] += dz1 * x[0];
            g.w1[j][1] += dz1 * x[1];
        }
    }

    fn sgd_step(&mut self, g: &mut HandXor, x: &[f32; 2], t: f32, lr: f32) -> f32 {
        *g = HandXor::zeros();
        let (l, tape) = self.forward_tape(x, t);
        self.backward(x, t, &tape, g);
        for j in 0..4 {
            self.w1[j][0] -= lr * g.w1[j][0];
            self.w1[j][1] -= lr * g.w1[j][1];
            self.b1[j] -= lr * g.b1[j];
            self.w2[j] -= lr * g.w2[j];
        }
        self.b2 -= lr * g.b2;
        l
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-written: I-H-O, ReLU hidden, softmax cross-entropy −Σₖ tₖ log softmax(z)ₖ.

/// a·b with eight partial sums, so that the compiler can keep them in SIMD registers (a single
/// running sum forces one addition after the other).
#[inline]
fn hand_dot<const N: usize>(a: &[f32; N], b: &[f32; N]) -> f32 {
    let mut acc = [0.0f32; 8];
    let mut ca = a.chunks_exact(8);
    let mut cb = b.chunks_exact(8);
    for (ca, cb) in (&mut ca).zip(&mut cb) {
        for k in 0..8 {
            acc[k] += ca[k] * cb[k];
        }
    }
    let mut tail = 0.0;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    ((acc[0] + acc[4]) + (acc[2] + acc[6])) + ((acc[1] + acc[5]) + (acc[3] + acc[7])) + tail
}

#[derive(Clone, Copy, Debug)]
struct HandMlp<const I: usize, const H: usize, const O: usize> {
    w1: [[f32; I]; H],
    b1: [f32; H],
    w2: [[f32; H]; O],
    b2: [f32; O],
}

struct MlpTape<const H: usize, const O: usize> {
    h: [f32; H],
    /// softmax(z)
    p: [f32; O],
}

impl<const I: usize, const H: usize, const O: usize> HandMlp<I, H, O> {
    fn zero(&mut self) {
        for row in &mut self.w1 {
            row.fill(0.0);
        }
        self.b1.fill(0.0);
        for row in &mut self.w2 {
            row.fill(0.0);
        }
        self.b2.fill(0.0);
    }

    fn forward_tape(&self, x: &[f32; I], t: &[f32; O]) -> (f32, MlpTape<H, O>) {
        let mut h = [0.0; H];
        for j in 0..H {
            h[j] = (hand_dot(&self.w1[j], x) + self.b1[j]).max(0.0);
        }
        let mut z = [0.0; O];
        let mut max = f32::NEG_INFINITY;
        for k in 0..O {
            z[k] = hand_dot(&self.w2[k], &h) + self.b2[k];
            max = max.max(z[k]);
        }
        let mut p = [0.0; O];
        let mut sum = 0.0;
        for k in 0..O {
            p[k] = (z[k] - max).exp();
            sum += p[k];
        }
        let log_sum = max + sum.ln();
        let mut loss = 0.0;
        for k in 0..O {
            p[k] /= sum;
            loss -= t[k] * (z[k] - log_sum);
        }
        (loss, MlpTape { h, p })
    }

    fn forward(&self, x: &[f32; I], t: &[f32; O]) -> f32 {
        let mut h = [0.0; H];
        for j in 0..H {
            h[j] = (hand_dot(&self.w1[j], x) + self.b1[j]).max(0.0);
        }
        let mut z = [0.0; O];
        let mut max = f32::NEG_INFINITY;
        for k in 0..O {
            z[k] = hand_dot(&self.w2[k], &h) + self.b2[k];
            max = max.max(z[k]);
        }
        let mut sum = 0.0;
        for &z in &z {
            sum += (z - max).exp();
        }
        let log_sum = max + sum.ln();
        let mut loss = 0.0;
        for k in 0..O {
            loss -= t[k] * (z[k] - log_sum);
        }
        loss
    }

    /// Adds ∂L/∂θ to `g`.
    fn backward(&self, x: &[f32; I], t: &[f32; O], tape: &MlpTape<H, O>, g: &mut Self) {
        // ∂L/∂z = softmax(z)·Σt − t (= p − t for a one-hot t).
        let t_sum: f32 = t.iter().sum();
        let mut dh = [0.0; H];
        for k in 0..O {
            let dz = tape.p[k] * t_sum - t[k];
            g.b2[k] += dz;
            for ((g, &h), (dh, &w)) in g.w2[k]
                .iter_mut()
                .zip(&tape.h)
                .zip(dh.iter_mut().zip(&self.w2[k]))
            {
                *g += dz * h;
                *dh += dz * w;
            }
        }
        for j in 0..H {
            let dz = if tape.h[j] > 0.0 { dh[j] } else { 0.0 };
            g.b1[j] += dz;
            for (g, &x) in g.w1[j].iter_mut().zip(x) {
                *g += dz * x;
            }
        }
    }

    fn update(&mut self, g: &Self, step: f32) {
        for (p, g) in self.w1.iter_mut().zip(&g.w1) {
            for (p, g) in p.iter_mut().zip(g) {
                *p -= step * g;
            }
        }
        for (p, g) in self.b1.iter_mut().zip(&g.b1) {
            *p -= step * g;
        }
        for (p, g) in self.w2.iter_mut().zip(&g.w2) {
            for (p, g) in p.iter_mut().zip(g) {
                *p -= step * g;
            }
        }
        for (p, g) in self.b2.iter_mut().zip(&g.b2) {
            *p -= step * g;
        }
    }

    /// Per-sample loop: forward+backward of each sample into one gradient, then the update.
    fn sgd_step(&mut self, g: &mut Self, xs: &[[f32; I]], ts: &[[f32; O]], lr: f32) -> f32 {
        g.zero();
        let mut loss = 0.0;
        for (x, t) in xs.iter().zip(ts) {
            let (l, tape) = self.forward_tape(x, t);
            self.backward(x, t, &tape, g);
            loss += l;
        }
        self.update(g, lr / xs.len() as f32);
        loss
    }
}
