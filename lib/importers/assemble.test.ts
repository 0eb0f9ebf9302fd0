import { describe, expect, it } from "vitest";
import { assembleAgent, TRACE_RETENTION_DAYS, TRACE_RETENTION_WARNING, type AgentDraft, type FoundAction } from "./assemble";

const at = (line: number) => ({ file: "agent.yml", line, how: "stated" as const });
const action = (line: number, access: FoundAction["access"], approval: FoundAction["approval"]): FoundAction => ({
  system: "crm",
  name: "update_case",
  access,
  approval,
  accessFrom: at(line),
  approvalFrom: at(line),
});
const draft = (actions: FoundAction[], value = false): AgentDraft => ({
  name: "Support",
  description: "",
  platform: "copilot-studio",
  file: "agent.yml",
  model: { value: { provider: "openai", name: "gpt-4.1", version: "" }, provenance: at(1) },
  instructions: [{ from: "instructions", text: "Help.", provenance: at(2) }],
  actions,
  unattended: { value, because: "a person chats with it" },
  warnings: [],
});

describe("assembleAgent", () => {
  it("keeps the wider access and the sighting that runs without approval when an action is met twice, and says so", () => {
    const agent = assembleAgent(draft([action(10, "write", "required"), action(20, "admin", "none")]));
    expect(agent.spec.tools).toEqual([{ system: "crm", actions: [{ name: "update_case", access: "admin", approval: "none" }] }]);
    expect(agent.provenance.actions["crm:update_case"]).toEqual({ access: at(20), approval: at(20) });
    expect(agent.warnings).toContainEqual(expect.stringContaining("crm:update_case is also granted at agent.yml:10"));
  });

  it("gives every agent the one trace-retention placeholder, with the warning that the reviewer sets it", () => {
    const agent = assembleAgent(draft([]));
    expect(agent.spec.traceRetentionDays).toBe(TRACE_RETENTION_DAYS);
    expect(agent.warnings).toContain(`agent.yml: ${TRACE_RETENTION_WARNING}`);
  });

  it("names the write without approval that makes an unattended agent autonomous", () => {
    const agent = assembleAgent({ ...draft([action(10, "write", "none")]), unattended: { value: true, because: "a trigger starts it" } });
    expect(agent.spec.autonomy).toBe("autonomous");
    expect(agent.provenance.autonomy).toMatchObject({
      file: "agent.yml",
      how: "inferred",
      because: "crm:update_case writes without approval and a trigger starts it",
    });
  });
});
