import CMPI
import Foundation
import Segmentation

/// The ranks of an MPI job (MPI_COMM_WORLD) as a `TrainingCommunicator`: sums are MPI_Allreduce,
/// broadcasts MPI_Bcast. MPI is started by `init` (MPI_Init_thread, serialized: all calls come from the
/// thread that runs the trainer) and ended by `finalize()`; `abort` ends every rank of the job.
public final class MPICommunicator: TrainingCommunicator {
    public let rank: Int
    public let size: Int
    private let world: MPI_Comm
    private var finalized = false

    /// Largest element count handed to one MPI call (MPI counts are 32-bit).
    static let chunk = 1 << 28

    /// Starts MPI in this process (if it is not yet) and joins the job's ranks.
    public init() throws {
        var started: Int32 = 0
        try Self.check(MPI_Initialized(&started), "MPI_Initialized")
        if started == 0 {
            var provided: Int32 = 0
            try Self.check(MPI_Init_thread(nil, nil, cmpi_thread_serialized(), &provided), "MPI_Init_thread")
        }
        world = cmpi_comm_world()
        var r: Int32 = 0, s: Int32 = 0
        try Self.check(MPI_Comm_rank(world, &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(world, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    static func check(_ code: Int32, _ call: String) throws {
        guard code == cmpi_success() else { throw DistributedTrainingError.mpi(call: call, code: code) }
    }

    public func sum(_ values: inout [Float]) throws { try allreduce(&values, type: cmpi_float()) }
    public func sum(_ values: inout [Double]) throws { try allreduce(&values, type: cmpi_double()) }
    public func broadcast(_ values: inout [Float], from root: Int) throws { try bcast(&values, type: cmpi_float(), root: root) }
    public func broadcast(_ values: inout [Double], from root: Int) throws { try bcast(&values, type: cmpi_double(), root: root) }

    private func allreduce<T>(_ values: inout [T], type: MPI_Datatype) throws {
        try values.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let n = Swift.min(Self.chunk, buffer.count - start)
                try Self.check(MPI_Allreduce(UnsafeRawPointer(cmpi_in_place()), buffer.baseAddress! + start, Int32(n), type,
                                             cmpi_sum(), world), "MPI_Allreduce")
                start += n
            }
        }
    }

    private func bcast<T>(_ values: inout [T], type: MPI_Datatype, root: Int) throws {
        try values.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            while start < buffer.count {
                let n = Swift.min(Self.chunk, buffer.count - start)
                try Self.check(MPI_Bcast(buffer.baseAddress! + start, Int32(n), type, Int32(root), world), "MPI_Bcast")
                start += n
            }
        }
    }

    /// Waits until every rank has called it.
    public func barrier() throws { try Self.check(MPI_Barrier(world), "MPI_Barrier") }

    /// Ends MPI in this process (all ranks call it once, after their last collective call).
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    /// Ends the whole job: every rank, including those waiting in a collective call for this one.
    public func abort(code: Int32 = 1) -> Never {
        MPI_Abort(world, code)
        exit(code)
    }
}

public enum DistributedTrainingError: Error, CustomStringConvertible, Equatable {
    case mpi(call: String, code: Int32)
    case launch(String)

    public var description: String {
        switch self {
        case .mpi(let call, let code): return "MPI: \(call) failed with error \(code)"
        case .launch(let s): return "distributed launch: \(s)"
        }
    }
}
