import { BackendError, ValidationError } from "../../errors.js";
import { BULK_DEFAULTS } from "./replicate.js";
import { driverFor } from "./connect.js";
import type { Driver } from "./driver.js";
import { BACKEND_NAME } from "./errors.js";
import { PgOperations } from "./operations.js";
import type { ConnectionErrorListener, PoolSettings } from "./pool.js";
import { checkConnectionString } from "./url.js";

/**
 * Read replicas with read-your-writes. Reads outside a transaction go to a streaming replica;
 * writes and transactions go to the primary. After a write the backend notes the primary's WAL
 * position (`pg_current_wal_lsn()` after the commit), and a replica serves a read only once it has
 * replayed past the latest one (`pg_last_wal_replay_lsn()`), else the primary does: a process
 * never reads older data than it wrote, without guessing a delay. A replica that is down, fails a
 * read, or lags more than `replicaMaxLagMs` behind is skipped until a later check finds it well.
 */

/** Options of the replicas (part of `postgresBackend`'s options). */
export interface ReplicaOptions {
  /** URLs of streaming replicas of the primary; each gets a pool like the primary's. Default none. */
  replicas?: readonly string[];
  /** A replica further behind than this (ms of replay lag) is skipped until it catches up. Default 10000. */
  replicaMaxLagMs?: number;
  /** How often every replica's replay position, lag and health are checked, in ms. Default 1000. */
  replicaCheckMs?: number;
}

/** The defaults of {@link ReplicaOptions}: the one place they are written. */
export const REPLICA_DEFAULTS = {
  /** A replica lagging more than 10 s behind is passed over. */
  replicaMaxLagMs: 10_000,
  /** Replicas are checked every second. */
  replicaCheckMs: 1_000,
} as const;

/** Where reads went, per target, and why some did not go to a replica. */
export interface ReplicaStats {
  /** Reads served, by target: `primary` and each replica's label (`host:port/database`). */
  reads: Record<string, number>;
  /** Reads that went to the primary although replicas are configured (none was usable). */
  fallbacks: number;
  /** Per replica label: how often it was passed over because it was down, failing or lagging past the bound. */
  skipped: Record<string, number>;
  /** Per replica label: reads that waited for it to replay the process's last write and went elsewhere. */
  behind: Record<string, number>;
  /** The replicas as last checked. */
  replicas: {
    /** The replica's label, `host:port/database` (never a password). */
    label: string;
    /** Whether the last check reached it and found it usable. */
    healthy: boolean;
    /** Its replay lag at the last check, in milliseconds. */
    lagMs: number;
  }[];
}

/** A WAL position `X/Y` as a number. */
export function parseLsn(text: string): bigint {
  const [hi, lo] = text.split("/");
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

/** `host:port/database` of a URL: never its user or password. */
function labelOf(url: string, index: number): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    return `replica-${index + 1}`;
  }
}

function whole(name: keyof ReplicaOptions, value: number | undefined, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ValidationError("config", [{ path: name, message: `must be an integer >= ${min}` }]);
  }
  return value;
}

interface Replica {
  label: string;
  driver: Driver;
  ops: PgOperations;
  healthy: boolean;
  replayLsn: bigint;
  lagMs: number;
  probing?: Promise<void>;
}

const PROBE = `SELECT COALESCE(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text AS "lsn",
  CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0
       ELSE COALESCE(extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000, 0) END::float8 AS "lag"`;

/** Routes reads between the primary and its replicas; see the module comment. */
export class ReplicaRouter {
  private readonly replicas: Replica[];
  private readonly maxLagMs: number;
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private lastWrite = 0n;
  private writeUnknown = false;
  private next = 0;
  private readonly counts = { reads: { primary: 0 } as Record<string, number>, fallbacks: 0, skipped: {} as Record<string, number>, behind: {} as Record<string, number> };

