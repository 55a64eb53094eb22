#!/usr/bin/env python3
"""Turns run.sh's results/raw.jsonl into the markdown table: median over the rounds of the time
per training step, per inference of one batch and of one sample on its own (where a system
reports it), the ratio to ours (default build), and the
sanity columns (mean loss and accuracy over the whole data set after the fixed number of steps
from the shared initial weights; identical columns mean the systems compute the same thing)."""
import datetime, json, os, platform, statistics, subprocess, sys

ORDER = ["ours", "ours-trainer", "ours-native", "ours-native-trainer", "ours-per-sample", "hand", "hand-native", "candle", "dfdx", "burn", "pytorch",
         "jax-jit", "jax-scan"]
WORKLOADS = [("xor", "XOR 2-4-1, tanh/sigmoid, ½(y−t)², SGD 0.5, batch 1, 2000 sanity steps"),
             ("digits", "digits 64-32-10, ReLU, softmax CE, SGD 0.1, batch 32, 300 sanity steps"),
             ("wide", "256-256-10, ReLU, softmax CE, SGD 0.1, batch 64, random data, 40 sanity steps"),
             ("large", "784-512-10, ReLU, softmax CE, SGD 0.1, batch 64, random data, 40 sanity steps"),
             ("cnn", "MNIST-1D CNN (conv1d 1→25→25→25, kernels 5/3/3, stride 2, padding 1, ReLU; dense 125→10), "
                     "softmax CE, SGD 0.1, batch 100, 100 sanity steps")]


def fmt(ns):
    if ns != ns:  # NaN: not measured (the trainer row's inference)
        return "–"
    if ns < 1e3:
        return f"{ns:.0f} ns"
    if ns < 1e6:
        return f"{ns / 1e3:.3g} µs" if ns < 1e5 else f"{ns / 1e3:.0f} µs"
    return f"{ns / 1e6:.3g} ms"


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return "?"


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
    by = {}
    for r in rows:
        by.setdefault((r["workload"], r["system"]), []).append(r)
    cpu = sh("lscpu | sed -n 's/^Model name: *//p'") or platform.processor()
    flags = set(sh("grep -m1 '^flags' /proc/cpuinfo").split())
    simd = ", ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or "no AVX2"
    print(f"Measured {datetime.date.today()} on {cpu}, {os.cpu_count()} logical CPUs "
          f"(shared with other work), {platform.system()} {platform.release()}; "
          f"{sh('rustc -V')}; Python {platform.python_version()}. "
          f"Median over {max(r.get('round', 0) for r in rows) + 1} interleaved rounds; each "
          f"number itself the median of 5 timing blocks of ≥ 100 ms. `train` = one SGD step "
          f"(zero grads, forward+backward of the batch, update); `infer` = the outputs of one "
          f"batch; `1 sample` = the outputs of one sample on its own (what firmware does; the "
          f"mean over a batch's samples; ours and hand only). Ratios are system / ours (default build); > 1 means slower than ours. "
          f"`ours`/`hand`: default target (x86-64 baseline, SSE2; ours picks AVX2 + FMA kernels at "
          f"run time where the CPU has them); `-native`: the same code with "
          f"`-C target-cpu=native` (this CPU: {simd}).\n")
    for wl, title in WORKLOADS:
        systems = [s for s in ORDER if (wl, s) in by] + sorted(
            s for (w, s) in by if w == wl and s not in ORDER)
        if not systems:
            continue
        med = {s: tuple(statistics.median(r.get(k, float("nan")) for r in by[(wl, s)])
                        for k in ("train_ns", "infer_ns", "sample_ns")) for s in systems}
        base = med.get("ours")
        print(f"**{title}**\n")
        print("| system | version | threads | train step | × ours | infer (batch) | × ours "
              "| 1 sample | × ours | loss | accuracy |")
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for s in systems:
            r0 = by[(wl, s)][0]
            losses = {r["loss"] for r in by[(wl, s)]}
            t, i, one = med[s]
            rt = f"{t / base[0]:.2f}" if base else "–"
            ri = f"{i / base[1]:.2f}" if base and i == i else "–"
            r1 = f"{one / base[2]:.2f}" if base and one == one and base[2] == base[2] else "–"
            loss = f"{r0['loss']:.6f}" + ("" if len(losses) == 1 else " (varies)")
            print(f"| {s} | {r0['version']} | {r0['threads']} | {fmt(t)} | {rt} | {fmt(i)} | {ri} "
                  f"| {fmt(one)} | {r1} | {loss} | {r0['acc']:.4f} |")
        print()


if __name__ == "__main__":
    main()
