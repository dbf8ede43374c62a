import Foundation

// SwiGLU: a = silu(g) · u, where gu[R, 2F] holds g in columns [0, F) and u in [F, 2F).

@inline(__always) func sigmoid(_ x: Float) -> Float { 1 / (1 + fastExp(-x)) }

func swigluForward(_ a: UnsafeMutablePointer<Float>, _ gu: UnsafePointer<Float>, rows: Int, hidden F: Int) {
    parallelChunks(rows, minPerChunk: 16) { _, range in
        for r in range {
            let g = gu + r * 2 * F, u = g + F, ar = a + r * F
            for i in 0..<F {
                let x = g[i]
                ar[i] = x * sigmoid(x) * u[i]
            }
        }
    }
}

/// dgu[R, 2F] = (∂L/∂g, ∂L/∂u) given da[R, F].
///   ∂a/∂g = u · σ(g) · (1 + g · (1 − σ(g))),  ∂a/∂u = g · σ(g)
func swigluBackward(_ dgu: UnsafeMutablePointer<Float>, _ da: UnsafePointer<Float>, _ gu: UnsafePointer<Float>,
                    rows: Int, hidden F: Int) {
    parallelChunks(rows, minPerChunk: 16) { _, range in
        for r in range {
            let g = gu + r * 2 * F, u = g + F, dar = da + r * F
            let dg = dgu + r * 2 * F, du = dg + F
            for i in 0..<F {
                let x = g[i]
                let s = sigmoid(x)
                dg[i] = dar[i] * u[i] * s * (1 + x * (1 - s))
                du[i] = dar[i] * x * s
            }
        }
    }
}

/// e^x accurate to about 2 ulp on [−87, 88], written with plain float and integer ops so that
/// loops over it vectorise (libm's expf is an opaque call, and `rounded()` blocks vectorisation).
/// Range reduction x = n·ln2 + r with |r| ≤ ln2/2, then a degree-6 polynomial for e^r; n is
/// rounded with the 1.5·2²³ shifter trick and becomes the exponent bits directly.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    let clamped = min(max(x, -87.0), 88.0)
    // Fused multiply-adds: Swift never contracts `a * b + c` on its own.
    let shifted = Float(12_582_912.0).addingProduct(clamped, 1.442695040888963)
    let n = shifted - 12_582_912.0
    let r = clamped.addingProduct(n, -0.693145751953125).addingProduct(n, -1.428606765330187e-06)
    var p: Float = 1.0 / 720
    p = Float(1.0 / 120).addingProduct(p, r)
    p = Float(1.0 / 24).addingProduct(p, r)
    p = Float(1.0 / 6).addingProduct(p, r)
    p = Float(0.5).addingProduct(p, r)
    p = Float(1).addingProduct(p, r)
    p = Float(1).addingProduct(p, r)
    // The low mantissa bits of `shifted` hold n; n + 127 shifted into the exponent field is 2ⁿ.
    let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
    return p * scale
}
