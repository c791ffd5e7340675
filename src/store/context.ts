import type { Backend, BackendReader, BackendTransaction, BackendWriter } from "../backend.js";
import type { IdGenerator } from "../model/ids.js";
import { toTimestamp, type Clock, type Timestamp } from "../model/time.js";

/**
 * What every repository works with: the backend, the operations to use (the backend itself, or
 * the open transaction), and the injected clock and id generator.
 */
export interface StoreContext {
  readonly backend: Backend;
  /** The backend, or the transaction this context runs inside. */
  readonly ops: BackendReader & BackendWriter;
  /** True inside `store.transaction`: writes join it instead of opening their own. */
  readonly inTransaction: boolean;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Read-modify-write attempts of an update without `expectedVersion`. */
  readonly updateAttempts: number;
}

/** The current time as a row timestamp. */
export function now(ctx: StoreContext): Timestamp {
  return toTimestamp(ctx.clock());
}

/**
 * Runs `fn` all-or-nothing: inside the current transaction if there is one, else in a new backend
 * transaction. Multi-row writes (cascades, appends, refreshes) go through here.
 */
export function atomically<T>(ctx: StoreContext, fn: (tx: StoreContext) => Promise<T>): Promise<T> {
  if (ctx.inTransaction) return fn(ctx);
  return ctx.backend.transaction((tx: BackendTransaction) => fn({ ...ctx, ops: tx, inTransaction: true }));
}
