import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { SourceFile } from "@/lib/importers/types";
import { filesFromZip, isZipName, MAX_UNPACKED_BYTES, ZipError } from "@/lib/importers/zip";

/** Larger files are not agent definitions: generated bundles, data, media. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Folders that hold dependencies or history, never the definitions themselves. */
const SKIPPED_FOLDERS = new Set(["node_modules", ".git"]);

/** A path given on the command line that cannot be read at all: the command stops and names it. */
export class PathError extends Error {}

/**
 * The files named on the command line, folders read recursively, as the importers receive them: each path as
 * given (joined with "/"), its text. What is skipped inside a folder is a warning, never silent.
 */
export function readPaths(paths: string[]): { files: SourceFile[]; warnings: string[] } {
  const files: SourceFile[] = [];
  const warnings: string[] = [];

  const readFile = (file: string, size: number) => {
    if (size > MAX_FILE_BYTES) return warnings.push(`${file}: skipped, larger than 1 MB`);
    if (isZipName(file)) return warnings.push(`${file}: skipped, an archive inside a folder; name it to import it`);
    const bytes = readFileSync(file);
    if (bytes.includes(0)) return warnings.push(`${file}: skipped, not a text file`);
    files.push({ path: file.split(path.sep).join("/"), content: bytes.toString("utf8") });
  };

  const readZip = (file: string, size: number) => {
    if (size > MAX_UNPACKED_BYTES)
      throw new PathError(`${file}: larger than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB, not an agent's export`);
    try {
      const unzipped = filesFromZip(file.split(path.sep).join("/"), readFileSync(file));
      files.push(...unzipped.files);
      warnings.push(...unzipped.warnings);
    } catch (error) {
      if (error instanceof ZipError) throw new PathError(error.message);
      throw error;
    }
  };

  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full);
      } else if (entry.isFile()) {
        readFile(full, statSync(full).size);
      } else {
        warnings.push(`${full}: skipped, not a regular file or folder`);
      }
    }
  };

  for (const given of paths) {
    const stat = statSync(given, { throwIfNoEntry: false });
    if (!stat) throw new PathError(`${given}: no such file or folder`);
    if (stat.isDirectory()) walk(given);
    else if (isZipName(given)) readZip(given, stat.size);
    else if (stat.size > MAX_FILE_BYTES) throw new PathError(`${given}: larger than 1 MB, not an agent definition`);
    else readFile(given, stat.size);
  }
  return { files, warnings };
}
