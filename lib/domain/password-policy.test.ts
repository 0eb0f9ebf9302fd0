import { describe, expect, it } from "vitest";
import { PASSWORD_MAX_LENGTH, passwordProblem } from "./password-policy";

describe("the password policy", () => {
  it("refuses anything shorter than 12 characters, however random", () => {
    expect(passwordProblem("k#8Qz!v2Lm0")).toBe("Use at least 12 characters");
    expect(passwordProblem("")).toBe("Use at least 12 characters");
  });

  it("counts characters, not bytes: twelve accented letters are twelve", () => {
    expect(passwordProblem("é".repeat(11))).toBe("Use at least 12 characters");
  });

  it.each(["password1234", "qwertyuiop12", "iloveyou1234", "letmein12345"])("refuses %s: common passwords stuck together", (password) => {
    expect(passwordProblem(password)).toMatch(/most common passwords/);
  });

  it.each(["abcdefghijkl", "aaaaaaaaaaaa", "123456789012"])("refuses %s: a sequence or a repeat is guessed at once", (password) => {
    expect(passwordProblem(password)).not.toBeNull();
  });

  it.each(["correct horse battery staple", "tulip-ocean-ladder-94", "Tr0ub4dor&3xyz"])("accepts %s", (password) => {
    expect(passwordProblem(password)).toBeNull();
  });

  it("refuses a password longer than the bound", () => {
    expect(passwordProblem("tulip ocean ".repeat(20).slice(0, PASSWORD_MAX_LENGTH + 1))).toBe("Use at most 200 characters");
  });
});
