import { describe, expect, it } from "vitest";
import { composeEmail, escapeHtml, subjectLine } from "./mail-messages";

describe("composing an email", () => {
  const email = composeEmail({
    subject: 'CR-42 needs your sign-off as Security: <script>alert("x")</script>',
    greeting: "Hello Ana & Bo,",
    paragraphs: ["CR-42 “<img src=x onerror=alert(1)>” needs your sign-off"],
    action: { label: "Review and sign off", url: "https://countersign.example.com/changes/CR-42?a=1&b=2" },
    sections: [{ heading: "Waiting", items: [{ text: "CR-43 <b>bold</b>", url: "https://countersign.example.com/changes/CR-43" }] }],
  });

  it("escapes every interpolated value in the HTML, so a title cannot inject markup", () => {
    expect(email.html).not.toContain("<script>");
    expect(email.html).not.toContain("<img");
    expect(email.html).not.toContain("<b>bold");
    expect(email.html).toContain("Hello Ana &amp; Bo,");
    expect(email.html).toContain('href="https://countersign.example.com/changes/CR-42?a=1&amp;b=2"');
    expect(email.html).toContain("CR-43 &lt;b&gt;bold&lt;/b&gt;");
  });

  it("the plain text carries the same words and the links as they are", () => {
    expect(email.text).toContain("Review and sign off: https://countersign.example.com/changes/CR-42?a=1&b=2");
    expect(email.text).toContain("- CR-43 <b>bold</b>\n  https://countersign.example.com/changes/CR-43");
    expect(email.text).toContain("Choose what you are emailed about in Settings, Your account.");
  });

  it("a subject stays one line of a readable length", () => {
    expect(subjectLine("CR-1 needs you:\r\nBcc: everyone@example.com")).toBe("CR-1 needs you: Bcc: everyone@example.com");
    expect(subjectLine("x".repeat(500))).toHaveLength(180);
    expect(escapeHtml(`'"`)).toBe("&#39;&quot;");
  });
});
