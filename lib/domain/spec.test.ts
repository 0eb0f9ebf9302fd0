import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isModelPinned, parseSpecText, specHash, specToJson, specToYaml, validateSpec, type AgentSpec, type SpecIssue } from "./spec";

/** DESIGN.md's refund-assistant example, as a user would paste it (comments included). */
const REFUND_YAML = `model: { provider: openai, name: gpt-4.1, version: "2025-04-14" }  # empty version = floating: a risk
instructions: |                                                      # the prompt, multi-line text
  You help support staff issue refunds ...
autonomy: bounded                 # read_only | bounded | autonomous   (the promotion ladder's rung)
tools:
  - system: stripe
    actions:
      - { name: refunds.create, access: write, approval: required, limit: { amount: 50, unit: USD } }
      - { name: charges.read, access: read, approval: none }
forbidden: [ "stripe:customers.delete" ]
humanInTheLoop:
  reviewer: "Tier-2 support lead"  # a named role or person
  surface: "Zendesk sidebar"       # where the review happens
  canOverride: true
  captureCorrections: true
  stopAskingRule: "after 200 decisions with < 1% corrections"
traceRetentionDays: 90
`;

/** The same spec as a plain object; a fresh copy each call so tests can mutate it. */
function refundSpec() {
  return {
    model: { provider: "openai", name: "gpt-4.1", version: "2025-04-14" },
    instructions: "You help support staff issue refunds ...\n",
    autonomy: "bounded",
    tools: [
      {
        system: "stripe",
        actions: [
          { name: "refunds.create", access: "write", approval: "required", limit: { amount: 50, unit: "USD" } },
          { name: "charges.read", access: "read", approval: "none" },
        ],
      },
    ],
    forbidden: ["stripe:customers.delete"],
    humanInTheLoop: {
      reviewer: "Tier-2 support lead",
      surface: "Zendesk sidebar",
      canOverride: true,
      captureCorrections: true,
      stopAskingRule: "after 200 decisions with < 1% corrections",
    },
    traceRetentionDays: 90,
  };
}

/** The smallest valid spec: only the required fields. */
function minimalSpec(): Record<string, unknown> {
  return {
    model: { provider: "openai", name: "gpt-4.1" },
    instructions: "Summarise tickets.",
    autonomy: "read_only",
    traceRetentionDays: 30,
  };
}

function valid(value: unknown): AgentSpec {
  const result = validateSpec(value);
  if (!result.ok) throw new Error(`expected a valid spec, got ${JSON.stringify(result.issues)}`);
  return result.spec;
}

function issuesOf(result: ReturnType<typeof validateSpec>): SpecIssue[] {
  if (result.ok) throw new Error("expected the spec to be rejected");
  return result.issues;
}

/** Rebuilds a value with every object's keys in reverse order. */
function reverseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  }
  return value;
}

const ACCESS_MESSAGE = 'Access must be "read", "write" or "admin"';

describe("validateSpec: a valid spec", () => {
  it("accepts DESIGN.md's refund-assistant example unchanged", () => {
    expect(validateSpec(refundSpec())).toEqual({ ok: true, spec: refundSpec() });
  });

  it("defaults an omitted model version to floating, and tools and forbidden to empty lists", () => {
    const spec = valid(minimalSpec());
    expect(spec.model.version).toBe("");
    expect(spec.tools).toEqual([]);
    expect(spec.forbidden).toEqual([]);
    expect(spec.humanInTheLoop).toBeUndefined();
  });

  it("trims names and model fields but keeps the instructions byte for byte", () => {
    const input = refundSpec();
    input.model = { provider: " openai ", name: "gpt-4.1 ", version: " 2025-04-14" };
    input.tools[0]!.system = "  stripe";
    input.instructions = "  Indented.\n\n";
    const spec = valid(input);
    expect(spec.model).toEqual({ provider: "openai", name: "gpt-4.1", version: "2025-04-14" });
    expect(spec.tools[0]!.system).toBe("stripe");
    expect(spec.instructions).toBe("  Indented.\n\n");
  });

  it("allows the same action name on two different systems", () => {
    const input = refundSpec();
    input.tools.push({ system: "paypal", actions: [{ name: "refunds.create", access: "write", approval: "required" }] });
    expect(validateSpec(input).ok).toBe(true);
  });

  it("accepts zero days of trace retention", () => {
    expect(validateSpec({ ...minimalSpec(), traceRetentionDays: 0 }).ok).toBe(true);
  });
});

