import type { Backend } from "../backend.js";
import { engineBackend } from "../engine/engine-backend.js";
import { Engine } from "../engine/engine.js";

/**
 * The in-memory backend: the engine alone. The reference implementation of the Backend contract,
 * and a fast store for an app's own tests. Nothing survives `close()`.
 *
 * @example
 * ```ts
 * const store = createStore({ backend: memoryBackend() });
 * ```
 */
export function memoryBackend(): Backend {
  return engineBackend("memory", new Engine({ name: "memory" }), async () => {});
}
