"""A one-node Slurm cluster on localhost for the launcher tests, from Debian 12's slurm-wlm:
munged, slurmctld and slurmd in the foreground as children of the test (each dies with it,
even when the test is killed), everything in a private directory (config, munge key and
socket, state, spool, logs), on two free TCP ports instead of 6817/6818, so a real Slurm on
the machine is neither used nor disturbed.

    with LocalSlurm(workdir, env, cpus=4) as slurm:
        slurm.run(["srun", "--mpi=pmix", "-n", "4", exe], timeout=120)
"""
import os
import shutil
import socket
import stat
import subprocess
import time

import launch_common as lc

DAEMONS = ("munged", "slurmctld", "slurmd", "srun", "sbatch", "sinfo", "scontrol")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalSlurm(lc.Setup):
    def __init__(self, workdir, env, cpus):
        self.dir = os.path.join(workdir, "slurm")
        self.env = dict(env)
        self.cpus = cpus
        self.procs = []

    @staticmethod
    def require():
        """Skips where the cluster cannot be started at all (before any other work)."""
        if os.geteuid() != 0:
            raise lc.Skip("a local Slurm cluster needs root (slurmd runs jobs as any user)")
        lc.need_programs(*DAEMONS)

    def _start(self):
        d = self.dir
        shutil.rmtree(d, ignore_errors=True)  # no jobs or state of an earlier run
        for sub in ("", "munge", "state", "spool"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
            # munged insists that every directory above its socket is searchable by all.
            os.chmod(os.path.join(d, sub), 0o755)
        os.makedirs(os.path.join(d, "key"), mode=0o700, exist_ok=True)
        key = os.path.join(d, "key", "munge.key")
        fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
        os.write(fd, os.urandom(1024))
        os.close(fd)
        self.socket = os.path.join(d, "munge", "munge.socket")
        self._daemon("munged", ["munged", "--foreground", "--key-file=" + key,
                                "--socket=" + self.socket, "--pid-file=" + d + "/munge/munged.pid",
                                "--log-file=" + d + "/munge/munged.log",
                                "--seed-file=" + d + "/munge/munged.seed"])
        self._wait("munged", lambda: os.path.exists(self.socket), os.path.join(d, "munge",
                                                                                "munged.log"))
        self.conf = os.path.join(d, "slurm.conf")
        with open(self.conf, "w") as f:
            f.write(self._config())
        # slurmd 22.05 initialises a cgroup plugin even when no plugin uses cgroups, and its
        # autodetection fails where /sys/fs/cgroup is not mounted (a container, fresh-debian);
        # naming the v1 plugin skips the detection, and nothing here asks it for a controller.
        with open(os.path.join(d, "cgroup.conf"), "w") as f:
            f.write("CgroupPlugin=cgroup/v1\n")
        self.env["SLURM_CONF"] = self.conf
        self._daemon("slurmctld", ["slurmctld", "-D", "-f", self.conf])
        self._daemon("slurmd", ["slurmd", "-D", "-f", self.conf, "-N", "localnode"])
        self._wait("the node", self._node_idle, os.path.join(d, "slurmd.log"),
                   os.path.join(d, "slurmctld.log"))

    def _config(self):
        d = self.dir
        host = socket.gethostname().split(".")[0]
        # SlurmdParameters=config_overrides: the node offers `cpus` slots even where the
        # machine has fewer cores (2 in CI), as --oversubscribe does for mpirun. No cgroups
        # (proctrack/pgid, task/none): nothing to set up, and it works in a container.
        return "\n".join([
            "ClusterName=meshctest",
            "SlurmctldHost=%s(127.0.0.1)" % host,
            "SlurmctldPort=%d" % free_port(),
            "SlurmdPort=%d" % free_port(),
            "SlurmUser=root",
            "SlurmdUser=root",
            "AuthType=auth/munge",
            "CredType=cred/munge",
            "AuthInfo=socket=" + self.socket,
            "StateSaveLocation=%s/state" % d,
            "SlurmdSpoolDir=%s/spool" % d,
            "SlurmctldPidFile=%s/slurmctld.pid" % d,
            "SlurmdPidFile=%s/slurmd.pid" % d,
            "SlurmctldLogFile=%s/slurmctld.log" % d,
            "SlurmdLogFile=%s/slurmd.log" % d,
            "ProctrackType=proctrack/pgid",
            "TaskPlugin=task/none",
            "JobAcctGatherType=jobacct_gather/none",
            "AccountingStorageType=accounting_storage/none",
            "SelectType=select/cons_tres",
            "SelectTypeParameters=CR_Core",
            "MpiDefault=none",
            "ReturnToService=2",
            "SlurmdParameters=config_overrides",
            "NodeName=localnode NodeAddr=127.0.0.1 CPUs=%d State=UNKNOWN" % self.cpus,
            "PartitionName=local Nodes=localnode Default=YES MaxTime=INFINITE State=UP",
            ""])

    def _daemon(self, name, cmd):
        log = open(os.path.join(self.dir, name + ".out"), "w")
        self.procs.append((name, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                                  env=self.env, preexec_fn=lc.die_with_parent)))

    def _node_idle(self):
        rc, out = lc.run(["sinfo", "-h", "-N", "-o", "%T"], self.env, 30, check=False)
        return rc == 0 and out.strip() == "idle"

    def _wait(self, what, ready, *logs, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            dead = [(n, p.returncode) for n, p in self.procs if p.poll() is not None]
            if dead:
                break
            time.sleep(0.5)
        dead = ", ".join("%s exited with %s" % d for d in dead) if dead else "no daemon exited"
        raise lc.Skip("the local Slurm cluster did not start (%s not ready after %ds; %s):\n%s" %
                      (what, timeout, dead, self.log_tails(*logs)))

    def log_tails(self, *logs, lines=15):
        logs = logs or [os.path.join(self.dir, n) for n in ("slurmctld.log", "slurmd.log")]
        logs = list(logs) + [os.path.join(self.dir, n + ".out") for n, _ in self.procs]
        text = []
        for log in logs:
            try:
                with open(log, errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
            except OSError:
                continue
            if tail:
                text.append("--- %s\n%s" % (log, "\n".join(tail)))
        return "\n".join(text)

    def run(self, cmd, timeout, what=None):
        """lc.run with SLURM_CONF set; on failure the daemons' logs are shown too."""
        try:
            return lc.run(cmd, self.env, timeout, what=what)
        except lc.Failure as e:
            raise lc.Failure("%s\n%s" % (e, self.log_tails()))

    def stop(self):
        """Cancels every job, then stops the daemons (SIGTERM, SIGKILL after 10 s)."""
        if any(n == "slurmctld" and p.poll() is None for n, p in self.procs):
            lc.run(["scancel", "--partition=local"], self.env, 30, check=False)
        for name, proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
