import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** How a benchmark estate was built: reused only when the seed options and migrations are the same. */
export type EstateStamp = {
  agents: number;
  months: number;
  seed: number;
  until: string;
  migration: string;
  seededAt: string;
  seconds: number;
  /** Peak resident memory of the seeding process, MiB; null when it could not be read. */
  peakRssMiB: number | null;
};

export type Estate = { file: string; stamp: EstateStamp; seededNow: boolean };

const MONTHS = 12;
const SEED = 1;

export function lastMigrationTag(root: string): string {
  const journal = JSON.parse(readFileSync(path.join(root, "db", "migrations", "meta", "_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  return journal.entries.at(-1)?.tag ?? "none";
}

function readStamp(file: string): EstateStamp | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EstateStamp;
  } catch {
    return null;
  }
}

/** Runs `db:seed` in a child and reads its wall time and peak RSS (GNU time when present, else the child's own report). */
async function seed(root: string, file: string, agents: number, until: string): Promise<{ seconds: number; peakRssMiB: number | null }> {
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  // The seed loads `server-only` use cases for the demo's runtime traffic (see scripts/prepare-database.mjs).
  const seedArgs = [
    "--conditions=react-server",
    "db/seed.ts",
    "--reset",
    "--agents",
    String(agents),
    "--months",
    String(MONTHS),
    "--seed",
    String(SEED),
    "--until",
    until,
  ];
  const gnuTime = existsSync("/usr/bin/time");
  const [command, args] = gnuTime
    ? ["/usr/bin/time", ["-v", tsx, ...seedArgs]]
    : [process.execPath, ["--import", "tsx", "--import", "./scripts/bench/report-max-rss.mjs", ...seedArgs]];
  const started = performance.now();
  let stderr = "";
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, DATABASE_PATH: file }, stdio: ["ignore", "inherit", "pipe"] });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", resolve);
  });
  const elapsed = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`Seeding the estate failed (exit ${code}):\n${stderr.slice(-2000)}`);
  // GNU time: "Maximum resident set size (kbytes): 123456"; the fallback prints "max-rss-kib 123456".
  const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr) ?? /max-rss-kib (\d+)/.exec(stderr);
  return { seconds: elapsed, peakRssMiB: match ? Number(match[1]) / 1024 : null };
}

/**
 * The estate for `agents` agents under data/bench/: reused when its stamp matches (same agents, months, seed
 * and last migration), otherwise (or with `reseed`) seeded afresh with `npm run db:seed -- --reset …`.
 */
export async function prepareEstate(root: string, agents: number, reseed: boolean): Promise<Estate> {
  const dir = path.join(root, "data", "bench");
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `estate-${agents}.db`);
  const stampFile = path.join(dir, `estate-${agents}.json`);
  const migration = lastMigrationTag(root);
  const stamp = readStamp(stampFile);
  const current = stamp && stamp.agents === agents && stamp.months === MONTHS && stamp.seed === SEED && stamp.migration === migration;
  if (!reseed && current && existsSync(file)) return { file, stamp, seededNow: false };

  rmSync(stampFile, { force: true });
  const until = new Date().toISOString().slice(0, 10);
  console.log(`Seeding the estate: ${agents} agents, ${MONTHS} months until ${until} → ${path.relative(root, file)}`);
  const { seconds, peakRssMiB } = await seed(root, file, agents, until);
  const fresh: EstateStamp = {
    agents,
    months: MONTHS,
    seed: SEED,
    until,
    migration,
    seededAt: new Date().toISOString(),
    seconds,
    peakRssMiB,
  };
  writeFileSync(stampFile, JSON.stringify(fresh, null, 2) + "\n");
  return { file, stamp: fresh, seededNow: true };
}

/** A consistent copy through SQLite's backup API, so every run starts from the same rows (writers add some). */
export async function copyEstate(source: string, target: string): Promise<void> {
  mkdirSync(path.dirname(target), { recursive: true });
  for (const suffix of ["", "-wal", "-shm"]) rmSync(target + suffix, { force: true });
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target);
  } finally {
    db.close();
  }
}
