import { expect, type Locator, type Page } from "@playwright/test";

/**
 * Picks an agent in the agent combobox with the keyboard only: types part of its name, waits for the server's
 * matches, moves down to the option and presses Enter.
 */
export async function chooseAgentByKeyboard(page: Page, combobox: Locator, search: string, option: RegExp) {
  await combobox.focus();
  await combobox.pressSequentially(search);
  await expect(combobox).toHaveAttribute("aria-expanded", "true");
  const listbox = page.locator(`[id="${await combobox.getAttribute("aria-controls")}"]`);
  await expect(listbox).toHaveAttribute("aria-busy", "false");
  const id = await listbox.getByRole("option", { name: option }).getAttribute("id");
  for (let i = 0; i < 20 && (await combobox.getAttribute("aria-activedescendant")) !== id; i++) await combobox.press("ArrowDown");
  await expect(combobox).toHaveAttribute("aria-activedescendant", id!);
  await combobox.press("Enter");
  await expect(combobox).toHaveAttribute("aria-expanded", "false");
}
