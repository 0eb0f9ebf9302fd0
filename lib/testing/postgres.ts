import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** A PostgreSQL database for one test run, and how to be rid of it. */
export type TestPostgres = { url: string; stop: () => Promise<void> };

const INSTALL_HINT =
  "Install PostgreSQL's server binaries (Debian/Ubuntu: `apt-get install -y postgresql`), or set PG_BIN to the folder " +
  "holding initdb and pg_ctl, or set DATABASE_URL_TEST=postgres://… to use a running server.";

/** The folder holding initdb and pg_ctl: PG_BIN, else the newest Debian install, else pg_config's. */
export function findPostgresBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  else {
    const debian = "/usr/lib/postgresql";
    if (existsSync(debian)) {
      const versions = readdirSync(debian).sort((a, b) => Number(b) - Number(a));
      candidates.push(...versions.map((v) => path.join(debian, v, "bin")));
    }
    try {
      candidates.push(execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim());
    } catch {
      // No pg_config on the PATH: the other candidates, if any.
    }
  }
  const found = candidates.find((dir) => existsSync(path.join(dir, "initdb")) && existsSync(path.join(dir, "pg_ctl")));
  if (!found) throw new Error(`PostgreSQL not found (looked in: ${candidates.join(", ") || "nowhere"}). ${INSTALL_HINT}`);
  return found;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitForConnection(url: string, deadline: number): Promise<void> {
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    } finally {
      await client.end().catch(() => {});
    }
  }
}

async function withClient<T>(url: string, query: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await query(client);
  } finally {
    await client.end();
  }
}

/** A fresh database on the server DATABASE_URL_TEST names, dropped afterwards. */
async function onExistingServer(serverUrl: string, database: string): Promise<TestPostgres> {
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    stop: () => withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`)).then(() => {}),
  };
}

/**
 * Starts a throwaway PostgreSQL cluster in a temporary folder, on a free loopback port, with one empty database;
 * `stop()` stops it and removes the folder. initdb refuses to run as root, so as root the cluster runs as `nobody`.
 * With DATABASE_URL_TEST set, a fresh database on that server is used instead.
 */
export async function startTestPostgres(database = `countersign_test_${process.pid}_${Date.now()}`): Promise<TestPostgres> {
  if (process.env.DATABASE_URL_TEST) return onExistingServer(process.env.DATABASE_URL_TEST, database);

  const bin = findPostgresBin();
  const dir = mkdtempSync(path.join(tmpdir(), "countersign-pg-"));
  const dataDir = path.join(dir, "data");
  const logFile = path.join(dir, "postgres.log");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const nobody = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }).trim());
    const nogroup = Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }).trim());
    chownSync(dir, nobody, nogroup);
  }
  // As root, every PostgreSQL program runs as nobody, from the cluster's folder (nobody may not read the cwd).
  const pgRun = (program: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "nobody", "--", path.join(bin, program), ...args], { cwd: dir })
      : run(path.join(bin, program), args, { cwd: dir });
  const pgCtlStop = () => {
    const args = ["stop", "-D", dataDir, "-m", "immediate", "-w"];
    try {
      if (asRoot) execFileSync("runuser", ["-u", "nobody", "--", path.join(bin, "pg_ctl"), ...args], { cwd: dir, stdio: "ignore" });
      else execFileSync(path.join(bin, "pg_ctl"), args, { cwd: dir, stdio: "ignore" });
    } catch {
      // Not running (any more).
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A test run that dies leaves no server behind.
  process.once("exit", pgCtlStop);

  try {
    await pgRun("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"]);
    const port = await freePort();
    // Durability is not what a test checks: fsync off keeps the run fast on a busy machine.
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    await pgRun("pg_ctl", ["start", "-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "60"]);
    const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await waitForConnection(serverUrl, Date.now() + 60_000);
    await withClient(serverUrl, (c) => c.query(`CREATE DATABASE "${database}"`));
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      stop: async () => {
        process.removeListener("exit", pgCtlStop);
        pgCtlStop();
      },
    };
  } catch (error) {
    const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : "";
    process.removeListener("exit", pgCtlStop);
    pgCtlStop();
    throw new Error(`Could not start a test PostgreSQL from ${bin}: ${(error as Error).message}${log ? `\n${log}` : ""}`, { cause: error });
  }
}
