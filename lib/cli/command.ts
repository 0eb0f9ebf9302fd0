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

/** A missing or contradictory argument or setting: the command stops with exit 2 before sending anything. */
export class ConfigError extends Error {}

export function usageError(io: Io, command: string, message: string): number {
  io.err(`error: ${message}\n\nRun \`countersign ${command} --help\` for usage.\n`);
  return EXIT.usage;
}

/**
 * A command's first steps: parse its arguments (`parse`, node:util parseArgs), answer `--help` with its usage,
 * and turn them into settings (`settle`, which throws ConfigError for what is wrong). A mistake in either is a
 * usage error, exit 2; otherwise the parsed arguments and settings, to go on with.
 */
export function setUp<P extends { values: { help?: boolean } }, S>(
  io: Io,
  command: { name: string; usage: string },
  parse: () => P,
  settle: (parsed: P) => S,
): { exit: number } | { parsed: P; settings: S } {
  let parsed: P;
  try {
    parsed = parse();
  } catch (error) {
    return { exit: usageError(io, command.name, argumentError(error)) };
  }
  if (parsed.values.help) {
    io.out(command.usage);
    return { exit: EXIT.ok };
  }
  try {
    return { parsed, settings: settle(parsed) };
  } catch (error) {
    if (error instanceof ConfigError) return { exit: usageError(io, command.name, error.message) };
    throw error;
  }
}
