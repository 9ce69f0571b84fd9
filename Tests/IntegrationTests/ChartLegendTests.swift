@testable import SoCCommands
import Testing

/// The line chart's legend stays on the canvas however many series it has (issue 16: the bench's
/// percentile chart drew its first series off-screen).
@Suite("SVG chart legend")
struct ChartLegendTests {
    static func chart(series count: Int, name: (Int) -> String) -> SVGLineChart {
        var chart = SVGLineChart(title: "Round-trip latency by percentile", xLabel: "percentile", yLabel: "µs")
        chart.series = (0..<count).map { index in
            SVGLineChart.Series(name: name(index), color: "#333", points: [(0, 1), (1, 2)])
        }
        return chart
    }

    @Test("Many long series names wrap into rows inside the canvas, in order, below the title", arguments: [3, 8, 14])
    func legendStaysOnCanvas(count: Int) {
        let chart = Self.chart(series: count) { "bridge ipc framed v1 run \($0)" }
        let layout = chart.legendLayout(left: 70, right: 20)
        #expect(layout.entries.count == count)
        for (index, entry) in layout.entries.enumerated() {
            let width = Double("bridge ipc framed v1 run \(index)".count) * 7 + 34
            #expect(entry.x >= 0 && entry.x + width <= chart.width, "entry \(index) at \(entry.x)")
        }
        if count >= 8 {
            #expect(layout.extraRows >= 1, "too many to sit beside the title")
            #expect(layout.entries.first.map { $0.y > 20 } == true)
        }
        let xs = layout.entries.filter { $0.y == layout.entries.first?.y }.map(\.x)
        #expect(xs == xs.sorted(), "series order is kept")
        #expect(chart.render().contains("bridge ipc framed v1 run 0"))
    }

    @Test("A few short names stay right-aligned on the title line")
    func fewStayOnTitleLine() {
        let chart = Self.chart(series: 2) { "s\($0)" }
        let layout = chart.legendLayout(left: 70, right: 20)
        #expect(layout.extraRows == 0)
        #expect(layout.entries.allSatisfy { $0.y == 20 })
        #expect(layout.entries.last.map { $0.x + 2 * 7 + 34 <= chart.width - 20 + 0.001 } == true)
    }
}
