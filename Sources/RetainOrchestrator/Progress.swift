import Foundation

/// Progress of long stages: a redrawn bar with rate and ETA on a terminal, and plain periodic
/// lines (at most one every `lineInterval` seconds, plus the last) otherwise, so CI logs stay short.
public final class ProgressReporter: @unchecked Sendable {
    public enum Mode: Sendable { case bar, lines, silent }
    let mode: Mode
    let lineInterval: Double
    let write: (String) -> Void
    private let lock = NSLock()

    public init(mode: Mode? = nil, lineInterval: Double = 10, write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.mode = mode ?? (isatty(STDERR_FILENO) == 1 ? .bar : .lines)
        self.lineInterval = lineInterval
        self.write = write
    }

    /// A task of `total` units; call `update` with units done so far, then `finish`.
    public func task(_ label: String, total: Int) -> ProgressTask {
        ProgressTask(reporter: self, label: label, total: total)
    }

    func emit(_ text: String) { lock.lock(); write(text); lock.unlock() }
}

public final class ProgressTask: @unchecked Sendable {
    let reporter: ProgressReporter
    let label: String
    let total: Int
    let start = Date()
    private var lastEmit = Date.distantPast
    private var done = 0
    private let lock = NSLock()

    init(reporter: ProgressReporter, label: String, total: Int) {
        self.reporter = reporter; self.label = label; self.total = max(1, total)
    }

    public func update(_ completed: Int) {
        lock.lock(); defer { lock.unlock() }
        done = min(total, max(done, completed))
        let now = Date()
        switch reporter.mode {
        case .silent: return
        case .bar:
            guard now.timeIntervalSince(lastEmit) >= 0.1 else { return }
            reporter.emit("\r" + Self.bar(label: label, done: done, total: total, elapsed: now.timeIntervalSince(start)) + "\u{1B}[K")
        case .lines:
            guard now.timeIntervalSince(lastEmit) >= reporter.lineInterval else { return }
            reporter.emit(Self.line(label: label, done: done, total: total, elapsed: now.timeIntervalSince(start)) + "\n")
        }
        lastEmit = now
    }

    public func finish() {
        lock.lock(); defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        switch reporter.mode {
        case .silent: return
        case .bar: reporter.emit("\r" + Self.bar(label: label, done: total, total: total, elapsed: elapsed) + "\u{1B}[K\n")
        case .lines: reporter.emit(Self.line(label: label, done: total, total: total, elapsed: elapsed) + "\n")
        }
    }

    static func eta(done: Int, total: Int, elapsed: Double) -> String {
        guard done > 0, done < total else { return done >= total ? "done" : "ETA --" }
        return "ETA " + duration(elapsed / Double(done) * Double(total - done))
    }

    static func duration(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%dh%02dm", t / 3600, t / 60 % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    static func bar(label: String, done: Int, total: Int, elapsed: Double) -> String {
        let width = 24
        let filled = Int(Double(width) * Double(done) / Double(total))
        return "\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            + "] \(done)/\(total) \(duration(elapsed)) \(eta(done: done, total: total, elapsed: elapsed))"
    }

    static func line(label: String, done: Int, total: Int, elapsed: Double) -> String {
        String(format: "%@: %d/%d (%.0f%%) %@ elapsed, %@", label, done, total, 100 * Double(done) / Double(total),
               duration(elapsed), eta(done: done, total: total, elapsed: elapsed))
    }
}
