/** The password policy (lib/domain/password-policy.ts) as a hint beside a password field. */
export const PASSWORD_RULE = "At least 12 characters, and not a common or easily guessed password: a few unrelated words work well.";
