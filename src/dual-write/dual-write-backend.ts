import { EventEmitter } from "eventemitter3";
import type { Backend, BackendTransaction, Filter, GetOptions, Page, PurgeResult, QuerySpec, ScanOptions, Stored } from "../backend.js";
import { BackendError, ClosedError, CutoverRefusedError, ValidationError, type CutoverCondition } from "../errors.js";
import type { DualWriteEvents } from "../events.js";
import { REPLICATED_COLLECTIONS, specOf } from "../model/collections.js";
import { uuidv7 } from "../model/ids.js";
import type { CollectionName, RowTypes } from "../model/rows.js";
import { isStage, otherSide, STAGE_NAMES, STAGES, type Side, type Stage } from "../model/stages.js";
import { toTimestamp } from "../model/time.js";
import { capturing } from "./capture.js";
import { GATED_STAGES } from "./cutover-gate.js";
import type { PassResult } from "./feed.js";
import { Gate } from "./gate.js";
import { cutoverThresholdIssues, DUAL_WRITE_DEFAULTS, type DualWriteOptions, type ResolvedDualWriteOptions } from "./options.js";
import { latestStage, newerStage, readWatermark, recordStage, writeShadowEvidence, writeWatermark, type ShadowEvidence, type StageRecord } from "./records.js";
import { Replicator, type Change } from "./replicator.js";
import { forcedMove, judgeCutover, pendingAtStart, startIsGated } from "./start-gate.js";
import { compareRows, inSample, queryShape, sampleKeyOfQuery, sampleKeyOfRow, type Difference } from "./shadow.js";
import { withTimeout } from "./timeout.js";
import { StatsRecorder, type DualWriteStats } from "./stats.js";

/**
 * The dual-write backend: composes two backends over the contract alone, so any pair works
 * (json -> postgres, postgres -> json, postgres -> postgres). The stage decides which side is
 * primary (written first, the only side serving reads), whether the other side is written and
 * whether reads are shadowed. It is a Backend, so `createStore` takes it unchanged, and a typed
 * event emitter (`divergence`, `secondary-error`, `repaired`, `slow-operation`, `stage-changed`).
 */
export class DualWriteBackend extends EventEmitter<DualWriteEvents> implements Backend {
  readonly name = "dual-write";
  private current: Stage;
  private readonly options: ResolvedDualWriteOptions;
  private readonly sides: Record<Side, Backend>;
  private replicator: Replicator | null = null;
  private readonly gate = new Gate();
  private readonly recorder: StatsRecorder;
  private readonly ready: Promise<void>;
  private closed = false;
  /** Set once `open()` has finished: calls then skip awaiting `ready` (a microtask hop per call). */
  private serving = false;
  /** This process's id in its shadow-evidence record (`records.ts`). */
  private readonly instance = uuidv7();
  /** Shadow comparisons made when the evidence was last recorded, and when (ms since the epoch). */
  private evidenceAt = { compared: 0, ms: 0 };
  /** Evidence records one after the other (the background pass, `setStage` and `close` may overlap). */
  private evidenceChain: Promise<void> = Promise.resolve();

  constructor(options: DualWriteOptions) {
    super();
    this.options = resolve(options);
    this.recorder = new StatsRecorder(this.options.shadowWindow);
    this.sides = { from: options.from, to: options.to };
    this.current = options.stage;
    this.ready = this.open();
    this.ready.catch(() => undefined);
  }

  /** The stage the backend runs in. */
  get stage(): Stage {
    return this.current;
  }

  /** Resolves once the backend has recovered its state and serves (every call waits for it anyway). */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private get primarySide(): Side {
    return STAGES[this.current].primary;
  }

  private get primary(): Backend {
    return this.sides[this.primarySide];
  }

  private get secondary(): Backend {
    return this.sides[otherSide(this.primarySide)];
  }

  // ---- lifecycle -------------------------------------------------------------------------

