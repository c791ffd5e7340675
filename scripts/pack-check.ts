/**
 * `npm run check:pack`: the package exactly as a user gets it. Packs the built package (run
 * `npm run build` first), installs the tarball into a fresh project under the OS temp directory,
 * and checks there:
 *
 * - publint finds nothing (not even a suggestion);
 * - arethetypeswrong resolves every entry under node10, node16 (CJS and ESM) and bundler, the one
 *   intended exception being `./testing` from CommonJS (it is ESM only, see EXPECTED_ATTW);
 * - every entry imports from ESM, `.` and `./postgres` load with require(), and require() of
 *   `./testing` is refused by the exports map (ERR_PACKAGE_PATH_NOT_EXPORTED);
 * - `migrate()` from the installed `@journal/store/postgres` finds the shipped `drizzle/` folder
 *   inside the installed package (ESM and CJS builds) and migrates a database created for this
 *   run on DATABASE_URL's server (dropped afterwards), and a store works on it;
 * - jsonFileSource's hashing threads work from the installed package (ESM and CJS builds): the
 *   shipped worker module answers a task, and a threaded digest equals the one-thread digest
 *   with no warning;
 * - a TypeScript consumer compiles under `moduleResolution` node16 (an ESM and a CJS file) and
 *   bundler (scripts/pack-consumer/).
 *
 * Peer dependencies (pg, drizzle-orm, vitest and their types) are linked from this repository's
 * node_modules rather than downloaded again, and TypeScript is this repository's, so the check
 * needs no network beyond npm's cache and takes seconds. Needs DATABASE_URL (a user allowed to
 * CREATE DATABASE); without it the check fails rather than skipping the migration step.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { createDatabase } from "../test/support/pg-client.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const consumerFixtures = join(import.meta.dirname, "pack-consumer");

/** Linked from this repository into the consumer project: the optional peers and their types. */
const LINKED_PEERS = ["pg", "drizzle-orm", "vitest", "@types/node", "@types/pg"];

/**
 * The arethetypeswrong findings that are intended. `./testing` runs the conformance suite inside
 * vitest, which cannot be loaded from CommonJS, so the entry has no `require` condition and a
 * CommonJS consumer under node16 cannot resolve it, on purpose. Every other finding fails the
 * check, and so does this one going missing (a CJS path for `./testing` would be back).
 */
const EXPECTED_ATTW = [{ kind: "NoResolution", entrypoint: "./testing", resolutionKind: "node16-cjs" }];

interface AttwProblem {
  kind: string;
  entrypoint?: string;
  resolutionKind?: string;
}

/** What scripts/pack-consumer/hash-threads-check.mjs reports when the hashing threads work. */
const HASH_THREADS_OK = { workerReply: { finished: true }, sameDigest: true, warnings: [] };

/** Thrown by a failed check: its message is printed as the reason. */
class CheckFailed extends Error {}

function expectEqual(what: string, actual: unknown, expected: unknown): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new CheckFailed(`${what}: expected ${e}, got ${a}`);
}

