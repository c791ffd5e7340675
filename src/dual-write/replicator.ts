import { withoutChangeSeq, type Backend, type Stored } from "../backend.js";
import { BackendError } from "../errors.js";
import type { DualWriteEvents } from "../events.js";
import type { AnyRow, CollectionName } from "../model/rows.js";
import type { Side } from "../model/stages.js";
import { ConfirmedRows, REPLICATED_COLLECTIONS, reconcilePass, type PassResult } from "./feed.js";
import type { ResolvedDualWriteOptions } from "./options.js";
import { writeWatermark } from "./records.js";
import type { StatsRecorder } from "./stats.js";
import { withTimeout } from "./timeout.js";
import { copyData } from "../model/json.js";

/**
 * Replication from the primary to the secondary. A write's committed rows are sent at once
 * (`sync`) or in commit order behind the caller (`async`); whatever does not land (an error, a
 * missing owner, a conflict) stays in the primary's change feed, which a background pass
 * re-applies from the durable watermark. The watermark moves only past rows the secondary holds
 * and never past the primary's change horizon, so nothing acknowledged depends on this process's
 * memory: after a crash, the next pass from the stored watermark brings the sides together.
 */

/** One committed row to replicate (as stored on the primary, or as applied to it). */
export interface Change {
  collection: CollectionName;
  row: AnyRow | Stored;
}

type Emit = <E extends keyof DualWriteEvents>(event: E, ...args: Parameters<DualWriteEvents[E]>) => void;

/** What the replicator needs from its backend. */
export interface ReplicatorDeps {
  options: ResolvedDualWriteOptions;
  stats: StatsRecorder;
  emit: Emit;
  now: () => Date;
  /** Called after each background pass that succeeded (its failure is ignored): the backend's periodic chores. */
  afterPass?: () => Promise<void>;
}

/** One direction's replication state (primary side -> secondary side). */
export class Replicator {
  /** Every primary change at or below it is held by the secondary (or reported as refused). */
  watermark: number;
  /** Rows acknowledged on the primary whose secondary write has not been confirmed yet. */
  pending = 0;
  /** Rows the last pass left waiting for an owner. */
  waiting = 0;
  private readonly confirmed = new ConfirmedRows();
  private chain: Promise<void> = Promise.resolve();
  /** `async` mode: committed changes not yet sent, in commit order. */
  private readonly queue: Change[] = [];
  private draining = false;
  /** `async` mode: changes queued and changes sent (attempted) so far, and who waits for a count. */
  private queuedCount = 0;
  private sentCount = 0;
  private readonly waiters: { until: number; resolve: () => void }[] = [];
  /** `async` mode: ends the current linger (see `linger`), if any. */
  private hurryLinger: (() => void) | null = null;
  /** `sync` mode: secondary writes under way. */
  private readonly inFlight = new Set<Promise<void>>();
  private running: Promise<PassResult> | null = null;
  private needsPass = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private storedWatermark: number;
  private readonly reported = new Set<string>();

  constructor(
    readonly primarySide: Side,
    readonly primary: Backend,
    readonly secondary: Backend,
    watermark: number,
    private readonly deps: ReplicatorDeps,
  ) {
    this.watermark = watermark;
    this.storedWatermark = watermark;
  }

  private get secondarySide(): Side {
    return this.primarySide === "from" ? "to" : "from";
  }

  /**
   * Sends a committed write's rows: awaited in `sync` mode, queued in commit order in `async`.
   * Queued rows go out together, up to `batchSize` per send, so a secondary slower than the
   * writes catches up in batches instead of falling further behind one write at a time.
   */
  replicate(changes: Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    this.pending += changes.length;
    if (this.deps.options.secondaryWrites === "async") {
      // The caller gets the rows back before they are sent: send copies it cannot mutate.
      for (const c of changes) this.queue.push({ collection: c.collection, row: copyData(c.row) });
      this.queuedCount += changes.length;
      if (this.queue.length >= this.deps.options.batchSize) this.hurry();
      if (!this.draining) {
        this.draining = true;
        this.chain = this.chain.then(() => this.drain());
      }
      return Promise.resolve();
    }
    const sending = this.send(changes, this.deps.options.onSecondaryFailure === "fail");
    this.inFlight.add(sending);
    void sending.then(
      () => this.inFlight.delete(sending),
      () => this.inFlight.delete(sending),
    );
    return sending;
  }

  /**
   * Resolves once every secondary write started before the call has been attempted: the queued
   * ones (`async`) and the ones under way (`sync`); later writes are not waited for.
   */
  async settled(): Promise<void> {
    const underWay = [...this.inFlight];
    await this.idle();
    await Promise.allSettled(underWay);
  }

