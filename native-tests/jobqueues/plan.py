"""The python side of lib/plan.js, shared by celery_e2e.py and rq_e2e.py: the plan of jobs and the SUMMARY line.

JOBS jobs j0..j(N-1): every tenth is delayed by DELAY_S, every tenth (offset one) fails on its first attempt
and must be retried by the library; the rest are plain.
"""
import argparse
import json
import os
import sys

JOBS = int(os.environ.get("JOBQUEUE_JOBS", "300"))
DELAY_S = int(os.environ.get("JOBQUEUE_DELAY_MS", "1000")) / 1000.0


def kind_of(i):
    return "delayed" if i % 10 == 0 else "failonce" if i % 10 == 1 else "plain"


def plan():
    return [("j%d" % i, kind_of(i)) for i in range(JOBS)]


def args():
    """Parses --port N, --prefix P and --timeout-ms T, as lib/plan.js does."""
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", default="")
    p.add_argument("--timeout-ms", type=int, default=90000)
    a = p.parse_args()
    a.url = "redis://127.0.0.1:%d/0" % a.port
    return a


def new_tally(jobs):
    """Per job: its kind, attempts, successes, the time it must not run before and the time it succeeded."""
    return {j: {"kind": k, "attempts": 0, "successes": 0, "not_before": 0.0, "ran_at": 0.0} for j, k in jobs}


def summary(library, by_id, errors, **extra):
    s = {"library": library, "jobs": len(by_id), "exactlyOnce": 0, "missing": [], "duplicates": [],
         "delayed": 0, "delayedEarly": [], "failOnce": 0, "retried": 0, "unexpectedRetries": [], "errors": errors[:20]}
    for job_id, t in by_id.items():
        if t["successes"] == 1:
            s["exactlyOnce"] += 1
        elif t["successes"] == 0:
            s["missing"].append(job_id)
        else:
            s["duplicates"].append("%s x%d" % (job_id, t["successes"]))
        if t["kind"] == "delayed":
            s["delayed"] += 1
            if t["successes"] and t["ran_at"] < t["not_before"]:
                s["delayedEarly"].append("%s ran %d ms early" % (job_id, (t["not_before"] - t["ran_at"]) * 1000))
        if t["kind"] == "failonce":
            s["failOnce"] += 1
            if t["attempts"] == 2 and t["successes"] == 1:
                s["retried"] += 1
        elif t["attempts"] > 1:
            s["unexpectedRetries"].append("%s attempted %d times" % (job_id, t["attempts"]))
    s.update(extra)
    return s


def finish(s):
    """Prints the summary as the last line of stdout and exits 0 at once (the test judges it)."""
    sys.stdout.write("\nSUMMARY " + json.dumps(s) + "\n")
    sys.stdout.flush()
    os._exit(0)
