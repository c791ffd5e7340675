import { JournalStoreError, UsageError } from "../errors.js";
import type { Command } from "./command.js";
import { COMMANDS, DEFAULT_COMMAND } from "./commands/index.js";
import { EXIT, type CliIo, type ExitCode } from "./io.js";
import { passwordsOf, redacting, redactor } from "./redact.js";
import { VERSION } from "./version.js";

/** The program's name, as installed by the package's `bin`. */
export const PROGRAM = "journal-store-backfill";

/**
 * Runs `journal-store-backfill` with `argv` (the words after the program name) and returns its
 * exit code: 0 consistent, 1 divergences remain, 2 usage or configuration error, 3 runtime
 * failure or interrupted. Errors are printed on `io.stderr` and mapped to those codes here;
 * everything written goes through a redactor, so a password given in a URL (flag or
 * DATABASE_URL) never appears. Touches nothing but `io`; `bin.ts` is the only door to `process`.
 *
 * @example
 * ```ts
 * const code = await run(["--mode", "compare", "--from", "json:./data"], { stdout, stderr, env: { DATABASE_URL: url } });
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCode> {
  const secrets = [...argv.flatMap((a) => passwordsOf(a.replace(/^--[\w-]+=/, ""))), ...passwordsOf(io.env.DATABASE_URL)];
  const redact = redactor(secrets);
  const safe: CliIo = { ...io, stdout: redacting(io.stdout, redact), stderr: redacting(io.stderr, redact), redact };
  try {
    const [first, ...rest] = argv;
    if (first === "--version" || first === "-v") {
      safe.stdout.write(`${VERSION}\n`);
      return EXIT.consistent;
    }
    if (first === undefined ? false : first === "--help" || first === "-h" || first === "help") {
      const topic = first === "help" && rest[0] ? COMMANDS[rest[0]] : undefined;
      safe.stdout.write(helpOf(topic ?? DEFAULT_COMMAND));
      return EXIT.consistent;
    }
    const command = first !== undefined && !first.startsWith("-") ? COMMANDS[first] : DEFAULT_COMMAND;
    if (!command) throw new UsageError("", `unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(", ")}; see --help)`);
    const args = command === DEFAULT_COMMAND ? argv : rest;
    if (args.includes("--help") || args.includes("-h")) {
      safe.stdout.write(helpOf(command));
      return EXIT.consistent;
    }
    return await command.run(args, safe);
  } catch (e) {
    safe.stderr.write(`${PROGRAM}: ${describe(e)}\n`);
    return e instanceof UsageError ? EXIT.usage : EXIT.failure;
  }
}

/** A command's help; the default command's also lists the other commands, by their summaries. */
function helpOf(command: Command): string {
  if (command !== DEFAULT_COMMAND) return command.help;
  const list = Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(20)} ${c.summary}\n`);
  return `${command.help}\nOther commands (${PROGRAM} COMMAND --help for each):\n${list.join("")}  ${"help, --help".padEnd(20)} this text;  --version  the package version\n`;
}

/** An error in one line, without the package prefix (the program name leads instead). */
function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const plain = text.replace(/^\[journal-store\] /, "");
  return e instanceof JournalStoreError || !(e instanceof Error) ? plain : `${e.name}: ${plain}`;
}
