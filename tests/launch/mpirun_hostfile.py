#!/usr/bin/env python3
"""launch.mpirun_hostfile: the MLP compiled for the 2x2 mesh, started the way the README's
multi-node recipe starts it (a hostfile that gives this machine 4 slots, --npernode, the
thread count exported with -x, no --oversubscribe: the slots allow 4 ranks), reports the same
losses as plain `mpirun -n 4`."""
import os
import sys

import launch_common as lc


def body(args, env):
    exe = lc.compile_mlp(args, env)
    want = lc.one_node_run(args, env, exe)
    hostfile = os.path.join(args.workdir, "hosts")
    with open(hostfile, "w") as f:
        f.write("localhost slots=%d\n" % lc.RANKS)
    cmd = [args.mpirun, "--hostfile", hostfile, "--npernode", str(lc.RANKS), "--bind-to", "none",
           "-x", "OMP_NUM_THREADS=1", exe] + lc.program_flags(args)
    _, out = lc.run(cmd, env, 120, what="mpirun --hostfile")
    lc.check_equal(lc.losses(out, "mpirun --hostfile"), want, "mpirun --hostfile")


if __name__ == "__main__":
    args = lc.parse_args(__doc__.split("\n")[0])
    sys.exit(lc.main(body, args))
