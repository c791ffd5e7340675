// Preloaded (`node --import`) into a benchmarked child: prints its peak RSS on stderr at exit,
// as `max-rss <bytes>`, so a parent can measure a real command (the built CLI) unchanged.
process.on("exit", () => process.stderr.write(`\nmax-rss ${process.resourceUsage().maxRSS * 1024}\n`));
