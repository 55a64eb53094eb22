"""JAX on CPU, two ways: `jax-jit` (one jitted SGD step per call, the batch passed in) and
`jax-scan` (`lax.scan` fuses a run of steps into one jitted call; time divided by the steps).
The MLPs: `x @ w.T + b`; the CNN: `lax.conv_general_dilated` ×3 + a dense layer."""
import os, sys
import numpy as np
import jax
import jax.numpy as jnp
from common import CNN, CnnData, Data, report, selected, time_ns

jax.config.update("jax_platforms", "cpu")

SCAN_STEPS = {"xor": 256, "digits": 112, "wide": 32, "large": 32,
              "cnn": 40}  # multiples of the batches per epoch


def run(name):
    if name in CNN:
        return run_cnn(name)
    d = Data(name)
    xor = d.o == 1
    params = tuple(jnp.asarray(a) for a in (d.w1, d.b1, d.w2, d.b2))

    def logits(p, x):
        w1, b1, w2, b2 = p
        h = (jnp.tanh if xor else jax.nn.relu)(x @ w1.T + b1)
        z = h @ w2.T + b2
        return jax.nn.sigmoid(z) if xor else z

    def loss_fn(p, x, t):
        out = logits(p, x)
        if xor:
            return 0.5 * jnp.sum((out - t) ** 2) / x.shape[0]
        return -jnp.sum(t * jax.nn.log_softmax(out)) / x.shape[0]

    bench(d, params, logits, loss_fn)


def run_cnn(name):
    d = CnnData(name)
    params = tuple(jnp.asarray(a) for kb in d.convs for a in kb) + (jnp.asarray(d.w), jnp.asarray(d.b))

    def logits(p, x):
        h = x  # (B, 1, 40) -> (B, 25, 19) -> (B, 25, 10) -> (B, 25, 5)
        for j in range(len(d.convs)):
            k, c = p[2 * j], p[2 * j + 1]
            h = jax.lax.conv_general_dilated(h, k, window_strides=(d.STRIDE,), padding=[(d.PAD, d.PAD)],
                                             dimension_numbers=("NCH", "OIH", "NCH"))
            h = jax.nn.relu(h + c[None, :, None])
        w, b = p[-2], p[-1]
        return h.reshape(h.shape[0], -1) @ w.T + b  # channel-major flatten (c·5 + t)

    def loss_fn(p, x, t):
        return -jnp.sum(t * jax.nn.log_softmax(logits(p, x))) / x.shape[0]

    bench(d, params, logits, loss_fn)


def bench(d, params, logits, loss_fn):
    """Sanity run, then the timings of jax-jit and jax-scan, for any model given as
    (params tuple, logits(p, x), loss_fn(p, x, t)) on d's batches."""
    def sgd(p, x, t):
        loss, g = jax.value_and_grad(loss_fn)(p, x, t)
        return tuple(a - d.lr * b for a, b in zip(p, g)), loss

    step = jax.jit(sgd)

    def scan_steps(p, xs, ts):
        p, losses = jax.lax.scan(lambda p, xt: sgd(p, *xt), p, (xs, ts))
        return p, losses

    scan = jax.jit(scan_steps)
    infer = jax.jit(logits)
    x_all, t_all = jnp.asarray(d.x), jnp.asarray(d.t)
    xb = [jnp.asarray(d.x[s:s + d.batch]) for s in range(0, d.n, d.batch)]
    tb = [jnp.asarray(d.t[s:s + d.batch]) for s in range(0, d.n, d.batch)]
    version = jax.__version__
    threads = int(os.environ.get("PEERS_THREADS", os.cpu_count()))

    def seq(k0, steps):
        idx = [(k0 + j) % d.nb for j in range(steps)]
        return jnp.stack([xb[i] for i in idx]), jnp.stack([tb[i] for i in idx])

    # jit per step
    p = params
    for k in range(d.sanity_steps):
        p, _ = step(p, xb[k % d.nb], tb[k % d.nb])
    loss, acc = d.sanity(np.asarray(infer(p, x_all)))
    state = {"p": p, "k": d.sanity_steps}

    def one():
        k = state["k"]
        state["p"], l = step(state["p"], xb[k % d.nb], tb[k % d.nb])
        state["k"] = k + 1
        return l

    train = time_ns(one)
    inf = time_ns(lambda: infer(p, xb[0]))
    report("jax-jit", version, threads, d, train, inf, loss, acc)

    # lax.scan: the sanity run is one scan over all its steps
    xs, ts = seq(0, d.sanity_steps)
    p, _ = scan(params, xs, ts)
    loss, acc = d.sanity(np.asarray(infer(p, x_all)))
    n = SCAN_STEPS[d.name]
    xs, ts = seq(d.sanity_steps, n)  # the batches that follow the sanity run, as jax-jit's
    state = {"p": p}

    def many():
        state["p"], l = scan(state["p"], xs, ts)
        return l

    train = time_ns(many, per_call=n)
    report("jax-scan", version, threads, d, train, inf, loss, acc)


if __name__ == "__main__":
    for n in selected(sys.argv):
        run(n)
