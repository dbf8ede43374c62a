#!/usr/bin/env python3
"""Runs the Swift engine benchmark and the PyTorch peer back to back, alternating, and prints
the ratio of median tokens/s per config from the same run (these machines are shared and noisy,
so figures are only comparable when measured together).

Usage: python perf/compare.py [--retain .build/release/retain] [--python .venv-torch/bin/python]
                              [--threads 2] [--rounds 2] [--steps 20]
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
    args = ap.parse_args()

    swift_cmd = [args.retain, "bench", "engine", "--json", "--threads", str(args.threads), "--steps", str(args.steps)]
    torch_cmd = [args.python, str(ROOT / "perf/pytorch_bench.py"), "--json", "--threads", str(args.threads),
                 "--steps", str(args.steps)]
    samples = {}  # (impl, d_model) -> list of (tokens/s, mfu)
    for r in range(args.rounds):
        for impl, cmd in (("swift", swift_cmd), ("torch", torch_cmd)):
            print(f"round {r + 1}/{args.rounds}: {impl}", file=sys.stderr)
            for res in run_json(cmd):
                d = res["config"].get("dModel", res["config"].get("d_model"))
                samples.setdefault((impl, d), []).append((res["train_tokens_per_s"], res["mfu"]))

    report = []
    for d in sorted({d for _, d in samples}):
        sw = [t for t, _ in samples[("swift", d)]]
        pt = [t for t, _ in samples[("torch", d)]]
        report.append({
            "d_model": d,
            "threads": args.threads,
            "swift_tokens_per_s": statistics.median(sw),
            "torch_tokens_per_s": statistics.median(pt),
            "ratio": statistics.median(sw) / statistics.median(pt),
            "swift_mfu": statistics.median(m for _, m in samples[("swift", d)]),
            "torch_mfu": statistics.median(m for _, m in samples[("torch", d)]),
            "rounds": args.rounds,
        })
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
