import Foundation

/// Escapes text for HTML and SVG content and attribute values.
package func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// Axis helpers shared by the charts: "nice" tick steps (1, 2, 5 × 10ⁿ) and number formatting.
package enum ChartAxis {
    /// About `count` evenly spaced round values covering `range`.
    package static func ticks(_ range: ClosedRange<Double>, count: Int = 6) -> [Double] {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return [range.lowerBound] }
        let raw = span / Double(max(1, count))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var value = (range.lowerBound / step).rounded(.up) * step
        var result: [Double] = []
        while value <= range.upperBound + step * 1e-9 {
            result.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return result
    }

    /// A tick label without trailing zeros; 10 000 and more with a k or M suffix.
    package static func label(_ value: Double) -> String {
        if abs(value) >= 1e6 { return label(value / 1e6) + "M" }
        if abs(value) >= 1e4 { return label(value / 1e3) + "k" }
        if value == value.rounded() && abs(value) < 1e9 { return String(Int(value)) }
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// The decades (powers of ten) enclosing `range`, which must be positive.
    package static func logRange(_ range: ClosedRange<Double>) -> ClosedRange<Double> {
        let low = pow(10, floor(log10(Swift.max(range.lowerBound, 1e-12))))
        var high = pow(10, ceil(log10(Swift.max(range.upperBound, 1e-12))))
        if high <= low { high = low * 10 }
        return low...high
    }

    /// 1, 2 and 5 times each power of ten within `range` (1 per decade when there are many decades).
    package static func logTicks(_ range: ClosedRange<Double>) -> [Double] {
        guard range.lowerBound > 0 else { return [] }
        let first = Int(floor(log10(range.lowerBound))), last = Int(ceil(log10(range.upperBound)))
        let multipliers: [Double] = last - first > 2 ? [1] : [1, 2, 5]
        var result: [Double] = []
        for exponent in first...last {
            for m in multipliers {
                let value = m * pow(10, Double(exponent))
                if value >= range.lowerBound * (1 - 1e-9) && value <= range.upperBound * (1 + 1e-9) { result.append(value) }
            }
        }
        return result
    }

    /// `range` widened by `fraction` of its span on both sides (or ±1 when empty).
    package static func padded(_ range: ClosedRange<Double>, fraction: Double = 0.05) -> ClosedRange<Double> {
        let span = range.upperBound - range.lowerBound
        if span <= 0 { return (range.lowerBound - 1)...(range.upperBound + 1) }
        return (range.lowerBound - span * fraction)...(range.upperBound + span * fraction)
    }
}

/// A self-contained SVG line chart: several series over one x axis, numbered event markers and
/// shaded background bands (for phases). No scripts, no external styles.
///
/// ```swift
/// var chart = SVGLineChart(title: "Temperature", xLabel: "time (s)", yLabel: "°C")
/// chart.series.append(.init(name: "measured", color: "#d62728", points: [(0, 20), (1, 21)]))
/// chart.markers.append(.init(x: 0.5, label: "1", title: "swap"))
/// let svg = chart.render()
/// ```
package struct SVGLineChart: Sendable {
    /// One line.
    package struct Series: Sendable {
        package var name: String
        package var color: String
        package var points: [(x: Double, y: Double)]
        /// Dashed stroke (for references such as a setpoint).
        package var dashed: Bool
        /// Draw as steps (a value holds until the next point), for set values.
        package var stepped: Bool

        /// A series; points must be sorted by x.
        package init(name: String, color: String, points: [(x: Double, y: Double)], dashed: Bool = false,
                     stepped: Bool = false) {
            self.name = name
            self.color = color
            self.points = points
            self.dashed = dashed
            self.stepped = stepped
        }
    }

    /// A vertical line at `x` with a short label in a circle on top; `title` is the hover text.
    package struct Marker: Sendable {
        package var x: Double
        package var label: String
        package var title: String
        package var color: String

        /// A marker.
        package init(x: Double, label: String, title: String, color: String = "#444") {
            self.x = x
            self.label = label
            self.title = title
            self.color = color
        }
    }

    /// A shaded span of x, with a label written at its top left.
    package struct Band: Sendable {
        package var from: Double
        package var to: Double
        package var label: String
        package var color: String

        /// A band.
        package init(from: Double, to: Double, label: String, color: String) {
            self.from = from
            self.to = to
            self.label = label
            self.color = color
        }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var width = 1100.0
    package var height = 300.0
    package var series: [Series] = []
    package var markers: [Marker] = []
    package var bands: [Band] = []
    /// Fixed axis ranges; nil fits the data.
    package var xRange: ClosedRange<Double>?
    package var yRange: ClosedRange<Double>?
    /// A gap in x larger than this breaks the line (no data is not zero).
    package var gapThreshold: Double = .infinity
    /// A logarithmic y axis (decades with 1-2-5 ticks), for latencies whose tail spans orders of
    /// magnitude; values ≤ 0 are drawn at the bottom edge.
    package var logarithmicY = false

    /// An empty chart.
    package init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Where each series' legend entry goes (the baseline of its text): right-aligned on the title
    /// line when every entry fits beside the title, otherwise left to right in rows under the
    /// title, which push the plot down. (Right-aligned, a chart with many series — the bench's
    /// percentiles — drew its first entries off the left edge.)
    package func legendLayout(left: Double, right: Double) -> (entries: [(x: Double, y: Double)], extraRows: Int) {
        let widths = series.map { Double($0.name.count) * 7 + 34 }
        let titleEnd = left + Double(title.count) * 8.5 + 16
        if titleEnd + widths.reduce(0, +) <= width - right {
            var x = width - right - widths.reduce(0, +)
            return (widths.map { w in defer { x += w }; return (x, 20.0) }, 0)
        }
        var entries: [(x: Double, y: Double)] = []
        var x = left, row = 1
        for w in widths {
            if x + w > width - right && x > left {
                x = left
                row += 1
            }
            entries.append((x, 20.0 + Double(row) * 18))
            x += w
        }
        return (entries, row)
    }

    /// The chart as an `<svg>` element.
    package func render() -> String {
        let left = 70.0, right = 20.0, bottom = 48.0
        let legend = legendLayout(left: left, right: right)
        let top = (bands.isEmpty ? 44.0 : 62.0) + Double(legend.extraRows) * 18
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let allX = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        let allY = series.flatMap { $0.points.map(\.y) }
        let xr = xRange ?? ((allX.min() ?? 0)...(Swift.max(allX.max() ?? 1, (allX.min() ?? 0) + 1e-9)))
        let positive = allY.filter { $0 > 0 }
        let yr = yRange
            ?? (logarithmicY
                ? ChartAxis.logRange((positive.min() ?? 1)...(positive.max() ?? 10))
                : ChartAxis.padded((allY.min() ?? 0)...(allY.max() ?? 1)))
        // On a log axis positions are computed on log10 of the values.
        func scaled(_ y: Double) -> Double { logarithmicY ? log10(Swift.max(y, yr.lowerBound)) : y }
        let sr = scaled(yr.lowerBound)...scaled(yr.upperBound)
        func px(_ x: Double) -> Double {
            left + (x - xr.lowerBound) / Swift.max(xr.upperBound - xr.lowerBound, 1e-12) * plotWidth
        }
        func py(_ y: Double) -> Double {
            let clamped = Swift.min(Swift.max(scaled(y), sr.lowerBound), sr.upperBound)
            return top + plotHeight - (clamped - sr.lowerBound) / Swift.max(sr.upperBound - sr.lowerBound, 1e-12) * plotHeight
        }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"system-ui, sans-serif\" font-size=\"12\" "
            + "role=\"img\" aria-label=\"\(htmlEscaped(title))\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fff\"/>\n"
        svg += "<text x=\"\(f(left))\" y=\"20\" font-size=\"15\" font-weight=\"600\">\(htmlEscaped(title))</text>\n"

        for (s, position) in zip(series, legend.entries) {
            let (x, y) = position
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(y - 4))\" x2=\"\(f(x + 22))\" y2=\"\(f(y - 4))\" stroke=\"\(s.color)\" "
                + "stroke-width=\"3\"\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")/>"
            svg += "<text x=\"\(f(x + 27))\" y=\"\(f(y))\">\(htmlEscaped(s.name))</text>\n"
        }

        // Bands behind everything, labels above the plot.
        for band in bands {
            let x1 = px(Swift.max(band.from, xr.lowerBound)), x2 = px(Swift.min(band.to, xr.upperBound))
            guard x2 > x1 else { continue }
            svg += "<rect x=\"\(f(x1))\" y=\"\(f(top))\" width=\"\(f(x2 - x1))\" height=\"\(f(plotHeight))\" "
                + "fill=\"\(band.color)\"/>"
            svg += "<rect x=\"\(f(x1))\" y=\"\(f(top - 18))\" width=\"\(f(x2 - x1))\" height=\"16\" fill=\"\(band.color)\"/>"
            svg += "<text x=\"\(f(x1 + 4))\" y=\"\(f(top - 6))\" font-size=\"11\" fill=\"#333\">"
                + "\(htmlEscaped(fitted(band.label, width: x2 - x1 - 8)))</text>\n"
        }

        // Grid and axes.
        for y in logarithmicY ? ChartAxis.logTicks(yr) : ChartAxis.ticks(yr, count: 5) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(y)))\" "
                + "stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" fill=\"#555\">"
                + "\(ChartAxis.label(y))</text>\n"
        }
        for x in ChartAxis.ticks(xr, count: 10) {
            svg += "<line x1=\"\(f(px(x)))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(px(x)))\" "
                + "y2=\"\(f(top + plotHeight + 5))\" stroke=\"#888\"/>"
            svg += "<text x=\"\(f(px(x)))\" y=\"\(f(top + plotHeight + 18))\" text-anchor=\"middle\" fill=\"#555\">"
                + "\(ChartAxis.label(x))</text>\n"
        }
        svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotWidth))\" height=\"\(f(plotHeight))\" "
            + "fill=\"none\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\" fill=\"#333\">"
            + "\(htmlEscaped(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" "
            + "fill=\"#333\">\(htmlEscaped(yLabel))</text>\n"

        // Series.
        for s in series where !s.points.isEmpty {
            var d = ""
            var previous: (x: Double, y: Double)?
            for point in s.points {
                if let p = previous, point.x - p.x <= gapThreshold {
                    if s.stepped { d += "H\(f(px(point.x)))" }
                    d += "L\(f(px(point.x))) \(f(py(point.y)))"
                } else {
                    d += "M\(f(px(point.x))) \(f(py(point.y)))"
                }
                previous = point
            }
            svg += "<path d=\"\(d)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\" stroke-linejoin=\"round\""
                + "\(s.dashed ? " stroke-dasharray=\"6 4\"" : "")><title>\(htmlEscaped(s.name))</title></path>\n"
        }

        // Markers on top.
        // Each marker takes the highest row whose last circle is at least a circle's width to the
        // left, so no two numbers overlap however many events fall together (a restart makes a
        // burst of six or more); only when the plot's height is full do rows get reused.
        let rows = max(1, Int((plotHeight - 10) / 19))
        var lastX = [Double](repeating: -Double.infinity, count: rows)
        for marker in markers.sorted(by: { $0.x < $1.x }) where xr.contains(marker.x) {
            let x = px(marker.x)
            let level = lastX.firstIndex { x - $0 >= 19 } ?? (lastX.indices.min { lastX[$0] < lastX[$1] } ?? 0)
            lastX[level] = x
            let cy = top + 10 + Double(level) * 19
            svg += "<g><title>\(htmlEscaped(marker.title))</title>"
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" "
                + "stroke=\"\(marker.color)\" stroke-width=\"1.5\" stroke-dasharray=\"3 3\"/>"
            svg += "<circle cx=\"\(f(x))\" cy=\"\(f(cy))\" r=\"9\" fill=\"\(marker.color)\"/>"
            svg += "<text x=\"\(f(x))\" y=\"\(f(cy + 4))\" text-anchor=\"middle\" font-size=\"11\" "
                + "font-weight=\"700\" fill=\"#fff\">\(htmlEscaped(marker.label))</text></g>\n"
        }
        svg += "</svg>"
        return svg
    }

    /// `text` shortened with an ellipsis to fit `width` points at about 6 points per character.
    func fitted(_ text: String, width: Double) -> String {
        let fits = Int(width / 6.2)
        if text.count <= fits { return text }
        if fits <= 1 { return "" }
        return String(text.prefix(fits - 1)) + "…"
    }
}

