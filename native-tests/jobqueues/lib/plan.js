'use strict';
// The workload every job-queue program runs, and the tally it prints as one JSON line at the end.
//
// JOBS jobs j0..j(N-1): every tenth is delayed by DELAY_MS, every tenth (offset one) throws on its first
// attempt and must be retried by the library; the rest are plain. The worker records each attempt; the
// summary says, per job, how often it succeeded, so the test can assert "every job exactly once".

const JOBS = Number(process.env.JOBQUEUE_JOBS || 300);
const DELAY_MS = Number(process.env.JOBQUEUE_DELAY_MS || 1000);

function kindOf(i) {
  if (i % 10 === 0) return 'delayed';
  if (i % 10 === 1) return 'failonce';
  return 'plain';
}

function plan() {
  const jobs = [];
  for (let i = 0; i < JOBS; i++) jobs.push({ id: 'j' + i, kind: kindOf(i) });
  return jobs;
}

/** Parses "--port N" and "--prefix P" style arguments. */
function args() {
  const out = { port: 6379, prefix: null, timeoutMs: 90000 };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) {
    if (a[i] === '--port') out.port = Number(a[i + 1]);
    else if (a[i] === '--prefix') out.prefix = a[i + 1];
    else if (a[i] === '--timeout-ms') out.timeoutMs = Number(a[i + 1]);
    else throw new Error('unknown argument ' + a[i]);
  }
  return out;
}

class Tally {
  constructor(library, jobs, earlySlackMs = 0) {
    this.library = library;
    this.jobs = jobs;
    this.earlySlackMs = earlySlackMs;
    this.byId = new Map();
    for (const j of jobs) this.byId.set(j.id, { kind: j.kind, attempts: 0, successes: 0, notBefore: 0, ranAt: 0 });
    this.errors = [];
    this.successes = 0;
    this._waiters = [];
  }

  /** Call just before enqueueing a delayed job: it must not run before now + delay. */
  delayedFrom(id, delayMs) { this.byId.get(id).notBefore = Date.now() + delayMs; }

  /** The handler's body: counts the attempt, throws on a fail-once job's first attempt. */
  run(id) {
    const t = this.byId.get(id);
    if (!t) { this.error('a job nobody enqueued: ' + id); return; }
    t.attempts++;
    if (t.kind === 'failonce' && t.attempts === 1) throw new Error('planned failure of ' + id);
    t.successes++;
    t.ranAt = Date.now();
    this.successes++;
    if (this.successes >= this.jobs.length) for (const w of this._waiters.splice(0)) w();
  }

  error(e) {
    const s = describe(e);
    if (this.errors.length < 20 && !this.errors.includes(s)) this.errors.push(s);
  }

  /** Resolves when every job succeeded once, or after timeoutMs; then waits lingerMs for duplicates. */
  async settle(timeoutMs, lingerMs = 500) {
    if (this.successes < this.jobs.length) {
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this._waiters.push(() => { clearTimeout(timer); resolve(); });
      });
    }
    await new Promise((r) => setTimeout(r, lingerMs));
  }

  summary(extra = {}) {
    const s = {
      library: this.library, jobs: this.jobs.length, exactlyOnce: 0, missing: [], duplicates: [],
      delayed: 0, delayedEarly: [], failOnce: 0, retried: 0, unexpectedRetries: [], errors: this.errors,
    };
    for (const [id, t] of this.byId) {
      if (t.successes === 1) s.exactlyOnce++;
      else if (t.successes === 0) s.missing.push(id);
      else s.duplicates.push(id + ' x' + t.successes);
      if (t.kind === 'delayed') {
        s.delayed++;
        if (t.successes > 0 && t.ranAt + this.earlySlackMs < t.notBefore) s.delayedEarly.push(id + ' ran ' + (t.notBefore - t.ranAt) + ' ms early');
      }
      if (t.kind === 'failonce') {
        s.failOnce++;
        if (t.attempts === 2 && t.successes === 1) s.retried++;
      } else if (t.attempts > 1) s.unexpectedRetries.push(id + ' attempted ' + t.attempts + ' times');
    }
    return Object.assign(s, extra);
  }
}

/** An error's message and stack, and for a server's error reply the command that got it (ioredis and node-redis keep it). */
function describe(e) {
  if (typeof e === 'string') return e;
  let s = (e && (e.stack || e.message)) || String(e);
  const c = e && e.command;
  if (!c) return s;
  const name = String(typeof c === 'string' ? c : c.name).toLowerCase();
  let a = (e.args || c.args || []).map(String);
  // A script's body says little; its number of keys and the keys say where it went.
  if (name === 'eval' || name === 'evalsha') a = [a[0].length > 40 ? a[0].split('\n')[0].slice(0, 40) + '...' : a[0]].concat(a.slice(1, 1 + Math.min(8, Number(a[1]) + 1)));
  return s + '\n  command: ' + name + ' ' + a.slice(0, 9).join(' ');
}

/** Prints the summary as the last line of stdout and exits 0 (the test judges it). */
function finish(summary) {
  process.stdout.write('\nSUMMARY ' + JSON.stringify(summary) + '\n', () => process.exit(0));
}

/**
 * Enqueues every job, 50 at a time: add(job) returns a promise; a delayed job's due time is noted just
 * before its add, so it must not run before that time plus delayMs.
 */
async function enqueueAll(jobs, tally, delayMs, add) {
  for (let i = 0; i < jobs.length; i += 50) {
    await Promise.all(jobs.slice(i, i + 50).map((j) => {
      if (j.kind === 'delayed') tally.delayedFrom(j.id, delayMs);
      return add(j);
    }));
  }
}

/**
 * Runs one library's program: body(options, jobs, tally) enqueues, processes, settles and returns the
 * summary's extra fields (the library's own counts). Any error still ends in a SUMMARY line.
 */
function program(library, body, earlySlackMs = 0) {
  const options = args();
  const jobs = plan();
  const tally = new Tally(library, jobs, earlySlackMs);
  process.on('unhandledRejection', (e) => { tally.error(e); finish(tally.summary({ aborted: true })); });
  body(options, jobs, tally).then(
    (extra) => finish(tally.summary(extra)),
    (e) => finish({ library, fatal: describe(e) }));
}

module.exports = { DELAY_MS, Tally, enqueueAll, program };