describe("validateSpec: errors name the field and say what is wrong", () => {
  it("names the nested path of a bad access level", () => {
    const input = refundSpec();
    (input.tools[0]!.actions[1] as { access: string }).access = "execute";
    expect(issuesOf(validateSpec(input))).toEqual([{ path: "tools.0.actions.1.access", message: ACCESS_MESSAGE }]);
  });

  it("lists every missing required field of an empty object", () => {
    expect(issuesOf(validateSpec({})).map((i) => i.path)).toEqual(["model", "instructions", "autonomy", "traceRetentionDays"]);
  });

  it("rejects an unknown autonomy level", () => {
    expect(issuesOf(validateSpec({ ...minimalSpec(), autonomy: "unbounded" }))).toEqual([
      { path: "autonomy", message: 'Autonomy must be "read_only", "bounded" or "autonomous"' },
    ]);
  });

  it("rejects a blank model provider and a blank instruction text", () => {
    const issues = issuesOf(validateSpec({ ...minimalSpec(), model: { provider: "  ", name: "gpt-4.1" }, instructions: "" }));
    expect(issues).toEqual([
      { path: "model.provider", message: "Model provider is required" },
      { path: "instructions", message: "Instructions are required" },
    ]);
  });

  it("rejects a limit of zero", () => {
    const input = refundSpec();
    input.tools[0]!.actions[0]!.limit = { amount: 0, unit: "USD" };
    expect(issuesOf(validateSpec(input))).toEqual([{ path: "tools.0.actions.0.limit.amount", message: "Limit amount must be above 0" }]);
  });

  it("rejects a negative or fractional trace retention", () => {
    expect(issuesOf(validateSpec({ ...minimalSpec(), traceRetentionDays: -1 }))).toEqual([
      { path: "traceRetentionDays", message: "Trace retention cannot be negative" },
    ]);
    expect(issuesOf(validateSpec({ ...minimalSpec(), traceRetentionDays: 1.5 }))).toEqual([
      { path: "traceRetentionDays", message: "Trace retention must be a whole number of days" },
    ]);
  });

  it("rejects a system name with spaces and a tool with no actions", () => {
    const issues = issuesOf(validateSpec({ ...minimalSpec(), tools: [{ system: "my stripe", actions: [] }] }));
    expect(issues).toEqual([
      { path: "tools.0.system", message: 'System may contain only letters, digits, "_", "." and "-"' },
      { path: "tools.0.actions", message: "A tool needs at least one action" },
    ]);
  });

  it('rejects a forbidden entry not written "system:action"', () => {
    expect(issuesOf(validateSpec({ ...minimalSpec(), forbidden: ["customers.delete"] }))).toEqual([
      { path: "forbidden.0", message: 'A forbidden entry is written "system:action", e.g. "stripe:customers.delete"' },
    ]);
  });

  it("rejects a non-boolean human-in-the-loop flag", () => {
    const input = refundSpec();
    (input.humanInTheLoop as { canOverride: unknown }).canOverride = "yes";
    expect(issuesOf(validateSpec(input))).toEqual([{ path: "humanInTheLoop.canOverride", message: "canOverride must be true or false" }]);
  });

  it("reports a value that is not an object at the path 'spec'", () => {
    expect(issuesOf(validateSpec("model: x"))).toEqual([{ path: "spec", message: "Invalid input: expected object, received string" }]);
  });
});

describe("validateSpec: consistency rules", () => {
  it("rejects a system listed twice", () => {
    const input = refundSpec();
    input.tools.push({ system: "stripe", actions: [{ name: "payouts.read", access: "read", approval: "none" }] });
    expect(issuesOf(validateSpec(input))).toEqual([{ path: "tools.1.system", message: 'System "stripe" is listed twice' }]);
  });

  it("rejects an action listed twice on one system", () => {
    const input = refundSpec();
    input.tools[0]!.actions.push({ name: "refunds.create", access: "read", approval: "none" });
    expect(issuesOf(validateSpec(input))).toEqual([
      { path: "tools.0.actions.2.name", message: "Action stripe:refunds.create is listed twice" },
    ]);
  });

  it("rejects an action that is both forbidden and granted", () => {
    const input = refundSpec();
    input.tools[0]!.actions.push({ name: "customers.delete", access: "admin", approval: "required" });
    expect(issuesOf(validateSpec(input))).toEqual([
      { path: "forbidden.0", message: "stripe:customers.delete is both forbidden and granted in tools" },
    ]);
  });

  it("does not confuse a forbidden action with a granted action of the same name on another system", () => {
    const input = refundSpec();
    input.forbidden = ["paypal:refunds.create"];
    expect(validateSpec(input).ok).toBe(true);
  });
});

