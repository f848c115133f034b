#!/usr/bin/env python3
"""launch.slurm: the MLP compiled for the 2x2 mesh, run by Slurm on a one-node cluster that
the test starts on localhost (local_slurm.py) and stops again: `srun --mpi=pmix -n 4` and the
README's batch script (mlp.sbatch, through `sbatch --wait`) must both report the losses of
`mpirun -n 4`. Skipped, with the reason, where the cluster cannot start (not root, no
slurm-wlm, a daemon that does not come up)."""
import os
import re
import sys

import launch_common as lc
from local_slurm import LocalSlurm

STEPS = 20  # mlp.sbatch runs 20 steps


def body(args, env):
    LocalSlurm.require()
    exe = lc.compile_mlp(args, env)
    want = lc.one_node_run(args, env, exe, STEPS)
    # 4 ranks on fewer cores: yield while waiting (mpirun does so itself when it sees
    # oversubscription; under srun the ranks cannot know).
    env = dict(env, OMPI_MCA_mpi_yield_when_idle="1")
    with LocalSlurm(args.workdir, env, cpus=lc.RANKS) as slurm:
        cmd = ["srun", "--mpi=pmix", "-n", str(lc.RANKS), exe] + lc.program_flags(args, STEPS)
        _, out = slurm.run(cmd, 180, what="srun")
        lc.check_equal(lc.losses(out, "srun"), want, "srun --mpi=pmix -n 4")

        _, out = slurm.run(["sbatch", "--wait", "--chdir=" + args.workdir, args.batch_script],
                           300, what="sbatch")
        job = re.search(r"Submitted batch job (\d+)", out)
        if not job:
            raise lc.Failure("sbatch printed no job id:\n" + out)
        with open(os.path.join(args.workdir, "mlp-%s.out" % job.group(1))) as f:
            out = f.read()
        lc.check_equal(lc.losses(out, "the batch job"), want, "sbatch " +
                       os.path.basename(args.batch_script))


if __name__ == "__main__":
    args = lc.parse_args(__doc__.split("\n")[0], lambda p: p.add_argument(
        "--batch-script", required=True, help="mlp.sbatch (runs ./mlp in --workdir)"))
    sys.exit(lc.main(body, args))
