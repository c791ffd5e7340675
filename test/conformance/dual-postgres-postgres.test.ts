import { migrate } from "../../src/backends/postgres/index.js";
import { runConformance } from "../../src/testing/index.js";
import { dualTarget, postgresSide } from "../support/dual.js";
import { useTestDatabase } from "../support/postgres.js";

// Dual write between two PostgreSQL databases (a database move), in the shadow stage.
const a = useTestDatabase(async (u) => void (await migrate(u)));
const b = useTestDatabase(async (u) => void (await migrate(u)));
// A case that makes a second copy runs it over these.
const spareA = useTestDatabase(async (u) => void (await migrate(u)));
const spareB = useTestDatabase(async (u) => void (await migrate(u)));

runConformance("dual-write postgres->postgres", dualTarget(postgresSide(a), postgresSide(b), { stage: "shadow", shadowSample: 1 }, { from: postgresSide(spareA), to: postgresSide(spareB) }));
