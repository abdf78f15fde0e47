import Foundation
import Segmentation

/// Runs work (a training) with the communicator its launch calls for: MPI's ranks when the process was
/// started by an MPI launcher (`mpirun`, `srun --mpi=...`), one process otherwise.
///
/// In a run of several ranks, an error thrown on any rank is printed with the rank's number and ends the
/// whole job (MPI_Abort): the other ranks would otherwise wait for it forever in their next collective
/// call. MPI is finalised after the work.
public enum DistributedRun {
    /// `launched`: the environment says an MPI launcher started this process; `expectedRanks`: how many
    /// processes the launcher started, when it says so (a mismatch with MPI's count is an error, e.g.
    /// `srun` without an MPI plugin starts independent single-rank jobs).
    public static func withCommunicator<T>(launched: Bool, expectedRanks: Int?,
                                           _ body: (any TrainingCommunicator) throws -> T) throws -> T {
        guard launched else { return try body(SingleProcessCommunicator()) }
        let mpi = try MPICommunicator()
        if let expected = expectedRanks, expected != mpi.size {
            let message = "the launcher started \(expected) processes but MPI joined \(mpi.size); "
                + "with srun, pass --mpi=pmix (or the plugin your MPI library was built for: srun --mpi=list)"
            guard mpi.size > 1 else {
                mpi.finalize()
                throw DistributedTrainingError.launch(message)
            }
            report(DistributedTrainingError.launch(message), rank: mpi.rank)
            mpi.abort()
        }
        guard mpi.size > 1 else {
            defer { mpi.finalize() }
            return try body(mpi)
        }
        do {
            let result = try body(mpi)
            mpi.finalize()
            return result
        } catch {
            report(error, rank: mpi.rank)
            mpi.abort()
        }
    }

    private static func report(_ error: Error, rank: Int) {
        FileHandle.standardError.write(Data("Error (rank \(rank)): \(error)\n".utf8))
    }
}
