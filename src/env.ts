import { z } from "zod";
import type { Backend } from "./backend.js";
import { jsonFileBackend } from "./backends/json/index.js";
import { DualWriteBackend, dualWriteBackend } from "./dual-write/index.js";
import type { SecondaryWrites } from "./dual-write/options.js";
import { gateCompleteStart } from "./dual-write/start-gate.js";
import { BackendError, ConfigError, type ConfigIssue } from "./errors.js";
import { STAGE_NAMES, STAGES, type Side, type Stage } from "./model/stages.js";
import { createStore, type Store, type StoreOptions } from "./store/create-store.js";

/**
 * The one place configuration is read: environment variables in, a validated
 * {@link StoreConfig} out ({@link configFromEnv}), and from it a ready store
 * ({@link createStoreFromEnv}). Everything below takes options only. The reference of every
 * variable is docs/configuration.md.
 */

/** Where variables are read from: `process.env`, or any object of the same shape. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** The PostgreSQL side of a {@link StoreConfig}. */
export interface PostgresConfig {
  /**
   * `DATABASE_URL` as given. Not enumerable, so logging or serialising the config never prints
   * it; show {@link PostgresConfig.redactedUrl} instead.
   */
  readonly connectionString: string;
  /** `DATABASE_URL` with its password (in the user part or a query parameter) replaced by `***`. */
  readonly redactedUrl: string;
  /** `DB_POOL_SIZE`; undefined when unset: the backend's default (20) applies. */
  readonly poolSize?: number;
  /** `DB_STATEMENT_TIMEOUT_MS` (0 = none); undefined when unset: the backend's default (30000) applies. */
  readonly statementTimeoutMs?: number;
  /** `DB_PREPARED_STATEMENTS`; false behind a transaction-mode pooler (PgBouncer). Default true. */
  readonly preparedStatements?: boolean;
  /** `DB_TRANSACTION_POOLING`; true behind a transaction-mode pooler: the timeout is set per transaction. Default false. */
  readonly transactionPooling?: boolean;
}

/** The dual-write settings of a {@link StoreConfig}; undefined fields take `DUAL_WRITE_DEFAULTS`. */
export interface DualWriteConfig {
  /** `JOURNAL_STORE_SECONDARY_WRITES`. */
  readonly secondaryWrites?: SecondaryWrites;
  /** `JOURNAL_STORE_SHADOW_SAMPLE`. */
  readonly shadowSample?: number;
  /** `DB_PERFORMANCE_TARGET_MS`. */
  readonly slowOperationMs?: number;
}

/** A validated configuration: which stage, and the settings of each side the stage uses. */
export interface StoreConfig {
  /** The cutover stage (see `STAGES`). */
  readonly stage: Stage;
  /** The JSON-file store: every stage but `complete`; null when the stage does not use it. */
  readonly json: {
    /** The store's directory (JOURNAL_STORE_JSON_DIR). */
    readonly dir: string;
  } | null;
  /** PostgreSQL: every stage but `off`; null when the stage does not use it. */
  readonly postgres: PostgresConfig | null;
  /** Stages that write both sides (`dual-write` to `rampdown`); null otherwise. */
  readonly dualWrite: DualWriteConfig | null;
  /**
   * `JOURNAL_STORE_FORCE_CUTOVER`: start even when the start is a cutover the gate refuses (into
   * `live` or `complete`); the stage record keeps what was overridden. Undefined when unset:
   * `DUAL_WRITE_DEFAULTS.forceCutover` (false) applies.
   */
  readonly forceCutover?: boolean;
}

// ---- the schema: one entry per variable, with what it accepts ---------------------------

const MAX_INT4 = 2_147_483_647;

const choice = <T extends string>(values: readonly T[]) =>
  z.string().transform((v) => v.toLowerCase()).pipe(z.enum(values as [T, ...T[]]));
