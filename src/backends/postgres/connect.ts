import type pg from "pg";
import { type Driver, type DriverSettings, clientDriver, isPGlite, isPool, pgliteDriver, poolDriver } from "./driver.js";
import { type ConnectionErrorListener, type PoolSettings, createPool, guardPool } from "./pool.js";

/**
 * Where a driver's connections come from: a URL (the driver creates its own pool with `settings`
 * and ends it on close), or a client the caller made and owns (a node-postgres Pool or Client, or
 * PGlite), which the driver never closes; `preparedStatements: false` applies to it too.
 */
export type ConnectionSource =
  | { url: string; settings: Required<PoolSettings> }
  | { client: unknown; preparedStatements?: boolean };

/** How the driver of `source` runs statements (see {@link DriverSettings}). */
function driverSettings(source: ConnectionSource): DriverSettings {
  if ("url" in source) {
    const { preparedStatements, transactionPooling, statementTimeoutMs } = source.settings;
    return { preparedStatements, transactionTimeoutMs: transactionPooling ? statementTimeoutMs : 0 };
  }
  return { preparedStatements: source.preparedStatements ?? true, transactionTimeoutMs: 0 };
}

/**
 * The driver for `source`, or null when `client` is none of the clients the backend accepts (each
 * caller reports that in its own words). The one place that decides which driver runs a
 * connection: the backend and `migrate()` both come here. `onError` hears connection errors no
 * call is waiting on; pools always get a listener (a no-op by default) so a terminated idle
 * connection never crashes the process, a caller's single Client only when `onError` is given.
 */
export function driverFor(source: ConnectionSource, onError?: ConnectionErrorListener): Driver | null {
  const listener = onError ?? (() => {});
  const settings = driverSettings(source);
  if ("url" in source) return poolDriver(createPool(source.url, source.settings, listener), true, settings);
  const client = source.client;
  if (isPGlite(client)) return pgliteDriver(client);
  if (isPool(client)) return poolDriver(guardPool(client, listener), false, settings);
  if (client && typeof (client as pg.Client).query === "function") {
    if (onError) (client as pg.Client).on?.("error", onError);
    return clientDriver(client as pg.Client, settings);
  }
  return null;
}