describe("validateSpec: unknown keys are rejected", () => {
  it.each([
    ["at the top level", (s: ReturnType<typeof refundSpec>) => Object.assign(s, { temperature: 0.2 }), "temperature", "temperature"],
    ["in the model", (s: ReturnType<typeof refundSpec>) => Object.assign(s.model, { region: "eu" }), "model.region", "region"],
    ["in a tool", (s: ReturnType<typeof refundSpec>) => Object.assign(s.tools[0]!, { owner: "x" }), "tools.0.owner", "owner"],
    [
      "in an action",
      (s: ReturnType<typeof refundSpec>) => Object.assign(s.tools[0]!.actions[1]!, { acess: "write" }),
      "tools.0.actions.1.acess",
      "acess",
    ],
    [
      "in a limit",
      (s: ReturnType<typeof refundSpec>) => Object.assign(s.tools[0]!.actions[0]!.limit!, { per: "day" }),
      "tools.0.actions.0.limit.per",
      "per",
    ],
    [
      "in human-in-the-loop",
      (s: ReturnType<typeof refundSpec>) => Object.assign(s.humanInTheLoop, { sla: "1h" }),
      "humanInTheLoop.sla",
      "sla",
    ],
  ])("%s", (_where, mutate, path, key) => {
    const input = refundSpec();
    mutate(input);
    expect(issuesOf(validateSpec(input))).toEqual([{ path, message: `Unknown field "${key}"` }]);
  });
});

describe("specHash", () => {
  it("is the SHA-256 of the spec's canonical JSON (sorted keys, no whitespace)", () => {
    // Written by hand in canonical form; hashed independently of canonicalJson.
    const canonical =
      '{"autonomy":"bounded","forbidden":["stripe:customers.delete"],' +
      '"humanInTheLoop":{"canOverride":true,"captureCorrections":true,"reviewer":"Tier-2 support lead",' +
      '"stopAskingRule":"after 200 decisions with < 1% corrections","surface":"Zendesk sidebar"},' +
      '"instructions":"You help support staff issue refunds ...\\n",' +
      '"model":{"name":"gpt-4.1","provider":"openai","version":"2025-04-14"},' +
      '"tools":[{"actions":[{"access":"write","approval":"required","limit":{"amount":50,"unit":"USD"},"name":"refunds.create"},' +
      '{"access":"read","approval":"none","name":"charges.read"}],"system":"stripe"}],"traceRetentionDays":90}';
    const expected = createHash("sha256").update(canonical, "utf8").digest("hex");
    expect(expected).toBe("44ea6790ee7d3608bd9c94deff2ba693da7be47d4caf1d1d8fa62cb531fd39be"); // echo -n '<canonical>' | sha256sum
    expect(specHash(valid(refundSpec()))).toBe(expected);
  });

  it("does not change when the spec's keys are written in another order", () => {
    const reordered = reverseKeys(refundSpec());
    expect(Object.keys(reordered as object)[0]).toBe("traceRetentionDays");
    expect(specHash(valid(reordered))).toBe(specHash(valid(refundSpec())));
  });

  it("does not change when a default is written out explicitly", () => {
    expect(specHash(valid({ ...minimalSpec(), tools: [], forbidden: [] }))).toBe(specHash(valid(minimalSpec())));
  });

  it("changes when a limit is raised", () => {
    const raised = refundSpec();
    raised.tools[0]!.actions[0]!.limit = { amount: 500, unit: "USD" };
    expect(specHash(valid(raised))).not.toBe(specHash(valid(refundSpec())));
  });

  it("changes when a limit is removed, a forbidden entry dropped, or the model unpinned", () => {
    const base = specHash(valid(refundSpec()));
    const noLimit = refundSpec();
    delete noLimit.tools[0]!.actions[0]!.limit;
    const noForbidden = { ...refundSpec(), forbidden: [] };
    const floating = { ...refundSpec(), model: { provider: "openai", name: "gpt-4.1", version: "" } };
    const hashes = [base, specHash(valid(noLimit)), specHash(valid(noForbidden)), specHash(valid(floating))];
    expect(new Set(hashes).size).toBe(4);
  });

  it("changes when the order of actions changes (order is part of the spec)", () => {
    const swapped = refundSpec();
    swapped.tools[0]!.actions.reverse();
    expect(specHash(valid(swapped))).not.toBe(specHash(valid(refundSpec())));
  });

  it("changes when only whitespace in the instructions changes", () => {
    expect(specHash(valid({ ...refundSpec(), instructions: "You help support staff issue refunds ...\n\n" }))).not.toBe(
      specHash(valid(refundSpec())),
    );
  });
});

