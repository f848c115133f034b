#!/usr/bin/env python3
"""Docs tool (not a test): draws the ranks' `--trace` files as one timeline picture, the one in
README.md's Timeline section. Needs matplotlib (Debian: python3-matplotlib, which installs
into /usr/bin/python3).

    /usr/bin/python3 docs/render_trace.py run.rank0.json run.rank1.json \\
        --steps 3 4 -o docs/images/trace.png

One row per rank and track (compute, communication, data where used); each span a bar, kernels
coloured by their name (the few most time-consuming names get their own colour, the rest are
grey), collectives in one colour labelled with their op, bytes and axes where they are wide
enough; the steps chosen with --steps are shaded and numbered.
"""
import argparse
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

PALETTE = ["#4C72B0", "#DD8452", "#55A868", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C"]
COLLECTIVE = "#C44E52"


def load(paths):
    ranks = []
    for path in paths:
        with open(path) as f:
            doc = json.load(f)
        events = doc["traceEvents"]
        pid = next(e["pid"] for e in events)
        tracks = {e["tid"]: e["args"]["name"] for e in events if e.get("name") == "thread_name"}
        spans = [e for e in events if e.get("ph") == "X"]
        ranks.append((pid, tracks, spans))
    return sorted(ranks, key=lambda r: r[0])


def human(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024:
            return "%g %s" % (round(n, 1), unit)
        n /= 1024.0
    return "%g TiB" % round(n, 1)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("traces", nargs="+", help="the ranks' files (FILE.rankN.json)")
    p.add_argument("--steps", type=int, nargs=2, default=[3, 4], metavar=("FIRST", "LAST"))
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--title", default="")
    args = p.parse_args()
    ranks = load(args.traces)

    # The window: the chosen steps on rank 0.
    steps0 = [s for s in ranks[0][2] if s["name"] == "step"
              and args.steps[0] <= s["args"]["index"] <= args.steps[1]]
    if not steps0:
        sys.exit("no steps %d-%d in %s" % (args.steps[0], args.steps[1], args.traces[0]))
    t0 = min(s["ts"] for s in steps0)
    t1 = max(s["ts"] + s["dur"] for s in steps0)
    pad = 0.02 * (t1 - t0)
    lo, hi = t0 - pad, t1 + pad

    def visible(s):
        return s["ts"] + s["dur"] >= lo and s["ts"] <= hi

    # Kernel colours: the names with the most time in the window.
    time_by_name = {}
    for _, _, spans in ranks:
        for s in spans:
            if s.get("cat") == "kernel" and visible(s):
                time_by_name[s["name"]] = time_by_name.get(s["name"], 0.0) + s["dur"]
    top = sorted(time_by_name, key=lambda n: -time_by_name[n])[:len(PALETTE) - 1]
    colour = {n: PALETTE[i] for i, n in enumerate(top)}

    rows = []  # (label, rank, tid)
    for pid, tracks, spans in ranks:
        used = sorted({s["tid"] for s in spans if visible(s) and s["name"] != "step"})
        for tid in used:
            rows.append(("rank %d %s" % (pid, tracks.get(tid, tid)), pid, tid))
    fig, ax = plt.subplots(figsize=(12, 0.55 * len(rows) + 1.6))
    y_of = {(pid, tid): len(rows) - 1 - i for i, (_, pid, tid) in enumerate(rows)}
    ms = 1000.0
    for pid, tracks, spans in ranks:
        for s in spans:
            if not visible(s):
                continue
            x, w = (s["ts"] - t0) / ms, s["dur"] / ms
            if s["name"] == "step":
                if pid == ranks[0][0] and args.steps[0] <= s["args"]["index"] <= args.steps[1]:
                    ax.axvspan(x, x + w, color="#000000", alpha=0.04, lw=0)
                    ax.axvline(x, color="#000000", lw=0.6, alpha=0.5)
                    ax.text(x + w / 2, len(rows) - 0.35, "step %d" % s["args"]["index"],
                            ha="center", va="bottom", fontsize=9)
                continue
            y = y_of[(pid, s["tid"])]
            if s.get("cat") == "collective":
                c = COLLECTIVE
            else:
                c = colour.get(s["name"], PALETTE[-1])
            ax.barh(y, max(w, 0.002), left=x, height=0.7, color=c, edgecolor="none")
            if s.get("cat") == "collective" and w > 0.06 * (hi - lo) / ms:
                a = s["args"]
                # A weight update in node-shared storage is marked as the all_reduce it replaces
                # but is the step's GEMM: named by its call.
                what = "sgd_update_matmul" if s["name"] == "sgd_update_matmul" else a["op"]
                ax.text(x + w / 2, y, "%s %s\n%s" % (what, human(a["bytes"]), a["axes"]),
                        ha="center", va="center", fontsize=7, color="white")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)])
    ax.set_ylim(-0.6, len(rows) + 0.2)
    ax.set_xlim((lo - t0) / ms, (hi - t0) / ms)
    ax.set_xlabel("ms since step %d began on rank %d" % (args.steps[0], ranks[0][0]))
    handles = [Patch(color=colour[n], label=n) for n in top]
    handles += [Patch(color=PALETTE[-1], label="other kernels"),
                Patch(color=COLLECTIVE, label="collectives")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    if args.title:
        ax.set_title(args.title, fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.savefig(args.output, dpi=110)
    print("wrote %s" % args.output)


if __name__ == "__main__":
    main()
