'use strict';
// BullMQ end to end: a Queue adds the plan's jobs (delayed ones with `delay`, fail-once ones with
// `attempts: 2`), a Worker processes them, and the queue's own counts are read at the end.
// Usage: node bullmq.js --port N [--prefix bull|{bull}]
const { Queue, Worker } = require('bullmq');
const { DELAY_MS, enqueueAll, program } = require('./lib/plan');

program('bullmq', async (a, jobs, tally) => {
  const connection = { host: '127.0.0.1', port: a.port, maxRetriesPerRequest: null };
  const prefix = a.prefix || 'bull';
  const queue = new Queue('e2e', { connection, prefix });
  queue.on('error', (e) => tally.error(e));
  const worker = new Worker('e2e', async (job) => tally.run(job.data.id),
    { connection, prefix, concurrency: 8, autorun: false });
  worker.on('error', (e) => tally.error(e));
  worker.on('failed', (job, e) => { if (!/^planned failure/.test(e.message)) tally.error(e); });
  await enqueueAll(jobs, tally, DELAY_MS, (j) => {
    const opts = { jobId: j.id, removeOnComplete: false };
    if (j.kind === 'delayed') opts.delay = DELAY_MS;
    if (j.kind === 'failonce') { opts.attempts = 2; opts.backoff = { type: 'fixed', delay: 100 }; }
    return queue.add('job', { id: j.id }, opts);
  });
  worker.run().catch((e) => tally.error(e));
  await tally.settle(a.timeoutMs);
  const counts = await queue.getJobCounts('completed', 'failed', 'delayed', 'wait', 'active');
  await worker.close();
  await queue.close();
  return { store: counts, storeCompleted: counts.completed };
});