const flag = { accepts: "true, false, 1 or 0", schema: choice(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1") };
const wholeNumber = (min: number, max: number) =>
  z.string().regex(/^\d{1,10}$/).transform(Number).pipe(z.number().int().min(min).max(max));

/** Every variable: the schema of a set (non-empty) value and, for errors, what it accepts. */
const VARIABLES = {
  ENABLE_DUAL_WRITE: flag,
  JOURNAL_STORE_STAGE: { accepts: `one of ${STAGE_NAMES.join(", ")}`, schema: choice(STAGE_NAMES) },
  JOURNAL_STORE_JSON_DIR: { accepts: "a directory path, without NUL characters", schema: z.string().refine((v) => !v.includes("\0")) },
  DATABASE_URL: { accepts: "a postgres:// or postgresql:// URL", schema: z.string().refine(isPostgresUrl) },
  DB_POOL_SIZE: { accepts: "a whole number from 1 to 10000", schema: wholeNumber(1, 10_000) },
  DB_STATEMENT_TIMEOUT_MS: { accepts: `a whole number of milliseconds from 0 (no timeout) to ${MAX_INT4}`, schema: wholeNumber(0, MAX_INT4) },
  DB_PREPARED_STATEMENTS: flag,
  DB_TRANSACTION_POOLING: flag,
  DB_PERFORMANCE_TARGET_MS: { accepts: `a whole number of milliseconds from 1 to ${MAX_INT4}`, schema: wholeNumber(1, MAX_INT4) },
  JOURNAL_STORE_SHADOW_SAMPLE: {
    accepts: "a decimal number from 0 to 1 (such as 0.05)",
    schema: z.string().regex(/^\d{0,10}\.?\d{1,20}$/).transform(Number).pipe(z.number().min(0).max(1)),
  },
  JOURNAL_STORE_SECONDARY_WRITES: { accepts: "sync or async", schema: choice(["sync", "async"] as const) },
  JOURNAL_STORE_FORCE_CUTOVER: flag,
} as const;

type Name = keyof typeof VARIABLES;
type Parsed = { -readonly [N in Name]?: z.output<(typeof VARIABLES)[N]["schema"]> };

/** Surrounding spaces are dropped, and a blank value counts as unset. */
const trimmed = (raw: unknown): unknown => (typeof raw !== "string" ? raw : raw.trim() === "" ? undefined : raw.trim());

/** Each variable: trimmed, blank means unset, then its own schema. One object, one parse. */
const SCHEMA = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, v]) => [name, z.preprocess(trimmed, v.schema.optional())])) as unknown as {
    [N in Name]: z.ZodType<Parsed[N]>;
  },
);

/** Names of every variable {@link configFromEnv} reads, in documentation order. */
export const ENV_VARIABLES = Object.keys(VARIABLES) as readonly Name[];

// ---- configFromEnv ------------------------------------------------------------------------

/**
 * Reads and validates the configuration, touching nothing else (no file, no connection), so the
 * CLI and tests can reuse it. Every bad value is collected into one {@link ConfigError} naming
 * each variable and what it accepts, never the value given; then the rules between variables
 * are checked the same way.
 *
 * The stage: `JOURNAL_STORE_STAGE` when set; else `dual-write` when `ENABLE_DUAL_WRITE` is true;
 * else `off`. When both are set they must agree: `ENABLE_DUAL_WRITE` true exactly for the stages
 * that write both sides. `JOURNAL_STORE_JSON_DIR` is required in every stage but `complete`,
 * `DATABASE_URL` in every stage but `off`.
 *
 * @example
 * ```ts
 * const config = configFromEnv({ JOURNAL_STORE_JSON_DIR: "./data" });
 * config.stage; // "off"
 * ```
 */
