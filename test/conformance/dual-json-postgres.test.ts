import { afterAll } from "vitest";
import { migrate } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { dualTarget, jsonSide, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";

// Dual write JSON -> PostgreSQL (JSON primary, shadow reads on PostgreSQL for every read), in
// both secondary-write modes; after every case both sides must hold identical rows.
// A case that makes a second copy runs it over the spare sides.
const url = useTestDatabase(async (u) => void (await migrate(u)));
const spareUrl = useTestDatabase(async (u) => void (await migrate(u)));
const json = jsonSide();
const spareJson = jsonSide();
afterAll(() => Promise.all([json.dispose(), spareJson.dispose()]));
const spare = { from: spareJson, to: postgresSide(spareUrl) };

runConformance("dual-write json->postgres (sync)", dualTarget(json, postgresSide(url), { stage: "shadow", shadowSample: 1 }, spare));
runConformance("dual-write json->postgres (async)", dualTarget(json, postgresSide(url), { stage: "shadow", shadowSample: 1, secondaryWrites: "async" }, spare));