  /** Sends the queue in commit order, batch by batch, until it is empty. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        // Less than a batch waits up to asyncLingerMs for more, so the secondary commits batches
        // instead of one small write per primary write (whose flushes compete with the primary's).
        if (this.queue.length < this.deps.options.batchSize) await this.linger();
        const batch = this.queue.splice(0, this.deps.options.batchSize);
        try {
          await this.send(batch, false);
        } finally {
          this.sentCount += batch.length;
          this.wake();
        }
      }
    } finally {
      this.draining = false;
      this.wake();
    }
  }

  /** Waits `asyncLingerMs`, or less if someone waits for the queue ({@link hurry}). */
  private linger(): Promise<void> {
    const ms = this.deps.options.asyncLingerMs;
    if (ms <= 0 || this.stopped || this.waiters.length > 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.hurryLinger?.(), ms);
      this.hurryLinger = () => {
        clearTimeout(timer);
        this.hurryLinger = null;
        resolve();
      };
    });
  }

  /** Sends what is queued now rather than after the linger. */
  private hurry(): void {
    this.hurryLinger?.();
  }

  /** Resolves the waiters whose changes have all been sent. */
  private wake(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (this.sentCount >= w.until || (!this.draining && this.queue.length === 0)) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private async send(changes: Change[], rethrow: boolean): Promise<void> {
    const started = performance.now();
    let failed = false;
    try {
      for (const group of byCollection(changes)) {
        const outcomes = await withTimeout(
          this.secondary.applyReplicated(group.collection, group.rows.map((r) => withoutChangeSeq(r))),
          this.deps.options.secondaryTimeoutMs,
          `the secondary (${this.secondary.name})`,
        );
        outcomes.forEach((o, i) => {
          const row = group.rows[i]!;
          if (o.outcome === "applied" || o.outcome === "stale") this.confirmed.add(group.collection, row.id, row.version);
          else this.needsPass = true;
        });
      }
    } catch (error) {
      failed = true;
      this.needsPass = true;
      const first = changes[0]!;
      this.deps.emit("secondary-error", {
        operation: "replicate",
        collection: first.collection,
        ids: changes.map((c) => c.row.id),
        error: error as Error,
        willRetry: true,
        attempt: this.failures + 1,
      });
      this.schedule(this.backoff());
      if (rethrow) throw error;
    } finally {
      this.pending -= changes.length;
      this.record("replicate", started, failed);
    }
  }

  /**
   * Resolves once every `async` secondary write queued before the call has been attempted (not
   * the ones queued after it: under steady writes the queue is never empty).
   */
  idle(): Promise<void> {
    const until = this.queuedCount;
    if (this.sentCount >= until || (!this.draining && this.queue.length === 0)) return Promise.resolve();
    const waiting = new Promise<void>((resolve) => this.waiters.push({ until, resolve }));
    this.hurry();
    return waiting;
  }

  /**
   * Runs one change-feed pass from `since` (default: the watermark), reporting refused rows as
   * divergences, and moves and stores the watermark when the pass started at it. Passes never
   * overlap: a call during a pass waits for it, then runs its own.
   */
  async pass(since?: number): Promise<PassResult> {
    while (this.running) await this.running.catch(() => undefined);
    const run = this.runPass(since ?? this.watermark, since === undefined || since >= this.watermark);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private async runPass(since: number, movesWatermark: boolean): Promise<PassResult> {
    const started = performance.now();
    this.needsPass = false;
    let result: PassResult;
    try {
      result = await reconcilePass({
        source: this.primary,
        target: this.secondary,
        timeoutMs: this.deps.options.secondaryTimeoutMs,
        since,
        batchSize: this.deps.options.batchSize,
        bulkLoadAbove: this.deps.options.bulkLoadAbove,
        confirmed: this.confirmed,
      });
    } catch (error) {
      this.needsPass = true;
      this.record("reconcile", started, true);
      throw error;
    }
    this.record("reconcile", started, false);
    this.waiting = result.waiting;
    if (result.waiting > 0) this.needsPass = true;
    for (const refused of result.refused) this.report(refused.collection, refused.row, refused.outcome);
    if (movesWatermark && result.safeWatermark > this.watermark) this.watermark = result.safeWatermark;
    if (result.applied > 0) this.deps.emit("repaired", { applied: result.appliedBy, count: result.applied, watermark: this.watermark });
    await this.persist();
    return result;
  }

  private report(collection: CollectionName, row: Stored, outcome: PassResult["refused"][number]["outcome"]): void {
    const key = `${collection}:${row.id}:${row.version}`;
    if (this.reported.has(key)) return;
    if (this.reported.size > 10_000) this.reported.clear();
    this.reported.add(key);
    this.deps.emit("divergence", {
      source: "replication",
      collection,
      id: row.id,
      fields: outcome.reason === "unique-key" ? [outcome.key] : [],
      primaryVersion: row.version,
      secondaryVersion: outcome.reason === "version" ? outcome.storedVersion : null,
      reason: outcome.reason === "unique-key" ? `unique-key:${outcome.key}` : "version",
      primary: this.primary.name,
      secondary: this.secondary.name,
    });
  }

  /** Stores the watermark on the primary when it moved. */
  async persist(): Promise<void> {
    if (this.watermark === this.storedWatermark) return;
    const value = this.watermark;
    await writeWatermark(this.primary, this.primarySide, value, this.deps.now());
    this.storedWatermark = Math.max(this.storedWatermark, value);
  }

  /**
   * Passes until the secondary holds every change the primary committed before the call (up to
   * its horizon; rows refused with a conflict are reported and left for repair). Throws when
   * the secondary cannot be written, or when rows still wait for owners after `attempts`.
   */
  async flush(attempts = 5): Promise<void> {
    // The sends queued before this call go first (a stage move or a purge holds new writes, and
    // must not have an older send land after it); then a pass from the watermark up to the
    // primary's horizon covers every change committed before the call, whatever is in flight.
    // Writes that keep arriving meanwhile are not waited for (under steady traffic they never stop).
    await this.idle();
    for (let i = 0; i < attempts; i++) {
      let result: PassResult;
      try {
        result = await this.pass();
      } catch (error) {
        // A pass the backend failed (a connection the server dropped, say) is tried again, a few times.
        if (!(error instanceof BackendError) || i === attempts - 1) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(this.deps.options.retryBaseMs * 2 ** i, 1_000)));
        continue;
      }
      if (result.waiting === 0) return;
      await this.idle();
    }
    throw new Error(`${this.waiting} row(s) still wait for their owner on ${this.secondary.name} after ${attempts} passes (the owner is missing on the primary too, or was refused)`);
  }


  /**
   * How many primary changes the secondary is not known to hold: rows changed after the
   * watermark that no write of this process confirmed (a scan of the primary's change feed).
   */
  lag(): Promise<number> {
    return changesAfter(this.primary, this.watermark, this.deps.options.batchSize, this.confirmed);
  }

  /** Starts the background loop: a pass every `reconcileIntervalMs`, sooner after a failure. */
  start(): void {
    this.stopped = false;
    this.schedule(this.deps.options.reconcileIntervalMs);
  }

  /** Stops the background loop (a pass under way finishes). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.hurry();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    await this.idle(); // sends queued before the stop still go out (writes are held by then)
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) {
      if (!this.needsPass) return;
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    this.timer = null;
    if (this.stopped) return;
    try {
      await this.idle();
      await this.pass();
      this.failures = 0;
      await this.deps.afterPass?.().catch(() => undefined);
      this.schedule(this.needsPass ? this.deps.options.retryBaseMs : this.deps.options.reconcileIntervalMs);
    } catch (error) {
      this.failures++;
      this.deps.stats.retries++;
      this.deps.emit("secondary-error", { operation: "reconcile", collection: null, ids: [], error: error as Error, willRetry: true, attempt: this.failures });
      this.needsPass = true;
      this.schedule(this.backoff());
    }
  }

  private backoff(): number {
    const { retryBaseMs, retryMaxMs } = this.deps.options;
    return Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(this.failures, 20));
  }

  private record(operation: string, started: number, failed: boolean): void {
    this.deps.stats.record(this.secondarySide, operation, performance.now() - started, failed);
  }
}

/**
 * How many rows `primary` changed after `watermark` (its change feed, `pageSize` rows a page),
 * less those `confirmed` on the secondary: what a replication from that watermark has yet to
 * send. Reads the primary only.
 */
