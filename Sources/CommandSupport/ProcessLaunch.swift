/// What the environment says about how this process was started: alone, or as one rank of an MPI job
/// (`mpirun`, `srun --mpi=...`). Read once at the entry (`CommandEnvironment`); `deepstroke train`
/// starts MPI when `launchedByMPI` is true.
public struct ProcessLaunch: Sendable, Equatable {
    /// The variable that revealed the launcher (nil: started alone).
    public var launcherVariable: String?
    /// Processes the launcher started, when it says (Open MPI's mpirun, PMI, Slurm's srun).
    public var ranks: Int?

    public init(launcherVariable: String? = nil, ranks: Int? = nil) {
        self.launcherVariable = launcherVariable
        self.ranks = ranks
    }

    public var launchedByMPI: Bool { launcherVariable != nil }

    /// Open MPI's mpirun sets OMPI_COMM_WORLD_SIZE; MPICH's Hydra and Slurm's PMI plugins PMI_SIZE;
    /// PMIx launchers (srun --mpi=pmix, prterun) PMIX_RANK. Under srun, SLURM_STEP_NUM_TASKS is the
    /// step's process count. A bare `srun` (no MPI plugin, no such variable but several tasks) counts as
    /// a launch too, so that the mismatch is reported rather than N independent runs writing one folder.
    public init(environment: [String: String]) {
        let count = { (name: String) in environment[name].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil } }
        let slurmTasks = environment["SLURM_PROCID"] != nil ? count("SLURM_STEP_NUM_TASKS") : nil
        if environment["OMPI_COMM_WORLD_SIZE"] != nil {
            self.init(launcherVariable: "OMPI_COMM_WORLD_SIZE", ranks: count("OMPI_COMM_WORLD_SIZE"))
        } else if environment["PMI_SIZE"] != nil {
            self.init(launcherVariable: "PMI_SIZE", ranks: count("PMI_SIZE"))
        } else if environment["PMIX_RANK"] != nil {
            self.init(launcherVariable: "PMIX_RANK", ranks: slurmTasks)
        } else if let n = slurmTasks, n > 1 {
            self.init(launcherVariable: "SLURM_STEP_NUM_TASKS", ranks: n)
        } else {
            self.init()
        }
    }
}
