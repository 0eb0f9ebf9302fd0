import { describe, expect, it } from "vitest";
import { proposeChangeSchema } from "@/lib/validations/change-record";
import { fieldErrorsOf } from "@/lib/validations/field-errors";
import { LIMITS, unsafeShape } from "./input-limits";
import { parseSpecText, validateSpec } from "./spec";

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const validSpec = {
  model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
  instructions: "Summarise the ticket.",
  autonomy: "read_only",
  tools: [],
  forbidden: [],
  traceRetentionDays: 30,
};

function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

describe("a spec nested thousands of levels deep (finding 1)", () => {
  it("1,000-deep array as indented JSON text: refused quickly, without taking the process down", () => {
    const text = JSON.stringify({ model: nested(1_000) }, null, 2);
    const { value, ms } = timed(() => parseSpecText(text));
    expect(value.ok).toBe(false);
    expect(ms).toBeLessThan(2_000);
  });

  it("1,000- and 3,000-deep arrays as compact JSON text: refused as too deep before the parser recurses", () => {
    for (const depth of [1_000, 3_000]) {
      const { value, ms } = timed(() => parseSpecText(JSON.stringify({ model: nested(depth) })));
      expect(value).toEqual({
        ok: false,
        issues: [{ path: "spec", message: `The spec is nested more than ${LIMITS.specDepth} levels deep` }],
      });
      expect(ms).toBeLessThan(2_000);
    }
  });

  it("is refused even when the caller has already used most of the stack (where V8 used to die compiling a RegExp)", () => {
    // A server request arrives many frames deep; the old parser then ran out of stack inside the yaml
    // package and the process aborted with "RegExpCompiler Allocation failed", which no catch can stop.
    const text = JSON.stringify({ model: nested(1_000) });
    const deep = (frames: number): boolean => (frames === 0 ? parseSpecText(text).ok : deep(frames - 1));
    expect(deep(7_000)).toBe(false);
  });

  it("deep YAML block nesting is refused the same way", () => {
    let text = "model:\n";
    for (let i = 1; i < 200; i++) text += `${" ".repeat(i)}- \n`;
    const result = parseSpecText(text);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]!.message).toMatch(/nested more than/);
  });

  it("a spec as deep as the schema itself still parses", () => {
    const spec = {
      ...validSpec,
      autonomy: "bounded",
      tools: [
        {
          system: "stripe",
          actions: [{ name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } }],
        },
      ],
    };
    expect(parseSpecText(JSON.stringify(spec)).ok).toBe(true);
    expect(validateSpec(spec).ok).toBe(true);
  });

  it("as an object, the spec field refuses the deep value (422 on spec) instead of keeping an expansion of it", () => {
    const parsed = proposeChangeSchema.safeParse({ agent: "refund-assistant", spec: { model: nested(3_000) } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join("."))).toContain("spec");
  });
});

describe("a billion-laughs YAML document", () => {
  it("is refused with an issue, not a throw", () => {
    const text = [
      "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    ].join("\n");
    const result = parseSpecText(text);
    expect(result.ok).toBe(false);
  });
});

describe("prototype-named keys", () => {
  it.each(["__proto__", "constructor", "prototype"])("%s in a spec is an issue naming the key, as text and as a parsed object", (key) => {
    const json = `{"model": {"provider": "openai", "name": "gpt-4.1", "${key}": {"polluted": true}}}`;
    for (const result of [parseSpecText(json), validateSpec(JSON.parse(json))]) {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.issues.some((i) => i.path === `model.${key}`)).toBe(true);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("in an object sent to propose a change, is refused by the schema rather than silently dropped", () => {
    const parsed = proposeChangeSchema.safeParse({ agent: "refund-assistant", spec: JSON.parse('{"__proto__": {"x": 1}}') });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.message).toMatch(/__proto__/);
  });

  it("unsafeShape walks arrays by index and reports nothing for a plain spec", () => {
    expect(unsafeShape(validSpec)).toBeNull();
    expect(unsafeShape({ tools: [{ constructor: 1 }] })).toEqual({
      path: "tools.0.constructor",
      message: '"constructor" is not allowed as a field name',
    });
  });
});

describe("megabyte strings (finding 1)", () => {
  const big = "x".repeat(1_000_000);

  it.each([
    ["title", { title: big }],
    ["rationale", { rationale: big }],
    ["rollbackPlan", { rollbackPlan: big }],
    ["monitoring", { monitoring: big }],
    ["spec", { spec: big }],
    ["evidence.pullRequest", { evidence: { pullRequest: `https://example.com/${big}` } }],
    ["roleImpacts", { roleImpacts: Array.from({ length: 201 }, () => ({ role: "r", impact: "gains", description: "d" })) }],
  ])("a change record's %s over its limit is refused on that field", (field, extra) => {
    const parsed = proposeChangeSchema.safeParse({ agent: "refund-assistant", ...extra });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join("."))).toContain(field);
  });

  it("instructions over 50,000 characters are refused, and a long real prompt is not", () => {
    const tooLong = validateSpec({ ...validSpec, instructions: "x".repeat(LIMITS.instructions + 1) });
    expect(!tooLong.ok && tooLong.issues).toEqual([{ path: "instructions", message: "Keep the instructions to 50,000 characters" }]);
    expect(validateSpec({ ...validSpec, instructions: "Be precise. ".repeat(4_000) }).ok).toBe(true);
  });

  it("a spec text over 200 KB is refused before it is parsed", () => {
    const { value, ms } = timed(() => parseSpecText(`instructions: "${"x".repeat(5_000_000)}"`));
    expect(value).toEqual({ ok: false, issues: [{ path: "spec", message: "Keep the spec to 200,000 characters" }] });
    expect(ms).toBeLessThan(500);
  });
});

describe("a small text that expands into a large spec", () => {
  it("YAML aliases repeating a 10 KB string past 200 KB are refused as too large", () => {
    const text = [
      "model: { provider: openai, name: gpt-4.1 }",
      `instructions: &big "${"x".repeat(10_000)}"`,
      "autonomy: bounded",
      "traceRetentionDays: 1",
      "forbidden:",
      ...Array.from({ length: 50 }, () => "  - *big"),
    ].join("\n");
    expect(text.length).toBeLessThan(11_000);
    const result = parseSpecText(text);
    expect(!result.ok && result.issues.map((i) => [i.path, i.message])).toEqual([
      ["spec", "Line 1, spec: Keep the spec to 200,000 characters"],
    ]);
  });
});

describe("validation errors on fields named after Object's own properties", () => {
  it.each(["constructor", "toString", "__proto__", "hasOwnProperty"])("%s is reported as an unknown field, not a crash", (key) => {
    const parsed = proposeChangeSchema.safeParse(JSON.parse(`{"agent": "a", "${key}": 1, "title": 5}`));
    expect(parsed.success).toBe(false);
    const fieldErrors = fieldErrorsOf(parsed.error!);
    expect(fieldErrors.title).toEqual(["Title must be text"]);
    expect(Object.getOwnPropertyDescriptor(fieldErrors, key)?.value).toEqual(["Unknown field"]);
  });
});
