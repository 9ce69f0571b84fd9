import WasmParser

/// What the rewrite does with one instruction.
enum InstructionRole: Equatable {
    case other
    /// `block`, `if`, `try_table`: opens a region that is not a loop.
    case opensBlock
    /// `loop`: opens a region that gets a budget check at its header.
    case opensLoop
    case end
    /// `call`/`return_call`/`ref.func` with a function index to shift (opcode, index).
    case functionIndex(opcode: UInt8, index: UInt32)
    /// A bulk memory or table operation whose cost grows with its i32 length on top of the stack.
    case bulk
}

/// Classifies instructions for the rewrite (WasmParser decodes them, every prefix included).
struct InstructionClassifier: AnyInstructionVisitor {
    typealias VisitorError = Never
    var binaryOffset = 0
    var role = InstructionRole.other

    mutating func visit(_ instruction: Instruction) {
        switch instruction {
        case .block, .if, .tryTable: role = .opensBlock
        case .loop: role = .opensLoop
        case .end: role = .end
        case .call(let index): role = .functionIndex(opcode: 0x10, index: index)
        case .returnCall(let index): role = .functionIndex(opcode: 0x12, index: index)
        case .refFunc(let index): role = .functionIndex(opcode: 0xD2, index: index)
        case .memoryFill, .memoryCopy, .memoryInit, .tableFill, .tableCopy, .tableInit, .tableGrow: role = .bulk
        default: role = .other
        }
    }
}

/// Rewrites one function body: a budget check at entry and at every loop header, bulk operations
/// charged by length, function indices shifted.
struct FunctionRewriter {
    let bytes: [UInt8]
    let body: Range<Int>
    let code: Code
    let parameters: Int
    let rewriter: SectionRewriter

    private struct Decoded {
        var range: Range<Int>
        var role: InstructionRole
        /// The region (0 = function entry, then loops in order) whose weight this instruction adds to.
        var region: Int
    }

    /// The new body: locals (plus an i32 scratch when there are bulk operations), then the code.
    mutating func run() throws(WasmRewriteError) -> [UInt8] {
        var reader = WasmByteReader(bytes, range: body)
        let groups = Int(try reader.u32())
        var localCount = 0
        let groupsStart = reader.position
        for _ in 0..<groups {
            localCount += Int(try reader.u32())
            let type = try reader.byte()
            if type == 0x63 || type == 0x64 { try reader.skipLEB() }
        }
        let expressionStart = reader.position
        guard code.expression.count == body.upperBound - expressionStart else {
            throw WasmRewriteError(description: "a function body's locals could not be decoded")
        }
        let (decoded, weights) = try decode(expressionStart: expressionStart)
        let needsScratch = decoded.contains { $0.role == .bulk }
        var writer = WasmByteWriter()
        writer.u32(UInt32(groups + (needsScratch ? 1 : 0)))
        writer.append(bytes[groupsStart..<expressionStart])
        if needsScratch { writer.bytes += [0x01, 0x7F] }
        let scratch = UInt32(parameters + localCount)
        emitCharge(weights[0], into: &writer)
        var loopIndex = 0
        for instruction in decoded {
            switch instruction.role {
            case .opensLoop:
                writer.append(bytes[instruction.range])
                loopIndex += 1
                emitCharge(weights[loopIndex], into: &writer)
            case .functionIndex(let opcode, let index):
                writer.bytes.append(opcode)
                writer.u32(rewriter.shifted(index))
            case .bulk:
                emitBulkCharge(scratch: scratch, into: &writer)
                writer.append(bytes[instruction.range])
            default:
                writer.append(bytes[instruction.range])
            }
        }
        return writer.bytes
    }

    /// Decodes the body and sums, per region, the instructions one pass through it can run.
    private func decode(expressionStart: Int) throws(WasmRewriteError) -> ([Decoded], [Int]) {
        var parser = ExpressionParser(code: code)
        var decoded: [Decoded] = []
        var counts = [0]
        // Open blocks: for each, the region instructions inside it belong to.
        var open: [(isLoop: Bool, region: Int)] = []
        do {
            while true {
                let start = parser.offset
                guard let visit = try parser.parse() else { break }
                var classifier = InstructionClassifier()
                visit(visitor: &classifier)
                let region = open.last?.region ?? 0
                counts[region] += 1
                decoded.append(Decoded(range: start..<parser.offset, role: classifier.role, region: region))
                switch classifier.role {
                case .opensBlock: open.append((false, region))
                case .opensLoop:
                    counts.append(0)
                    open.append((true, counts.count - 1))
                case .end: _ = open.popLast()
                default: break
                }
            }
        } catch {
            throw WasmRewriteError(description: "\(error)")
        }
        guard decoded.first?.range.lowerBound ?? body.upperBound == expressionStart,
            decoded.last?.range.upperBound == body.upperBound
        else {
            throw WasmRewriteError(description: "a function body's instructions could not be located")
        }
        return (decoded, counts.map { 1 + $0 / BudgetInstrumentation.instructionsPerUnit })
    }

    /// `counter -= weight; if counter <= 0 { counter = budget_check() }` (stack-neutral).
    private func emitCharge(_ weight: Int, into writer: inout WasmByteWriter) {
        writer.bytes.append(0x23)
        writer.u32(rewriter.counterGlobal)
        writer.bytes.append(0x41)
        writer.s32(Int32(clamping: weight))
        writer.bytes.append(0x6B)  // i32.sub
        emitStoreAndCheck(into: &writer)
    }

    /// `counter -= 1 + (length >> 10)` with the length on top of the stack left in place.
    private func emitBulkCharge(scratch: UInt32, into writer: inout WasmByteWriter) {
        writer.bytes.append(0x22)  // local.tee scratch
        writer.u32(scratch)
        writer.bytes.append(0x23)
        writer.u32(rewriter.counterGlobal)
        writer.bytes.append(0x20)  // local.get scratch
        writer.u32(scratch)
        writer.bytes.append(0x41)
        writer.s32(BudgetInstrumentation.bulkBytesShift)
        writer.bytes += [0x76, 0x6B, 0x41, 0x01, 0x6B]  // shr_u, sub, const 1, sub
        emitStoreAndCheck(into: &writer)
    }

    private func emitStoreAndCheck(into writer: inout WasmByteWriter) {
        let global = rewriter.counterGlobal
        writer.bytes.append(0x24)
        writer.u32(global)
        writer.bytes.append(0x23)
        writer.u32(global)
        writer.bytes += [0x41, 0x00, 0x4C, 0x04, 0x40, 0x10]  // i32.const 0, le_s, if (empty), call
        writer.u32(rewriter.checkFunction)
        writer.bytes.append(0x24)
        writer.u32(global)
        writer.bytes.append(0x0B)
    }
}
