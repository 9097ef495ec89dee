'use strict';
// Bee-Queue end to end: jobs saved with setId, delayUntil (the queue activates delayed jobs) and
// retries(1) with a fixed backoff; queue.process with a concurrency of 8; checkHealth's counts at the end.
// Bee-Queue's keys ("bq:e2e:...") are not hash-tagged.
// Usage: node beequeue.js --port N [--prefix P]
const Queue = require('bee-queue');
const { DELAY_MS, enqueueAll, program } = require('./lib/plan');

program('bee-queue', async (a, jobs, tally) => {
  const queue = new Queue('e2e', {
    redis: { host: '127.0.0.1', port: a.port }, prefix: a.prefix || 'bq',
    activateDelayedJobs: true, removeOnSuccess: false, removeOnFailure: false,
  });
  queue.on('error', (e) => tally.error(e));
  queue.on('failed', (job, e) => { if (!/^planned failure/.test(e.message)) tally.error(e); });
  await queue.ready();
  await enqueueAll(jobs, tally, DELAY_MS, (j) => {
    const job = queue.createJob({ id: j.id }).setId(j.id);
    if (j.kind === 'delayed') job.delayUntil(Date.now() + DELAY_MS);
    if (j.kind === 'failonce') job.retries(1).backoff('fixed', 100);
    return job.save();
  });
  queue.process(8, async (job) => tally.run(job.data.id));
  await tally.settle(a.timeoutMs);
  const counts = await queue.checkHealth();
  await queue.close();
  return { store: counts, storeCompleted: counts.succeeded };
});
