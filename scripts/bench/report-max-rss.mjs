// Preloaded into the seeding child when GNU time is missing: reports the process's peak resident memory.
process.on("exit", () => process.stderr.write(`max-rss-kib ${process.resourceUsage().maxRSS}\n`));
