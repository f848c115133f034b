#!/usr/bin/env python3
"""launch.two_nodes: the MLP compiled for the 2x2 mesh, run as one 4-rank job across two
"nodes" on this machine, and its losses equal to the one-node run's. Each node is a network
namespace with its own hostname (UTS namespace), one interface (eth0, a veth pair between the
two) and loopback; mpirun starts in node A with a hostfile of both nodes, 2 ranks per node,
and reaches node B through an rsh agent (netns-rsh) that enters B's namespaces where ssh would
log in; ranks on different nodes talk over Open MPI's TCP transport, the only way between
them. The closest check this machine allows that executables run across nodes. Skipped, with
the reason, where network namespaces or a veth pair cannot be made (not root, a container
without CAP_SYS_ADMIN/CAP_NET_ADMIN, no iproute2)."""
import os
import re
import subprocess
import sys
import time

import launch_common as lc

NODES = (("meshc-node-a", "10.231.0.1"), ("meshc-node-b", "10.231.0.2"))
SUBNET = "10.231.0.0/24"


def ns_inode(pid, kind="net"):
    return os.readlink("/proc/%d/ns/%s" % (pid, kind))


class TwoNodes(lc.Setup):
    """Two namespace "nodes", each held by a `sleep infinity` child (killed with the test);
    the namespaces, and the veth pair inside them, go away with the last process in them."""

    def __init__(self, workdir, env):
        self.workdir, self.env, self.holders = workdir, dict(env), []

    @staticmethod
    def require():
        """Skips where namespaces cannot be made at all (before any other work)."""
        if os.geteuid() != 0:
            raise lc.Skip("network namespaces need root (CAP_SYS_ADMIN and CAP_NET_ADMIN)")
        lc.need_programs("ip", "unshare", "nsenter")

    def __exit__(self, exc_type, *_):
        stray = self.stop()
        if stray and exc_type is None:  # a failure already on its way says more
            raise lc.Failure("processes left in the nodes' namespaces (killed): %s" % stray)

    def _start(self):
        own = ns_inode(os.getpid())
        for name, _ in NODES:
            holder = subprocess.Popen(["unshare", "--net", "--uts", "sleep", "infinity"],
                                      env=self.env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True,
                                      preexec_fn=lc.die_with_parent)
            self.holders.append(holder)
            deadline = time.monotonic() + 30
            while holder.poll() is None and time.monotonic() < deadline:
                try:
                    if ns_inode(holder.pid) != own:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            if holder.poll() is not None:
                raise lc.Skip("cannot make a network namespace: unshare --net --uts exited "
                              "with %d: %s" % (holder.returncode, holder.stdout.read().strip()))
        (a, ip_a), (b, ip_b) = NODES
        pid_a, pid_b = (h.pid for h in self.holders)
        # Both ends are made directly inside the nodes: nothing appears on this machine.
        rc, out = lc.run(["ip", "link", "add", "eth0", "netns", str(pid_a), "type", "veth",
                          "peer", "name", "eth0", "netns", str(pid_b)], self.env, 30,
                         check=False)
        if rc != 0:
            raise lc.Skip("cannot make a veth pair between the namespaces: " + out.strip())
        for (name, ip), pid in zip(NODES, (pid_a, pid_b)):
            self.ns(pid, ["hostname", name])
            self.ns(pid, ["ip", "addr", "add", ip + "/24", "dev", "eth0"])
            self.ns(pid, ["ip", "link", "set", "lo", "up"])
            self.ns(pid, ["ip", "link", "set", "eth0", "up"])
        self.hosts = os.path.join(self.workdir, "netns-hosts")
        with open(self.hosts, "w") as f:
            f.write("%s %d\n%s %d\n" % (a, pid_a, b, pid_b))
        self.env["MESHC_NETNS_HOSTS"] = self.hosts
        self.hostfile = os.path.join(self.workdir, "hostfile")
        with open(self.hostfile, "w") as f:
            f.write("%s slots=2\n%s slots=2\n" % (a, b))

    def ns(self, pid, cmd, timeout=30, what=None):
        return lc.run(["nsenter", "--target", str(pid), "--net", "--uts", "--"] + cmd, self.env,
                      timeout, what=what or cmd[0])

    def mpirun(self, args, cmd, what):
        """mpirun in node A, 2 ranks on each node, node B reached through netns-rsh."""
        return self.ns(self.holders[0].pid, [
            args.mpirun, "--hostfile", self.hostfile, "--npernode", "2", "-n", str(lc.RANKS),
            "--bind-to", "none", "--mca", "plm_rsh_agent", args.rsh_agent,
            "--mca", "pml", "ob1", "--mca", "btl", "self,vader,tcp",
            "--mca", "btl_tcp_if_include", SUBNET, "--mca", "oob_tcp_if_include", SUBNET,
            "-x", "OMP_NUM_THREADS=1"] + cmd, 180, what)[1]

    def received_bytes(self, node):
        """Bytes node's eth0 received, from /proc/PID/net/dev (a per-namespace file)."""
        with open("/proc/%d/net/dev" % self.holders[node].pid) as f:
            for line in f:
                name, _, counters = line.partition(":")
                if name.strip() == "eth0":
                    return int(counters.split()[0])
        raise lc.Failure("node %s has no eth0" % NODES[node][0])

    def stop(self):
        """Kills the holders; then no process may be left in the nodes' namespaces: any
        that is (an orted, a rank) is killed, and returned."""
        inodes = set()
        for h in self.holders:
            try:
                inodes.add(ns_inode(h.pid))
            except OSError:
                pass
            h.kill()
            h.wait()
        stray = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if ns_inode(int(pid)) in inodes:
                    stray.append(int(pid))
                    os.kill(int(pid), 9)
            except OSError:
                pass
        return stray


