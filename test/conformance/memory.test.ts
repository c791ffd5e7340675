import { memoryBackend } from "../../src/index.js";
import { runConformance } from "../../src/testing/index.js";

runConformance("memory", { create: async () => memoryBackend() });
