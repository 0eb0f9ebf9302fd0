// `npm start`: prepare the database, build the app if the build is missing or older than the code,
// then serve it on PORT (default 3000), on HOSTNAME's interface when set (default: all interfaces).
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { prepareDatabase } from "./prepare-database.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const next = path.join(root, "node_modules", ".bin", "next");
const SOURCES = ["app", "components", "lib", "db", "public", "proxy.ts", "next.config.js", "package.json", "postcss.config.mjs"];

function newestChange(entry) {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(full).reduce((max, child) => Math.max(max, newestChange(path.join(entry, child))), stat.mtimeMs);
}

function buildIsCurrent() {
  const buildId = path.join(root, ".next", "BUILD_ID");
  return existsSync(buildId) && statSync(buildId).mtimeMs >= Math.max(...SOURCES.map(newestChange));
}

prepareDatabase();

if (!buildIsCurrent()) {
  console.log("\nBuilding Countersign (first start, or the code changed)…");
  const build = spawnSync(next, ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const port = process.env.PORT ?? "3000";
const hostname = process.env.HOSTNAME?.trim();
console.log(`\nCountersign is starting on http://${hostname || "localhost"}:${port}`);
// Idle connections stay open 65 s, longer than load balancers' usual 60 s idle timeout (and Node's 5 s default):
// a client or proxy reusing a connection the server has just closed gets a reset instead of an answer.
const server = spawn(next, ["start", "-p", port, "--keepAliveTimeout", "65000", ...(hostname ? ["-H", hostname] : [])], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code) => process.exit(code ?? 0));