/** Runs a command; on failure the error carries its output, so the reason is printed. */
async function sh(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  try {
    const { stdout } = await run(file, args, { ...options, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new CheckFailed(`${[file, ...args].join(" ")} failed\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

/** Seconds since `started` (a performance.now() reading), for the log. */
function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}

/** Runs one named check, printing it with its duration, or with the reason it failed. */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    console.log(`ok   ${name} (${seconds(started)})`);
    return result;
  } catch (error) {
    console.log(`FAIL ${name}\n${error instanceof CheckFailed ? error.message : String((error as Error)?.stack ?? error)}`);
    throw new CheckFailed(name);
  }
}

/** Awaits every check, even after one failed (so each failure is printed), then fails if any did. */
async function all(checks: Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(checks)).filter((r) => r.status === "rejected");
  if (failed.length > 0) throw (failed[0] as PromiseRejectedResult).reason;
}

/** The last stdout line of a consumer script, as JSON. */
function lastJsonLine(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split("\n").pop() ?? "null") as Record<string, unknown>;
}

async function lint(tarball: string): Promise<void> {
  const bytes = await readFile(tarball);
  const { messages, pkg } = await publint({ pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) }, strict: true });
  if (messages.length > 0) {
    throw new CheckFailed(`publint:\n${messages.map((m) => `  ${m.type}: ${formatMessage(m, pkg)}`).join("\n")}`);
  }
}

async function typesCheck(tarball: string, entrypoints: string[]): Promise<void> {
  const bin = join(dirname(realpathSync(join(root, "node_modules/@arethetypeswrong/cli/package.json"))), "dist/index.js");
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [bin, tarball, "--format", "json"], { cwd: root, maxBuffer: 64 * 1024 * 1024 }));
  } catch (error) {
    // attw exits 1 whenever it reports a problem; the JSON on stdout says which.
    stdout = (error as { stdout?: string }).stdout ?? "";
    if (!stdout.trim()) throw new CheckFailed(`attw failed: ${(error as Error).message}`);
  }
  const result = JSON.parse(stdout) as { analysis: { entrypoints: Record<string, unknown>; problems: AttwProblem[] } };
  expectEqual("entries checked by attw", Object.keys(result.analysis.entrypoints).sort(), [...entrypoints].sort());
  const key = (p: AttwProblem) => `${p.kind} ${p.entrypoint ?? ""} ${p.resolutionKind ?? ""}`;
  expectEqual("attw findings (only the ESM-only testing entry from CJS is intended)", result.analysis.problems.map(key).sort(), EXPECTED_ATTW.map(key).sort());
}

async function install(tarball: string, project: string): Promise<void> {
  await writeFile(join(project, "package.json"), `${JSON.stringify({ name: "journal-store-pack-consumer", version: "0.0.0", private: true }, null, 2)}\n`);
  // --legacy-peer-deps: the peers are linked below, and without it npm fetches the metadata of
  // every optional peer of drizzle-orm and vitest (about a hundred packages) only to skip them.
  await sh(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", "--legacy-peer-deps", tarball],
    { cwd: project },
  );
  for (const name of LINKED_PEERS) {
    const source = join(root, "node_modules", name);
    if (!existsSync(source)) throw new CheckFailed(`${name} is not installed in this repository (run npm install)`);
    await mkdir(dirname(join(project, "node_modules", name)), { recursive: true });
    await symlink(source, join(project, "node_modules", name), "junction");
  }
  await cp(consumerFixtures, project, { recursive: true });
}

async function compile(project: string, tsconfig: string): Promise<void> {
  await sh(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", tsconfig], { cwd: project });
}

async function runtime(project: string, adminUrl: string): Promise<void> {
  const installedMigrations = realpathSync(join(project, "node_modules/@journal/store/drizzle"));
  const journal = JSON.parse(readFileSync(join(root, "drizzle/meta/_journal.json"), "utf8")) as { entries: { tag: string }[] };
  const db = await createDatabase(adminUrl, "journal_store_pack");
  try {
    const env = { ...process.env, PACK_CHECK_DATABASE_URL: db.url };
    const esm = lastJsonLine(await sh(process.execPath, ["esm.mjs"], { cwd: project, env }));
    expectEqual("ESM: core refuses bad input with its ValidationError", esm.refused, true);
    expectEqual("ESM: testing entry exports", esm.testing, true);
    expectEqual("ESM: migrations folder found by defaultMigrationsFolder()", realpathSync(String(esm.folder)), installedMigrations);
    expectEqual("ESM: migrate() on a fresh database applies every shipped migration", esm.applied, journal.entries.map((e) => e.tag));
    expectEqual("ESM: a second migrate() applies nothing", esm.reapplied, []);
    expectEqual("ESM: a PostgreSQL store round trip", esm.roundTrip, true);
    expectEqual("ESM: jsonFileSource's hashing threads (shipped worker, threaded digest = one-thread digest, no warning)", esm.threads, HASH_THREADS_OK);
    const cjs = lastJsonLine(await sh(process.execPath, ["cjs.cjs"], { cwd: project, env }));
    expectEqual("CJS: core refuses bad input with its ValidationError", cjs.refused, true);
    expectEqual("CJS: require('@journal/store/testing') is refused by the exports map", cjs.testing, "ERR_PACKAGE_PATH_NOT_EXPORTED");
    expectEqual("CJS: migrations folder found by defaultMigrationsFolder()", realpathSync(String(cjs.folder)), installedMigrations);
    expectEqual("CJS: migrate() finds the database up to date", cjs.reapplied, []);
    expectEqual("CJS: jsonFileSource's hashing threads (shipped worker, threaded digest = one-thread digest, no warning)", cjs.threads, HASH_THREADS_OK);
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    throw new CheckFailed("check:pack needs DATABASE_URL (a PostgreSQL user allowed to CREATE DATABASE): it runs migrate() from the installed package");
  }
  if (!existsSync(join(root, "dist/index.js"))) throw new CheckFailed("dist/ is missing: run npm run build first");
  const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  const entrypoints = Object.keys(manifest.exports);

  const started = performance.now();
  const work = await mkdtemp(join(tmpdir(), "journal-store-pack-"));
  try {
    const tarball = await step("npm pack", async () => {
      const [packed] = JSON.parse(await sh("npm", ["pack", "--json", "--pack-destination", work], { cwd: root })) as { filename: string }[];
      return join(work, packed!.filename);
    });
    const project = join(work, "consumer");
    await mkdir(project);
    await all([
      step("publint", () => lint(tarball)),
      step("attw: every entry resolves under node10, node16 and bundler (./testing: ESM only)", () => typesCheck(tarball, entrypoints)),
      (async () => {
        await step("install the tarball into a fresh project", () => install(tarball, project));
        await all([
          step("TypeScript consumer, moduleResolution node16 (ESM and CJS files)", () => compile(project, "tsconfig.node16.json")),
          step("TypeScript consumer, moduleResolution bundler", () => compile(project, "tsconfig.bundler.json")),
          step("ESM import and CJS require of each entry; migrate() from the installed package", () => runtime(project, adminUrl)),
        ]);
      })(),
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.log(`pack check passed in ${seconds(started)}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof CheckFailed ? `pack check failed: ${error.message}` : error);
  process.exit(1);
});