/// A self-contained SVG bar chart for histograms: one bar per bin, its count written above it.
///
/// ```swift
/// var histogram = SVGHistogram(title: "Round trip", xLabel: "µs", yLabel: "windows")
/// histogram.bins = [.init(label: "40–60", count: 12), .init(label: "60–80", count: 3)]
/// let svg = histogram.render()
/// ```
package struct SVGHistogram: Sendable {
    /// One bar.
    package struct Bin: Sendable {
        package var label: String
        package var count: Int
        /// Overrides the chart's colour for this bar.
        package var color: String?

        /// A bin.
        package init(label: String, count: Int, color: String? = nil) {
            self.label = label
            self.count = count
            self.color = color
        }
    }

    package var title: String
    package var xLabel: String
    package var yLabel: String
    package var width = 1100.0
    package var height = 280.0
    package var color = "#1f77b4"
    package var bins: [Bin] = []

    /// An empty histogram.
    package init(title: String, xLabel: String, yLabel: String) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    /// Bins `values` into about `binCount` equal-width bins with round edges.
    package static func bins(for values: [Double], binCount: Int = 20, unit: String = "") -> [Bin] {
        guard let low = values.min(), let high = values.max() else { return [] }
        let edges = ChartAxis.ticks(floor(low)...Swift.max(ceil(high), floor(low) + 1), count: binCount)
        let step = edges.count > 1 ? edges[1] - edges[0] : 1
        let start = edges.first.map { $0 > low ? $0 - step : $0 } ?? low
        let count = Swift.max(1, Int(((high - start) / step).rounded(.down)) + 1)
        var counts = [Int](repeating: 0, count: count)
        for value in values { counts[Swift.min(count - 1, Swift.max(0, Int((value - start) / step)))] += 1 }
        return counts.enumerated().map { index, n in
            let from = start + Double(index) * step
            return Bin(label: "\(ChartAxis.label(from))–\(ChartAxis.label(from + step))\(unit)", count: n)
        }
    }

    /// Bins `values` (positive, e.g. latencies) into bins whose edges grow geometrically: 1, 1.5, 2,
    /// 3, 5, 7 × each power of ten. A heavy tail then takes a few bars instead of hundreds of empty ones.
    package static func logBins(for values: [Double], unit: String = "") -> [Bin] {
        let positive = values.filter { $0 > 0 }
        guard let low = positive.min(), let high = positive.max() else { return [] }
        var edges: [Double] = []
        var exponent = floor(log10(low))
        while edges.last.map({ $0 <= high }) ?? true {
            for m in [1.0, 1.5, 2, 3, 5, 7] { edges.append(m * pow(10, exponent)) }
            exponent += 1
        }
        edges.append(pow(10, exponent))
        let firstUsed = Swift.max(0, (edges.lastIndex { $0 <= low } ?? 0))
        let lastUsed = edges.firstIndex { $0 > high } ?? edges.count - 1
        var bins: [Bin] = []
        for index in firstUsed..<lastUsed {
            let from = edges[index], to = edges[index + 1]
            let count = positive.filter { $0 >= from && $0 < to }.count
            bins.append(Bin(label: "\(ChartAxis.label(from))–\(ChartAxis.label(to))\(unit)", count: count))
        }
        return bins
    }

    /// The histogram as an `<svg>` element.
    package func render() -> String {
        let left = 60.0, right = 20.0, top = 40.0, bottom = 70.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let maxCount = Double(Swift.max(1, bins.map(\.count).max() ?? 1))
        let yr = 0...(ChartAxis.ticks(0...maxCount, count: 4).last.map { Swift.max($0, maxCount) } ?? maxCount)
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func py(_ y: Double) -> Double { top + plotHeight - y / yr.upperBound * plotHeight }

        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" "
            + "width=\"\(f(width))\" height=\"\(f(height))\" font-family=\"system-ui, sans-serif\" font-size=\"12\" "
            + "role=\"img\" aria-label=\"\(htmlEscaped(title))\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(f(width))\" height=\"\(f(height))\" fill=\"#fff\"/>\n"
        svg += "<text x=\"\(f(left))\" y=\"20\" font-size=\"15\" font-weight=\"600\">\(htmlEscaped(title))</text>\n"
        for y in ChartAxis.ticks(yr, count: 4) {
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(py(y)))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(py(y)))\" stroke=\"#ddd\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(py(y) + 4))\" text-anchor=\"end\" fill=\"#555\">"
                + "\(ChartAxis.label(y))</text>\n"
        }
        if bins.isEmpty {
            svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" "
                + "fill=\"#888\">no data</text>\n"
        }
        let slot = plotWidth / Double(Swift.max(1, bins.count))
        let labelEvery = Swift.max(1, Int((70.0 / slot).rounded(.up)))
        for (index, bin) in bins.enumerated() {
            let x = left + Double(index) * slot
            let barTop = py(Double(bin.count))
            svg += "<rect x=\"\(f(x + slot * 0.1))\" y=\"\(f(barTop))\" width=\"\(f(slot * 0.8))\" "
                + "height=\"\(f(top + plotHeight - barTop))\" fill=\"\(bin.color ?? color)\">"
                + "<title>\(htmlEscaped(bin.label)): \(bin.count)</title></rect>"
            if bin.count > 0 {
                svg += "<text x=\"\(f(x + slot / 2))\" y=\"\(f(barTop - 4))\" text-anchor=\"middle\" font-size=\"11\" "
                    + "fill=\"#333\">\(bin.count)</text>"
            }
            if index % labelEvery == 0 {
                svg += "<text transform=\"translate(\(f(x + slot / 2)) \(f(top + plotHeight + 12))) rotate(30)\" "
                    + "font-size=\"11\" fill=\"#555\">\(htmlEscaped(bin.label))</text>"
            }
            svg += "\n"
        }
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(left + plotWidth))\" "
            + "y2=\"\(f(top + plotHeight))\" stroke=\"#888\"/>\n"
        svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(height - 6))\" text-anchor=\"middle\" fill=\"#333\">"
            + "\(htmlEscaped(xLabel))</text>\n"
        svg += "<text transform=\"translate(16 \(f(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\" "
            + "fill=\"#333\">\(htmlEscaped(yLabel))</text>\n"
        svg += "</svg>"
        return svg
    }
}
