import { describe, expect, it } from "vitest";
import {
  accessOfHttp,
  autonomyOf,
  inferAccess,
  joinInstructions,
  modelOf,
  normaliseName,
  pinnedVersion,
  platformDefaultModel,
} from "./rules";

describe("inferAccess: the verb decides, in doubt write, and some names are admin", () => {
  it.each([
    ["listOrders", "read"],
    ["search_pubmed", "read"],
    ["Get Customer Profile", "read"],
    ["draftReply", "read"],
    ["refunds.create", "write"],
    ["Issue Resort Credit", "write"],
    ["sendEmail", "write"],
    ["process", "write"],
    ["add_collaborator", "admin"],
    ["users.reset_password", "admin"],
    ["set_permissions", "admin"],
    ["delete_repository", "admin"],
    ["execute_graphql_query", "admin"],
    ["run_shell_command", "admin"],
    ["update_user_role", "admin"],
    ["codeInterpreter", "admin"],
    ["rotateApiKey", "admin"],
    // Admin words match whole words only: "controller" is not "role", so the verb decides.
    ["controller_status", "write"],
    ["get_controller_status", "read"],
    // Settings may hold secrets and read as configuration: in doubt, a settings read stays admin for the reviewer.
    ["get_settings_summary", "admin"],
  ])("%s → %s", (name, access) => {
    expect(inferAccess(name).access).toBe(access);
  });

  it("matches a description's whole words, not parts of them", () => {
    expect(inferAccess("get_order", "Shows the order's controller and whether a resetting is due").access).toBe("read");
    expect(inferAccess("get_order", "Shows the order; also changes the customer's role").access).toBe("admin");
  });

  it("says why", () => {
    expect(inferAccess("listOrders").because).toBe('verb "list" in the name reads');
    expect(inferAccess("sendEmail").because).toBe('verb "send" in the name: in doubt, write');
  });
});

describe("accessOfHttp", () => {
  it("GET and HEAD read, stated; a POST named for reading reads, inferred; other methods write", () => {
    expect(accessOfHttp("get", "anything")).toMatchObject({ access: "read", how: "stated" });
    expect(accessOfHttp("HEAD", "ping")).toMatchObject({ access: "read", how: "stated" });
    expect(accessOfHttp("POST", "searchPubmed")).toMatchObject({ access: "read", how: "inferred" });
    expect(accessOfHttp("POST", "createRefund")).toMatchObject({ access: "write", how: "stated", because: "HTTP POST" });
    expect(accessOfHttp("DELETE", "removeItem")).toMatchObject({ access: "write", how: "stated" });
    expect(accessOfHttp("PUT", "set_permissions")).toMatchObject({ access: "admin", how: "inferred" });
  });
});

describe("names and models", () => {
  it("normalises operation names to letters, digits, _ . -", () => {
    expect(normaliseName("Issue Resort Credit")).toBe("Issue_Resort_Credit");
    expect(normaliseName(" refunds.create ")).toBe("refunds.create");
    expect(normaliseName("Get (v2) Orders!")).toBe("Get_v2_Orders");
  });

  it("pins only a dated or numbered snapshot", () => {
    expect(pinnedVersion("gpt-4.1-2025-04-14")).toBe("2025-04-14");
    expect(pinnedVersion("claude-sonnet-4-5-20250929")).toBe("20250929");
    expect(pinnedVersion("anthropic.claude-3-5-sonnet-20240620-v1:0")).toBe("20240620-v1:0");
    expect(pinnedVersion("gpt-4.1")).toBe("");
    expect(modelOf("openai", "gpt-4o")).toEqual({ provider: "openai", name: "gpt-4o", version: "" });
  });

  it("a definition naming no model floats on the platform's default, and says so", () => {
    const { model, warning } = platformDefaultModel("salesforce-agentforce");
    expect(model).toEqual({ provider: "salesforce-agentforce", name: "platform-default", version: "" });
    expect(warning).toMatch(/floats/);
  });
});

describe("autonomyOf", () => {
  it("read_only when every action reads; autonomous only for an unapproved write with nobody in the loop; else bounded", () => {
    expect(autonomyOf([{ access: "read", approval: "none" }], true)).toBe("read_only");
    expect(autonomyOf([{ access: "write", approval: "none" }], true)).toBe("autonomous");
    expect(autonomyOf([{ access: "write", approval: "none" }], false)).toBe("bounded");
    expect(autonomyOf([{ access: "write", approval: "required" }], true)).toBe("bounded");
  });
});

describe("joinInstructions", () => {
  it("heads each part with where it came from, and drops empty parts", () => {
    expect(
      joinInstructions([
        { from: "Agent description", text: "Helps with refunds." },
        { from: "Topic Refunds: scope", text: "  " },
        { from: "Topic Refunds: instructions", text: "Ask for the order number.\n" },
      ]),
    ).toBe("## Agent description\nHelps with refunds.\n\n## Topic Refunds: instructions\nAsk for the order number.\n");
  });
});
