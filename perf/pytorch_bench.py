#!/usr/bin/env python3
"""PyTorch CPU peer benchmark for the Retain engine.

Trains the same Llama-style architecture as the Swift engine (RMSNorm,
rotate_half RoPE, causal attention, SwiGLU, untied head) in plain eager
float32 PyTorch and reports training throughput and MFU.

Each timed step: forward, mean cross-entropy over all B*T tokens, backward,
clip_grad_norm_(1.0), AdamW (lr 3e-4, betas (0.9, 0.95), weight decay 0.1 on
matrices only), zero_grad.

Needs only torch and the standard library.
Usage: python perf/pytorch_bench.py [--threads 2] [--steps 20] [--warmup 3] [--json]
"""

import argparse
import json
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = [
    dict(vocab_size=1024, d_model=128, n_layers=4, n_heads=8, n_kv_heads=8,
         ffn_hidden=384, seq_len=128, batch=16, rope_theta=10000.0,
         norm_eps=1e-5, tied_embeddings=False),
    dict(vocab_size=1024, d_model=256, n_layers=4, n_heads=8, n_kv_heads=8,
         ffn_hidden=704, seq_len=128, batch=16, rope_theta=10000.0,
         norm_eps=1e-5, tied_embeddings=False),
]


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_heads, self.n_kv = c["n_heads"], c["n_kv_heads"]
        self.head_dim = c["d_model"] // c["n_heads"]
        d = c["d_model"]
        self.q_proj = nn.Linear(d, self.n_heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, self.n_kv * self.head_dim, bias=False)
        self.v_proj = nn.Linear(d, self.n_kv * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.n_heads * self.head_dim, d, bias=False)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        D = self.head_dim
        q = self.q_proj(x).view(B, T, self.n_heads, D).transpose(1, 2)
        k = self.k_proj(x).view(B, T, self.n_kv, D).transpose(1, 2)
        v = self.v_proj(x).view(B, T, self.n_kv, D).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.n_kv != self.n_heads:
            rep = self.n_heads // self.n_kv
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        return self.o_proj(y.transpose(1, 2).reshape(B, T, self.n_heads * D))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c["d_model"], c["ffn_hidden"], bias=False)
        self.up_proj = nn.Linear(c["d_model"], c["ffn_hidden"], bias=False)
        self.down_proj = nn.Linear(c["ffn_hidden"], c["d_model"], bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["d_model"], c["norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["d_model"], c["norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin)
        return x + self.mlp(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["d_model"])
        self.layers = nn.ModuleList(Block(c) for _ in range(c["n_layers"]))
        self.norm = RMSNorm(c["d_model"], c["norm_eps"])
        self.lm_head = (None if c["tied_embeddings"] else
                        nn.Linear(c["d_model"], c["vocab_size"], bias=False))
        for p in self.parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, mean=0.0, std=0.02)
        D = c["d_model"] // c["n_heads"]
        inv_freq = c["rope_theta"] ** (-torch.arange(0, D, 2, dtype=torch.float64) / D)
        angle = torch.arange(c["seq_len"], dtype=torch.float64)[:, None] * inv_freq[None, :]
        emb = torch.cat((angle, angle), dim=-1)
        self.register_buffer("cos", emb.cos().float(), persistent=False)
        self.register_buffer("sin", emb.sin().float(), persistent=False)

    def forward(self, tokens):
        T = tokens.shape[1]
        cos, sin = self.cos[:T], self.sin[:T]
        x = self.embed_tokens(tokens)
        for layer in self.layers:
            x = layer(x, cos, sin)
        x = self.norm(x)
        if self.lm_head is None:
            return x @ self.embed_tokens.weight.T
        return self.lm_head(x)


def non_embedding_params(model):
    # torch.compile wraps the module: its parameter names gain an "_orig_mod." prefix.
    def bare(name):
        return name[len("_orig_mod."):] if name.startswith("_orig_mod.") else name
    return sum(p.numel() for n, p in model.named_parameters()
               if not bare(n).startswith("embed_tokens."))


def sgemm_gflops(n=2048, reps=5):
    a = torch.randn(n, n)
    b = torch.randn(n, n)
    torch.mm(a, b)  # warm-up
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - t0)
    return 2.0 * n ** 3 / statistics.median(times) / 1e9


def bench_config(c, steps, warmup, seed=0, compile=False):
    torch.manual_seed(seed)
    model = Llama(c)
    model.train()
    if compile:
        # The forward (and its autograd backward) go through Inductor; the optimizer stays eager.
        # Compilation happens in the warm-up steps, which are not timed.
        model = torch.compile(model)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1},
         {"params": no_decay, "weight_decay": 0.0}],
        lr=3e-4, betas=(0.9, 0.95))
    B, T, V = c["batch"], c["seq_len"], c["vocab_size"]
    n_batches = 4
    data = torch.randint(0, V, (n_batches, B, T + 1))

    times = []
    losses = []
    for step in range(warmup + steps):
        batch = data[step % n_batches]
        x, y = batch[:, :-1], batch[:, 1:]
        t0 = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        dt = time.perf_counter() - t0
        losses.append(loss.item())
        if step >= warmup:
            times.append(dt)
    assert all(math.isfinite(l) for l in losses)
    n_ne = non_embedding_params(model)
    flops_per_token = 6 * n_ne + 12 * c["n_layers"] * T * c["d_model"]
    median = statistics.median(times)
    return dict(median_step_s=median, train_tokens_per_s=B * T / median,
                flops_per_token=flops_per_token, n_non_embedding=n_ne,
                first_loss=losses[0], last_loss=losses[-1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print only the JSON array")
    ap.add_argument("--compile", action="store_true",
                    help="torch.compile the model (Inductor); needs at least 1 warm-up step")
    args = ap.parse_args(argv)
    if args.compile and args.warmup < 1:
        ap.error("--compile needs --warmup >= 1 (the first step compiles)")

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(args.threads)
    except RuntimeError:
        pass  # can only be set once, before any inter-op work

    results = []
    for c in CONFIGS:
        r = bench_config(c, args.steps, args.warmup, compile=args.compile)
        gflops = sgemm_gflops()  # measured right after, same process/threads
        results.append({
            "config": c,
            "threads": args.threads,
            "train_tokens_per_s": round(r["train_tokens_per_s"], 1),
            "median_step_s": round(r["median_step_s"], 5),
            "flops_per_token": r["flops_per_token"],
            "sgemm_gflops": round(gflops, 2),
            "mfu": round(r["train_tokens_per_s"] * r["flops_per_token"] / (gflops * 1e9), 4),
            "impl": "pytorch-compile" if args.compile else "pytorch",
            "torch_version": torch.__version__,
        })
        if not args.json:
            print(f"d_model={c['d_model']:4d} ffn={c['ffn_hidden']:4d}: "
                  f"{r['train_tokens_per_s']:9.1f} tok/s, median step "
                  f"{r['median_step_s'] * 1e3:.1f} ms, N_non_emb={r['n_non_embedding']}, "
                  f"sgemm {gflops:.1f} GFLOP/s, mfu {results[-1]['mfu']:.3f}, "
                  f"loss {r['first_loss']:.3f} -> {r['last_loss']:.3f}",
                  file=sys.stderr)
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
