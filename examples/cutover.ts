/**
 * The whole cutover, on a JSON store and an embedded PostgreSQL (PGlite in-process, or the server
 * in DATABASE_URL when set): the app's own files (examples/legacy-app.ts) imported into the JSON
 * store with `importLegacy`, dual write, a backfill while a live writer keeps writing, compare, a
 * planted divergence caught by a shadow read and repaired, the stages walked to `live` and back.
 * Run by `npm run demo` after the tour; `--json` prints the summary as JSON.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  backfill,
  compare,
  createStore,
  CutoverRefusedError,
  dualWriteBackend,
  importLegacy,
  jsonFileBackend,
  repair,
  type Backend,
  type DivergenceEvent,
  type Stage,
} from "../src/index.js";
import { writeLegacyApp } from "./legacy-app.js";

/** Opens the PostgreSQL side: PGlite in this process, or DATABASE_URL's server (a fresh schema). */
async function openPostgres(): Promise<{ backend: Backend; label: string; dispose(): Promise<void> }> {
  const { migrate, postgresBackend } = await import("../src/backends/postgres/index.js");
  const url = process.env.DATABASE_URL;
  if (url) {
    const pg = (await import("pg")).default;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const name = `journal_store_demo_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(url);
    u.pathname = `/${name}`;
    await migrate(u.toString());
    return {
      backend: postgresBackend({ connectionString: u.toString(), poolSize: 4 }),
      label: "PostgreSQL server (DATABASE_URL)",
      async dispose() {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
  const { drizzle } = await import("drizzle-orm/pglite");
  const client = new PGlite({ extensions: { pg_trgm } });
  await migrate(drizzle({ client }));
  return { backend: postgresBackend({ db: drizzle({ client }) }), label: "PGlite (embedded PostgreSQL, in this process)", dispose: () => client.close() };
}

/** Runs the cutover and returns its summary. `say` prints a line of the story. */
export async function runCutover(say: (line: string) => void) {
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), "journal-store-cutover-"));
  const appDir = await mkdtemp(join(tmpdir(), "journal-app-data-"));
  const pg = await openPostgres();
  const json = jsonFileBackend({ dir });
  try {
    // 1. The app's own files, as it writes them today, imported losslessly into the JSON store.
    const written = await writeLegacyApp(appDir);
    const report = await importLegacy({ dir: appDir, into: json, timezone: "Europe/Paris" });
    const imported = report.files.map((f) => ({ file: f.file, written: written[f.file] ?? 0, read: f.read, imported: f.imported, notImported: f.skipped.length }));
    for (const f of imported) say(`1. import ${f.file}: ${f.read} read, ${f.imported} imported, ${f.notImported} not imported`);
    // The app is single-user: every imported row belongs to the one user the import created.
    const owner = report.userId;

    // 2. Dual write on: JSON stays primary, PostgreSQL receives every new write.
    const backend = dualWriteBackend({ from: json, to: pg.backend, stage: "dual-write", shadowSample: 1, shadowWindow: 200, cutoverMinShadowReads: 100, reconcileIntervalMs: 200 });
    const divergences: DivergenceEvent[] = [];
    backend.on("divergence", (d) => divergences.push(d));
    const store = createStore({ backend });
    await backend.whenReady();
    say(`2. dual write on: JSON primary, ${pg.label} secondary`);

    // 3. A live writer keeps writing while the backfill copies the history.
    let writing = true;
    let liveWrites = 0;
    const writer = (async () => {
      while (writing) {
        const e = await store.entries.create({ userId: owner, content: `live write ${liveWrites}` });
        if (liveWrites % 3 === 0) await store.entries.update(e.id, { mood: 5 });
        liveWrites++;
      }
    })();
    const copied = await backfill({
      source: json,
      target: pg.backend,
      batchSize: 200,
      onProgress: (p) => say(`   backfill ${p.collection}: ${p.read}/${p.total}`),
    });
    writing = false;
    await writer;
    await backend.flush();
    const moved = Object.values(copied.collections).reduce((n, c) => n + c.read, 0);
    say(`3. backfill: ${moved} rows at ${copied.rowsPerSecond} rows/s while ${liveWrites} live writes went on`);
    // What PostgreSQL now holds: the imported rows, and the entries the live writer added.
    const onPostgres: Record<string, number> = {};
    for (const collection of ["users", "topics", "journalEntries", "chatSessions", "messages"] as const) onPostgres[collection] = await pg.backend.count(collection);
    say(`   on PostgreSQL: ${Object.entries(onPostgres).map(([c, n]) => `${n} ${c}`).join(", ")}`);

    // 4. Compare: both sides row by row.
    const first = await compare({ source: json, target: pg.backend, settle: backend });
    say(`4. compare: ${first.divergences.length} divergences`);

    // 5. Shadow reads; a divergence planted on PostgreSQL is caught by a read and repaired.
    await backend.setStage("shadow");
    const victim = (await store.entries.list({ userId: owner, limit: 1 })).items[0]!;
    const { changeSeq: _local, ...raw } = (await pg.backend.get("journalEntries", victim.id))!;
    await pg.backend.update("journalEntries", { ...raw, favorite: !raw.favorite }, raw.version); // same version, other content
    await store.entries.list({ userId: owner, limit: 20 });
    // Shadow reads compare in the background: give this one up to 2 s to report.
    for (let i = 0; i < 200 && divergences.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const caught = divergences[0];
    say(`5. shadow read caught: ${caught ? `${caught.collection} ${caught.id} at ${caught.fields.join(", ")}` : "nothing"}`);
    const fixed = await repair({ source: json, target: pg.backend, settle: backend, force: true });
    say(`   repair: ${fixed.repaired} row(s) repaired, ${fixed.unresolved.length} unresolved`);

    // 6. The cutover gate: PostgreSQL may serve only once compare is clean, nothing is pending and
    // enough recent shadow reads agree: here only the couple of reads of step 5 were compared
    // (one of them the planted divergence), fewer than the 100 the gate asks for.
    let refusal = "";
    try {
      await backend.setStage("live");
    } catch (error) {
      if (!(error instanceof CutoverRefusedError)) throw error;
      refusal = error.failed.map((f) => f.condition).join(", ");
      say(`6. the gate refused live (${refusal}): ${error.failed.map((f) => f.message).join("; ")}`);
    }
    // A window of consistent shadow reads, as the app's own traffic would give.
    const windowSize = backend.stats().shadow.window.size;
    for (let reads = 0; reads < windowSize; reads++) await store.entries.list({ userId: owner, limit: 20 });
    await backend.flush();
    for (let i = 0; i < 500 && backend.stats().shadow.window.consistencyRate < 1; i++) await new Promise((r) => setTimeout(r, 10));

    // The stages to live, one back, and forward again.
    const walked: Stage[] = [];
    for (const stage of ["live", "shadow", "live"] as const) {
      await backend.setStage(stage);
      walked.push(stage);
      await store.entries.create({ userId: owner, content: `written in ${stage}` });
    }
    await backend.flush();
    const last = await compare({ source: json, target: pg.backend, settle: backend });
    say(`7. stages: ${walked.join(" -> ")}; PostgreSQL now serves reads; compare: ${last.divergences.length} divergences`);

    const stats = backend.stats();
    const summary = {
      postgres: pg.label,
      legacyImport: imported,
      onPostgresAfterBackfill: onPostgres,
      rowsMoved: moved,
      backfillRowsPerSecond: copied.rowsPerSecond,
      liveWritesDuringBackfill: liveWrites,
      divergencesFound: first.divergences.length + (caught ? 1 : 0),
      divergencesRepaired: fixed.repaired,
      remainingDivergences: last.divergences.length,
      shadowConsistency: stats.shadow.consistencyRate,
      shadowReadsCompared: stats.shadow.compared,
      gateRefusedFirst: refusal,
      stage: backend.stage,
      p50Ms: { json: stats.sides.from.insert?.p50Ms ?? 0, postgres: stats.sides.to.replicate?.p50Ms ?? 0 },
      p99Ms: { json: stats.sides.from.insert?.p99Ms ?? 0, postgres: stats.sides.to.replicate?.p99Ms ?? 0 },
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
    await backend.close();
    return summary;
  } finally {
    await json.close().catch(() => undefined);
    await pg.dispose();
    await rm(dir, { recursive: true, force: true });
    await rm(appDir, { recursive: true, force: true });
  }
}
