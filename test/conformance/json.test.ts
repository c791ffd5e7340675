import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jsonFileBackend, type JsonFileBackend } from "../../src/backends/json/index.js";
import { runConformance } from "../../src/testing/index.js";

const dirs: string[] = [];

runConformance("json", {
  create: async () => {
    const dir = await mkdtemp(join(tmpdir(), "journal-conformance-"));
    dirs.push(dir);
    return jsonFileBackend({ dir });
  },
  reopen: async (backend) => {
    await backend.close();
    return jsonFileBackend({ dir: (backend as JsonFileBackend).dir });
  },
  cleanup: async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  },
});
