"""Celery end to end: a redis broker (kombu) and a redis result backend, an in-process worker (the
threads pool, 8 threads), the plan of lib/plan.js: every tenth job delayed with countdown, every tenth
(offset one) retried once with self.retry. Prints the same SUMMARY line as the node programs.

Usage: /usr/bin/python3 celery_e2e.py --port N
"""
import argparse
import json
import os
import sys
import threading
import time

from celery import Celery
from celery.contrib.testing.worker import start_worker

JOBS = int(os.environ.get("JOBQUEUE_JOBS", "300"))
DELAY_S = int(os.environ.get("JOBQUEUE_DELAY_MS", "1000")) / 1000.0


def kind_of(i):
    return "delayed" if i % 10 == 0 else "failonce" if i % 10 == 1 else "plain"


class Tally:
    def __init__(self, jobs):
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.by_id = {j: {"kind": k, "attempts": 0, "successes": 0, "not_before": 0.0, "ran_at": 0.0} for j, k in jobs}
        self.successes = 0
        self.errors = []

    def run(self, job_id):
        """Counts an attempt; False when the attempt is a planned failure (the caller retries)."""
        with self.lock:
            t = self.by_id[job_id]
            t["attempts"] += 1
            if t["kind"] == "failonce" and t["attempts"] == 1:
                return False
            t["successes"] += 1
            t["ran_at"] = time.time()
            self.successes += 1
            if self.successes >= len(self.by_id):
                self.done.set()
            return True

    def error(self, e):
        s = repr(e)
        if len(self.errors) < 20 and s not in self.errors:
            self.errors.append(s)

    def summary(self, **extra):
        s = {"library": "celery", "jobs": len(self.by_id), "exactlyOnce": 0, "missing": [], "duplicates": [],
             "delayed": 0, "delayedEarly": [], "failOnce": 0, "retried": 0, "unexpectedRetries": [], "errors": self.errors}
        for job_id, t in self.by_id.items():
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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--prefix", default="")
    p.add_argument("--timeout-ms", type=int, default=90000)
    a = p.parse_args()
    url = "redis://127.0.0.1:%d/0" % a.port
    app = Celery("e2e", broker=url, backend=url)
    app.conf.update(task_default_queue=(a.prefix or "") + "e2e", broker_connection_retry_on_startup=False,
                    worker_hijack_root_logger=False, result_expires=None, task_acks_late=True)
    jobs = [("j%d" % i, kind_of(i)) for i in range(JOBS)]
    tally = Tally(jobs)

    @app.task(bind=True, name="e2e.job", max_retries=1)
    def job(self, job_id):
        if not tally.run(job_id):
            raise self.retry(countdown=0.1)
        return job_id

    try:
        with start_worker(app, pool="threads", concurrency=8, perform_ping_check=False, shutdown_timeout=30):
            for job_id, kind in jobs:
                if kind == "delayed":
                    tally.by_id[job_id]["not_before"] = time.time() + DELAY_S
                    job.apply_async((job_id,), task_id=job_id, countdown=DELAY_S)
                else:
                    job.apply_async((job_id,), task_id=job_id)
            tally.done.wait(a.timeout_ms / 1000.0)
            time.sleep(0.5)
            states = {}
            for job_id, _ in jobs:
                st = app.AsyncResult(job_id).state
                states[st] = states.get(st, 0) + 1
        summary = tally.summary(store=states, storeCompleted=states.get("SUCCESS", 0))
    except Exception as e:  # the summary carries it; the test shows it
        tally.error(e)
        summary = tally.summary(fatal=repr(e))
    sys.stdout.write("\nSUMMARY " + json.dumps(summary) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
