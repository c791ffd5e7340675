// Module hooks of load-trace.mjs: appends every resolved ES module URL to LOAD_TRACE.
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.LOAD_TRACE, `${result.url}\n`);
  return result;
}
