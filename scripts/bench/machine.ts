import os from "node:os";

/** What the figures were measured on: they mean little without it. */
export function describeMachine(): string[] {
  const cpus = os.cpus();
  const [one, five, fifteen] = os.loadavg().map((n) => n.toFixed(2));
  return [
    `CPU: ${cpus[0]?.model.trim() ?? "unknown"} × ${cpus.length} (available parallelism ${os.availableParallelism()})`,
    `Memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`,
    `Node ${process.version} on ${os.platform()} ${os.release()}`,
    `Load average at start: ${one} / ${five} / ${fifteen} (1 / 5 / 15 min)`,
  ];
}
