#!/usr/bin/env python3
"""Writes the shared initial weights and data of the peer benchmark (little-endian f32 .bin).

Every system loads these files, so all start from the same weights and see the same batches in
the same order. Standard library only (no numpy), fixed seed: the files are reproducible.

Layout (row-major, W is [out][in] as in `W·x`):
  {w}_params.bin  W1, b1, W2, b2 concatenated
  {w}_x.bin       N samples x I features
  {w}_y.bin       N targets as f32 (XOR: 0/1; classifiers: the class index)
Step k trains on batch k mod (N/B): samples [(k mod N/B)·B, … + B).

The CNN workload (MNIST-1D's CNN, issue 13):
  cnn_params.bin  K1 [25][1][5], c1 [25], K2 [25][25][3], c2 [25], K3 [25][25][3], c3 [25],
                  W [10][125], b [10] concatenated; each layer's weights and bias uniform within
                  ±1/√fan_in (fan_in 5, 75, 75, 125: PyTorch's default for Conv1d and Linear)
  cnn_x.bin       the first 4000 training signals of data/mnist1d.csv, 40 samples each
  cnn_y.bin       their labels
"""
import csv, math, os, random, struct, sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "data")
DIGITS_CSV = os.path.join(HERE, "..", "..", "data", "digits.csv")
MNIST1D_CSV = os.path.join(HERE, "..", "..", "data", "mnist1d.csv")


def write(name, values):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(struct.pack("<%df" % len(values), *values))


def xavier(rng, n_in, n_out):
    a = math.sqrt(6.0 / (n_in + n_out))
    return [rng.uniform(-a, a) for _ in range(n_in * n_out)]


def params(rng, i, h, o):
    return xavier(rng, i, h) + [rng.uniform(-0.1, 0.1) for _ in range(h)] + \
        xavier(rng, h, o) + [rng.uniform(-0.1, 0.1) for _ in range(o)]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(20240601)
    # XOR 2-4-1: the four points in the fixed order 00, 01, 10, 11.
    write("xor_params.bin", params(rng, 2, 4, 1))
    write("xor_x.bin", [0, 0, 0, 1, 1, 0, 1, 1])
    write("xor_y.bin", [0, 1, 1, 0])
    # digits 64-32-10: data/digits.csv (8x8 pixels 0..16, scaled to [0, 1]), shuffled once,
    # the first 1792 = 56 batches of 32.
    with open(DIGITS_CSV) as f:
        rows = list(csv.reader(f))[1:]
    rng.shuffle(rows)
    rows = rows[:1792]
    write("digits_params.bin", params(rng, 64, 32, 10))
    write("digits_x.bin", [float(v) / 16.0 for r in rows for v in r[:64]])
    write("digits_y.bin", [float(r[64]) for r in rows])
    # 256-256-10: fixed random data, 512 samples = 8 batches of 64, x uniform in [-1, 1],
    # labels uniform in 0..9.
    write("wide_params.bin", params(rng, 256, 256, 10))
    write("wide_x.bin", [rng.uniform(-1.0, 1.0) for _ in range(512 * 256)])
    write("wide_y.bin", [float(rng.randrange(10)) for _ in range(512)])
    # 784-512-10 (MNIST-sized, random data): 512 samples = 8 batches of 64, x uniform in
    # [-1, 1], labels uniform in 0..9. Drawn after the others, so their files do not change.
    write("large_params.bin", params(rng, 784, 512, 10))
    write("large_x.bin", [rng.uniform(-1.0, 1.0) for _ in range(512 * 784)])
    write("large_y.bin", [float(rng.randrange(10)) for _ in range(512)])
    # MNIST-1D's CNN: drawn after everything else, so that the other files stay the same.
    def uniform(n, fan_in):
        a = 1.0 / math.sqrt(fan_in)
        return [rng.uniform(-a, a) for _ in range(n)]
    write("cnn_params.bin", uniform(25 * 5, 5) + uniform(25, 5) + uniform(25 * 25 * 3, 75)
          + uniform(25, 75) + uniform(25 * 25 * 3, 75) + uniform(25, 75)
          + uniform(10 * 125, 125) + uniform(10, 125))
    with open(MNIST1D_CSV) as f:
        rows = [r for r in csv.reader(l for l in f if not l.startswith("#") and l.strip())
                if r[0] == "train"][:4000]
    write("cnn_x.bin", [float(v) for r in rows for v in r[2:]])
    write("cnn_y.bin", [float(r[1]) for r in rows])
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
