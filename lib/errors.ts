/** The one error type use cases throw on purpose. The API maps `code` to a status; the UI shows `message`. */
export type AppErrorCode =
  | "bad_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "gate_failed"
  | "payload_too_large"
  | "unsupported_media_type"
  | "validation_failed"
  | "storage_unavailable";

export const HTTP_STATUS: Record<AppErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gate_failed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  storage_unavailable: 503,
};

export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  constructor(
    readonly code: AppErrorCode,
    message: string,
    readonly details: { fieldErrors?: FieldErrors; [key: string]: unknown } = {},
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * The refusal an error stands for: the error itself, or the AppError a query error wraps (the store refuses
 * some input itself, as PostgreSQL does text holding a NUL character, and the query layer wraps what it throws).
 */
export function refusalIn(error: unknown): unknown {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) if (e instanceof AppError) return e;
  return error;
}

/** A storage failure (see `storageFailure` in db/index.ts) told plainly: nothing was changed, and why. */
export function storageUnavailable(reason: string): AppError {
  return new AppError("storage_unavailable", `Storage is unavailable: ${reason}. Nothing was changed; try again once it is fixed.`, {
    reason,
  });
}
