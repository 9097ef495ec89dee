"""Celery end to end: a redis broker (kombu) and a redis result backend, an in-process worker (the
threads pool, 8 threads), the plan of lib/plan.js: every tenth job delayed with countdown, every tenth
(offset one) retried once with self.retry. Prints the same SUMMARY line as the node programs.

Usage: /usr/bin/python3 celery_e2e.py --port N
"""
import threading
import time

from celery import Celery
from celery.contrib.testing.worker import start_worker

from plan import DELAY_S, args, finish, new_tally, plan, summary


class Tally:
    def __init__(self, jobs):
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.by_id = new_tally(jobs)
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
        return summary("celery", self.by_id, self.errors, **extra)


def main():
    a = args()
    url = a.url
    app = Celery("e2e", broker=url, backend=url)
    app.conf.update(task_default_queue=(a.prefix or "") + "e2e", broker_connection_retry_on_startup=False,
                    worker_hijack_root_logger=False, result_expires=None, task_acks_late=True)
    jobs = plan()
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
        result = tally.summary(store=states, storeCompleted=states.get("SUCCESS", 0))
    except Exception as e:  # the summary carries it; the test shows it
        tally.error(e)
        result = tally.summary(fatal=repr(e))
    finish(result)


if __name__ == "__main__":
    main()
