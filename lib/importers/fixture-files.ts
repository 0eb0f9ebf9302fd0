import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { SourceFile } from "./types";

/** Test helper: the files of a fixture folder as an importer receives them, paths relative to the fixtures root, sorted. */
export function fixtureFiles(folder: string): SourceFile[] {
  const root = path.join(import.meta.dirname, "fixtures");
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
  return walk(path.join(root, folder))
    .sort()
    .map((full) => ({ path: path.relative(root, full).split(path.sep).join("/"), content: readFileSync(full, "utf8") }));
}
