import { z } from "zod";
import { passwordProblem } from "@/lib/domain/password-policy";
import { ROLES } from "@/lib/domain/terms";

/** The inputs of people, accounts and the first admin: shared by the pages, the API and the CLI. */

export const emailField = z
  .string({ error: "Enter an email address" })
  .trim()
  .toLowerCase()
  .max(254, "An email address has at most 254 characters")
  .pipe(z.email({ error: "Enter an email address like name@example.com" }));

export const nameField = z.string({ error: "Enter a name" }).trim().min(1, "Enter a name").max(120, "Keep the name to 120 characters");

/** A new password, through the policy (lib/domain/password-policy.ts). */
export const newPasswordField = z.string({ error: "Enter a password" }).superRefine((password, ctx) => {
  const problem = passwordProblem(password);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

export const rolesField = z
  .array(z.enum(ROLES, { error: `Roles are: ${ROLES.join(", ")}` }), { error: "Roles are a list" })
  .max(ROLES.length * 2, "List each role once")
  .transform((chosen) => ROLES.filter((r) => chosen.includes(r)));

export const setupSchema = z.strictObject({ name: nameField, email: emailField, password: newPasswordField });

export const addPersonSchema = z.strictObject({ email: emailField, name: nameField, roles: rolesField });

export const updatePersonSchema = z
  .strictObject({
    name: nameField.optional(),
    roles: rolesField.optional(),
    /** The roles the sender saw: when they changed meanwhile, saving would silently undo someone else's grant (409). */
    expectedRoles: rolesField.optional(),
    disabled: z.boolean({ error: "disabled is true or false" }).optional(),
  })
  .refine((input) => input.name !== undefined || input.roles !== undefined || input.disabled !== undefined, {
    message: "Send at least one of name, roles, disabled",
    path: ["body"],
  });

export const setPasswordSchema = z.strictObject({ password: newPasswordField });

export const changePasswordSchema = z.strictObject({
  currentPassword: z.string({ error: "Enter your current password" }).min(1, "Enter your current password").max(1000),
  newPassword: newPasswordField,
});

export const accountNameSchema = z.strictObject({ name: nameField });
