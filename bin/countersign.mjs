#!/usr/bin/env node
// The countersign command line: a tiny launcher. The commands are TypeScript (lib/cli), run with the tsx the
// project depends on, resolved from this file rather than the working directory so it works from anywhere.
import { fileURLToPath } from "node:url";

// The project's tsconfig gives the "@/…" paths, wherever the command is run from.
process.env.TSX_TSCONFIG_PATH ??= fileURLToPath(new URL("../tsconfig.json", import.meta.url));
// tsx's loader, as `node --import tsx` would register it: the project's .ts files load as CommonJS and ESM.
await import("tsx");
const entry = await import(new URL("../lib/cli/main.ts", import.meta.url).href);
// Loaded as CommonJS (the package is not "type": "module"), its exports arrive as the default export.
const { main } = entry.default ?? entry;
process.exitCode = await main(process.argv.slice(2));
