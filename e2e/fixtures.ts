import { expect, type Page } from "@playwright/test";

export const DEMO_PASSWORD = "countersign-demo";

export const DEMO_USERS = [
  { email: "owner@countersign.test", name: "Olivia Owens", role: "Workflow owner" },
  { email: "owner2@countersign.test", name: "Omar Haddad", role: "Workflow owner" },
  { email: "security@countersign.test", name: "Sana Iqbal", role: "Security" },
  { email: "engineer@countersign.test", name: "Eli Navarro", role: "Engineering" },
  { email: "engineer2@countersign.test", name: "Erin Kowalski", role: "Engineering" },
  { email: "ops@countersign.test", name: "Priya Raman", role: "Operations" },
  { email: "compliance@countersign.test", name: "Carmen Diaz", role: "Compliance" },
  { email: "leader@countersign.test", name: "Lars Nilsson", role: "Leader" },
  { email: "auditor@countersign.test", name: "Ada Brennan", role: "Auditor" },
  { email: "admin@countersign.test", name: "Alex Morgan", role: "Admin" },
] as const;

/** Signs in through the login page, as a person would, and waits for the home page. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
}

/** The inventory's agent rows (each row is headed by the agent's name and slug). */
export function agentRows(page: Page) {
  return page.getByRole("table", { name: "Agent inventory" }).locator("tbody tr");
}

/** admin@ issues an API token with these scopes at /settings/tokens, as a pipeline's owner would, and reads it once. */
export async function issueToken(page: Page, scopes: string[], purpose = "e2e"): Promise<string> {
  await signIn(page, "admin@countersign.test");
  await page.goto("/settings/tokens");
  const form = page.getByRole("form", { name: "Issue an API token" });
  await form.getByLabel("Name").fill(`${purpose}-${scopes.join("-")}-${Date.now()}`);
  for (const scope of scopes) await form.getByRole("checkbox", { name: scope, exact: true }).check();
  await form.getByRole("button", { name: "Issue token" }).click();
  const token = await page.getByLabel("New API token").inputValue();
  expect(token).toMatch(/^cst_/);
  return token;
}
