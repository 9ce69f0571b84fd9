import Foundation
import SoCTesting
import SoCWire
import Testing

/// Runs `protocol/vectors/v1.vectors`, the golden vectors another-language peer is tested with.
/// Pinned bytes: a failure here is a wire change and must be explained, not re-blessed.
@Suite("Golden vectors (protocol/vectors/v1.vectors)")
struct WireVectorFileTests {
    static let vectorsURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("protocol/vectors/v1.vectors")

    static func checkedIn() throws -> WireVectors.File {
        let text = try String(contentsOf: vectorsURL, encoding: .utf8)
        return try WireVectors.parse(text)
    }

    @Test("the checked-in file is exactly what the generator produces (RECORD_VECTORS=1 rewrites it and fails)")
    func fileMatchesGenerator() throws {
        let expected = WireVectors.render(WireVectors.generated())
        if ProcessInfo.processInfo.environment["RECORD_VECTORS"] != nil {
            try expected.write(to: Self.vectorsURL, atomically: true, encoding: .utf8)
            Issue.record("re-recorded \(Self.vectorsURL.path); unset RECORD_VECTORS and explain the diff")
            return
        }
        let actual = try String(contentsOf: Self.vectorsURL, encoding: .utf8)
        #expect(actual == expected, "protocol/vectors/v1.vectors differs from WireVectors.generated()")
    }

    @Test("every valid vector decodes to its listed fields, re-encodes to its bytes, and passes the verifier")
    func validVectors() throws {
        let file = try Self.checkedIn()
        #expect(file.valid.count >= 40)
        for vector in file.valid {
            let result = FrameVerifier.decode(vector.bytes)
            guard case .success(let frame) = result else {
                Issue.record("\(vector.name): \(result)")
                continue
            }
            #expect(WireVectors.fields(of: frame) == vector.fields, "\(vector.name)")
            do { try FrameVerifier.verify(vector.bytes, decodesTo: frame) } catch {
                Issue.record("\(vector.name): \(error)")
            }
        }
    }

    @Test("every invalid vector is refused with its listed kind at its listed offset")
    func invalidVectors() throws {
        let file = try Self.checkedIn()
        for vector in file.invalid {
            do { try FrameVerifier.verify(vector.bytes, failsWith: vector.kind, at: vector.offset) } catch {
                Issue.record("\(vector.name): \(error)")
            }
        }
    }

    @Test("the vectors cover every message type, every flag, and every DecodeError kind")
    func coverage() throws {
        let file = try Self.checkedIn()
        let types = Set(file.valid.compactMap { $0.fields.first { $0.name == "type" }?.value })
        #expect(types == Set(MessageType.allCases.map { "\($0.rawValue)" }))
        let flags = Set(file.valid.compactMap { $0.fields.first { $0.name == "flags" }?.value })
        #expect(flags == ["0", "1", "2", "3"])
        #expect(Set(file.invalid.map(\.kind)) == Set(DecodeError.Kind.allCases))
        #expect(Set(file.valid.map(\.name)).count == file.valid.count, "vector names are unique")
        #expect(Set(file.invalid.map(\.name)).count == file.invalid.count, "vector names are unique")
    }

    @Test("the reference decoder written from SPEC.md agrees with every vector")
    func referenceDecoderAgrees() throws {
        let file = try Self.checkedIn()
        for vector in file.valid {
            #expect(ReferenceDecoder.decode(vector.bytes) == .frame(vector.fields), "\(vector.name)")
        }
        for vector in file.invalid {
            #expect(ReferenceDecoder.decode(vector.bytes) == .error(vector.kind.rawValue, vector.offset), "\(vector.name)")
        }
    }

    @Test("the parser refuses malformed lines with their line number")
    func parserRefusesMalformedLines() {
        #expect(throws: WireVectors.ParseError.self) { try WireVectors.parse("valid only_name\n") }
        #expect(throws: WireVectors.ParseError.self) { try WireVectors.parse("field=1\n") }
        #expect(throws: WireVectors.ParseError.self) { try WireVectors.parse("invalid x 00 notAKind 0\n") }
        #expect(throws: WireVectors.ParseError.self) { try WireVectors.parse("valid x 0g\n") }
        do {
            _ = try WireVectors.parse("# ok\n\ninvalid x - truncated 0\nbogus\n")
            Issue.record("parsed a bogus line")
        } catch {
            #expect(error.line == 4)
        }
    }
}
