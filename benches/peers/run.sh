#!/usr/bin/env bash
# The peer benchmark (issue 6): builds in release, runs every system on the same workloads and
# files, ROUNDS times interleaved, and writes results/table.md (median over the rounds).
#
#   benches/peers/run.sh                 # everything
#   ROUNDS=5 SYSTEMS="ours hand pytorch" benches/peers/run.sh
#
# Env: ROUNDS (default 3); WORKLOADS (a comma list, default all: xor,digits,wide,large,cnn); SYSTEMS (default: all of ours ours-native hand hand-native candle dfdx
# burn pytorch jax); THREADS (default 1: every system single-threaded, as ours is);
# CARGO_TARGET_DIR (default rust/target; the native build goes to "$CARGO_TARGET_DIR/native",
# inside it, so that .gitignore's `**/target` covers it);
# PEERS_BLOCK_MS / PEERS_BLOCKS (timing blocks per measurement, default 100 ms × 5, median).
set -euo pipefail
cd "$(dirname "$0")"
HERE=$PWD
ROUNDS=${ROUNDS:-3}
SYSTEMS=${SYSTEMS:-"ours ours-native hand hand-native candle dfdx burn pytorch jax"}
THREADS=${THREADS:-1}
WORKLOADS=${WORKLOADS:-}
TARGET=${CARGO_TARGET_DIR:-$HERE/rust/target}
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }

# 1. The shared weights and data (fixed seed, standard-library Python).
[ -f data/cnn_y.bin ] || python3 gen_data.py

# 2. Release builds, one cargo at a time.
features=()
has candle && features+=(candle)
has dfdx && features+=(dfdx)
has burn && features+=(burn)
feat=$(IFS=,; echo "${features[*]:-}")
(cd rust && CARGO_TARGET_DIR=$TARGET cargo build --release --bins ${feat:+--features $feat})
if has ours-native || has hand-native; then
    (cd rust && CARGO_TARGET_DIR=$TARGET/native RUSTFLAGS="-C target-cpu=native" cargo build --release --bin ours --bin hand)
fi

# 3. The Python environment.
if has pytorch || has jax; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/python -c "import torch, jax, numpy" 2>/dev/null || .venv/bin/pip install -q -r requirements.txt
fi

# 4. Interleaved rounds: every system once per round, the order rotated each round.
export PEERS_THREADS=$THREADS RAYON_NUM_THREADS=$THREADS OMP_NUM_THREADS=$THREADS MKL_NUM_THREADS=$THREADS
# JAX's CPU client sizes its thread pool from NPROC (else from the CPUs it may run on), whatever
# XLA_FLAGS say: without it JAX ran a step of 784-512-10 on both cores (0.76 ms; 1.2 ms with
# NPROC=1 or under `taskset -c 1`).
export NPROC=$THREADS
if [ "$THREADS" = 1 ]; then
    export XLA_FLAGS="--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
fi
mkdir -p results
RAW=results/raw.jsonl
: > "$RAW"
run_one() {
    case $1 in
        ours|hand|candle|dfdx|burn) "$TARGET/release/$1" $WORKLOADS ;;
        # The native build's rows renamed, its `Trainer` row too (ours-trainer → ours-native-trainer:
        # before, that row kept its name and its times were taken into ours-trainer's median).
        ours-native|hand-native) "$TARGET/native/release/${1%-native}" $WORKLOADS | sed "s/\"system\":\"${1%-native}\([-a-z]*\)\"/\"system\":\"$1\1\"/" ;;
        pytorch) .venv/bin/python python/torch_eager.py $WORKLOADS ;;
        jax) .venv/bin/python python/jax_bench.py $WORKLOADS ;;
    esac
}
read -r -a order <<< "$SYSTEMS"
for ((r = 0; r < ROUNDS; r++)); do
    n=${#order[@]}
    for ((j = 0; j < n; j++)); do
        s=${order[$(((j + r) % n))]}
        echo "round $((r + 1))/$ROUNDS: $s" >&2
        run_one "$s" | sed "s/^{/{\"round\":$r,/" >> "$RAW"
    done
done

# 5. The table.
python3 summarize.py "$RAW" > results/table.md
cat results/table.md
