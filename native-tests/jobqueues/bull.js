'use strict';
// Bull (v4) end to end: queue.add with `delay` and `attempts`, queue.process with a concurrency of 8,
// the queue's job counts read at the end. Bull's keys are not hash-tagged.
// Usage: node bull.js --port N [--prefix P]
const Queue = require('bull');
const { DELAY_MS, enqueueAll, program } = require('./lib/plan');

program('bull', async (a, jobs, tally) => {
  const queue = new Queue('e2e', { redis: { host: '127.0.0.1', port: a.port }, prefix: a.prefix || 'bull' });
  queue.on('error', (e) => tally.error(e));
  queue.on('failed', (job, e) => { if (!/^planned failure/.test(e.message)) tally.error(e); });
  await queue.isReady();
  await enqueueAll(jobs, tally, DELAY_MS, (j) => {
    const opts = { jobId: j.id };
    if (j.kind === 'delayed') opts.delay = DELAY_MS;
    if (j.kind === 'failonce') { opts.attempts = 2; opts.backoff = { type: 'fixed', delay: 100 }; }
    return queue.add({ id: j.id }, opts);
  });
  queue.process(8, async (job) => tally.run(job.data.id)).catch((e) => tally.error(e));
  await tally.settle(a.timeoutMs);
  const counts = await queue.getJobCounts();
  await queue.close();
  return { store: counts, storeCompleted: counts.completed };
});
