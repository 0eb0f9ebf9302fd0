import { notFound } from "next/navigation";
import { isAppError } from "@/lib/errors";

/** Runs a read; an unknown agent, version or change record renders the 404 page instead of an error. */
export async function orNotFound<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isAppError(error) && error.code === "not_found") notFound();
    throw error;
  }
}
