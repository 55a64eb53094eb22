"""PyTorch eager on CPU: nn.Linear layers (the CNN: nn.Conv1d ×3 + nn.Linear), F.cross_entropy /
½ squared error, optim.SGD."""
import os, sys
import torch
import torch.nn.functional as F
from common import CNN, CnnData, Data, report, selected, time_ns


def run(name):
    if os.environ.get("PEERS_THREADS"):
        torch.set_num_threads(int(os.environ["PEERS_THREADS"]))
    if name in CNN:
        return run_cnn(name)
    d = Data(name)
    l1, l2 = torch.nn.Linear(d.i, d.h), torch.nn.Linear(d.h, d.o)
    with torch.no_grad():
        l1.weight.copy_(torch.from_numpy(d.w1)); l1.bias.copy_(torch.from_numpy(d.b1))
        l2.weight.copy_(torch.from_numpy(d.w2)); l2.bias.copy_(torch.from_numpy(d.b2))
    xor = d.o == 1
    model = (torch.nn.Sequential(l1, torch.nn.Tanh(), l2, torch.nn.Sigmoid()) if xor
             else torch.nn.Sequential(l1, torch.nn.ReLU(), l2))
    opt = torch.optim.SGD(model.parameters(), lr=d.lr)
    x, t, lab = torch.from_numpy(d.x), torch.from_numpy(d.t), torch.from_numpy(d.labels)
    batches = [(x[s:s + d.batch].contiguous(), (t if xor else lab)[s:s + d.batch].contiguous())
               for s in range(0, d.n, d.batch)]
    k = [0]

    def step():
        xb, yb = batches[k[0] % d.nb]
        k[0] += 1
        opt.zero_grad()
        out = model(xb)
        # the mean over the batch: lr·mean = lr/B·Σ, as everywhere
        loss = 0.5 * ((out - yb) ** 2).sum() / d.batch if xor else F.cross_entropy(out, yb)
        loss.backward()
        opt.step()
        return loss

    for _ in range(d.sanity_steps):
        step()
    with torch.inference_mode():
        loss, acc = d.sanity(model(x).numpy())
    train = time_ns(step)
    xb = batches[0][0]

    def infer():
        with torch.inference_mode():
            return model(xb)

    inf = time_ns(infer)
    report("pytorch", torch.__version__, torch.get_num_threads(), d, train, inf, loss, acc)


def run_cnn(name):
    d = CnnData(name)
    layers = []
    for kern, bias in d.convs:
        co, ci, k = kern.shape
        conv = torch.nn.Conv1d(ci, co, k, stride=d.STRIDE, padding=d.PAD)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(kern)); conv.bias.copy_(torch.from_numpy(bias))
        layers += [conv, torch.nn.ReLU()]
    lin = torch.nn.Linear(d.flat, d.o)
    with torch.no_grad():
        lin.weight.copy_(torch.from_numpy(d.w)); lin.bias.copy_(torch.from_numpy(d.b))
    # Flatten: (B, 25, 5) -> (B, 125), channel-major (c·5 + t)
    model = torch.nn.Sequential(*layers, torch.nn.Flatten(), lin)
    opt = torch.optim.SGD(model.parameters(), lr=d.lr)
    x, lab = torch.from_numpy(d.x), torch.from_numpy(d.labels)
    batches = [(x[s:s + d.batch].contiguous(), lab[s:s + d.batch].contiguous())
               for s in range(0, d.n, d.batch)]
    k = [0]

    def step():
        xb, yb = batches[k[0] % d.nb]
        k[0] += 1
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)  # mean over the batch
        loss.backward()
        opt.step()
        return loss

    for _ in range(d.sanity_steps):
        step()
    with torch.inference_mode():
        loss, acc = d.sanity(model(x).numpy())
    train = time_ns(step)
    xb = batches[0][0]

    def infer():
        with torch.inference_mode():
            return model(xb)

    inf = time_ns(infer)
    report("pytorch", torch.__version__, torch.get_num_threads(), d, train, inf, loss, acc)


if __name__ == "__main__":
    for n in selected(sys.argv):
        run(n)
