import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import { adjacencyGraphs, dictionary } from "@zxcvbn-ts/language-common";

/**
 * What makes a password acceptable (NIST SP 800-63B's advice): long enough, and not one an attacker tries
 * first. Length alone is no help when the password is "password1234", so each one is also checked against
 * zxcvbn's list of the most common passwords and its estimate of how many guesses it would take.
 */
export const PASSWORD_MIN_LENGTH = 12;
/** A bound on what is hashed and estimated; no one types more. */
export const PASSWORD_MAX_LENGTH = 200;
/** zxcvbn's score from 0 (too guessable) to 4; 3 is "safely unguessable", about 10^8 guesses or more. */
export const PASSWORD_MIN_SCORE = 3;

let estimator: ZxcvbnFactory | null = null;
// The dictionaries are large: built on first use, not on import.
const strength = () => (estimator ??= new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs }));

/** Why a password is refused, in words for the person choosing it; null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return `Use at least ${PASSWORD_MIN_LENGTH} characters`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${PASSWORD_MAX_LENGTH} characters`;
  const result = strength().check(password);
  const whole = result.sequence.length === 1 && result.sequence[0]!.pattern === "dictionary";
  if (whole || result.score < PASSWORD_MIN_SCORE) {
    const common = result.sequence.some((m) => m.pattern === "dictionary" && m.dictionaryName === "passwords-common");
    return common
      ? "This password is built from some of the most common passwords: choose one nobody would guess, such as a few unrelated words"
      : "This password is too easy to guess: make it longer, for example with a few unrelated words";
  }
  return null;
}
