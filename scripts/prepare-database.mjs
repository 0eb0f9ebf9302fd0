// Creates, migrates and (when empty) seeds the database at DATABASE_PATH with the demo estate.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export function prepareDatabase() {
  const tsx = path.join(root, "node_modules", ".bin", "tsx");
  // The seed sends the demo's runtime traffic through the server's use cases, which are `server-only` modules:
  // the react-server condition is how a server (not a browser bundle) loads them.
  const args = ["--conditions=react-server", "db/seed.ts", "--if-empty", "--print-logins"];
  const result = spawnSync(tsx, args, { cwd: root, stdio: "inherit", env: process.env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) prepareDatabase();
