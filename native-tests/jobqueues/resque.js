'use strict';
// node-resque end to end: a Queue enqueues the plan's jobs (delayed ones with enqueueIn, which a Scheduler
// moves to the queue when due), four Workers process them (popAndStoreJob, node-resque's Lua script), and
// the Retry plugin re-enqueues a failed job once. Keys live under "resque:", not hash-tagged.
// The scheduler keeps delayed jobs at whole seconds (Math.round), so a job may run up to a second before
// its millisecond due time: delays here are 3 s and 1.1 s early counts as on time.
// Usage: node resque.js --port N [--prefix P]
const { Queue, Worker, Scheduler } = require('node-resque');
const { enqueueAll, program } = require('./lib/plan');

const DELAY_MS = 3000;

program('node-resque', async (a, jobs, tally) => {
  const connection = { host: '127.0.0.1', port: a.port, namespace: a.prefix || 'resque' };
  const handlers = {
    e2e: {
      plugins: ['Retry'],
      pluginOptions: { Retry: { retryLimit: 2, retryDelay: 100 } },
      perform: async (id) => tally.run(id),
    },
  };
  const queue = new Queue({ connection }, handlers);
  queue.on('error', (e) => tally.error(e));
  await queue.connect();
  await enqueueAll(jobs, tally, DELAY_MS, (j) => (j.kind === 'delayed'
    ? queue.enqueueIn(DELAY_MS, 'e2e', 'e2e', [j.id])
    : queue.enqueue('e2e', 'e2e', [j.id])));
  const scheduler = new Scheduler({ connection, timeout: 100 });
  scheduler.on('error', (e) => tally.error(e));
  await scheduler.connect();
  scheduler.start();
  const workers = [];
  for (let w = 0; w < 4; w++) {
    const worker = new Worker({ connection, queues: ['e2e'], timeout: 20, name: 'w' + w }, handlers);
    worker.on('error', (e) => tally.error(e));
    worker.on('failure', (q, job, e) => tally.error(e));
    await worker.connect();
    worker.start();
    workers.push(worker);
  }
  await tally.settle(a.timeoutMs);
  const stats = await queue.stats();
  const store = { queued: await queue.length('e2e'), delayed: Object.keys(await queue.allDelayed()).length,
    processed: Number(stats.processed || 0), failed: Number(stats.failed || 0) };
  for (const w of workers) await w.end();
  await scheduler.end();
  await queue.end();
  return { store, storeCompleted: store.processed };
}, 1100);