  private async open(): Promise<void> {
    const routing = STAGES[this.current];
    // The primary must answer; the other side may be down (its writes are retried from the feed).
    const own = await latestStage(this.primary);
    let other: Awaited<ReturnType<typeof latestStage>> = null;
    let otherDown: unknown = null;
    try {
      other = await latestStage(this.secondary);
    } catch (error) {
      otherDown = error;
    }
    const last = newerStage(own, other);
    const gated = startIsGated(this.current, last);
    if (gated && otherDown) {
      throw new BackendError(this.secondary.name, `cannot start in ${this.current} after ${last!.stage}: the cutover gate reads both sides' records, and this side is unreachable`, { cause: otherDown });
    }
    let reconciled: Replicator | null = null;
    if (last && last.primary !== routing.primary && STAGES[last.stage].secondaryWritten) {
      // The previous process wrote the other side first: bring its changes over before serving.
      if (otherDown) {
        throw new BackendError(this.secondary.name, `cannot start in ${this.current}: the last recorded primary (${last.primary}, stage ${last.stage}) is unreachable, and its changes must be reconciled first`, { cause: otherDown });
      }
      reconciled = this.makeReplicator(last.primary, (await readWatermark(this.sides[last.primary], last.primary)) ?? 0);
      await reconciled.flush();
    }
    // A start that is the move into live or complete is gated like setStage; a refusal writes nothing more.
    const forced = gated ? await this.gateStart(last!, reconciled) : undefined;
    if (otherDown) this.emit("secondary-error", { operation: "reconcile", collection: null, ids: [], error: otherDown as Error, willRetry: true, attempt: 1 });
    if (routing.secondaryWritten) await this.startReplication(reconciled !== null);
    if (last?.stage !== this.current || last.primary !== routing.primary) {
      await this.record(this.current, reconciled !== null && !otherDown, forced);
      if (last) this.emit("stage-changed", { from: last.stage, to: this.current, reconciled: reconciled !== null, ...(forced ? { forced: true } : {}) });
    }
    this.serving = true;
  }

  /**
   * The cutover gate at start (`start-gate.ts`): the latest compares, what replication left
   * pending (after the start-up reconcile `reconciled`, if one ran), and the shadow evidence the
   * processes before this one recorded. Throws {@link CutoverRefusedError} unless they hold or
   * `forceCutover`; returns what a forced start overrode.
   */
  private async gateStart(last: StageRecord, reconciled: Replicator | null): Promise<ReturnType<typeof forcedMove> | undefined> {
    const lag = reconciled ? await reconciled.lag() : await pendingAtStart(last, this.sides, this.options.batchSize);
    const { failed } = await judgeCutover([this.sides.from, this.sides.to], lag, this.thresholds());
    if (failed.length === 0) return undefined;
    if (!this.options.forceCutover) throw new CutoverRefusedError(this.current, failed, { startedAfter: last.stage });
    return forcedMove(failed);
  }

  /** The gate's thresholds, from the options. */
  private thresholds() {
    return { shadowThreshold: this.options.cutoverShadowThreshold, minShadowReads: this.options.cutoverMinShadowReads, shadowWindow: this.options.shadowWindow };
  }

  /**
   * Records this process's shadow window on the primary when it changed since the last record
   * (`records.ts`), and, unless `now`, only when `shadowEvidenceIntervalMs` has passed since.
   * A failed write is ignored: it only leaves older evidence for a later gate.
   */
  private recordEvidence(now: boolean): Promise<void> {
    this.evidenceChain = this.evidenceChain.then(() => this.writeEvidence(now));
    return this.evidenceChain;
  }

  private async writeEvidence(now: boolean): Promise<void> {
    const compared = this.recorder.shadowCompared;
    if (compared === this.evidenceAt.compared) return;
    const ms = Date.now();
    if (!now && ms - this.evidenceAt.ms < this.options.shadowEvidenceIntervalMs) return;
    const window = this.recorder.shadowWindow.snapshot();
    try {
      await writeShadowEvidence(this.primary, { instance: this.instance, stage: this.current, compared: window.compared, consistent: window.consistent }, this.now());
      this.evidenceAt = { compared, ms };
    } catch {
      // Left for the next chance; a later gate sees the older figures.
    }
  }

  /**
   * Records the stage on the primary, and on the other side too when the primary changed, so
   * either store alone tells which side was primary last.
   */
  private async record(stage: Stage, onBoth: boolean, forced?: Parameters<typeof recordStage>[4]): Promise<void> {
    await recordStage(this.primary, stage, this.primarySide, this.now(), forced);
    if (onBoth) await recordStage(this.secondary, stage, this.primarySide, this.now(), forced);
  }

