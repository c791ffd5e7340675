import { createServer, type Server, type Socket, connect } from "node:net";

/**
 * A TCP proxy on loopback in front of a real server, for fault tests: `stop()` cuts every open
 * connection and refuses new ones (the server looks unreachable), `start()` listens again on the
 * same port (the server is back), so one client sees both the outage and the recovery.
 * `delayMs` holds every client-to-server chunk that long before forwarding it (a slow link).
 */
export interface TcpProxy {
  /** The port clients connect to (stable across stop/start). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  url(url: string): string;
  /** Cuts every open connection and stops accepting new ones. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Sets the client-to-server delay in ms (0: forward at once). */
  setDelay(ms: number): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) forwarding to `target`. */
export async function startTcpProxy(target: { host: string; port: number }, options: { delayMs?: number } = {}): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let delayMs = options.delayMs ?? 0;
  let accepted = 0;
  let server: Server | null = null;
  let port = 0;

  const handle = (client: Socket) => {
    accepted++;
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", cut).on("close", cut);
    upstream.on("error", cut).on("close", cut);
    upstream.on("data", (chunk) => client.write(chunk));
    // Chunks keep their order whatever the delay: each waits for the one before it.
    let tail = Promise.resolve();
    client.on("data", (chunk) => {
      const wait = delayMs;
      tail = tail.then(async () => {
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (!upstream.destroyed) upstream.write(chunk);
      });
    });
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(handle);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        s.off("error", reject);
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const stop = async () => {
    const s = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    url(url: string) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    stop,
    async start() {
      if (!server) await listen();
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    close: stop,
  };
}

/** Host and port of a PostgreSQL URL (defaults as libpq has them). */
export function hostOf(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 5432) };
}
