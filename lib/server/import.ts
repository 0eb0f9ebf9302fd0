import "server-only";
import { z } from "zod";
import { importFiles } from "@/lib/importers";
import { IMPORT_PLATFORMS, ImportError, type ImportResult } from "@/lib/importers/types";
import { AppError } from "@/lib/errors";
import { parseInput } from "@/lib/validations/field-errors";
import { LIMITS } from "@/lib/domain/input-limits";
import { assertCanRead, type Caller } from "./caller";

/** The most files one import reads: a platform's export or a repository folder, not a whole monorepo. */
export const MAX_IMPORT_FILES = 200;
const MAX_PATH_CHARS = 500;

const file = z.strictObject({
  path: z
    .string({ error: "Each file needs its path" })
    .min(1, "Each file needs its path")
    .max(MAX_PATH_CHARS, `Keep each file's path to ${MAX_PATH_CHARS} characters`),
  content: z.string({ error: "Each file's content is its text" }),
});

// The whole upload within the API's body limit, so a server action cannot send more than the API would take.
export const importSchema = z.strictObject({
  files: z
    .array(file, { error: "Send the files to import as [{path, content}]" })
    .min(1, "Send at least one file to import")
    .max(MAX_IMPORT_FILES, `Send at most ${MAX_IMPORT_FILES} files at once`)
    .refine((files) => files.reduce((sum, f) => sum + Buffer.byteLength(f.content, "utf8"), 0) <= LIMITS.bodyBytes, {
      message: `Keep the files to ${LIMITS.bodyBytes.toLocaleString("en-US")} bytes in all`,
    }),
  platform: z.enum(IMPORT_PLATFORMS, { error: `The platform is one of: ${IMPORT_PLATFORMS.join(", ")}` }).optional(),
});

/**
 * Reads platform definitions into canonical agent specs, with provenance and warnings, for a reviewer to
 * check before registering or changing anything. A read: any person, a token with `read`; nothing is written.
 * A file that is not a definition of the platform is a 422 naming it, never a crash.
 */
export function importDefinitions(caller: Caller, input: unknown): ImportResult {
  assertCanRead(caller);
  const { files, platform } = parseInput(importSchema, input, "The files to import are not valid");
  try {
    return importFiles(files, platform);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const message = error.file && !error.message.includes(error.file) ? `${error.file}: ${error.message}` : error.message;
    throw new AppError("validation_failed", message, { fieldErrors: { files: [message] } });
  }
}
