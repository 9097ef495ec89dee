'use strict';
// BullMQ end to end: a Queue adds the plan's jobs (delayed ones with `delay`, fail-once ones with
// `attempts: 2`), a Worker processes them, and the queue's own counts are read at the end. A QueueEvents
// (XREAD BLOCK on the queue's event stream) must see every job's 'completed' event exactly once.
// Usage: node bullmq.js --port N [--prefix bull|{bull}]
const { Queue, QueueEvents, Worker } = require('bullmq');
const { DELAY_MS, enqueueAll, program } = require('./lib/plan');

program('bullmq', async (a, jobs, tally) => {
  const connection = { host: '127.0.0.1', port: a.port, maxRetriesPerRequest: null };
  const prefix = a.prefix || 'bull';
  const queue = new Queue('e2e', { connection, prefix });
  queue.on('error', (e) => tally.error(e));
  const events = new QueueEvents('e2e', { connection, prefix });
  events.on('error', (e) => tally.error(e));
  const completedEvents = new Map();
  events.on('completed', ({ jobId }) => completedEvents.set(jobId, (completedEvents.get(jobId) || 0) + 1));
  await events.waitUntilReady();
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
  // The last events may still be on their way to the blocked reader.
  for (let waited = 0; completedEvents.size < jobs.length && waited < 10000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  for (const j of jobs) {
    const n = completedEvents.get(String(j.id)) || 0;
    if (n !== 1) tally.error(new Error(`QueueEvents saw job ${j.id} completed ${n} times`));
  }
  await events.close();
  await worker.close();
  await queue.close();
  return { store: counts, storeCompleted: counts.completed, completedEvents: completedEvents.size };
});
