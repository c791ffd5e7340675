import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { configFromEnv, ENV_VARIABLES, redactUrl, type EnvSource, type StoreConfig } from "../../src/env.js";
import { ConfigError, JournalStoreError } from "../../src/errors.js";
import { STAGE_NAMES, type Stage } from "../../src/model/stages.js";

// configFromEnv is pure: these cases never touch a disk or a server.

const DIR = "data/journal";
const URL_ = "postgres://app:s3cr3t-Pa55@db.internal:5432/journal";
const SECRET = "s3cr3t-Pa55";
/** Enough for every stage: the rule under test is the stage, the rest only has to be valid. */
const BOTH = { JOURNAL_STORE_JSON_DIR: DIR, DATABASE_URL: URL_ };

function rejected(env: EnvSource): ConfigError {
  try {
    configFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(JournalStoreError);
    expect((error as ConfigError).code).toBe("CONFIG");
    return error as ConfigError;
  }
  throw new Error(`accepted ${JSON.stringify(Object.keys(env))}`);
}

describe("the stage rule", () => {
  it("nothing set but the JSON directory: off, JSON only", () => {
    expect(configFromEnv({ JOURNAL_STORE_JSON_DIR: DIR })).toEqual({ stage: "off", json: { dir: DIR }, postgres: null, dualWrite: null });
  });

  const flags: [string | undefined, boolean | undefined][] = [
    [undefined, undefined],
    ["", undefined],
    ["true", true],
    ["1", true],
    ["TRUE", true],
    [" True ", true],
    ["false", false],
    ["0", false],
    ["FALSE", false],
  ];
  const stages: (Stage | undefined)[] = [undefined, ...STAGE_NAMES];
  const writesBoth: Record<Stage, boolean> = { off: false, "dual-write": true, shadow: true, live: true, rampdown: true, complete: false };

  for (const [flag, meaning] of flags) {
    for (const stage of stages) {
      const expected: Stage | "contradiction" =
        stage === undefined ? (meaning ? "dual-write" : "off") : meaning === undefined || meaning === writesBoth[stage] ? stage : "contradiction";
      it(`ENABLE_DUAL_WRITE=${JSON.stringify(flag)} JOURNAL_STORE_STAGE=${stage ?? "(unset)"} -> ${expected}`, () => {
        const env = { ...BOTH, ENABLE_DUAL_WRITE: flag, JOURNAL_STORE_STAGE: stage };
        if (expected === "contradiction") {
          const error = rejected(env);
          expect(error.issues).toHaveLength(1);
          expect(error.issues[0]!.variables).toEqual(["ENABLE_DUAL_WRITE", "JOURNAL_STORE_STAGE"]);
          expect(error.message).toContain("ENABLE_DUAL_WRITE");
          expect(error.message).toContain("JOURNAL_STORE_STAGE");
          expect(error.message).toContain(`stage ${stage}`);
        } else {
          expect(configFromEnv(env).stage).toBe(expected);
        }
      });
    }
  }

  it("each stage uses exactly the sides it needs", () => {
    const sides = (c: StoreConfig) => [c.json !== null, c.postgres !== null, c.dualWrite !== null];
    expect(sides(configFromEnv({ ...BOTH, JOURNAL_STORE_STAGE: "off" }))).toEqual([true, false, false]);
    for (const stage of ["dual-write", "shadow", "live", "rampdown"] as const) {
      expect(sides(configFromEnv({ ...BOTH, JOURNAL_STORE_STAGE: stage })), stage).toEqual([true, true, true]);
    }
    expect(sides(configFromEnv({ ...BOTH, JOURNAL_STORE_STAGE: "complete" }))).toEqual([false, true, false]);
  });

  it("the JSON directory is required in every stage but complete, DATABASE_URL in every stage but off", () => {
    for (const stage of STAGE_NAMES) {
      const noDir = stage === "complete" ? null : rejected({ DATABASE_URL: URL_, JOURNAL_STORE_STAGE: stage });
      if (noDir) {
        expect(noDir.variables).toEqual(["JOURNAL_STORE_JSON_DIR"]);
        expect(noDir.message).toContain(`JOURNAL_STORE_JSON_DIR: is required in stage ${stage}`);
      } else {
        expect(configFromEnv({ DATABASE_URL: URL_, JOURNAL_STORE_STAGE: stage }).json).toBeNull();
      }
      const noUrl = stage === "off" ? null : rejected({ JOURNAL_STORE_JSON_DIR: DIR, JOURNAL_STORE_STAGE: stage });
      if (noUrl) {
        expect(noUrl.variables).toEqual(["DATABASE_URL"]);
        expect(noUrl.message).toContain(`DATABASE_URL: is required in stage ${stage}`);
      } else {
        expect(configFromEnv({ JOURNAL_STORE_JSON_DIR: DIR, JOURNAL_STORE_STAGE: stage }).postgres).toBeNull();
      }
    }
    expect(rejected({ ENABLE_DUAL_WRITE: "true" }).variables).toEqual(["JOURNAL_STORE_JSON_DIR", "DATABASE_URL"]);
  });
});

