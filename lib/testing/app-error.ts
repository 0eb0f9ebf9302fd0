import { AppError } from "@/lib/errors";

/** Runs `fn` and returns the AppError it throws (or rejects with); fails the test when it throws nothing or something else. */
export async function errorOf(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}