export function configFromEnv(env: EnvSource = process.env): StoreConfig {
  const picked = Object.fromEntries(ENV_VARIABLES.map((name) => [name, Object.hasOwn(env, name) ? env[name] : undefined]));
  const result = SCHEMA.safeParse(picked);
  const issues: ConfigIssue[] = [];
  if (!result.success) {
    const bad = new Set(result.error.issues.map((i) => String(i.path[0])));
    for (const name of ENV_VARIABLES) if (bad.has(name)) issues.push({ variables: [name], message: `must be ${VARIABLES[name].accepts}` });
    throw new ConfigError(issues);
  }
  const v = result.data as Parsed;
  const stage: Stage = v.JOURNAL_STORE_STAGE ?? (v.ENABLE_DUAL_WRITE ? "dual-write" : "off");
  const routing = STAGES[stage];
  if (v.JOURNAL_STORE_STAGE !== undefined && v.ENABLE_DUAL_WRITE !== undefined && v.ENABLE_DUAL_WRITE !== routing.secondaryWritten) {
    issues.push({
      variables: ["ENABLE_DUAL_WRITE", "JOURNAL_STORE_STAGE"],
      message: v.ENABLE_DUAL_WRITE
        ? `disagree: ENABLE_DUAL_WRITE is true but stage ${stage} writes one side only; unset ENABLE_DUAL_WRITE or choose a stage that writes both sides`
        : `disagree: ENABLE_DUAL_WRITE is false but stage ${stage} writes both sides; unset ENABLE_DUAL_WRITE or choose off or complete`,
    });
  }
  const json = uses(stage, "from");
  const postgres = uses(stage, "to");
  if (json && v.JOURNAL_STORE_JSON_DIR === undefined) {
    issues.push({ variables: ["JOURNAL_STORE_JSON_DIR"], message: `is required in stage ${stage}: set it to ${VARIABLES.JOURNAL_STORE_JSON_DIR.accepts}` });
  }
  if (postgres && v.DATABASE_URL === undefined) {
    issues.push({ variables: ["DATABASE_URL"], message: `is required in stage ${stage}: set it to ${VARIABLES.DATABASE_URL.accepts}` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    stage,
    json: json ? { dir: v.JOURNAL_STORE_JSON_DIR! } : null,
    postgres: postgres
      ? postgresConfig(v.DATABASE_URL!, {
          poolSize: v.DB_POOL_SIZE,
          statementTimeoutMs: v.DB_STATEMENT_TIMEOUT_MS,
          preparedStatements: v.DB_PREPARED_STATEMENTS,
          transactionPooling: v.DB_TRANSACTION_POOLING,
        })
      : null,
    dualWrite:
      json && postgres
        ? { secondaryWrites: v.JOURNAL_STORE_SECONDARY_WRITES, shadowSample: v.JOURNAL_STORE_SHADOW_SAMPLE, slowOperationMs: v.DB_PERFORMANCE_TARGET_MS }
        : null,
    ...(v.JOURNAL_STORE_FORCE_CUTOVER !== undefined ? { forceCutover: v.JOURNAL_STORE_FORCE_CUTOVER } : {}),
  };
}

/** Whether `stage` reads or writes `side` at all. */
function uses(stage: Stage, side: Side): boolean {
  return STAGES[stage].primary === side || STAGES[stage].secondaryWritten;
}

function postgresConfig(url: string, options: Omit<PostgresConfig, "connectionString" | "redactedUrl">): PostgresConfig {
  const config = { redactedUrl: redactUrl(url), ...options };
  Object.defineProperty(config, "connectionString", { value: url, enumerable: false });
  return config as PostgresConfig;
}

function isPostgresUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") return false;
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    return true;
  } catch {
    return false;
  }
}

/** Query parameters of a connection URL that carry a secret. */
const SECRET_PARAMS = /pass|secret|key|token/i;

/**
 * `url` with every secret replaced by `***`: the password of the user part and query
 * parameters such as `password` or `sslpassword`. For log lines and CLI output.
 */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return "***";
  const u = new URL(url);
  if (u.password) u.password = "***";
  for (const key of [...u.searchParams.keys()]) if (SECRET_PARAMS.test(key)) u.searchParams.set(key, "***");
  return u.toString();
}

// ---- createStoreFromEnv -------------------------------------------------------------------