  constructor(
    private readonly primary: Driver,
    private readonly primaryOps: PgOperations,
    options: ReplicaOptions,
    settings: Required<PoolSettings>,
    guard: () => void,
    onError: ConnectionErrorListener,
  ) {
    const urls = options.replicas ?? [];
    if (!Array.isArray(urls) || urls.some((u) => typeof u !== "string")) {
      throw new ValidationError("config", [{ path: "replicas", message: "must be an array of connection strings" }]);
    }
    urls.forEach((url, i) => checkConnectionString(url, `replicas[${i}]`));
    this.maxLagMs = whole("replicaMaxLagMs", options.replicaMaxLagMs, 0, REPLICA_DEFAULTS.replicaMaxLagMs);
    const checkMs = whole("replicaCheckMs", options.replicaCheckMs, 10, REPLICA_DEFAULTS.replicaCheckMs);
    const readOnly = () => Promise.reject(new BackendError(BACKEND_NAME, "a replica takes no writes"));
    this.replicas = urls.map((url, i) => {
      const driver = driverFor({ url, settings }, onError)!;
      const label = labelOf(url, i);
      this.counts.reads[label] = 0;
      this.counts.skipped[label] = 0;
      this.counts.behind[label] = 0;
      return { label, driver, ops: new PgOperations(driver, readOnly, guard, false, BULK_DEFAULTS), healthy: true, replayLsn: 0n, lagMs: 0 };
    });
    if (this.replicas.length > 0) {
      for (const r of this.replicas) void this.probe(r);
      this.timer = setInterval(() => this.replicas.forEach((r) => void this.probe(r)), checkMs);
      this.timer.unref?.();
    }
  }

  /** Checks one replica's replay position and lag; a failure marks it down until a later check succeeds. */
  private probe(r: Replica): Promise<void> {
    r.probing ??= (async () => {
      try {
        const rows = await r.driver.query<{ lsn: string; lag: number }>(PROBE, []);
        r.replayLsn = parseLsn(rows[0]!.lsn);
        r.lagMs = Number(rows[0]!.lag);
        r.healthy = true;
      } catch {
        r.healthy = false;
      } finally {
        r.probing = undefined;
      }
    })();
    return r.probing;
  }

  /** After a write committed on the primary: notes its WAL position (only when replicas exist). */
  async noteWrite(): Promise<void> {
    if (this.replicas.length === 0) return;
    try {
      const rows = await this.primary.query<{ lsn: string }>(`SELECT pg_current_wal_lsn()::text AS "lsn"`, []);
      const lsn = parseLsn(rows[0]!.lsn);
      if (lsn > this.lastWrite) this.lastWrite = lsn;
      this.writeUnknown = false;
    } catch {
      // Position unknown: read from the primary until a later write's position is known.
      this.writeUnknown = true;
    }
  }

  /** Runs a read on a usable replica, else on the primary; a replica that fails is skipped and the primary answers. */
  async read<T>(fn: (ops: PgOperations) => Promise<T>): Promise<T> {
    const n = this.replicas.length;
    if (n > 0 && !this.writeUnknown) {
      const start = this.next;
      this.next = (start + 1) % n;
      for (let i = 0; i < n; i++) {
        const r = this.replicas[(start + i) % n]!;
        if (!r.healthy || r.lagMs > this.maxLagMs) {
          this.counts.skipped[r.label]!++;
          continue;
        }
        if (r.replayLsn < this.lastWrite) {
          await this.probe(r);
          if (!r.healthy || r.replayLsn < this.lastWrite) {
            this.counts.behind[r.label]!++;
            continue;
          }
        }
        try {
          const result = await fn(r.ops);
          this.counts.reads[r.label]!++;
          return result;
        } catch (error) {
          if (!(error instanceof BackendError)) throw error;
          r.healthy = false;
          this.counts.skipped[r.label]!++;
        }
      }
      this.counts.fallbacks++;
    }
    const result = await fn(this.primaryOps);
    this.counts.reads.primary!++;
    return result;
  }

  /** A copy of the counters and the replicas' last known state. */
  stats(): ReplicaStats {
    return {
      reads: { ...this.counts.reads },
      fallbacks: this.counts.fallbacks,
      skipped: { ...this.counts.skipped },
      behind: { ...this.counts.behind },
      replicas: this.replicas.map((r) => ({ label: r.label, healthy: r.healthy, lagMs: r.lagMs })),
    };
  }

  /** Stops the checks and ends the replicas' pools. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.replicas.map(async (r) => {
      await r.probing?.catch(() => undefined);
      await r.driver.close();
    }));
  }
}
