import RetainCore

/// Stage 5: the fine-tuning mix: the domain set plus at most one general source.
public enum Mixing {
    public struct Config: Codable, Hashable, Sendable {
        /// Share of general conversations in the mix, in (0, 1) (paper: 0.83, i.e. 83:17).
        public var generalShare: Double
        /// Total conversations; nil means domain size / (1 − generalShare), rounded, so the whole
        /// domain set is used once (and the general part is round(total × share)).
        public var total: Int?
        public var seed: UInt64
        /// With no general source: fill the whole total with domain data (repeated in fresh
        /// shuffles), so the mix trains as many steps as a mix arm's. Nil (not encoded, so older
        /// stage hashes stay valid) means false.
        public var domainFillsTotal: Bool?
        /// Spread the domain conversations evenly through the mix instead of shuffling the two
        /// parts together, so every stretch of the mix (and every packed row, and so every batch
        /// whatever order the trainer draws rows in) carries the mix ratio. Nil (not encoded, so
        /// older stage hashes stay valid) means false.
        public var interleave: Bool?
        public init(generalShare: Double = 0.83, total: Int? = nil, seed: UInt64, domainFillsTotal: Bool = false,
                    interleave: Bool = false) {
            self.generalShare = generalShare; self.total = total; self.seed = seed
            self.domainFillsTotal = domainFillsTotal ? true : nil
            self.interleave = interleave ? true : nil
        }
    }

    public struct Stats: Codable, Hashable, Sendable {
        public var total: Int
        public var general: Int
        public var domain: Int
        /// Distinct general / domain conversations used (fewer than the counts when a source had to
        /// be repeated to reach its share).
        public var generalDistinct: Int
        public var domainDistinct: Int
        public var generalSourceSize: Int
    }

    /// Exact counts: general = round(total × share), domain = total − general. A source smaller
    /// than its count is used whole, then again in a fresh shuffle, until the count is reached.
    /// With no general source the mix is the domain part alone: the same domain examples the mixes
    /// of this seed get (round(total × (1 − share)), or the whole domain set when `total` is nil),
    /// because the domain, general and order draws use separate streams of the seed. With
    /// `domainFillsTotal` the domain part is the whole total instead (its first passes are the same draws).
    /// With `interleave` the two parts keep their draw order and the domain part is spread evenly.
    public static func run(domain: [Conversation], general: [Conversation]?, config: Config) throws -> (conversations: [Conversation], stats: Stats) {
        guard !domain.isEmpty else { throw StageError.invalidInput("the domain set is empty") }
        guard config.generalShare > 0, config.generalShare < 1 else {
            throw StageError.invalidInput("general share \(config.generalShare) is not in (0, 1)")
        }
        if let total = config.total, total < 1 { throw StageError.invalidInput("mix total \(total) is not positive") }
        var domainRng = WorldRandom(seed: StageSeed.derive(config.seed, "mix-domain"))
        var generalRng = WorldRandom(seed: StageSeed.derive(config.seed, "mix-general"))
        var orderRng = WorldRandom(seed: StageSeed.derive(config.seed, "mix-order"))
        let total = config.total ?? Int((Double(domain.count) / (1 - config.generalShare)).rounded())
        let nGeneral = Int((Double(total) * config.generalShare).rounded())
        let fill = general == nil && config.domainFillsTotal == true
        let nDomain = fill ? total : config.total == nil ? domain.count : total - nGeneral
        let domainPart = draw(domain, count: nDomain, rng: &domainRng)
        guard let general else {
            var mix = domainPart
            mix.shuffle(using: &orderRng)
            return (mix, Stats(total: nDomain, general: 0, domain: nDomain, generalDistinct: 0, domainDistinct: min(nDomain, domain.count),
                               generalSourceSize: 0))
        }
        guard !general.isEmpty else { throw StageError.invalidInput("the general source is empty") }
        let generalPart = draw(general, count: nGeneral, rng: &generalRng)
        let mix: [Conversation]
        if config.interleave == true {
            // Both parts are already in shuffled order (whole shuffled passes).
            mix = interleaved(generalPart, domainPart)
        } else {
            var shuffled = generalPart + domainPart
            shuffled.shuffle(using: &orderRng)
            mix = shuffled
        }
        return (mix, Stats(total: nGeneral + nDomain, general: nGeneral, domain: nDomain, generalDistinct: min(nGeneral, general.count),
                           domainDistinct: min(nDomain, domain.count), generalSourceSize: general.count))
    }

    /// `a` and `b` merged with `b`'s items spread evenly: after every prefix of n items, the
    /// number taken from `b` is the rounding of n·|b|/(|a|+|b|) (at most half an item off).
    public static func interleaved<T>(_ a: [T], _ b: [T]) -> [T] {
        let total = a.count + b.count
        var out: [T] = []
        out.reserveCapacity(total)
        var ia = 0, ib = 0
        for n in stride(from: 1, through: total, by: 1) {
            // Integer form of round(n·|b| / total): floor((2·n·|b| + total) / (2·total)).
            let wantB = (2 * n * b.count + total) / (2 * total)
            if ib < wantB { out.append(b[ib]); ib += 1 } else { out.append(a[ia]); ia += 1 }
        }
        return out
    }

    /// `count` items: whole shuffled passes over `items`, the last one partial.
    static func draw(_ items: [Conversation], count: Int, rng: inout WorldRandom) -> [Conversation] {
        var out: [Conversation] = []
        out.reserveCapacity(count)
        while out.count < count {
            var pass = items
            pass.shuffle(using: &rng)
            out.append(contentsOf: pass.prefix(count - out.count))
        }
        return out
    }
}