describe("parseSpecText", () => {
  it("parses DESIGN.md's YAML example, comments and all", () => {
    expect(parseSpecText(REFUND_YAML)).toEqual({ ok: true, spec: refundSpec() });
  });

  it("parses the same spec written as JSON", () => {
    expect(parseSpecText(JSON.stringify(refundSpec(), null, 2))).toEqual({ ok: true, spec: refundSpec() });
  });

  it("says the spec is empty for empty or blank text", () => {
    const empty = { ok: false, issues: [{ path: "spec", message: "The spec is empty" }] };
    expect(parseSpecText("")).toEqual(empty);
    expect(parseSpecText("  \n\t\n")).toEqual(empty);
  });

  it("reports a YAML syntax error with its line number", () => {
    const text = "model:\n\tprovider: openai\n";
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [{ path: "spec", line: 2, message: "Line 2: Tabs are not allowed as indentation" }],
    });
  });

  it("reports a duplicated key on the line of the duplicate", () => {
    const text = REFUND_YAML.replace("traceRetentionDays: 90\n", "traceRetentionDays: 90\ntraceRetentionDays: 30\n");
    expect(parseSpecText(text)).toEqual({ ok: false, issues: [{ path: "spec", line: 18, message: "Line 18: Map keys must be unique" }] });
  });

  it("reports a JSON syntax error with its line number", () => {
    const text = '{\n  "model": {"provider": "openai", "name": "gpt-4.1"}\n  "autonomy": "bounded"\n}';
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [{ path: "spec", line: 3, message: "Line 3: Missing , between flow map items" }],
    });
  });

  it("reports a schema error on the line of the offending value", () => {
    const text = REFUND_YAML.replace("access: read", "access: execute");
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [{ path: "tools.0.actions.1.access", line: 9, message: `Line 9, tools.0.actions.1.access: ${ACCESS_MESSAGE}` }],
    });
  });

  it("reports a schema error in a block mapping on the line of the value", () => {
    const text = REFUND_YAML.replace("captureCorrections: true", "captureCorrections: sometimes");
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [
        {
          path: "humanInTheLoop.captureCorrections",
          line: 15,
          message: "Line 15, humanInTheLoop.captureCorrections: captureCorrections must be true or false",
        },
      ],
    });
  });

  it("reports a missing field on the line of the object that lacks it", () => {
    const text = REFUND_YAML.replace("access: read, ", "");
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [{ path: "tools.0.actions.1.access", line: 9, message: `Line 9, tools.0.actions.1.access: ${ACCESS_MESSAGE}` }],
    });
  });

  it("reports a schema error in JSON text on the line of the offending value", () => {
    const text =
      '{\n  "model": {"provider": "openai", "name": "gpt-4.1"},\n  "instructions": "x",\n  "autonomy": "sideways",\n  "traceRetentionDays": 1\n}';
    const result = parseSpecText(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => [i.path, i.line])).toEqual([["autonomy", 4]]);
  });

  it("reports a consistency error (forbidden and granted) on the line of the forbidden entry", () => {
    const text = REFUND_YAML.replace('"stripe:customers.delete"', '"stripe:charges.read"');
    expect(parseSpecText(text)).toEqual({
      ok: false,
      issues: [
        { path: "forbidden.0", line: 10, message: "Line 10, forbidden.0: stripe:charges.read is both forbidden and granted in tools" },
      ],
    });
  });

  it("rejects an unknown key in YAML and names the key", () => {
    const result = parseSpecText(REFUND_YAML + "temperature: 0.2\n");
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues).toHaveLength(1);
      expect(result.issues[0]!.message).toBe('Line 18, temperature: Unknown field "temperature"');
    }
  });

  it("reports an unknown key on the line where it is written", () => {
    const result = parseSpecText(REFUND_YAML + "temperature: 0.2\n");
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]!.line).toBe(18);
  });

  it("rejects a document that is a plain string", () => {
    expect(parseSpecText("hello")).toEqual({
      ok: false,
      issues: [{ path: "spec", line: 1, message: "Line 1, spec: Invalid input: expected object, received string" }],
    });
  });
});

