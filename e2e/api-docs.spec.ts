import { expect, test } from "@playwright/test";

test.describe("API reference", () => {
  test("anyone can read the API reference: its operations render from the OpenAPI document, under the page's CSP", async ({ page }) => {
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));

    const response = await page.goto("/api/docs");
    expect(response!.status()).toBe(200);
    // A page's policy (scripts under this response's nonce), not the API's, which allows no script at all.
    expect(response!.headers()["content-security-policy"]).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    await expect(page.getByRole("heading", { level: 1, name: "API reference" })).toBeVisible();

    // Swagger UI renders the document's tags and operations.
    await expect(page.getByRole("heading", { name: /^Changes/ })).toBeVisible();
    const promote = page.locator(".opblock", { has: page.locator('[data-path="/api/v1/changes/{id}/promote"]') });
    await expect(promote).toContainText("Promote a change to an environment");
    await expect(page.locator('.opblock-post [data-path="/api/v1/otlp/v1/traces"]')).toBeVisible();
    expect(await page.locator(".opblock").count()).toBeGreaterThan(40);

    // Opening an operation shows who may call it and its request example.
    await promote.locator(".opblock-summary").click();
    await expect(promote).toContainText("an API token with the deploy scope");
    await expect(promote).toContainText('"environment": "production"');
    await expect(promote).toContainText("gate_failed");

    expect(problems).toEqual([]);
  });

  test("the OpenAPI document is served without signing in, and lists every operation", async ({ request }) => {
    const response = await request.get("/api/v1/openapi.json");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/^application\/json/);
    const document = await response.json();
    expect(document.openapi).toMatch(/^3\.1\./);
    expect(Object.keys(document.components.securitySchemes)).toEqual(["apiToken", "session"]);
    expect(document.paths["/api/v1/changes"].post.requestBody.content["application/json"].schema.required).toEqual(["agent"]);
    // The API itself still needs a caller.
    expect((await request.get("/api/v1/agents")).status()).toBe(401);
  });
});