/**
 * Creates the store the environment describes (see {@link configFromEnv} and
 * docs/configuration.md) and waits until it serves, so a bad directory, a refused connection or
 * a missing schema fails here rather than on the first request.
 *
 * - `off`: a plain `jsonFileBackend`; `pg` is not loaded.
 * - `complete`: a plain `postgresBackend`.
 * - any other stage: `dualWriteBackend({ from: json, to: postgres, stage, ... })`, which is then
 *   `store.backend` (listen to its events there).
 *
 * A start that is itself a cutover move (into `live` after `off`, `dual-write` or `shadow`; into
 * `complete` after any other stage recorded) is gated like `setStage`: it rejects with
 * `CutoverRefusedError` naming each failed condition unless they hold or
 * `JOURNAL_STORE_FORCE_CUTOVER` is true. At `complete` the gate reads PostgreSQL and, only for
 * that first start, the JSON directory read-only when `JOURNAL_STORE_JSON_DIR` is still set.
 *
 * `pg` is imported (dynamically) only when the stage uses PostgreSQL, so a JSON-only app does not
 * need it installed. Run `migrate()` on the database before a stage that uses it. `options` are
 * the rest of {@link createStore}'s options (`clock`, `ids`, `updateAttempts`).
 *
 * @example
 * ```ts
 * const store = await createStoreFromEnv();
 * if (store.backend instanceof DualWriteBackend) store.backend.on("divergence", (d) => log.warn(d));
 * ```
 */
export async function createStoreFromEnv(env: EnvSource = process.env, options: Omit<StoreOptions, "backend"> = {}): Promise<Store> {
  const config = configFromEnv(env);
  // At complete the JSON store is no side of the backend; the start gate may still read it once.
  const jsonDir = config.stage === "complete" ? configuredJsonDir(env) : undefined;
  const backend = await backendFor(config);
  try {
    if (backend instanceof DualWriteBackend) await backend.whenReady();
    else if (config.stage === "complete") await gateCompleteStart({ to: backend, openFrom: jsonDir ? () => jsonFileBackend({ dir: jsonDir, readOnly: true }) : null, force: config.forceCutover });
  } catch (error) {
    await backend.close().catch(() => undefined);
    throw error;
  }
  return createStore({ ...options, backend });
}

/**
 * The backend of a validated configuration. Every configured store must answer first (a wrong
 * password, a missing schema or a JSON directory another process holds is a deployment error);
 * only then does a dual-write backend start, so a start that fails records no stage. An outage
 * after that is dual write's to ride out.
 */
async function backendFor(config: StoreConfig): Promise<Backend> {
  const json = config.json ? () => jsonFileBackend({ dir: config.json!.dir }) : null;
  const postgres = config.postgres ? await postgresFactory(config.stage, config.postgres) : null;
  const stores: Backend[] = [];
  try {
    if (json) stores.push(json());
    if (postgres) stores.push(postgres());
    for (const store of stores) await store.changeHorizon();
    if (stores.length === 1) return stores[0]!;
    const [from, to] = stores as [Backend, Backend];
    return dualWriteBackend({ from, to, stage: config.stage, ...config.dualWrite, forceCutover: config.forceCutover });
  } catch (error) {
    await Promise.allSettled(stores.map((s) => s.close()));
    throw error;
  }
}

/** Loads the PostgreSQL entry (and so `pg`) and returns a factory of its backend. */
async function postgresFactory(stage: Stage, config: PostgresConfig): Promise<() => Backend> {
  let mod: typeof import("./backends/postgres/index.js");
  try {
    mod = await import("./backends/postgres/index.js");
  } catch (error) {
    throw new BackendError("postgres", `stage ${stage} needs PostgreSQL: install the optional peer dependencies pg and drizzle-orm`, { cause: error });
  }
  const { connectionString, poolSize, statementTimeoutMs, preparedStatements, transactionPooling } = config;
  return () => mod.postgresBackend({ connectionString, poolSize, statementTimeoutMs, preparedStatements, transactionPooling });
}

/** `JOURNAL_STORE_JSON_DIR` as {@link configFromEnv} accepted it (trimmed), or undefined when unset or blank. */
function configuredJsonDir(env: EnvSource): string | undefined {
  const raw = Object.hasOwn(env, "JOURNAL_STORE_JSON_DIR") ? env.JOURNAL_STORE_JSON_DIR : undefined;
  return raw?.trim() || undefined;
}