describe("specToYaml and specToJson", () => {
  const tricky: [string, Record<string, unknown>][] = [
    ["the refund example", refundSpec()],
    ["a minimal spec with defaults", minimalSpec()],
    [
      "instructions with leading indentation and trailing blank lines",
      { ...minimalSpec(), instructions: "  Indented first line\nsecond  \n\n\n" },
    ],
    ["instructions without a final newline", { ...minimalSpec(), instructions: "One line, no newline" }],
    ["instructions that look like YAML", { ...minimalSpec(), instructions: "# not a comment\n- not a list\nkey: value\n" }],
    [
      "model fields that look like numbers, booleans and null",
      { ...minimalSpec(), model: { provider: "true", name: "null", version: "1.10" } },
    ],
    ["an empty stop-asking rule", { ...refundSpec(), humanInTheLoop: { ...refundSpec().humanInTheLoop, stopAskingRule: "" } }],
  ];

  it.each(tricky)("round-trip %s through YAML to the same spec hash", (_name, input) => {
    const spec = valid(input);
    const parsed = parseSpecText(specToYaml(spec));
    expect(parsed.ok && specHash(parsed.spec)).toBe(specHash(spec));
  });

  it.each(tricky)("round-trip %s through JSON to the same spec hash", (_name, input) => {
    const spec = valid(input);
    const parsed = parseSpecText(specToJson(spec));
    expect(parsed.ok && specHash(parsed.spec)).toBe(specHash(spec));
  });

  it("writes fields in the order a reader expects, not sorted", () => {
    const spec = valid(refundSpec());
    expect(Object.keys(JSON.parse(specToJson(spec)))).toEqual([
      "model",
      "instructions",
      "autonomy",
      "tools",
      "forbidden",
      "humanInTheLoop",
      "traceRetentionDays",
    ]);
    expect(
      specToYaml(spec)
        .split("\n")
        .filter((line) => /^\S/.test(line)),
    ).toEqual(["model:", "instructions: |", "autonomy: bounded", "tools:", "forbidden:", "humanInTheLoop:", "traceRetentionDays: 90"]);
  });

  it("leaves out human-in-the-loop when the spec has none", () => {
    const spec = valid(minimalSpec());
    expect(JSON.parse(specToJson(spec))).not.toHaveProperty("humanInTheLoop");
    expect(specToYaml(spec)).not.toContain("humanInTheLoop");
  });

  it("writes JSON indented by two spaces with a final newline", () => {
    const json = specToJson(valid(minimalSpec()));
    expect(json.startsWith('{\n  "model": {\n    "provider": "openai",')).toBe(true);
    expect(json.endsWith("}\n")).toBe(true);
  });
});

describe("isModelPinned", () => {
  it("is true for a model with a version", () => {
    expect(isModelPinned(valid(refundSpec()))).toBe(true);
  });

  it("is false when the version is omitted, empty or blank", () => {
    expect(isModelPinned(valid(minimalSpec()))).toBe(false);
    expect(isModelPinned(valid({ ...minimalSpec(), model: { provider: "openai", name: "gpt-4.1", version: "" } }))).toBe(false);
    expect(isModelPinned(valid({ ...minimalSpec(), model: { provider: "openai", name: "gpt-4.1", version: "   " } }))).toBe(false);
  });

  it("is false for a blank version even on a spec that skipped validation", () => {
    const spec = { ...valid(refundSpec()), model: { provider: "openai", name: "gpt-4.1", version: " \t" } };
    expect(isModelPinned(spec)).toBe(false);
  });
});

describe("parseSpecText: nothing but comments", () => {
  it("says the spec is empty", () => {
    expect(parseSpecText("# just a comment\n---\n")).toEqual({ ok: false, issues: [{ path: "spec", message: "The spec is empty" }] });
  });
});
