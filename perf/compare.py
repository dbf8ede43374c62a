#!/usr/bin/env python3
"""Runs the Swift engine benchmark (portable GEMM and oneDNN) and the PyTorch peer (eager and
torch.compile) back to back, alternating, and prints per config the median tokens/s of each and
their ratios from the same run (these machines are shared and noisy, so figures are only
comparable when measured together).

Usage: python perf/compare.py [--retain .build/release/retain] [--python .venv-torch/bin/python]
                              [--threads 2] [--rounds 2] [--steps 20] [--no-compile] [--no-onednn]
"""

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("["):])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--retain", default=str(ROOT / ".build/release/retain"))
    ap.add_argument("--python", default=str(ROOT / ".venv-torch/bin/python"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of both benchmarks")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--no-compile", action="store_true", help="skip the torch.compile peer")
    ap.add_argument("--no-onednn", action="store_true", help="skip the engine's oneDNN path")
    args = ap.parse_args()

    swift = [args.retain, "bench", "engine", "--json", "--threads", str(args.threads), "--steps", str(args.steps)]
    torch_cmd = [args.python, str(ROOT / "perf/pytorch_bench.py"), "--json", "--threads", str(args.threads),
                 "--steps", str(args.steps)]
    impls = [("portable", swift + ["--gemm", "portable"])]
    if not args.no_onednn:
        impls.append(("onednn", swift + ["--gemm", "onednn"]))
    impls.append(("torch", torch_cmd))
    if not args.no_compile:
        impls.append(("torch_compile", torch_cmd + ["--compile"]))
    samples = {}  # (impl, d_model) -> list of (tokens/s, mfu)
    for r in range(args.rounds):
        for impl, cmd in impls:
            print(f"round {r + 1}/{args.rounds}: {impl}", file=sys.stderr)
            for res in run_json(cmd):
                d = res["config"].get("dModel", res["config"].get("d_model"))
                samples.setdefault((impl, d), []).append((res["train_tokens_per_s"], res["mfu"]))

    report = []
    for d in sorted({d for _, d in samples}):
        tps = {impl: statistics.median(t for t, _ in samples[(impl, d)]) for impl, _ in impls}
        row = {"d_model": d, "threads": args.threads, "rounds": args.rounds}
        for impl, _ in impls:
            row[f"{impl}_tokens_per_s"] = tps[impl]
            row[f"{impl}_mfu"] = statistics.median(m for _, m in samples[(impl, d)])
        # Ratios of medians: the portable engine against each other implementation.
        for impl, _ in impls[1:]:
            row[f"portable_vs_{impl}"] = round(tps["portable"] / tps[impl], 3)
        report.append(row)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
