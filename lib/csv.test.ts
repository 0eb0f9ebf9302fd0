import { describe, expect, it } from "vitest";
import { csvDocument, csvField } from "./csv";

describe("CSV cells", () => {
  it("quotes commas, quotes and line breaks, and leaves plain text and numbers alone", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField(4.25)).toBe("4.25");
    expect(csvField(null)).toBe("");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
  });

  it("keeps formula-like text as text, so a spreadsheet does not run it", () => {
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
  });

  it("joins rows with CRLF and ends with one", () => {
    expect(csvDocument(["a", "b"], [[1, "x,y"]])).toBe('a,b\r\n1,"x,y"\r\n');
  });
});
