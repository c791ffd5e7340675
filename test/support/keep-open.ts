import type { Backend } from "../../src/backend.js";

/**
 * A view of `backend` whose `close()` does nothing, so several stores (or a dual-write backend
 * that closes its sides) can share one open backend and the owner closes it once, at the end.
 */
export function keepOpen(backend: Backend): Backend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop === "close") return async () => {};
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
