import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "./canonical-json";

describe("canonicalJson", () => {
  it("serialises the same object to the same bytes whatever order its keys were written in", () => {
    const a = { name: "refunds.create", access: "write", approval: "required" };
    const b = { approval: "required", name: "refunds.create", access: "write" };
    expect(canonicalJson(a)).toBe('{"access":"write","approval":"required","name":"refunds.create"}');
    expect(canonicalJson(b)).toBe(canonicalJson(a));
  });

  it("sorts keys by code unit, so upper-case keys come before lower-case ones", () => {
    expect(canonicalJson({ b: 1, a: 2, B: 3, _: 4 })).toBe('{"B":3,"_":4,"a":2,"b":1}');
  });

  it("sorts the keys of objects nested inside objects and arrays, and keeps array order", () => {
    const value = { z: [{ y: 1, x: 2 }, [{ d: 4, c: 3 }]], a: { n: { q: true, p: null } } };
    expect(canonicalJson(value)).toBe('{"a":{"n":{"p":null,"q":true}},"z":[{"x":2,"y":1},[{"c":3,"d":4}]]}');
    expect(canonicalJson([3, 1, 2])).toBe("[3,1,2]");
  });

  it("uses no insignificant whitespace but keeps whitespace inside strings", () => {
    expect(canonicalJson({ text: "a  b\n", list: [1, 2] })).toBe('{"list":[1,2],"text":"a  b\\n"}');
  });

  it("drops undefined members, so an absent field and an undefined one hash the same", () => {
    expect(canonicalJson({ a: 1, b: undefined, c: { d: undefined, e: 2 } })).toBe('{"a":1,"c":{"e":2}}');
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
  });

  it("keeps null members, which are not the same as absent ones", () => {
    expect(canonicalJson({ a: null })).toBe('{"a":null}');
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
  });

  it("writes undefined array elements as null, as JSON does", () => {
    expect(canonicalJson([1, undefined, 3])).toBe("[1,null,3]");
  });

  it("serialises scalars as plain JSON", () => {
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson(42)).toBe("42");
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(false)).toBe("false");
  });

  it("serialises dates as JSON does, so two different dates differ", () => {
    expect(canonicalJson({ at: new Date(0) })).toBe('{"at":"1970-01-01T00:00:00.000Z"}');
    expect(canonicalJson({ at: new Date(0) })).not.toBe(canonicalJson({ at: new Date(1) }));
  });
});

describe("sha256Hex", () => {
  // Expected values computed with `echo -n '<text>' | sha256sum`.
  it("hashes a known string to its published digest", () => {
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("hashes the empty string", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("hashes non-ASCII text as UTF-8", () => {
    expect(sha256Hex("Countersign — signé ✓")).toBe("b44f3f1029d65452d90a22771348aaf620a1131d310c1f73a65fb21c2170cbf8");
  });

  it("hashes the canonical form of an object, independent of its key order", () => {
    const expected = "88c3cdf568e74603bc9ea42ed03f42ad6dcf46dbfbb56089d8a163f6b84a0c52"; // sha256 of {"a":1,"b":[2,{"c":3,"d":4}]}
    expect(sha256Hex(canonicalJson({ b: [2, { d: 4, c: 3 }], a: 1 }))).toBe(expected);
    expect(sha256Hex(canonicalJson({ a: 1, b: [2, { c: 3, d: 4 }] }))).toBe(expected);
  });
});
