import Foundation
import RetainPortableMath

/// Hyperparameters of AdamW with decoupled weight decay (Loshchilov & Hutter).
public struct AdamWConfig: Codable, Hashable, Sendable {
    /// β₁ = 0.9: the usual momentum.
    public var beta1: Float = 0.9
    /// β₂ = 0.95: the LLM-pretraining choice, steadier than 0.999 on small batches.
    public var beta2: Float = 0.95
    /// ε = 1e-8: avoids division by zero for parameters with no gradient yet.
    public var eps: Float = 1e-8
    /// Weight decay 0.1, applied to matrices only (never to norm gains).
    public var weightDecay: Float = 0.1
    /// Clip the global gradient L2 norm to this value; 1.0 as in Llama. Non-positive disables clipping.
    public var gradClip: Float = 1.0

    public init(beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8, weightDecay: Float = 0.1, gradClip: Float = 1.0) {
        self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay; self.gradClip = gradClip
    }
}

/// AdamW over a model's flat parameter buffer; both moments share the parameter layout.
public final class AdamW {
    public let config: AdamWConfig
    public private(set) var step = 0
    let m: FloatBuffer
    let v: FloatBuffer
    /// Per-element weight-decay mask as contiguous ranges (matrices decay, norm gains do not).
    private let decayRanges: [(range: Range<Int>, decays: Bool)]

    public init(model: LlamaModel, config: AdamWConfig = AdamWConfig()) {
        self.config = config
        m = FloatBuffer(count: model.parameterCount)
        v = FloatBuffer(count: model.parameterCount)
        decayRanges = model.layout.tensors.map { ($0.offset..<($0.offset + $0.count), $0.isMatrix) }
    }

    /// Clips gradients to `config.gradClip` (global L2 norm) and applies one AdamW update with
    /// learning rate `lr`. Returns the gradient norm before clipping.
    @discardableResult
    public func update(_ model: LlamaModel, lr: Float) -> Float {
        KernelProfiler.measure(.optimizer) { applyUpdate(model, lr: lr) }
    }

    private func applyUpdate(_ model: LlamaModel, lr: Float) -> Float {
        let g = model.gradients.pointer, p = model.parameters.pointer
        let norm = globalNorm(g, model.parameterCount)
        let clipScale: Float = (config.gradClip > 0 && norm > config.gradClip) ? config.gradClip / norm : 1
        step += 1
        let b1 = config.beta1, b2 = config.beta2, eps = config.eps
        // Bias corrections by repeated squaring: libm's powf differs between CPUs in the last bit.
        let c1 = Float(1 / (1 - PortableMath.pow(Double(b1), step))), c2 = Float(1 / (1 - PortableMath.pow(Double(b2), step)))
        let mp = m.pointer, vp = v.pointer
        for (range, decays) in decayRanges {
            let decay: Float = decays ? 1 - lr * config.weightDecay : 1
            parallelChunks(range.count, minPerChunk: 4096) { _, sub in
                for i in (range.lowerBound + sub.lowerBound)..<(range.lowerBound + sub.upperBound) {
                    let gi = g[i] * clipScale
                    let mi = b1 * mp[i] + (1 - b1) * gi
                    let vi = b2 * vp[i] + (1 - b2) * gi * gi
                    mp[i] = mi; vp[i] = vi
                    p[i] = p[i] * decay - lr * (mi * c1) / ((vi * c2).squareRoot() + eps)
                }
            }
        }
        return norm
    }
}

/// L2 norm of x[0..<n], summed in fixed-size blocks in a fixed order (deterministic).
func globalNorm(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    let block = 1 << 14
    let blocks = (n + block - 1) / block
    var partial = [Double](repeating: 0, count: blocks)
    partial.withUnsafeMutableBufferPointer { pp in
        let pp = pp.baseAddress!
        parallelChunks(blocks) { _, range in
            for b in range {
                let lo = b * block
                pp[b] = Double(sumOfSquares(x + lo, min(block, n - lo)))
            }
        }
    }
    return Float(partial.reduce(0, +).squareRoot())
}

/// Linear warmup to `peak`, then cosine decay to `minRatio · peak` at `totalSteps` (nanoGPT's schedule).
/// A pure function of the step, so it can be tested and plotted on its own.
public struct LearningRateSchedule: Codable, Hashable, Sendable {
    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minRatio: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, minRatio: Float = 0.1) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = totalSteps; self.minRatio = minRatio
    }

    /// Learning rate for 0-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return peak * minRatio }
        let progress = Float(step - warmupSteps) / Float(max(1, totalSteps - warmupSteps))
        let cosine = 0.5 * (1 + Float(PortableMath.cos(Double.pi * Double(progress))))
        return peak * (minRatio + (1 - minRatio) * cosine)
    }
}
