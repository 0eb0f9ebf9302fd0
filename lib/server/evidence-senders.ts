import "server-only";
import type { Role } from "@/lib/domain/terms";
import { AppError } from "@/lib/errors";
import type { Caller } from "./caller";

/** People who may send runtime evidence by hand; runtimes and collectors use a token with `evidence:write`. */
const SENDER_ROLES: Role[] = ["engineering", "operations"];

export function assertCanSendEvidence(caller: Caller): void {
  if (caller.kind === "token") {
    if (!caller.scopes.includes("evidence:write")) throw new AppError("forbidden", `Token "${caller.name}" lacks the evidence:write scope`);
    return;
  }
  if (!caller.user.roles.some((r) => SENDER_ROLES.includes(r)))
    throw new AppError("forbidden", "Only engineering and operations send runtime evidence (runtimes use a token with evidence:write)");
}
