#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for the Retain engine tests.

For each config below this writes, next to this script:
  <name>.safetensors  float32 parameters (HF Llama names), logits, grad.<param>,
                      tokens / targets (I32), loss_weights, loss
  <name>.json         the ModelConfig in the Swift field names, batch, seqLen, loss

The forward/backward is computed in float64 from the float32 weights, and the
results are stored as float32. Before anything is written, the torch model is
checked against an independent pure-Python brute-force forward (explicit loops
for RMSNorm, RoPE, GQA attention, SwiGLU, weighted cross-entropy) and the
autograd gradients are spot-checked by central finite differences. If
`transformers` is importable its LlamaForCausalLM is compared as well.

Needs only torch and the standard library (no numpy, no safetensors package).
Run:  python make_reference.py
"""

import json
import math
import os
import random
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIGS = [
    dict(name="reference_gqa", seed=1234, V=61, C=32, L=2, H=4, KVH=2, F=40,
         tied=False, B=2, T=7),
    dict(name="reference_tied", seed=4321, V=50, C=24, L=2, H=3, KVH=3, F=36,
         tied=True, B=3, T=5),
]
ROPE_THETA = 10000.0
NORM_EPS = 1e-5
MATRIX_STD = 0.2


# ---------------------------------------------------------------- parameters

def param_shapes(cfg):
    """Parameter names and shapes in HF Llama order ([out, in] matrices)."""
    V, C, L, H, KVH, F = (cfg[k] for k in ("V", "C", "L", "H", "KVH", "F"))
    D = C // H
    shapes = [("model.embed_tokens.weight", (V, C))]
    for i in range(L):
        p = f"model.layers.{i}."
        shapes += [
            (p + "input_layernorm.weight", (C,)),
            (p + "self_attn.q_proj.weight", (H * D, C)),
            (p + "self_attn.k_proj.weight", (KVH * D, C)),
            (p + "self_attn.v_proj.weight", (KVH * D, C)),
            (p + "self_attn.o_proj.weight", (C, H * D)),
            (p + "post_attention_layernorm.weight", (C,)),
            (p + "mlp.gate_proj.weight", (F, C)),
            (p + "mlp.up_proj.weight", (F, C)),
            (p + "mlp.down_proj.weight", (C, F)),
        ]
    shapes.append(("model.norm.weight", (C,)))
    if not cfg["tied"]:
        shapes.append(("lm_head.weight", (V, C)))
    return shapes


def init_params(cfg):
    """float32 weights: matrices N(0, 0.2), norm weights 1 + 0.1*N(0, 1)."""
    params = {}
    for name, shape in param_shapes(cfg):
        if len(shape) == 1:
            params[name] = 1.0 + 0.1 * torch.randn(shape, dtype=torch.float32)
        else:
            params[name] = MATRIX_STD * torch.randn(shape, dtype=torch.float32)
    return params


def make_batch(cfg):
    B, T, V = cfg["B"], cfg["T"], cfg["V"]
    tokens = torch.randint(0, V, (B, T), dtype=torch.int64)
    targets = torch.randint(0, V, (B, T), dtype=torch.int64)
    choices = torch.tensor([1.0, 0.0, 0.1], dtype=torch.float32)
    weights = choices[torch.randint(0, 3, (B, T))]
    # Guarantee at least one ignored (0.0) and one down-weighted (0.1) token
    # per sequence, at distinct random positions.
    for b in range(B):
        perm = torch.randperm(T)
        weights[b, perm[0]] = 0.0
        weights[b, perm[1]] = 0.1
        if not bool((weights[b] == 1.0).any()):
            weights[b, perm[2]] = 1.0
    return tokens, targets, weights


# ------------------------------------------------------------ torch (float64)

def rmsnorm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rope_cos_sin(T, D, theta, dtype):
    j = torch.arange(D // 2, dtype=torch.float64)
    inv_freq = theta ** (-2.0 * j / D)                      # [D/2]
    t = torch.arange(T, dtype=torch.float64)
    angle = t[:, None] * inv_freq[None, :]                   # [T, D/2]
    emb = torch.cat([angle, angle], dim=-1)                  # [T, D]
    return emb.cos().to(dtype), emb.sin().to(dtype)


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x, cos, sin):
    # x: [B, heads, T, D]; cos/sin: [T, D]
    return x * cos + rotate_half(x) * sin


def attention(q, k, v, n_rep):
    # q: [B, H, T, D]; k, v: [B, KVH, T, D]
    D = q.shape[-1]
    T = q.shape[-2]
    k = k.repeat_interleave(n_rep, dim=1)  # query head h -> kv head h // n_rep
    v = v.repeat_interleave(n_rep, dim=1)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(D)
    mask = torch.ones(T, T, dtype=torch.bool).triu(1)
    scores = scores.masked_fill(mask, float("-inf"))
    return scores.softmax(dim=-1) @ v


def forward(cfg, P, tokens):
    """Returns logits [B, T, V] in the dtype of P."""
    C, L, H, KVH = cfg["C"], cfg["L"], cfg["H"], cfg["KVH"]
    D = C // H
    B, T = tokens.shape
    x = P["model.embed_tokens.weight"][tokens]               # [B, T, C]
    cos, sin = rope_cos_sin(T, D, ROPE_THETA, x.dtype)
    for i in range(L):
        p = f"model.layers.{i}."
        h = rmsnorm(x, P[p + "input_layernorm.weight"], NORM_EPS)
        q = (h @ P[p + "self_attn.q_proj.weight"].T).view(B, T, H, D).transpose(1, 2)
        k = (h @ P[p + "self_attn.k_proj.weight"].T).view(B, T, KVH, D).transpose(1, 2)
        v = (h @ P[p + "self_attn.v_proj.weight"].T).view(B, T, KVH, D).transpose(1, 2)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)
        att = attention(q, k, v, H // KVH)                   # [B, H, T, D]
        att = att.transpose(1, 2).reshape(B, T, H * D)
        x = x + att @ P[p + "self_attn.o_proj.weight"].T
        h2 = rmsnorm(x, P[p + "post_attention_layernorm.weight"], NORM_EPS)
        g = torch.nn.functional.silu(h2 @ P[p + "mlp.gate_proj.weight"].T)
        u = h2 @ P[p + "mlp.up_proj.weight"].T
        x = x + (g * u) @ P[p + "mlp.down_proj.weight"].T
    x = rmsnorm(x, P["model.norm.weight"], NORM_EPS)
    head = P["model.embed_tokens.weight"] if cfg["tied"] else P["lm_head.weight"]
    return x @ head.T


def weighted_loss(logits, targets, weights):
    V = logits.shape[-1]
    ce = torch.nn.functional.cross_entropy(
        logits.reshape(-1, V), targets.reshape(-1), reduction="none")
    w = weights.reshape(-1).to(logits.dtype)
    return (ce * w).sum() / w.sum()


# ------------------------------------------------- brute force (pure Python)

def _tolist(t):
    return t.detach().to(torch.float64).tolist()


def brute_force(cfg, params32, tokens, targets, weights):
    """Independent forward with explicit loops over Python floats.

    RoPE is written in the pairwise form: for j < D/2 the pair
    (x[j], x[j + D/2]) is rotated by angle t * theta^(-2j/D).
    """
    V, C, L, H, KVH, F = (cfg[k] for k in ("V", "C", "L", "H", "KVH", "F"))
    D = C // H
    half = D // 2
    group = H // KVH
    P = {k: _tolist(v) for k, v in params32.items()}
    toks, tgts, wts = tokens.tolist(), targets.tolist(), _tolist(weights)

    def matvec(W, x):  # W: [out][in]
        return [sum(wr[c] * x[c] for c in range(len(x))) for wr in W]

    def norm(x, w):
        r = 1.0 / math.sqrt(sum(a * a for a in x) / len(x) + NORM_EPS)
        return [a * r * b for a, b in zip(x, w)]

    def rope(vec, t):  # vec: one head, length D
        out = [0.0] * D
        for j in range(half):
            ang = t * ROPE_THETA ** (-2.0 * j / D)
            c, s = math.cos(ang), math.sin(ang)
            a, b = vec[j], vec[j + half]
            out[j] = a * c - b * s
            out[j + half] = b * c + a * s
        return out

    all_logits = []
    num = den = 0.0
    for b in range(len(toks)):
        T = len(toks[b])
        xs = [list(P["model.embed_tokens.weight"][tok]) for tok in toks[b]]
        for i in range(L):
            p = f"model.layers.{i}."
            hs = [norm(x, P[p + "input_layernorm.weight"]) for x in xs]
            q = [matvec(P[p + "self_attn.q_proj.weight"], h) for h in hs]
            k = [matvec(P[p + "self_attn.k_proj.weight"], h) for h in hs]
            v = [matvec(P[p + "self_attn.v_proj.weight"], h) for h in hs]
            # RoPE per head
            q = [sum((rope(q[t][hh * D:(hh + 1) * D], t) for hh in range(H)), [])
                 for t in range(T)]
            k = [sum((rope(k[t][hh * D:(hh + 1) * D], t) for hh in range(KVH)), [])
                 for t in range(T)]
            att = [[0.0] * (H * D) for _ in range(T)]
            for hh in range(H):
                kvh = hh // group
                for t in range(T):
                    qv = q[t][hh * D:(hh + 1) * D]
                    sc = []
                    for s in range(t + 1):  # causal: keys 0..t
                        kv = k[s][kvh * D:(kvh + 1) * D]
                        sc.append(sum(a * c for a, c in zip(qv, kv)) / math.sqrt(D))
                    m = max(sc)
                    e = [math.exp(z - m) for z in sc]
                    z = sum(e)
                    for d in range(D):
                        att[t][hh * D + d] = sum(
                            e[s] / z * v[s][kvh * D + d] for s in range(t + 1))
            for t in range(T):
                o = matvec(P[p + "self_attn.o_proj.weight"], att[t])
                xs[t] = [a + c for a, c in zip(xs[t], o)]
                h2 = norm(xs[t], P[p + "post_attention_layernorm.weight"])
                g = matvec(P[p + "mlp.gate_proj.weight"], h2)
                u = matvec(P[p + "mlp.up_proj.weight"], h2)
                act = [gi / (1.0 + math.exp(-gi)) * ui for gi, ui in zip(g, u)]
                dn = matvec(P[p + "mlp.down_proj.weight"], act)
                xs[t] = [a + c for a, c in zip(xs[t], dn)]
        head = P["model.embed_tokens.weight"] if cfg["tied"] else P["lm_head.weight"]
        row_logits = []
        for t in range(T):
            lg = matvec(head, norm(xs[t], P["model.norm.weight"]))
            row_logits.append(lg)
            m = max(lg)
            lse = m + math.log(sum(math.exp(a - m) for a in lg))
            num += wts[b][t] * (lse - lg[tgts[b][t]])
            den += wts[b][t]
        all_logits.append(row_logits)
    return torch.tensor(all_logits, dtype=torch.float64), num / den


def max_rel_err(a, b):
    return ((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item()


def self_check(cfg, params32, tokens, targets, weights, logits64, loss64, grads64):
    name = cfg["name"]
    # 1. RoPE and attention in isolation against tiny loops.
    D, T = 8, 6
    x = torch.randn(1, 2, T, D, dtype=torch.float64)
    cos, sin = rope_cos_sin(T, D, ROPE_THETA, torch.float64)
    got = apply_rope(x, cos, sin)
    for hh in range(2):
        for t in range(T):
            for j in range(D // 2):
                ang = t * ROPE_THETA ** (-2.0 * j / D)
                a, b = x[0, hh, t, j].item(), x[0, hh, t, j + D // 2].item()
                assert math.isclose(got[0, hh, t, j].item(),
                                    a * math.cos(ang) - b * math.sin(ang), abs_tol=1e-12)
                assert math.isclose(got[0, hh, t, j + D // 2].item(),
                                    b * math.cos(ang) + a * math.sin(ang), abs_tol=1e-12)
    q = torch.randn(1, 4, T, D, dtype=torch.float64)
    k = torch.randn(1, 2, T, D, dtype=torch.float64)
    v = torch.randn(1, 2, T, D, dtype=torch.float64)
    got = attention(q, k, v, 2)
    for hh in range(4):
        for t in range(T):
            sc = [sum(q[0, hh, t, d].item() * k[0, hh // 2, s, d].item()
                      for d in range(D)) / math.sqrt(D) for s in range(t + 1)]
            e = [math.exp(z - max(sc)) for z in sc]
            for d in range(D):
                ref = sum(e[s] * v[0, hh // 2, s, d].item() for s in range(t + 1)) / sum(e)
                assert math.isclose(got[0, hh, t, d].item(), ref, abs_tol=1e-12)
    print(f"[{name}] rope + gqa attention unit check: ok")

    # 2. Whole model against the pure-Python brute force.
    bf_logits, bf_loss = brute_force(cfg, params32, tokens, targets, weights)
    err = max_rel_err(logits64, bf_logits)
    lerr = abs(loss64 - bf_loss) / abs(bf_loss)
    print(f"[{name}] brute-force forward: max rel logits err {err:.2e}, "
          f"loss {loss64:.12f} vs {bf_loss:.12f} (rel {lerr:.2e})")
    assert err < 1e-10 and lerr < 1e-10, "torch model disagrees with brute force"

    # 3. Finite-difference spot check of autograd gradients (float64).
    rng = random.Random(cfg["seed"])
    P64 = {k: v.to(torch.float64) for k, v in params32.items()}
    worst = 0.0
    checked = 0
    for pname in P64:
        g = grads64[pname].reshape(-1)
        idx = [rng.randrange(g.numel()) for _ in range(2)] + [int(g.abs().argmax())]
        for ix in idx:
            h = 1e-5
            orig = P64[pname].view(-1)[ix].item()
            P64[pname].view(-1)[ix] = orig + h
            lp = weighted_loss(forward(cfg, P64, tokens), targets, weights).item()
            P64[pname].view(-1)[ix] = orig - h
            lm = weighted_loss(forward(cfg, P64, tokens), targets, weights).item()
            P64[pname].view(-1)[ix] = orig
            fd = (lp - lm) / (2 * h)
            an = g[ix].item()
            scale = max(g.abs().max().item(), 1e-12)
            worst = max(worst, abs(fd - an) / scale)
            checked += 1
    print(f"[{name}] finite-difference grad check: {checked} entries, "
          f"max err / max|grad| {worst:.2e}")
    assert worst < 1e-6, "autograd gradient disagrees with finite differences"

    # 4. transformers, only if it happens to be importable.
    try:
        import transformers  # noqa: F401
        from transformers import LlamaConfig, LlamaForCausalLM
    except Exception:
        print(f"[{name}] transformers not importable: skipped HF comparison")
        return
    hf_cfg = LlamaConfig(
        vocab_size=cfg["V"], hidden_size=cfg["C"], intermediate_size=cfg["F"],
        num_hidden_layers=cfg["L"], num_attention_heads=cfg["H"],
        num_key_value_heads=cfg["KVH"], max_position_embeddings=max(cfg["T"], 16),
        rms_norm_eps=NORM_EPS, rope_theta=ROPE_THETA,
        tie_word_embeddings=cfg["tied"], attention_bias=False, mlp_bias=False)
    model = LlamaForCausalLM(hf_cfg).to(torch.float64).eval()
    sd = {k: v.to(torch.float64) for k, v in params32.items()}
    if cfg["tied"]:
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
    model.load_state_dict(sd, strict=False)
    with torch.no_grad():
        hf_logits = model(tokens).logits
    err = max_rel_err(logits64, hf_logits)
    print(f"[{name}] transformers {transformers.__version__} LlamaForCausalLM: "
          f"max rel logits err {err:.2e}")
    # HF builds inv_freq in float32, hence the looser bound.
    assert err < 1e-5, "torch model disagrees with transformers"


# ---------------------------------------------------------------- safetensors

_DTYPES = {torch.float32: ("F32", "f"), torch.int32: ("I32", "i")}


def write_safetensors(path, tensors):
    """Minimal safetensors writer: u64 LE header length, JSON header padded
    with spaces to a multiple of 8 bytes, then raw little-endian data."""
    header = {"__metadata__": {"format": "pt"}}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        st_dtype, code = _DTYPES[t.dtype]
        values = t.reshape(-1).tolist()
        blob = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": st_dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * ((8 - len(hbytes) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hbytes)))
        f.write(hbytes)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    assert n % 8 == 0
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        code = {"F32": "f", "I32": "i"}[info["dtype"]]
        a, b = info["data_offsets"]
        count = (b - a) // 4
        vals = struct.unpack("<%d%s" % (count, code), data[base + a:base + b])
        dtype = torch.float32 if code == "f" else torch.int32
        out[name] = torch.tensor(vals, dtype=dtype).reshape(info["shape"])
    assert base + max(i["data_offsets"][1] for k, i in header.items()
                      if k != "__metadata__") == len(data)
    return out


# ----------------------------------------------------------------------- main

def generate(cfg):
    torch.manual_seed(cfg["seed"])
    params32 = init_params(cfg)
    tokens, targets, weights = make_batch(cfg)

    P64 = {k: v.to(torch.float64).requires_grad_(True) for k, v in params32.items()}
    logits = forward(cfg, P64, tokens)
    loss = weighted_loss(logits, targets, weights)
    loss.backward()
    grads64 = {k: v.grad.detach().clone() for k, v in P64.items()}
    logits64 = logits.detach()
    loss64 = loss.item()

    self_check(cfg, params32, tokens, targets, weights, logits64, loss64, grads64)

    tensors = {}
    for name, _ in param_shapes(cfg):
        tensors[name] = params32[name]
    tensors["logits"] = logits64.to(torch.float32)
    for name, _ in param_shapes(cfg):
        tensors["grad." + name] = grads64[name].to(torch.float32)
    tensors["tokens"] = tokens.to(torch.int32)
    tensors["targets"] = targets.to(torch.int32)
    tensors["loss_weights"] = weights.to(torch.float32)
    tensors["loss"] = torch.tensor(loss64, dtype=torch.float32)

    st_path = os.path.join(HERE, cfg["name"] + ".safetensors")
    write_safetensors(st_path, tensors)
    back = read_safetensors(st_path)
    assert back.keys() == tensors.keys()
    for k, v in tensors.items():
        assert back[k].shape == v.shape and torch.equal(back[k], v), k

    meta = {
        "config": {
            "vocabSize": cfg["V"], "dModel": cfg["C"], "nLayers": cfg["L"],
            "nHeads": cfg["H"], "nKVHeads": cfg["KVH"], "ffnHidden": cfg["F"],
            "maxSeqLen": cfg["T"], "ropeTheta": ROPE_THETA, "normEps": NORM_EPS,
            "tiedEmbeddings": cfg["tied"], "initStd": 0.02,
        },
        "batch": cfg["B"],
        "seqLen": cfg["T"],
        "loss": loss64,
        "seed": cfg["seed"],
        "torch_version": torch.__version__,
        "generated_by": "make_reference.py",
    }
    with open(os.path.join(HERE, cfg["name"] + ".json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    print(f"[{cfg['name']}] wrote {os.path.basename(st_path)} "
          f"({os.path.getsize(st_path)} bytes), loss {loss64:.6f}, "
          f"logits std {logits64.std().item():.3f}")


def main():
    torch.set_num_threads(1)  # deterministic reductions
    for cfg in CONFIGS:
        generate(cfg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
