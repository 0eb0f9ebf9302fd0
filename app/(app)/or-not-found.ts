import { notFound } from "next/navigation";
import { isAppError } from "@/lib/errors";

/** Runs a read; an unknown agent, version or change record renders the 404 page instead of an error. */
export function orNotFound<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}
