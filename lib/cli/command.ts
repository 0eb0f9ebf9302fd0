/**
 * What every command shares. Exit codes are stable so scripts can rely on them: 0 done, 1 an unexpected failure
 * (or the server refused), 2 the command could not do what was asked (bad arguments, nothing readable), 3 a
 * `--fail-on` threshold was met.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, threshold: 3 } as const;

/** Where a command writes: stdout for results (so they can be piped), stderr for warnings and errors. */
export type Io = { out: (text: string) => void; err: (text: string) => void };

export type Command = {
  name: string;
  /** One line for `countersign --help`. */
  summary: string;
  run(args: string[], io: Io): Promise<number> | number;
};

/** The message of a node:util parseArgs error ("Unknown option '--x'…"), for a usage line. */
export function argumentError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