export async function changesAfter(primary: Backend, watermark: number, pageSize: number, confirmed?: ConfirmedRows): Promise<number> {
  let behind = 0;
  for (const collection of REPLICATED_COLLECTIONS) {
    let after = watermark;
    for (;;) {
      const page = await primary.scan(collection, { changedSince: after, limit: pageSize });
      for (const row of page) if (!confirmed?.covers(collection, row)) behind++;
      if (page.length < pageSize) break;
      after = page[page.length - 1]!.changeSeq;
    }
  }
  return behind;
}

/** Consecutive runs of one collection, each row at its last version, in first-write order. */
function byCollection(changes: Change[]): { collection: CollectionName; rows: (AnyRow | Stored)[] }[] {
  // One change (a single-row write, the common case) is its own group: no keys to build.
  if (changes.length === 1) return [{ collection: changes[0]!.collection, rows: [changes[0]!.row] }];
  const latest = new Map<string, Change>();
  for (const c of changes) latest.set(`${c.collection}:${c.row.id}`, c);
  const groups: { collection: CollectionName; rows: (AnyRow | Stored)[] }[] = [];
  const seen = new Set<string>();
  for (const c of changes) {
    const key = `${c.collection}:${c.row.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const row = latest.get(key)!.row;
    const last = groups[groups.length - 1];
    if (last && last.collection === c.collection) last.rows.push(row);
    else groups.push({ collection: c.collection, rows: [row] });
  }
  return groups;
}
