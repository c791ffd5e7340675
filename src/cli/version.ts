import pkg from "../../package.json" with { type: "json" };

/** The package version `--version` prints (bundled into the bin at build time). */
export const VERSION: string = pkg.version;
