import { expect, test } from "@playwright/test";
import { signIn } from "./fixtures";

/*
 * Drift beside the DORA numbers: a line of its own, never a sixth tile. Other journeys may observe drift
 * while this one runs, so only the line's parts and the API's shape are asserted, not its numbers.
 */

test.beforeEach(async ({ page }) => {
  await signIn(page, "leader@countersign.test");
});

test("leader@ sees drift on a line of its own beside the five DORA numbers, and the API gives the same line", async ({ page }) => {
  await page.goto("/metrics");
  await expect(page.getByRole("region", { name: "DORA metrics" }).getByRole("link")).toHaveCount(5);
  const drift = page.getByRole("region", { name: "Drift" });
  await expect(drift).toBeVisible();
  await expect(drift.getByText("Open drift in production")).toBeVisible();
  await expect(drift.getByText("Mean time to resolve drift")).toBeVisible();
  await expect(drift.getByText("Production observed in the last 7 days")).toBeVisible();
  // The demo estate resolves no drift, and the line says so plainly, unless another journey resolved some meanwhile.
  await expect(drift.getByText(/^(No drift resolved in this period|mean of \d+ drift records? resolved in this period)$/)).toBeVisible();

  const dora = await (await page.request.get("/api/v1/metrics/dora")).json();
  expect(Object.keys(dora.drift).sort()).toEqual(["meanTimeToResolveMs", "observedShare", "open", "productionAgents", "resolvedCount"]);
  expect(dora.drift.productionAgents).toBeGreaterThan(0);
});
