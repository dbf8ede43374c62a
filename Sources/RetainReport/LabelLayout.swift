import Foundation

/// Places point labels of a chart so that no two overlap and none covers a point: greedy, in
/// point order, deterministic. Each label first tries eight spots hugging its point (right, left,
/// the four corners, above, below) that are free and nearer to it than to any other point; when
/// none is, it goes to the nearest free spot in the plot area and is joined to its point by a
/// thin leader line. Text extents are estimated (no
/// font metrics in a static page): characters × font size × `charWidth`.
enum LabelLayout {
    /// An axis-aligned box, (x, y) its top-left corner (SVG coordinates: y grows down).
    struct Box: Equatable {
        var x: Double, y: Double, width: Double, height: Double
        var maxX: Double { x + width }
        var maxY: Double { y + height }
        func overlaps(_ o: Box) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
        func inside(_ o: Box) -> Bool { x >= o.x && y >= o.y && maxX <= o.maxX && maxY <= o.maxY }
        func grown(_ d: Double) -> Box { Box(x: x - d, y: y - d, width: width + 2 * d, height: height + 2 * d) }
        /// The point of the box nearest to (px, py).
        func nearest(_ px: Double, _ py: Double) -> (x: Double, y: Double) { (min(max(px, x), maxX), min(max(py, y), maxY)) }
        func distance(_ px: Double, _ py: Double) -> Double {
            let n = nearest(px, py)
            return ((n.x - px) * (n.x - px) + (n.y - py) * (n.y - py)).squareRoot()
        }
    }

    struct Placement: Equatable {
        var box: Box
        /// The label sits away from its point: draw a leader line.
        var leader: Bool
    }

    /// Average glyph width as a share of the font size; generous for sans-serif text, so real
    /// labels are narrower than their boxes.
    static let charWidth = 0.6

    /// The estimated box size of a one-line label.
    static func size(_ text: String, fontSize: Double) -> (width: Double, height: Double) {
        (Double(text.count) * fontSize * charWidth + 2, fontSize * 1.25)
    }

    /// - Parameters:
    ///   - points: label anchors (the points' centres), in placement order.
    ///   - sizes: each label's box size.
    ///   - bounds: where labels may go (the plot area).
    ///   - obstacles: boxes to keep clear of besides the points (e.g. a legend).
    ///   - radius: the point markers' radius; markers are obstacles too.
    ///   - clearance: a spot beside the point is used only if every other point is this much
    ///     farther from it, so a label next to a point always names that point; a spot on a
    ///     leader line keeps this far from every other point.
    static func place(points: [(x: Double, y: Double)], sizes: [(width: Double, height: Double)], bounds: Box,
                      obstacles: [Box] = [], radius: Double = 6, gap: Double = 3, clearance: Double = 16) -> [Placement] {
        precondition(points.count == sizes.count, "one size per point")
        var taken = obstacles + points.map { Box(x: $0.x - radius, y: $0.y - radius, width: 2 * radius, height: 2 * radius) }
        func free(_ b: Box) -> Bool { b.inside(bounds) && !taken.contains { $0.overlaps(b.grown(1)) } }
        var out: [Placement] = []
        for (p, s) in zip(points, sizes) {
            let (w, h) = s, r = radius + gap
            let near = [Box(x: p.x + r, y: p.y - h / 2, width: w, height: h),        // right
                        Box(x: p.x - r - w, y: p.y - h / 2, width: w, height: h),    // left
                        Box(x: p.x + 2, y: p.y - r - h, width: w, height: h),        // above right
                        Box(x: p.x - 2 - w, y: p.y - r - h, width: w, height: h),    // above left
                        Box(x: p.x + 2, y: p.y + r, width: w, height: h),            // below right
                        Box(x: p.x - 2 - w, y: p.y + r, width: w, height: h),        // below left
                        Box(x: p.x - w / 2, y: p.y - r - h, width: w, height: h),    // above
                        Box(x: p.x - w / 2, y: p.y + r, width: w, height: h)]        // below
            // A spot about as close to another point would read as that point's label.
            func others(_ b: Box, within d: Double) -> Bool {
                points.contains { q in (q.x != p.x || q.y != p.y) && b.distance(q.x, q.y) < d }
            }
            var placement = near.first { free($0) && !others($0, within: $0.distance(p.x, p.y) + clearance) }
                .map { Placement(box: $0, leader: false) }
            // Away from the point, on a leader line: keep clear of the other points, if possible.
            if placement == nil, let far = nearestFree(p, w, h, bounds: bounds, free: { free($0) && !others($0, within: clearance) })
                ?? nearestFree(p, w, h, bounds: bounds, free: free) {
                placement = Placement(box: far, leader: true)
            }
            // Nowhere free (a crowded, tiny plot): keep the first spot, overlapping.
            let chosen = placement ?? Placement(box: near[0], leader: true)
            taken.append(chosen.box)
            out.append(chosen)
        }
        return out
    }

    /// The free box nearest to `p` on a 2-pixel grid, scanning squares of growing radius (ties
    /// keep the first in scan order).
    static func nearestFree(_ p: (x: Double, y: Double), _ w: Double, _ h: Double, bounds: Box, free: (Box) -> Bool) -> Box? {
        let step = 2.0, extent = max(bounds.width, bounds.height)
        var radius = 24.0
        while true {
            var best: (box: Box, distance: Double)?
            for y in stride(from: max(bounds.y, p.y - radius - h), through: min(bounds.maxY - h, p.y + radius), by: step) {
                for x in stride(from: max(bounds.x, p.x - radius - w), through: min(bounds.maxX - w, p.x + radius), by: step) {
                    let b = Box(x: x, y: y, width: w, height: h)
                    let d = b.distance(p.x, p.y)
                    if d < (best?.distance ?? .infinity), free(b) { best = (b, d) }
                }
            }
            // Within the square every box nearer than `radius` was seen; a farther best may lose to
            // one outside, so widen first.
            if let best, best.distance <= radius || radius >= extent { return best.box }
            if radius >= extent { return nil }
            radius *= 2
        }
    }
}
