/**
 * What a failed or lost connection says, in words an operator can act on: "could not connect to
 * 10.0.0.5:5432 (ECONNREFUSED)", "login refused: password authentication failed for user "app"",
 * "database "journal" does not exist". Built from the error's code, its address fields and, for
 * the errors PostgreSQL sends while a connection starts, the server's own text: those name a
 * user, a database or a client host, never a password or a row value. Nothing here ever sees
 * the connection string.
 */

interface ConnectionErrorShape {
  code?: unknown;
  message?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  errors?: unknown;
}

const text = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** The server's message, one line and bounded, for the start-up errors below. */
function serverText(e: ConnectionErrorShape): string {
  const message = text(e.message) ?? "";
  return message.replace(/[\u0000-\u001f\u007f]+/g, " ").trim().slice(0, 300);
}

/** `host:port` of a refused socket connection: on the error, or on each attempt of an AggregateError (IPv6 and IPv4). */
function endpoint(e: ConnectionErrorShape): string | undefined {
  const attempts = Array.isArray(e.errors) && e.errors.length ? (e.errors as ConnectionErrorShape[]) : [e];
  const places = attempts.flatMap((a) => {
    const address = text(a.address);
    if (!address) return [];
    const host = address.includes(":") ? `[${address}]` : address;
    return [typeof a.port === "number" ? `${host}:${a.port}` : host];
  });
  return places.length ? [...new Set(places)].join(", ") : undefined;
}

/** SQLSTATEs PostgreSQL sends while a connection starts, with what they mean. */
function startupFailure(code: string, e: ConnectionErrorShape): string | undefined {
  const said = serverText(e);
  if (code.startsWith("28")) return `login refused: ${said || "authentication failed"} (SQLSTATE ${code})`;
  if (code === "3D000") return `${said || "the database does not exist"} (SQLSTATE ${code})`;
  if (code === "53300") return `the server accepts no more connections: ${said} (SQLSTATE ${code})`;
  if (code === "57P03") return `the server is not accepting connections now (starting up or shutting down) (SQLSTATE ${code})`;
  if (code === "08P01" && /unsupported startup parameter/i.test(said)) {
    // PgBouncer's words: it takes no statement_timeout (or options) at connection start.
    return `a connection pooler refused the connection: ${said} (SQLSTATE ${code}); behind PgBouncer in transaction mode, set transactionPooling: true`;
  }
  return undefined;
}

const REFUSED = new Set(["ECONNREFUSED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL", "EHOSTDOWN"]);
const UNRESOLVED = new Set(["ENOTFOUND", "EAI_AGAIN", "EAI_FAIL", "EAI_NONAME"]);

/**
 * The description of `error` when it is a connection failure (could not connect, could not log
 * in, connection lost or timed out), else undefined: a statement's own errors are described by
 * `mapError`.
 */
export function connectionFailure(error: unknown): string | undefined {
  const e = (error ?? {}) as ConnectionErrorShape;
  const code = text(e.code);
  const message = text(e.message) ?? "";
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const startup = startupFailure(code, e);
    if (startup) return startup;
    if (code.startsWith("08") || code === "57P01" || code === "57P02") return `connection to PostgreSQL lost or refused (SQLSTATE ${code})`;
  }
  if (code && /^E[A-Z_]+$/.test(code)) {
    if (REFUSED.has(code)) {
      const where = endpoint(e);
      return `could not connect${where ? ` to ${where}` : ""} (${code})`;
    }
    if (UNRESOLVED.has(code)) {
      const host = text(e.hostname);
      return `could not resolve host${host ? ` ${host}` : ""} (${code})`;
    }
    return `connection to PostgreSQL lost or failed (${code})`;
  }
  if (/timeout exceeded when trying to connect/i.test(message)) {
    return "no connection within the connection timeout (server unreachable or slow, or every pooled connection busy)";
  }
  if (/connection timeout|timeout expired/i.test(message)) return "could not connect within the connection timeout";
  if (/Connection terminated|Client has encountered a connection error|Client was closed/i.test(message)) {
    return "connection to PostgreSQL lost";
  }
  return undefined;
}
