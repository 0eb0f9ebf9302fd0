import { parseArgs } from "node:util";
import { argumentError, EXIT, type Command, type Io } from "./command";
import { diffCommand } from "./diff";
import { exportCommand } from "./export";
import { importCommand } from "./import";
import { observeCommand } from "./observe";
import { proposeCommand } from "./propose";

/** Every command, in the order `countersign --help` lists them; each lives in its own file beside this one. */
const COMMANDS: readonly Command[] = [importCommand, exportCommand, diffCommand, proposeCommand, observeCommand];

const USAGE = `Countersign: change management for AI agents in production.

Usage: countersign <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join("\n")}

Options:
  -h, --help  Show this help; \`countersign <command> --help\` shows a command's options.

Exit codes: 0 done, 1 unexpected failure or the server refused, 2 bad arguments or nothing could be read,
3 a --fail-on threshold was met.
`;

const processIo: Io = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };

/** Runs the command named by the first argument; resolves to the process exit code. */
export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [first, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === first);
  if (command) {
    try {
      return await command.run(rest, io);
    } catch (error) {
      io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      return EXIT.failed;
    }
  }
  let help = false;
  try {
    ({
      values: { help = false },
    } = parseArgs({ args: argv, options: { help: { type: "boolean", short: "h" } }, allowPositionals: true }));
  } catch (error) {
    io.err(`error: ${argumentError(error)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  if (help || argv.length === 0) {
    // Asked for help: stdout and success. No command at all is a mistake, but the usage is the answer to it.
    (help ? io.out : io.err)(USAGE);
    return help ? EXIT.ok : EXIT.usage;
  }
  io.err(`error: unknown command "${first}"\n\n${USAGE}`);
  return EXIT.usage;
}
