import Foundation

/// Horizontal grouped bars with values (the shared `SVGHistogram` counts integers in one series;
/// benchmark figures are fractional and come in pairs such as p50/p99).
struct BenchBarChart {
    struct Row {
        var label: String
        /// One bar per series, in the order of `series`; nil = not measured.
        var values: [Double?]
    }

    var title: String
    var unit: String
    var series: [(name: String, color: String)]
    var rows: [Row] = []
    var width = 1100.0
    /// Draw a dashed reference line per row at this value (e.g. a limit), when set.
    var logScale = false

    func render() -> String {
        let labelWidth = 330.0
        let barHeight = 13.0
        let rowGap = 8.0
        let top = 44.0
        let rowHeight = Double(series.count) * barHeight + rowGap
        let height = top + Double(rows.count) * rowHeight + 30
        let plotWidth = width - labelWidth - 110
        let maximum = rows.flatMap { $0.values.compactMap { $0 } }.max() ?? 1
        func scale(_ v: Double) -> Double {
            guard maximum > 0 else { return 0 }
            if logScale { return log10(1 + max(0, v)) / log10(1 + maximum) * plotWidth }
            return max(0, v) / maximum * plotWidth
        }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="100%" \
            font-family="sans-serif" font-size="12">
            <text x="8" y="18" font-size="15" font-weight="bold">\(htmlEscaped(title))</text>

            """
        var legendX = labelWidth
        for s in series {
            svg += "<rect x=\"\(Int(legendX))\" y=\"26\" width=\"12\" height=\"10\" fill=\"\(s.color)\"/>"
            svg += "<text x=\"\(Int(legendX + 16))\" y=\"35\">\(htmlEscaped(s.name))</text>\n"
            legendX += 30 + Double(s.name.count) * 7
        }
        if logScale { svg += "<text x=\"\(Int(width - 160))\" y=\"35\" fill=\"#666\">(log scale)</text>\n" }
        for (index, row) in rows.enumerated() {
            let y = top + Double(index) * rowHeight
            svg += "<text x=\"\(Int(labelWidth - 6))\" y=\"\(Int(y + barHeight))\" text-anchor=\"end\">\(htmlEscaped(row.label))</text>\n"
            for (k, value) in row.values.enumerated() where k < series.count {
                let by = y + Double(k) * barHeight
                guard let value else {
                    svg += "<text x=\"\(Int(labelWidth + 4))\" y=\"\(Int(by + 10))\" fill=\"#999\">not measured</text>\n"
                    continue
                }
                let w = scale(value)
                svg += "<rect x=\"\(Int(labelWidth))\" y=\"\(Int(by))\" width=\"\(String(format: "%.1f", w))\" "
                svg += "height=\"\(Int(barHeight - 2))\" fill=\"\(series[k].color)\"/>"
                svg += "<text x=\"\(Int(labelWidth + w + 4))\" y=\"\(Int(by + 10))\">\(ChartAxis.label(value)) \(htmlEscaped(unit))</text>\n"
            }
        }
        svg += "</svg>\n"
        return svg
    }
}

/// Reads the percentile curve from an `.hgrm` file: (percentile, value µs) pairs.
enum HgrmCurve {
    static func parse(_ text: String) -> [(percentile: Double, value: Double)] {
        var points: [(Double, Double)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let value = Double(fields[0]), let percentile = Double(fields[1]) else { continue }
            points.append((percentile, value))
        }
        return points
    }

    /// x = log10(1 / (1 − p)): 1 is p90, 2 is p99, 3 is p99.9.
    static func x(_ percentile: Double) -> Double {
        log10(1 / max(1e-6, 1 - min(percentile, 0.999999)))
    }
}