def body(args, env):
    TwoNodes.require()
    exe = lc.compile_mlp(args, env)
    want = lc.one_node_run(args, env, exe)
    with TwoNodes(args.workdir, env) as nodes:
        # --tag-output prefixes each line with [JOB,RANK]: ranks 0-1 on A, 2-3 on B.
        out = nodes.mpirun(args, ["--tag-output", "uname", "-n"], "mpirun uname -n")
        hosts = dict(re.findall(r"^\[\d+,(\d+)\]<stdout>:(\S+)$", out, re.M))
        expected = {str(r): NODES[r // 2][0] for r in range(lc.RANKS)}
        if hosts != expected:
            raise lc.Failure("ranks ran on %s, expected %s:\n%s" % (hosts, expected, out))
        print("ranks on hosts: %s" % ", ".join("%s: %s" % kv for kv in sorted(hosts.items())))

        before = nodes.received_bytes(1)
        out = nodes.mpirun(args, [exe] + lc.program_flags(args) + ["--stats"], "mpirun")
        received = nodes.received_bytes(1) - before
        lc.check_equal(lc.losses(out, "the two-node run"), want, "two nodes (2 + 2 ranks)")

        # One of the mesh axes b and m must cross the nodes (two ranks of a 2x2 mesh cannot
        # share both coordinates), and an all_reduce between 2 ranks receives the peer's whole
        # buffer: node B's eth0 must have received at least steps x the smaller axis' bytes.
        per_axis = {}
        for axes, size in lc.STATS_LINE.findall(out):
            per_axis[axes] = per_axis.get(axes, 0) + int(size)
        if not {"b", "m"} <= set(per_axis):
            raise lc.Failure("--stats listed no all_reduce over b and m:\n" + out)
        least = args.steps * min(per_axis["b"], per_axis["m"])
        print("node B's eth0 received %d bytes during the run (collectives per step: %s; "
              "at least %d must cross)" % (received, per_axis, least))
        if received < least:
            raise lc.Failure("node B received %d bytes, fewer than the %d the collectives "
                             "between the nodes need: the ranks did not talk over eth0" %
                             (received, least))


if __name__ == "__main__":
    args = lc.parse_args(__doc__.split("\n")[0], lambda p: p.add_argument(
        "--rsh-agent", required=True, help="netns-rsh"))
    sys.exit(lc.main(body, args))