  private makeReplicator(primarySide: Side, watermark: number): Replicator {
    return new Replicator(primarySide, this.sides[primarySide], this.sides[otherSide(primarySide)], watermark, {
      options: this.options,
      stats: this.recorder,
      emit: (event, ...args) => void (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      now: () => this.now(),
      afterPass: () => this.recordEvidence(false),
    });
  }

  /**
   * Starts replicating in the current direction from its stored watermark; with none (the first
   * time), from the primary's horizon now: older rows are the backfill's job. When the sides were
   * just made equal, from the horizon too.
   */
  private async startReplication(fromHorizon: boolean): Promise<void> {
    const stored = fromHorizon ? null : await readWatermark(this.primary, this.primarySide);
    const watermark = stored ?? (await this.primary.changeHorizon());
    this.replicator = this.makeReplicator(this.primarySide, watermark);
    if (stored === null) await writeWatermark(this.primary, this.primarySide, watermark, this.now());
    this.replicator.start();
  }

  /**
   * Moves to another stage at run time. A move that changes the primary (shadow -> live, or back)
   * first lets the writes under way finish while new ones wait, drains replication and reconciles
   * from the change feed, so the sides are equal when the primary changes; it is refused unless
   * both stages write the secondary. A move to `live` or `complete` is gated (`cutover-gate.ts`):
   * it throws {@link CutoverRefusedError} naming every condition that failed (latest compare of a
   * collection not zero, replication pending, shadow consistency too low or too few shadow reads,
   * judged on the durable evidence as a gated start is: see {@link cutoverFailures}) unless
   * `force`, in which case the overridden conditions are recorded in the stage record.
   * Emits `stage-changed` and records the stage on the primary.
   */
  async setStage(next: Stage, options: { force?: boolean } = {}): Promise<void> {
    await this.ready;
    this.assertOpen();
    if (!isStage(next)) throw new ValidationError("stage", [{ path: "stage", message: `must be one of ${STAGE_NAMES.join(", ")}` }]);
    if (next === this.current) return;
    const release = await this.gate.exclusive();
    const previous = this.current;
    try {
      const before = STAGES[this.current];
      const after = STAGES[next];
      if (before.primary !== after.primary && (!before.secondaryWritten || !after.secondaryWritten)) {
        throw new ValidationError("stage", [
          { path: "stage", message: `cannot move from ${this.current} to ${next}: the primary changes only between stages that write both sides` },
        ]);
      }
      await this.recordEvidence(true);
      let overridden: CutoverCondition[] = [];
      if (GATED_STAGES.includes(next)) {
        overridden = await this.cutoverFailures();
        if (overridden.length > 0 && !options.force) throw new CutoverRefusedError(next, overridden);
      }
      let reconciled = false;
      if (before.primary !== after.primary) {
        await this.replicator!.flush();
        await this.replicator!.stop();
        this.replicator = null;
        this.current = next;
        await this.startReplication(true);
        reconciled = true;
      } else if (!before.secondaryWritten && after.secondaryWritten) {
        this.current = next;
        await this.startReplication(false);
      } else if (before.secondaryWritten && !after.secondaryWritten) {
        await this.replicator!.flush();
        await this.replicator!.stop();
        this.replicator = null;
        this.current = next;
      } else {
        this.current = next;
      }
      const forced = overridden.length > 0 ? forcedMove(overridden) : undefined;
      await this.record(next, reconciled, forced);
      this.emit("stage-changed", { from: previous, to: next, reconciled, ...(forced ? { forced: true } : {}) });
    } finally {
      release();
    }
  }

  /**
   * The cutover conditions that fail now (empty: a move to `live` or `complete` would be
   * allowed). Flushes replication first. Judged as a gated start is (`judgeCutover` in
   * `start-gate.ts`): the latest compares and the durable shadow evidence of both sides over the
   * current shadow run, with this process's own record replaced by its in-memory window, so
   * the shadow reads of the processes before it count (a process restarted in `rampdown` makes
   * none). See `cutover-gate.ts`.
   */
  async cutoverFailures(): Promise<CutoverCondition[]> {
    await this.ready;
    this.assertOpen();
    await this.replicator?.flush();
    const lag = this.replicator ? await this.replicator.lag() : 0;
    return (await judgeCutover([this.sides.from, this.sides.to], lag, this.thresholds(), this.ownEvidence())).failed;
  }

  /**
   * This process's shadow evidence as it stands in memory (its window, dated at its last
   * comparison), or undefined before its first comparison.
   */
  private ownEvidence(): ShadowEvidence | undefined {
    const at = this.recorder.shadowLastMs;
    if (at === null) return undefined;
    const window = this.recorder.shadowWindow.snapshot();
    return { instance: this.instance, stage: this.current, compared: window.compared, consistent: window.consistent, at: toTimestamp(new Date(at)) };
  }

  /** Waits for every pending secondary write and reconciles up to the primary's horizon. */
  async flush(): Promise<void> {
    await this.ready;
    await this.replicator?.flush();
  }

  /**
   * Re-applies to the secondary everything the primary changed after `since` (default: the
   * durable watermark), up to the primary's change horizon. Safe to repeat.
   */
  async reconcile(options: { since?: number } = {}): Promise<PassResult | null> {
    await this.ready;
    this.assertOpen();
    if (!this.replicator) return null;
    await this.replicator.idle();
    return this.replicator.pass(options.since);
  }

  /** How many primary changes the secondary is not known to hold (0 when it is not written). */
  async lag(): Promise<number> {
    await this.ready;
    return this.replicator ? this.replicator.lag() : 0;
  }

  /** Counts, errors, latency percentiles per side and operation, shadow consistency, retries, watermark. */
  stats(): DualWriteStats {
    return this.recorder.snapshot({
      stage: this.current,
      pending: (this.replicator?.pending ?? 0) + (this.replicator?.waiting ?? 0),
      watermark: this.replicator?.watermark ?? 0,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.ready.catch(() => undefined);
    const release = await this.gate.exclusive();
    try {
      if (this.replicator) {
        await this.replicator.stop();
        await this.replicator.idle();
      }
      // Before the last pass, so the pass's watermark covers this write too.
      await this.recordEvidence(true);
      await this.replicator?.pass().catch(() => undefined);
    } finally {
      release();
      await Promise.allSettled([this.sides.from.close(), this.sides.to.close()]);
    }
  }

  // ---- reads -----------------------------------------------------------------------------

  /** Reads the row from the primary; in a shadow stage, compares a sample with the secondary in the background. */
  get<C extends CollectionName>(collection: C, id: string, options?: GetOptions): Promise<Stored<RowTypes[C]> | null> {
    return this.read("get", () => this.primary.get(collection, id, options), this.shadowStage() && ((row) => {
      if (this.shadowing(collection, () => sampleKeyOfRow(collection, row, id))) {
        this.shadow(collection, undefined, "get", async (side) => rowsOf([await side.get(collection, id)]), rowsOf([row]));
      }
    }));
  }

  getMany<C extends CollectionName>(collection: C, ids: readonly string[]): Promise<(Stored<RowTypes[C]> | null)[]> {
    return this.read("getMany", () => this.primary.getMany(collection, ids), this.shadowStage() && ((rows) => {
      if (this.shadowing(collection, () => sampleKeyOfRow(collection, rowsOf(rows).find((r) => r !== null) ?? null, ids.join(",")))) {
        this.shadow(collection, undefined, "getMany", async (side) => rowsOf(await side.getMany(collection, ids)), rowsOf(rows));
      }
    }));
  }

  /** Queries the primary; in a shadow stage, compares a sample of queries with the secondary in the background. */
  query<C extends CollectionName>(collection: C, spec: QuerySpec): Promise<Page<RowTypes[C]>> {
    return this.read("query", () => this.primary.query(collection, spec), this.shadowStage() && ((page) => {
      if (this.shadowing(collection, () => sampleKeyOfQuery(collection, spec.where))) {
        this.shadow(collection, queryShape(spec.where), "query", async (side) => rowsOf((await side.query(collection, spec)).rows), rowsOf(page.rows));
      }
    }));
  }

  /** Counts on the primary; in a shadow stage, compares a sample of counts with the secondary in the background. */
  count(collection: CollectionName, where?: readonly Filter[]): Promise<number> {
    return this.read("count", () => this.primary.count(collection, where), this.shadowStage() && ((n) => {
      if (this.shadowing(collection, () => sampleKeyOfQuery(collection, where))) {
        this.offCallerPath(() => this.shadowCount(collection, where, n));
      }
    }));
  }

  /**
   * One read on the primary, timed, then `after` with its answer (where a shadow read starts).
   * The caller gets the primary's own promise: the timing and `after` are a reaction beside the
   * caller's, registered first, so a read through the adapter takes no promise hop more than the
   * primary's own.
   */
  private read<T>(operation: string, call: () => Promise<T>, after: ((value: T) => void) | false): Promise<T> {
    if (!this.serving) return this.ready.then(() => this.read(operation, call, after));
    if (this.closed) return Promise.reject(new ClosedError("dual-write backend"));
    return this.timed(this.primarySide, operation, call, after);
  }

  async scan<C extends CollectionName>(collection: C, options: ScanOptions): Promise<Stored<RowTypes[C]>[]> {
    if (!this.serving) await this.ready;
    this.assertOpen();
    return this.primary.scan(collection, options);
  }

  async changeHorizon(): Promise<number> {
    if (!this.serving) await this.ready;
    this.assertOpen();
    return this.primary.changeHorizon();
  }

  // ---- writes ----------------------------------------------------------------------------

  insert<C extends CollectionName>(collection: C, row: RowTypes[C]): Promise<Stored<RowTypes[C]>> {
    return this.write("insert", (b, changes) => capturing(b, changes).insert(collection, row));
  }

  update<C extends CollectionName>(collection: C, row: RowTypes[C], expectedVersion: number): Promise<Stored<RowTypes[C]>> {
    return this.write("update", (b, changes) => capturing(b, changes).update(collection, row, expectedVersion));
  }

  applyReplicated<C extends CollectionName>(collection: C, rows: readonly RowTypes[C][]) {
    return this.write("applyReplicated", (b, changes) => capturing(b, changes).applyReplicated(collection, rows));
  }

  transaction<T>(fn: (tx: BackendTransaction) => Promise<T>): Promise<T> {
    return this.write("transaction", (b, changes) => b.transaction((tx) => fn(capturing(tx, changes))));
  }

  /**
   * Purges old tombstones on the primary, then on the secondary. While the secondary is written,
   * the purge runs alone (writes wait) after a flush: a purged tombstone leaves the primary's
   * change feed, so one the secondary had not received would leave the row live there for good.
   * Refused with a BackendError (nothing purged) when the secondary cannot be brought level.
   */
  async purge(options: { olderThan: string; collections?: readonly CollectionName[] }): Promise<PurgeResult> {
    await this.ready;
    this.assertOpen();
    // Alone, like a stage move: a purged tombstone leaves the primary's change feed, so every
    // tombstone must be on the secondary before the purge, and no write may add one meanwhile.
    const release = await this.gate.exclusive();
    try {
      if (this.replicator) {
        try {
          await this.replicator.flush();
        } catch (error) {
          throw new BackendError(this.secondary.name, "purge refused: the secondary does not hold every change yet, and a purged tombstone could never reach it", { cause: error });
        }
      }
      const result = await this.timed(this.primarySide, "purge", () => this.primary.purge(options));
      if (STAGES[this.current].secondaryWritten) {
        // The secondary's own operational records are its own: never purged on the primary's behalf.
        const secondaryOptions = { ...options, collections: (options.collections ?? REPLICATED_COLLECTIONS).filter((c) => !specOf(c).local) };
        await this.secondary.purge(secondaryOptions).catch((error: Error) => {
          this.emit("secondary-error", { operation: "purge", collection: null, ids: [], error, willRetry: false, attempt: 1 });
        });
      }
      return result;
    } finally {
      release();
    }
  }

  /**
   * Runs a write on the primary (noting the rows it commits), then hands those rows to
   * replication. The primary failing leaves the secondary untouched and rejects the caller.
   */
  private async write<T>(operation: string, run: (primary: Backend, changes: Change[]) => Promise<T>): Promise<T> {
    if (!this.serving) await this.ready;
    this.assertOpen();
    const release = await this.gate.shared();
    try {
      const changes: Change[] = [];
      const primary = this.primary;
      const result = await this.timed(this.primarySide, operation, () => run(primary as Backend & BackendTransaction, changes));
      if (this.replicator && changes.length > 0) {
        try {
          await this.replicator.replicate(changes);
        } catch (error) {
          throw new BackendError(this.secondary.name, "the secondary write failed after the primary committed; it will be reconciled from the change feed", { cause: error });
        }
      }
      return result;
    } finally {
      release();
    }
  }

  // ---- shadow reads ----------------------------------------------------------------------

  /** True in a stage that shadows reads (with a secondary to read): only then does a read carry a shadow step. */
  private shadowStage(): boolean {
    return STAGES[this.current].shadowReads && this.replicator !== null && this.options.shadowSample > 0;
  }

  /** True when a read is shadowed: a shadowing stage, and its user in the sample (the key is computed only then). */
  private shadowing(collection: CollectionName, key: () => string): boolean {
    const sample = this.options.shadowSample;
    // A local collection (migrationLogs: each store's own run and stage records) differs by design.
    if (specOf(collection).local) return false;
    return STAGES[this.current].shadowReads && !!this.replicator && sample > 0 && inSample(key(), sample);
  }

  /** Runs `read` on the secondary off the caller's path and compares it with the primary's rows (a sampled read). */
  private shadow(
    collection: CollectionName,
    query: string | undefined,
    operation: string,
    read: (side: Backend) => Promise<readonly (Stored | null)[]>,
    primaryRows: readonly (Stored | null)[],
  ): void {
    const secondarySide = otherSide(this.primarySide);
    const run = async () => {
      const secondaryRows = await withTimeout(this.timed(secondarySide, `shadow-${operation}`, () => read(this.secondary)), this.options.shadowTimeoutMs, "a shadow read");
      let differences = compareRows(this.options, collection, primaryRows, secondaryRows, query);
      if (differences.length > 0) {
        // Recheck once the replication started so far has landed: a row written a moment ago is
        // not a divergence. The app may write the row again meanwhile, so a recheck that still
        // differs waits for that write's replication too, a few times, within the shadow timeout.
        const recheck = async () => {
          for (let attempt = 0; attempt < SHADOW_RECHECKS && differences.length > 0; attempt++) {
            await this.settled();
            const [p, s] = await Promise.all([read(this.primary), read(this.secondary)]);
            differences = compareRows(this.options, collection, p, s, query);
          }
        };
        await withTimeout(recheck(), this.options.shadowTimeoutMs, "a shadow read");
      }
      this.recorder.shadowResult(differences.length === 0);
      for (const d of differences) this.report(d);
    };
    this.offCallerPath(run);
  }

  /**
   * Starts a shadow read a macrotask later, after the caller's own continuation: its work never
   * runs between the primary's answer and the caller getting it. A failure counts as a failed
   * shadow read; nothing starts once the backend is closed.
   */
  private offCallerPath(run: () => Promise<void>): void {
    setImmediate(() => {
      if (this.closed) return;
      run().catch(() => {
        this.recorder.shadowFailed++;
      });
    });
  }

  private async shadowCount(collection: CollectionName, where: readonly Filter[] | undefined, primaryCount: number): Promise<void> {
    const query = queryShape(where);
    try {
      let s = await withTimeout(this.secondary.count(collection, where), this.options.shadowTimeoutMs, "a shadow read");
      let p = primaryCount;
      if (s !== p) {
        await withTimeout(this.settled(), this.options.shadowTimeoutMs, "a shadow read");
        [p, s] = await Promise.all([this.primary.count(collection, where), this.secondary.count(collection, where)]);
      }
      this.recorder.shadowResult(s === p);
      if (s !== p) this.report({ collection, id: null, query, fields: ["count"], primaryVersion: null, secondaryVersion: null });
    } catch {
      this.recorder.shadowFailed++;
    }
  }

  /** Resolves once every secondary write this process started before the call has been attempted. */
  private async settled(): Promise<void> {
    await this.replicator?.settled();
  }


  private report(d: Difference): void {
    this.emit("divergence", { source: "shadow-read", ...d, primary: this.primary.name, secondary: this.secondary.name });
  }

  // ---- helpers ---------------------------------------------------------------------------

  private assertOpen(): void {
    if (this.closed) throw new ClosedError("dual-write backend");
  }

  /**
   * Runs one backend call and returns its own promise, recording its latency (and a
   * `slow-operation` event above the threshold), then running `after` with its answer (a read's
   * shadow read starts there), in a reaction registered beside the caller's and before it: the
   * caller waits no promise hop more than the call's own.
   */
  private timed<T>(side: Side, operation: string, fn: () => Promise<T>, after?: ((value: T) => void) | false): Promise<T> {
    const started = performance.now();
    let answer: Promise<T>;
    try {
      answer = fn();
    } catch (error) {
      this.finished(side, operation, started, true);
      return Promise.reject(error);
    }
    answer.then(
      after
        ? (value) => {
            this.finished(side, operation, started, false);
            try {
              after(value);
            } catch {
              this.recorder.shadowFailed++; // a shadow read that could not start; the caller has its answer
            }
          }
        : () => this.finished(side, operation, started, false),
      () => this.finished(side, operation, started, true),
    );
    return answer;
  }

  private finished(side: Side, operation: string, started: number, failed: boolean): void {
    const ms = performance.now() - started;
    this.recorder.record(side, operation, ms, failed);
    if (ms > this.options.slowOperationMs) {
      this.emit("slow-operation", { side, backend: this.sides[side].name, operation, durationMs: ms, thresholdMs: this.options.slowOperationMs });
    }
  }

  private now(): Date {
    return new Date();
  }
}

/** How many times a differing shadow read is read again after replication in flight landed. */
const SHADOW_RECHECKS = 5;

/** Rows of any collection, as the shadow comparison takes them. */
function rowsOf(rows: readonly unknown[]): readonly (Stored | null)[] {
  return rows as readonly (Stored | null)[];
}

/** Checks options and applies defaults, naming the bad option. */
function resolve(options: DualWriteOptions): ResolvedDualWriteOptions {
  const issues: { path: string; message: string }[] = [];
  if (!options || typeof options !== "object") throw new ValidationError("dualWriteBackend", [{ path: "", message: "options are required" }]);
  for (const side of ["from", "to"] as const) {
    const b = options[side] as Partial<Backend> | undefined;
    if (!b || typeof b.transaction !== "function" || typeof b.changeHorizon !== "function") issues.push({ path: side, message: "must be a Backend" });
  }
  if (options.from && options.from === options.to) issues.push({ path: "to", message: "must be another backend than from" });
  if (!isStage(options.stage)) issues.push({ path: "stage", message: `must be one of ${STAGE_NAMES.join(", ")}` });
  const merged = { ...DUAL_WRITE_DEFAULTS, ...stripUndefined(options) } as ResolvedDualWriteOptions;
  if (merged.secondaryWrites !== "sync" && merged.secondaryWrites !== "async") issues.push({ path: "secondaryWrites", message: "must be sync or async" });
  if (merged.onSecondaryFailure !== "continue" && merged.onSecondaryFailure !== "fail") issues.push({ path: "onSecondaryFailure", message: "must be continue or fail" });
  if (!(typeof merged.shadowSample === "number" && merged.shadowSample >= 0 && merged.shadowSample <= 1)) issues.push({ path: "shadowSample", message: "must be a number from 0 to 1" });
  issues.push(...cutoverThresholdIssues(merged));
  if (typeof merged.forceCutover !== "boolean") issues.push({ path: "forceCutover", message: "must be true or false" });
  for (const key of ["slowOperationMs", "shadowTimeoutMs", "secondaryTimeoutMs", "batchSize", "reconcileIntervalMs", "retryBaseMs", "retryMaxMs", "shadowWindow", "shadowEvidenceIntervalMs"] as const) {
    const v = merged[key];
    if (!(Number.isInteger(v) && v > 0)) issues.push({ path: key, message: "must be a positive whole number" });
  }
  for (const key of ["bulkLoadAbove", "asyncLingerMs"] as const) {
    if (!(Number.isInteger(merged[key]) && merged[key] >= 0)) issues.push({ path: key, message: "must be a whole number, 0 or more" });
  }
  if (issues.length > 0) throw new ValidationError("dualWriteBackend", issues);
  return merged;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Creates a dual-write backend (see {@link DualWriteBackend}).
 *
 * @example
 * ```ts
 * const backend = dualWriteBackend({
 *   from: jsonFileBackend({ dir: "./data" }),
 *   to: postgresBackend({ connectionString: process.env.DATABASE_URL }),
 *   stage: "shadow",
 *   shadowSample: 0.1,
 * });
 * backend.on("divergence", (d) => log.warn("divergence", d));
 * const store = createStore({ backend });
 * ```
 */
export function dualWriteBackend(options: DualWriteOptions): DualWriteBackend {
  return new DualWriteBackend(options);
}
