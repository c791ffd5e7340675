import cliProgress from "cli-progress";
import type { SyncProgress } from "../sync/options.js";
import type { OutputStream } from "./io.js";

/**
 * Progress on stderr. On a terminal: a live bar per operation and collection (cli-progress), with
 * rows/s and ETA. Otherwise (a log file, CI): a plain line per collection when it starts, then at
 * most every `intervalMs`, and its last figures when the run stops.
 */

/** Receives sync progress and draws it. */
export interface Progress {
  update(p: SyncProgress): void;
  /** Draws the last state and releases the terminal. */
  stop(): void;
}

interface Track {
  started: number;
  read: number;
  total: number;
  printedAt: number;
  printedRead: number;
  bar?: cliProgress.SingleBar;
}

/** The progress display for `stream` (a bar when it is a terminal, plain lines otherwise). */
export function createProgress(stream: OutputStream, intervalMs: number, now: () => number = Date.now): Progress {
  const tracks = new Map<string, Track>();
  const multi = stream.isTTY
    ? new cliProgress.MultiBar(
        {
          stream: stream as NodeJS.WritableStream,
          format: " {label} [{bar}] {value}/{total} rows | {rate} rows/s | ETA {eta_formatted}",
          hideCursor: true,
          clearOnComplete: false,
          etaBuffer: 50,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const line = (key: string, t: Track) => {
    const seconds = Math.max(0.001, (now() - t.started) / 1000);
    const rate = Math.round(t.read / seconds);
    const left = t.total > t.read && rate > 0 ? `, ETA ${Math.ceil((t.total - t.read) / rate)}s` : "";
    stream.write(`${key}: ${t.read}/${t.total} rows (${rate} rows/s${left})\n`);
    t.printedAt = now();
    t.printedRead = t.read;
  };
  return {
    update(p) {
      const key = `${p.operation} ${p.collection}`;
      let t = tracks.get(key);
      const total = Math.max(p.total, p.read);
      if (!t) {
        t = { started: now(), read: 0, total, printedAt: 0, printedRead: -1 };
        tracks.set(key, t);
        if (multi) t.bar = multi.create(total, 0, { label: key.padEnd(28), rate: 0 });
        else line(key, t);
      }
      t.read = p.read;
      t.total = total;
      if (t.bar) {
        const seconds = Math.max(0.001, (now() - t.started) / 1000);
        t.bar.setTotal(total);
        t.bar.update(p.read, { rate: Math.round(p.read / seconds) });
      } else if (now() - t.printedAt >= intervalMs) line(key, t);
    },
    stop() {
      if (multi) multi.stop();
      else for (const [key, t] of tracks) if (t.printedRead !== t.read) line(key, t);
      tracks.clear();
    },
  };
}
