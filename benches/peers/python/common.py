"""What the Python systems of the peer benchmark share: data files, schedule, timer, result line.
Mirrors rust/src/lib.rs."""
import json, os, time
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("PEERS_DATA", os.path.join(HERE, "..", "data"))

# name, I, H, O, batch, lr, sanity steps
WORKLOADS = {
    "xor": (2, 4, 1, 1, 0.5, 2000),
    "digits": (64, 32, 10, 32, 0.1, 300),
    "wide": (256, 256, 10, 64, 0.1, 40),
    "large": (784, 512, 10, 64, 0.1, 40),
}


# MNIST-1D's CNN (see gen_data.py): batch, lr, sanity steps
CNN = {"cnn": (100, 0.1, 100)}


def selected(argv):
    every = list(WORKLOADS) + list(CNN)
    names = argv[1].split(",") if len(argv) > 1 else every
    return [n for n in every if n in names]


def _f32(name):
    return np.fromfile(os.path.join(DATA, name), dtype="<f4")


class Data:
    def __init__(self, name):
        i, h, o, b, lr, s = WORKLOADS[name]
        self.name, self.i, self.h, self.o, self.batch, self.lr, self.sanity_steps = name, i, h, o, b, lr, s
        p = _f32(name + "_params.bin")
        a, c = h * i, o * h
        self.w1 = p[:a].reshape(h, i)
        self.b1 = p[a:a + h]
        self.w2 = p[a + h:a + h + c].reshape(o, h)
        self.b2 = p[a + h + c:]
        self.y = _f32(name + "_y.bin")
        self.n = len(self.y)
        self.x = _f32(name + "_x.bin").reshape(self.n, i)
        self.nb = self.n // b
        self.labels = self.y.astype(np.int64)
        # XOR: targets (n, 1); classifiers: one-hot (n, o)
        if o == 1:
            self.t = self.y.reshape(self.n, 1).copy()
        else:
            self.t = np.eye(o, dtype=np.float32)[self.labels]

    def start(self, k):
        return (k % self.nb) * self.batch

    def sanity(self, out):
        """(mean loss, accuracy) of the outputs of all samples (n, o), as rust/src/lib.rs."""
        out = np.asarray(out, dtype=np.float64)
        if self.o == 1:
            loss = float(np.mean(0.5 * (out[:, 0] - self.y) ** 2))
            acc = float(np.mean((out[:, 0] > 0.5).astype(np.int64) == self.labels))
        else:
            m = out.max(axis=1, keepdims=True)
            lse = m[:, 0] + np.log(np.exp(out - m).sum(axis=1))
            loss = float(np.mean(lse - out[np.arange(self.n), self.labels]))
            acc = float(np.mean(out.argmax(axis=1) == self.labels))
        return loss, acc


class CnnData(Data):
    """MNIST-1D's CNN: conv1d 1→25→25→25 (kernels 5/3/3, stride 2, padding 1, ReLU), dense
    125→10 on the channel-major flattening. Weights in PyTorch's layout: K [out][in][taps],
    W [out][in]. x: (n, 1, 40). start() and sanity() (softmax CE, argmax) as for the MLPs."""
    # (out channels, in channels, taps) of the three convolutions; length 40 → 19 → 10 → 5
    CONVS = ((25, 1, 5), (25, 25, 3), (25, 25, 3))
    LEN, O, STRIDE, PAD = 40, 10, 2, 1

    def __init__(self, name):
        b, lr, s = CNN[name]
        self.name, self.batch, self.lr, self.sanity_steps = name, b, lr, s
        self.o = self.O
        p = _f32(name + "_params.bin")
        at, self.convs = 0, []
        length = self.LEN
        for co, ci, k in self.CONVS:
            kern = p[at:at + co * ci * k].reshape(co, ci, k)
            at += co * ci * k
            self.convs.append((kern, p[at:at + co]))
            at += co
            length = (length + 2 * self.PAD - k) // self.STRIDE + 1
        self.flat = self.CONVS[-1][0] * length  # 125
        self.w = p[at:at + self.O * self.flat].reshape(self.O, self.flat)
        at += self.O * self.flat
        self.b = p[at:at + self.O]
        assert at + self.O == len(p), (at + self.O, len(p))
        self.y = _f32(name + "_y.bin")
        self.n = len(self.y)
        self.x = _f32(name + "_x.bin").reshape(self.n, 1, self.LEN)
        self.nb = self.n // b
        self.labels = self.y.astype(np.int64)
        self.t = np.eye(self.O, dtype=np.float32)[self.labels]


def time_ns(f, per_call=1):
    """ns per call of f (divided by per_call): blocks of >= PEERS_BLOCK_MS ms, PEERS_BLOCKS
    blocks, the median. f() may return something to block on before the clock stops."""
    block_ms = float(os.environ.get("PEERS_BLOCK_MS", "100"))
    blocks = int(os.environ.get("PEERS_BLOCKS", "5"))
    sync = lambda r: r.block_until_ready() if hasattr(r, "block_until_ready") else r
    iters = 1
    while True:
        t = time.perf_counter()
        for _ in range(iters):
            r = f()
        sync(r)
        e = (time.perf_counter() - t) * 1e3
        if e >= block_ms / 4:
            iters = max(1, int(iters * block_ms / e + 0.999))
            break
        iters *= 4
    per = []
    for _ in range(blocks):
        t = time.perf_counter()
        for _ in range(iters):
            r = f()
        sync(r)
        per.append((time.perf_counter() - t) * 1e9 / iters / per_call)
    per.sort()
    return per[len(per) // 2]


def report(system, version, threads, d, train_ns, infer_ns, loss, acc):
    print(json.dumps(dict(system=system, version=version, threads=threads, workload=d.name,
                          train_ns=round(train_ns, 1), infer_ns=round(infer_ns, 1),
                          loss=round(loss, 6), acc=round(acc, 4))), flush=True)
