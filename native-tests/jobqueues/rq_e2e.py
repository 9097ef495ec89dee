"""RQ end to end: two real `rq worker --with-scheduler` processes (one of them holds the scheduler lock) and
the plan of lib/plan.js: every tenth job delayed with enqueue_in, every tenth (offset one) failing on its
first attempt and retried by Retry(max=1). The workers are SimpleWorkers, which run each job in the worker
process itself: the default Worker forks a work horse per job, which on a loaded two-core machine took 40 s
instead of 6 for the same Redis traffic. Prints the same SUMMARY line
as the node programs.

The jobs run in other processes, so each attempt is appended to a tally file (one short O_APPEND write,
atomic) that this program reads; whether an attempt is a fail-once job's first is decided by a marker file
created with O_EXCL, not by RQ's own state. RQ keeps scheduled times in whole seconds (the registry's score
and the scheduler's clock are both truncated), so a delayed job is early only if it ran before the second
it was scheduled for. Results are read back as RQ >= 1.12 stores them: a stream per job (XADD, XREVRANGE).

Usage: /usr/bin/python3 rq_e2e.py --port N [--prefix P]
"""
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta

from plan import DELAY_S, args, finish, new_tally, plan, summary

WORKERS = 2


def job(job_id, kind, tally_dir):
    """The job, run in a worker's work horse: records the attempt; a fail-once job's first attempt raises."""
    first = True
    if kind == "failonce":
        try:
            os.close(os.open(os.path.join(tally_dir, job_id + ".tried"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            first = False
    outcome = "fail" if kind == "failonce" and first else "ok"
    fd = os.open(os.path.join(tally_dir, "attempts"), os.O_CREAT | os.O_APPEND | os.O_WRONLY)
    try:
        os.write(fd, ("%s %s %.6f\n" % (job_id, outcome, time.time())).encode())
    finally:
        os.close(fd)
    if outcome == "fail":
        raise RuntimeError("planned failure of " + job_id)
    return job_id


def read_attempts(tally_dir):
    path = os.path.join(tally_dir, "attempts")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [line.split() for line in f.read().splitlines() if line.count(" ") == 2]


def tally_of(jobs, not_before, attempts, errors):
    by_id = new_tally(jobs)
    for job_id, outcome, at in attempts:
        t = by_id.get(job_id)
        if t is None:
            errors.append("a job nobody enqueued: " + job_id)
            continue
        t["attempts"] += 1
        if outcome == "ok":
            t["successes"] += 1
            t["ran_at"] = float(at)
    for job_id, at in not_before.items():
        by_id[job_id]["not_before"] = at
    return by_id


def read_back(connection, jobs, queue_name, errors):
    """RQ's own view: each job's status, and its results stream (one failure then one success for a fail-once job)."""
    from rq.job import Job
    from rq.results import Result
    states = {}
    completed = 0
    for job_id, kind in jobs:
        j = Job.fetch(job_id, connection=connection)
        st = j.get_status()
        states[st] = states.get(st, 0) + 1
        results = j.results()
        # RQ 1.13 stores no result for a failure it retries: one SUCCESSFUL entry each, and a spent retry.
        if [r.type for r in results] != [Result.Type.SUCCESSFUL]:
            errors.append("%s: results stream holds %s, expected one SUCCESSFUL" % (job_id, [r.type.name for r in results]))
        elif kind == "failonce" and j.retries_left != 0:
            errors.append("%s: retries_left is %r after its retry" % (job_id, j.retries_left))
        elif st == "finished" and j.return_value() == job_id:
            completed += 1
    return states, completed


def main():
    a = args()
    url = a.url
    queue_name = (a.prefix or "") + "e2e"
    jobs = plan()
    not_before = {}
    errors = []
    tally_dir = tempfile.mkdtemp(prefix="rq-e2e-")
    here = os.path.dirname(os.path.abspath(__file__))
    workers = []
    try:
        from redis import Redis
        from rq import Queue, Retry
        connection = Redis.from_url(url)
        queue = Queue(queue_name, connection=connection)
        for n in range(WORKERS):
            workers.append(subprocess.Popen(
                [sys.executable, "-m", "rq.cli", "worker", "--url", url, "--path", here, "--with-scheduler",
                 "--worker-class", "rq.worker.SimpleWorker", "--name", "e2e-%d-%d" % (os.getpid(), n), "--logging_level", "WARNING", queue_name],
                stdout=subprocess.DEVNULL, stderr=open(os.path.join(tally_dir, "worker%d.log" % n), "wb")))
        for job_id, kind in jobs:
            job_args = (job_id, kind, tally_dir)
            if kind == "delayed":
                # RQ schedules in whole seconds: the job is due at the start of the second its delay ends in.
                not_before[job_id] = math.floor(time.time() + DELAY_S)
                queue.enqueue_in(timedelta(seconds=DELAY_S), "rq_e2e.job", *job_args, job_id=job_id, result_ttl=-1)
            elif kind == "failonce":
                queue.enqueue("rq_e2e.job", *job_args, job_id=job_id, result_ttl=-1, retry=Retry(max=1))
            else:
                queue.enqueue("rq_e2e.job", *job_args, job_id=job_id, result_ttl=-1)
        deadline = time.time() + a.timeout_ms / 1000.0
        while time.time() < deadline:
            if sum(1 for _, outcome, _ in read_attempts(tally_dir) if outcome == "ok") >= len(jobs):
                break
            if any(w.poll() is not None for w in workers):
                errors.append("an rq worker exited early")
                break
            time.sleep(0.1)
        time.sleep(0.5)
        states, completed = read_back(connection, jobs, queue_name, errors)
        by_id = tally_of(jobs, not_before, read_attempts(tally_dir), errors)
        result = summary("rq", by_id, errors, store=states, storeCompleted=completed)
    except Exception as e:  # the summary carries it; the test shows it
        result = {"library": "rq", "fatal": repr(e)}
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGTERM)  # a warm shutdown: the current job finishes
        for n, w in enumerate(workers):
            try:
                w.wait(timeout=20)
            except subprocess.TimeoutExpired:
                w.kill()
                w.wait()
            if w.returncode not in (0, -signal.SIGTERM):
                with open(os.path.join(tally_dir, "worker%d.log" % n), "rb") as f:
                    log = f.read().decode(errors="replace")
                sys.stderr.write("rq worker exited %s:\n%s\n" % (w.returncode, log[-4000:]))
        shutil.rmtree(tally_dir, ignore_errors=True)
    finish(result)


if __name__ == "__main__":
    main()
