import CommandSupport
import XCTest

/// How `deepstroke train` tells an MPI launch from a plain start (docs/distributed-training.md); the
/// launch itself is tested with mpirun in reference-tests/test_distributed_training.py.
final class ProcessLaunchTests: XCTestCase {
    func testLaunchersAreRecognisedByTheirVariables() {
        XCTAssertFalse(ProcessLaunch(environment: [:]).launchedByMPI)
        XCTAssertFalse(CommandEnvironment(["PATH": "/usr/bin"]).launch.launchedByMPI)
        XCTAssertEqual(ProcessLaunch(environment: ["OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_RANK": "1"]),
                       ProcessLaunch(launcherVariable: "OMPI_COMM_WORLD_SIZE", ranks: 4))
        XCTAssertEqual(ProcessLaunch(environment: ["PMI_SIZE": "3", "PMI_RANK": "0"]).ranks, 3)
        let pmix = ProcessLaunch(environment: ["PMIX_RANK": "0", "SLURM_PROCID": "0", "SLURM_STEP_NUM_TASKS": "8"])
        XCTAssertTrue(pmix.launchedByMPI)
        XCTAssertEqual(pmix.ranks, 8)
        XCTAssertNil(ProcessLaunch(environment: ["PMIX_RANK": "2"]).ranks, "prterun: MPI's own count is used")
    }

    func testSrunWithoutAnMPIPluginIsALaunchSoTheMismatchIsReported() {
        // Several tasks and no PMI variable: started, MPI will count 1, and train stops with an error.
        XCTAssertEqual(ProcessLaunch(environment: ["SLURM_PROCID": "1", "SLURM_STEP_NUM_TASKS": "2"]),
                       ProcessLaunch(launcherVariable: "SLURM_STEP_NUM_TASKS", ranks: 2))
        // One task (a plain `srun deepstroke train`, or a batch script's own shell): one process.
        XCTAssertFalse(ProcessLaunch(environment: ["SLURM_PROCID": "0", "SLURM_STEP_NUM_TASKS": "1"]).launchedByMPI)
        XCTAssertFalse(ProcessLaunch(environment: ["SLURM_JOB_ID": "7", "SLURM_NTASKS": "4"]).launchedByMPI)
    }
}
