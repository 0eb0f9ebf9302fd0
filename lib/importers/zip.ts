import { unzipSync, type UnzipFileInfo } from "fflate";
import type { SourceFile } from "./types";

/**
 * Platforms export agents as .zip archives (a Salesforce metadata retrieve, a Copilot Studio solution). This
 * reads one in memory, in the browser or on the command line, into the files the importers take. Pure: bytes
 * in, files and warnings out. Every entry left out is named in a warning.
 */

/** An entry larger than this is not an agent definition: generated bundles, data, media. */
export const MAX_ENTRY_BYTES = 1024 * 1024;
/** The most an archive may unpack to, and hold, in all: an export, not a whole repository, nor a zip bomb. */
export const MAX_UNPACKED_BYTES = 20 * 1024 * 1024;
export const MAX_ENTRIES = 2_000;

/** An archive that cannot be read at all: its name and why. */
export class ZipError extends Error {}

/** Folders that hold dependencies, history or a Mac's resource forks, never definitions. */
const SKIPPED = /(^|\/)(node_modules|\.git|__MACOSX)\//;

export const isZipName = (name: string) => /\.zip$/i.test(name);

/** The archive's text files, each path prefixed with the archive's name (`export.zip/…`), and what was left out. */
export function filesFromZip(name: string, bytes: Uint8Array): { files: SourceFile[]; warnings: string[] } {
  const warnings: string[] = [];
  let entries = 0;
  let unpacked = 0;
  let packed = 0;
  let refusal: string | null = null;
  const keep = (entry: UnzipFileInfo) => {
    if (entry.name.endsWith("/") || SKIPPED.test(entry.name)) return false;
    entries += 1;
    if (entries > MAX_ENTRIES) refusal ??= `holds more than ${MAX_ENTRIES.toLocaleString("en-US")} files`;
    // The header's sizes are the archive's word. A stored entry's two sizes are one; and the entries' packed
    // data, laid end to end, fits in the archive: otherwise entries share bytes, which only a zip bomb does.
    packed += entry.size;
    if (packed > bytes.length) refusal ??= "has entries that overlap, as a zip bomb's do";
    if (entry.compression === 0 && entry.size !== entry.originalSize) refusal ??= `says two sizes for ${entry.name}`;
    if (entry.originalSize > MAX_ENTRY_BYTES || entry.size > MAX_ENTRY_BYTES) {
      warnings.push(`${name}/${entry.name}: skipped, larger than 1 MB`);
      return false;
    }
    if (isZipName(entry.name)) {
      warnings.push(`${name}/${entry.name}: skipped, an archive inside the archive; unzip it and import it on its own`);
      return false;
    }
    unpacked += entry.originalSize;
    if (unpacked > MAX_UNPACKED_BYTES) refusal ??= `unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB`;
    return refusal === null;
  };
  let contents: Record<string, Uint8Array>;
  try {
    contents = unzipSync(bytes, { filter: keep });
  } catch (error) {
    throw new ZipError(`${name}: not a readable .zip archive (${error instanceof Error ? error.message : String(error)})`);
  }
  if (refusal) throw new ZipError(`${name}: ${refusal}; import the agent's own files instead`);
  const decoder = new TextDecoder("utf-8");
  const files: SourceFile[] = [];
  for (const [entry, data] of Object.entries(contents).sort(([a], [b]) => a.localeCompare(b))) {
    // The header's size is the archive's word; what was inflated is the fact.
    if (data.length > MAX_ENTRY_BYTES) warnings.push(`${name}/${entry}: skipped, larger than 1 MB`);
    else if (data.includes(0)) warnings.push(`${name}/${entry}: skipped, not a text file`);
    else files.push({ path: `${name}/${entry}`, content: decoder.decode(data) });
  }
  return { files, warnings };
}
