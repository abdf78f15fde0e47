import CDNNL
import Foundation
import ImageCore
#if canImport(Glibc)
import Glibc
#endif

/// The oneDNN CPU engine and stream shared by every primitive.
///
/// oneDNN (Debian's build) runs its kernels on OpenMP threads; the thread count follows
/// `Parallelism.current.threadCount` so `--threads` / `DEEPSTROKE_THREADS` limit the convolutions too.
enum DNNL {
    static let engine: dnnl_engine_t = {
        var e: dnnl_engine_t?
        let st = dnnl_engine_create(&e, dnnl_cpu, 0)
        precondition(st == dnnl_success && e != nil, "oneDNN CPU engine could not be created (status \(st.rawValue))")
        return e!
    }()

    static let stream: dnnl_stream_t = {
        var s: dnnl_stream_t?
        let st = dnnl_stream_create(&s, engine, dnnl_stream_default_flags.rawValue)
        precondition(st == dnnl_success && s != nil, "oneDNN stream could not be created (status \(st.rawValue))")
        return s!
    }()

    typealias SetThreads = @convention(c) (Int32) -> Void
    /// `omp_set_num_threads` of the OpenMP runtime oneDNN was built against, looked up at run time so
    /// the package needs no OpenMP headers. The setting is per calling thread, hence applied per call.
    static let ompSetNumThreads: SetThreads? = {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, "omp_set_num_threads") else { return nil }
        return unsafeBitCast(sym, to: SetThreads.self)
    }()

    static func check(_ status: dnnl_status_t, _ what: @autoclosure () -> String) throws {
        if status != dnnl_success { throw NeuralEngineError.backend(what: what(), status: Int(status.rawValue)) }
    }

    /// A memory descriptor for float32 data with a given layout tag.
    static func desc(_ dims: [Int], _ tag: dnnl_format_tag_t) throws -> dnnl_memory_desc_t {
        var md = dnnl_memory_desc_t()
        let d = dims.map { Int64($0) }
        try check(dnnl_memory_desc_init_by_tag(&md, Int32(d.count), d, dnnl_f32, tag), "memory descriptor \(dims)")
        return md
    }

    static func byteSize(_ md: dnnl_memory_desc_t) -> Int {
        var m = md
        return Int(dnnl_memory_desc_get_size(&m))
    }

    static func equal(_ a: dnnl_memory_desc_t, _ b: dnnl_memory_desc_t) -> Bool {
        var x = a, y = b
        return dnnl_memory_desc_equal(&x, &y) != 0
    }

    /// Runs `prim` on user buffers. Each argument is (oneDNN argument id, descriptor, pointer).
    /// `work` (floating-point operations or elements moved) below `serialWork` runs on one thread:
    /// OpenMP's static split makes every call wait for its slowest thread, which for small calls
    /// (weight reorders, coarse levels of the U-Net) costs more than it saves, above all on a busy
    /// machine. The choice depends only on shapes, so results stay reproducible.
    static let serialWork = 20_000_000

    static func execute(_ prim: Primitive, _ args: [(Int32, dnnl_memory_desc_t, UnsafeMutableRawPointer)],
                        work: Int = Int.max) throws {
        var mems: [dnnl_memory_t?] = []
        mems.reserveCapacity(args.count + 1)
        defer { for m in mems { dnnl_memory_destroy(m) } }
        var execArgs: [dnnl_exec_arg_t] = []
        for (arg, md, ptr) in args {
            var m: dnnl_memory_t?
            var d = md
            try check(dnnl_memory_create(&m, &d, engine, ptr), "memory object")
            mems.append(m)
            execArgs.append(dnnl_exec_arg_t(arg: arg, memory: m))
        }
        // Never more threads than the primitive was created for: oneDNN sizes a primitive's work split
        // and scratchpad from the OpenMP thread count at creation.
        ompSetNumThreads?(Int32(work < serialWork ? 1 : prim.threads))
        try check(dnnl_primitive_execute(prim.primitive, stream, Int32(execArgs.count), execArgs), "execute \(prim.name)")
        try check(dnnl_stream_wait(stream), "stream wait")
    }

    /// Primitive attributes with one post-op, ReLU on the output; the caller destroys them.
    static func reluPostOp() throws -> dnnl_primitive_attr_t {
        var ops: dnnl_post_ops_t?
        try check(dnnl_post_ops_create(&ops), "post-ops")
        defer { dnnl_post_ops_destroy(ops) }
        try check(dnnl_post_ops_append_eltwise(ops, 1, dnnl_eltwise_relu, 0, 0), "ReLU post-op")
        var attr: dnnl_primitive_attr_t?
        try check(dnnl_primitive_attr_create(&attr), "primitive attributes")
        let st = dnnl_primitive_attr_set_post_ops(attr, ops)
        if st != dnnl_success { dnnl_primitive_attr_destroy(attr); try check(st, "attach post-ops") }
        return attr!
    }

    /// The implementation oneDNN picked, for benchmarks and debugging.
    static func implementationName(_ pd: const_dnnl_primitive_desc_t?) -> String {
        var s: UnsafePointer<CChar>?
        guard dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) == dnnl_success, let s else { return "?" }
        return String(cString: s)
    }
}

/// A created oneDNN primitive with its descriptor; both are released together.
final class Primitive {
    let pd: dnnl_primitive_desc_t
    let primitive: dnnl_primitive_t
    let name: String
    /// OpenMP threads in force when the primitive was created (the most it may run with).
    let threads = Swift.max(1, Parallelism.current.threadCount)

    /// Builds a primitive from an operation descriptor (`opDesc` points at a oneDNN *_desc_t).
    init(_ name: String, opDesc: UnsafeRawPointer, attr: dnnl_primitive_attr_t? = nil,
         hint: Primitive? = nil) throws {
        DNNL.ompSetNumThreads?(Int32(threads))
        var pd: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_primitive_desc_create(&pd, opDesc, attr, DNNL.engine, hint?.pd),
                       "\(name): no implementation for this shape")
        var prim: dnnl_primitive_t?
        let st = dnnl_primitive_create(&prim, pd)
        if st != dnnl_success { dnnl_primitive_desc_destroy(pd); try DNNL.check(st, "\(name): primitive creation") }
        self.pd = pd!
        self.primitive = prim!
        self.name = name
    }

    /// A reorder between two layouts of the same float32 tensor.
    init(reorderFrom src: dnnl_memory_desc_t, to dst: dnnl_memory_desc_t) throws {
        DNNL.ompSetNumThreads?(Int32(threads))
        var s = src, d = dst
        var pd: dnnl_primitive_desc_t?
        try DNNL.check(dnnl_reorder_primitive_desc_create(&pd, &s, DNNL.engine, &d, DNNL.engine, nil), "reorder")
        var prim: dnnl_primitive_t?
        let st = dnnl_primitive_create(&prim, pd)
        if st != dnnl_success { dnnl_primitive_desc_destroy(pd); try DNNL.check(st, "reorder primitive") }
        self.pd = pd!
        self.primitive = prim!
        self.name = "reorder"
    }

    deinit {
        dnnl_primitive_destroy(primitive)
        dnnl_primitive_desc_destroy(pd)
    }

    func md(_ what: dnnl_query_t) -> dnnl_memory_desc_t {
        dnnl_primitive_desc_query_md(pd, what, 0).pointee
    }

    var implementation: String { DNNL.implementationName(pd) }

    /// Bytes of the scratchpad buffer the primitive asks for (0 when none).
    var scratchpadSize: Int { DNNL.byteSize(md(dnnl_query_scratchpad_md)) }
}