describe("every variable, good and bad", () => {
  /** [variable, accepted raw values with what they become, rejected raw values, where the value lands]. */
  const cases: [string, [string, unknown][], string[], (c: StoreConfig) => unknown][] = [
    ["ENABLE_DUAL_WRITE", [["true", "dual-write"], ["1", "dual-write"], ["false", "off"], ["0", "off"], [" TRUE ", "dual-write"]], ["yes", "on", "2", "-1", "truee", "t", "01"], (c) => c.stage],
    [
      "JOURNAL_STORE_STAGE",
      [...STAGE_NAMES.map((s): [string, unknown] => [s, s]), ["SHADOW", "shadow"], [" live ", "live"]],
      ["dual_write", "dualwrite", "on", "primary", "shadow,live"],
      (c) => c.stage,
    ],
    ["JOURNAL_STORE_JSON_DIR", [["./data", "./data"], ["/var/lib/journal", "/var/lib/journal"], [" data ", "data"]], ["a\0b"], (c) => c.json?.dir],
    [
      "DATABASE_URL",
      [
        [URL_, URL_],
        ["postgresql://localhost/journal", "postgresql://localhost/journal"],
        ["postgres:///journal?host=/var/run/postgresql", "postgres:///journal?host=/var/run/postgresql"],
      ],
      ["mysql://app:pw@db/journal", "db.internal:5432/journal", "not a url", "http://db/journal", "postgres://app:%zz@db/journal"],
      (c) => c.postgres?.connectionString,
    ],
    ["DB_POOL_SIZE", [["1", 1], ["20", 20], ["10000", 10_000]], ["0", "10001", "-1", "1.5", "abc", "1e2", "0x10", "20 connections"], (c) => c.postgres?.poolSize],
    ["DB_STATEMENT_TIMEOUT_MS", [["0", 0], ["30000", 30_000], ["2147483647", 2_147_483_647]], ["-1", "2147483648", "1.5", "30s", "NaN"], (c) => c.postgres?.statementTimeoutMs],
    ["DB_PREPARED_STATEMENTS", [["true", true], ["false", false], ["0", false], ["TRUE", true]], ["yes", "off", "2"], (c) => c.postgres?.preparedStatements],
    ["DB_TRANSACTION_POOLING", [["1", true], ["false", false]], ["on", "transaction"], (c) => c.postgres?.transactionPooling],
    ["DB_PERFORMANCE_TARGET_MS", [["1", 1], ["50", 50], ["2147483647", 2_147_483_647]], ["0", "-5", "2147483648", "50ms", "0.5"], (c) => c.dualWrite?.slowOperationMs],
    ["JOURNAL_STORE_SHADOW_SAMPLE", [["0", 0], ["1", 1], ["0.05", 0.05], [".5", 0.5], ["1.0", 1]], ["1.01", "-0.1", "2", "5%", "1e-1", "half", "0.5.1"], (c) => c.dualWrite?.shadowSample],
    ["JOURNAL_STORE_SECONDARY_WRITES", [["sync", "sync"], ["async", "async"], ["ASYNC", "async"]], ["both", "asynchronous", "true"], (c) => c.dualWrite?.secondaryWrites],
    ["JOURNAL_STORE_FORCE_CUTOVER", [["true", true], ["1", true], ["false", false], ["0", false], [" TRUE ", true]], ["yes", "force", "2", "-1"], (c) => c.forceCutover],
  ];

  /** A base in which every variable counts: dual-write needs both sides and carries the dual-write settings. */
  const base = (name: string): Record<string, string> =>
    name === "ENABLE_DUAL_WRITE" ? BOTH : name === "JOURNAL_STORE_STAGE" ? { ...BOTH, JOURNAL_STORE_STAGE: "off" } : { ...BOTH, JOURNAL_STORE_STAGE: "dual-write" };

  it("covers every variable configFromEnv reads", () => {
    expect(cases.map((c) => c[0]).sort()).toEqual([...ENV_VARIABLES].sort());
  });

  for (const [name, good, bad, read] of cases) {
    it(`${name}: accepted values`, () => {
      for (const [raw, expected] of good) expect(read(configFromEnv({ ...base(name), [name]: raw })), raw).toEqual(expected);
    });

    it(`${name}: every invalid value fails naming the variable and what it accepts`, () => {
      for (const raw of bad) {
        const error = rejected({ ...base(name), [name]: raw });
        expect(error.variables, raw).toEqual([name]);
        expect(error.message, raw).toMatch(new RegExp(`${name}: must be \\S`));
        // never the value given: the message names the variable, not what it was set to
        if (raw.trim().length > 2) expect(error.message, raw).not.toContain(raw.trim());
      }
    });
  }

  it("an empty or blank value counts as unset", () => {
    const blank = { ...BOTH, JOURNAL_STORE_STAGE: "dual-write", DB_POOL_SIZE: "", DB_STATEMENT_TIMEOUT_MS: "  ", JOURNAL_STORE_SHADOW_SAMPLE: "" };
    const config = configFromEnv(blank);
    expect(config.postgres?.poolSize).toBeUndefined();
    expect(config.postgres?.statementTimeoutMs).toBeUndefined();
    expect(config.dualWrite).toEqual({});
  });

  it("unset values stay unset, so each component applies its own default", () => {
    const config = configFromEnv({ ...BOTH, JOURNAL_STORE_STAGE: "shadow" });
    expect({ ...config.postgres }).toEqual({ redactedUrl: "postgres://app:***@db.internal:5432/journal" });
    expect(config.dualWrite).toEqual({});
  });

  it("variables of a side the stage does not use are still checked, and otherwise ignored", () => {
    expect(rejected({ JOURNAL_STORE_JSON_DIR: DIR, DB_POOL_SIZE: "many" }).variables).toEqual(["DB_POOL_SIZE"]);
    expect(rejected({ JOURNAL_STORE_JSON_DIR: DIR, DATABASE_URL: "mysql://db/x" }).variables).toEqual(["DATABASE_URL"]);
    expect(configFromEnv({ JOURNAL_STORE_JSON_DIR: DIR, DATABASE_URL: URL_, DB_POOL_SIZE: "5", JOURNAL_STORE_SHADOW_SAMPLE: "1" })).toEqual({
      stage: "off",
      json: { dir: DIR },
      postgres: null,
      dualWrite: null,
    });
    expect(configFromEnv({ DATABASE_URL: URL_, JOURNAL_STORE_STAGE: "complete", JOURNAL_STORE_JSON_DIR: DIR, JOURNAL_STORE_SECONDARY_WRITES: "async" })).toMatchObject({
      json: null,
      dualWrite: null,
    });
  });

  it("reports every bad variable at once, in documentation order", () => {
    const error = rejected({ JOURNAL_STORE_SECONDARY_WRITES: "later", DB_POOL_SIZE: "0", ENABLE_DUAL_WRITE: "maybe", JOURNAL_STORE_SHADOW_SAMPLE: "2" });
    expect(error.variables).toEqual(["ENABLE_DUAL_WRITE", "DB_POOL_SIZE", "JOURNAL_STORE_SHADOW_SAMPLE", "JOURNAL_STORE_SECONDARY_WRITES"]);
    expect(error.issues.map((i) => i.message)).toEqual([
      "must be true, false, 1 or 0",
      "must be a whole number from 1 to 10000",
      "must be a decimal number from 0 to 1 (such as 0.05)",
      "must be sync or async",
    ]);
  });

  it("a value that is not a string is refused like any other bad value", () => {
    const env = { ...BOTH, JOURNAL_STORE_STAGE: "dual-write", DB_POOL_SIZE: 5 } as unknown as EnvSource;
    expect(rejected(env).variables).toEqual(["DB_POOL_SIZE"]);
  });

  it("reads only the object's own variables, never its prototype's", () => {
    const inherited = Object.create({ ENABLE_DUAL_WRITE: "true", DATABASE_URL: URL_ }) as Record<string, string>;
    inherited.JOURNAL_STORE_JSON_DIR = DIR;
    expect(configFromEnv(inherited).stage).toBe("off");
  });

  it("defaults to process.env", () => {
    const saved = process.env.JOURNAL_STORE_JSON_DIR;
    process.env.JOURNAL_STORE_JSON_DIR = "from-process-env";
    try {
      expect(configFromEnv().json?.dir).toBe("from-process-env");
    } finally {
      if (saved === undefined) delete process.env.JOURNAL_STORE_JSON_DIR;
      else process.env.JOURNAL_STORE_JSON_DIR = saved;
    }
  });
});

