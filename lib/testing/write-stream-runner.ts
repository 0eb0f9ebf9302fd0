import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/** Starts lib/testing/write-stream.ts as its own process against `database`, appending acknowledged writes to `ledger`. */
export function startWriteStream(database: string, ledger: string, label: string, count?: number): ChildProcess {
  const script = path.join(process.cwd(), "lib/testing/write-stream.ts");
  const args = ["--conditions=react-server", "--import", "tsx", script, ledger, label, ...(count ? [String(count)] : [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, DATABASE_PATH: database }, stdio: ["ignore", "ignore", "pipe"] });
  child.stderr!.setEncoding("utf8");
  let stderr = "";
  child.stderr!.on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  Object.defineProperty(child, "stderrTail", { get: () => stderr });
  return child;
}

/** The writes the ledger says were acknowledged, in order: whole lines only. */
export function acknowledged(ledger: string): string[] {
  if (!existsSync(ledger)) return [];
  const lines = readFileSync(ledger, "utf8").split("\n");
  lines.pop(); // "" after the last newline, or a line still being written: not yet acknowledged
  return lines;
}

/**
 * Resolves once the ledger holds at least `count` writes. Waits on writes, not on a clock: the only
 * deadline is a generous one that catches a stream that died or never started.
 */
export async function untilAcknowledged(ledger: string, count: number, child: ChildProcess): Promise<string[]> {
  const started = Date.now();
  for (;;) {
    const ids = acknowledged(ledger);
    if (ids.length >= count) return ids;
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`The write stream stopped after ${ids.length} writes: ${(child as unknown as { stderrTail: string }).stderrTail}`);
    if (Date.now() - started > 120_000) throw new Error(`The write stream made only ${ids.length} of ${count} writes in two minutes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** kill -9, and wait until the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await gone;
}
