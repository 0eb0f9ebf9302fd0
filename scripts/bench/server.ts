import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readdirSync, statSync } from "node:fs";
import path from "node:path";

// The same freshness rule as scripts/start.mjs: build when there is no build or the code is newer than it.
const SOURCES = ["app", "components", "lib", "db", "public", "proxy.ts", "next.config.js", "package.json", "postcss.config.mjs"];

function newestChange(root: string, entry: string): number {
  const full = path.join(root, entry);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(full).reduce((max, child) => Math.max(max, newestChange(root, path.join(entry, child))), stat.mtimeMs);
}

export function buildIfNeeded(root: string): void {
  const buildId = path.join(root, ".next", "BUILD_ID");
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= Math.max(...SOURCES.map((s) => newestChange(root, s)))) return;
  console.log("Building the app (no build, or the code is newer than it)…");
  const next = path.join(root, "node_modules", ".bin", "next");
  const build = spawnSync(next, ["build"], { cwd: root, stdio: "inherit", env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" } });
  if (build.status !== 0) throw new Error(`next build failed (exit ${build.status})`);
}

export type Server = { base: string; pid: number | undefined; stop(): Promise<void> };

/**
 * `next start` on the store under test, in its own process group so stopping it stops all of it. `store` is
 * its environment: DATABASE_PATH for the SQLite copy, DATABASE_URL for PostgreSQL.
 */
export async function startServer(opts: {
  root: string;
  store: Record<string, string>;
  port: number;
  authSecret: string;
  log: string;
}): Promise<Server> {
  const next = path.join(opts.root, "node_modules", ".bin", "next");
  const out = openSync(opts.log, "a");
  const child: ChildProcess = spawn(next, ["start", "-p", String(opts.port), "-H", "127.0.0.1", "--keepAliveTimeout", "65000"], {
    cwd: opts.root,
    detached: true,
    stdio: ["ignore", out, out],
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      ...opts.store,
      AUTH_SECRET: opts.authSecret,
      PORT: String(opts.port),
    },
  });
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.on("exit", () => ((exited = true), resolve())));
  const base = `http://127.0.0.1:${opts.port}`;

  const stop = async () => {
    if (exited || child.pid === undefined) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      return; // already gone
    }
    const killed = await Promise.race([exitedPromise.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
    if (!killed) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      await exitedPromise;
    }
  };

  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`The app exited while starting; see ${opts.log}`);
    try {
      const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) });
      if (res.ok) return { base, pid: child.pid, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`The app did not answer /api/health within 120 s; see ${opts.log}`);
}

/** Kills the process group synchronously: for process exit handlers, which cannot wait. */
export function killGroupNow(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // gone
  }
}