describe("the password in DATABASE_URL", () => {
  it("never appears in a configuration error, whatever else is wrong", () => {
    const urls = [
      URL_,
      `postgres://app:${SECRET}@db.internal/journal?sslmode=require`,
      `postgres://app@db.internal/journal?password=${SECRET}`,
      `mysql://app:${SECRET}@db.internal/journal`,
      `postgres://app:${SECRET}@db.internal:99999/journal`,
      `postgres://app:${SECRET}%zz@db/journal`,
      `app:${SECRET}@db.internal/journal`,
    ];
    for (const url of urls) {
      const error = rejected({ DATABASE_URL: url, JOURNAL_STORE_STAGE: "shadow", ENABLE_DUAL_WRITE: "false", DB_POOL_SIZE: "x" });
      const everything = [error.message, error.stack, inspect(error, { depth: null, showHidden: true }), JSON.stringify(error)].join("\n");
      expect(everything, url).not.toContain(SECRET);
      expect(error.cause, url).toBeUndefined();
    }
  });

  it("is kept out of the configuration when it is logged or serialised", () => {
    const config = configFromEnv({ ...BOTH, JOURNAL_STORE_STAGE: "dual-write", DB_POOL_SIZE: "5" });
    expect(config.postgres?.connectionString).toBe(URL_);
    expect(JSON.stringify(config)).not.toContain(SECRET);
    expect(inspect(config, { depth: null })).not.toContain(SECRET);
    expect(`${JSON.stringify({ ...config.postgres })}`).not.toContain(SECRET);
    expect(config.postgres).toMatchObject({ redactedUrl: "postgres://app:***@db.internal:5432/journal", poolSize: 5 });
  });

  it("redactUrl hides the user password and secret query parameters, and keeps the rest", () => {
    expect(redactUrl(URL_)).toBe("postgres://app:***@db.internal:5432/journal");
    expect(redactUrl(`postgres://app:${SECRET}@h/db?sslmode=require&password=${SECRET}&sslpassword=${SECRET}`)).toBe(
      "postgres://app:***@h/db?sslmode=require&password=***&sslpassword=***",
    );
    expect(redactUrl("postgres://app@h/db")).toBe("postgres://app@h/db");
    expect(redactUrl(`not a url with ${SECRET}`)).toBe("***");
  });
});

