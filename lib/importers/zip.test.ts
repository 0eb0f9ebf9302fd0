import { strToU8, zipSync, type Zippable } from "fflate";
import { describe, expect, it } from "vitest";
import { fixtureFiles } from "./fixture-files";
import { importFiles } from "./index";
import { filesFromZip, MAX_ENTRIES, ZipError } from "./zip";

/** An archive of the fixture folder, as a platform's export would hold it. */
function zipOf(folder: string, extra: Zippable = {}): Uint8Array {
  const entries: Zippable = { ...extra };
  for (const file of fixtureFiles(folder)) entries[file.path.slice(folder.length + 1)] = strToU8(file.content);
  return zipSync(entries);
}

describe("reading a .zip export", () => {
  it("an Agentforce bundle zipped reads as the same agent, each path inside the archive", () => {
    const unzipped = filesFromZip("unpackaged.zip", zipOf("salesforce-agentforce/resort"));
    expect(unzipped.warnings).toEqual([]);
    expect(unzipped.files.every((f) => f.path.startsWith("unpackaged.zip/"))).toBe(true);
    const fromZip = importFiles(unzipped.files);
    const fromFolder = importFiles(fixtureFiles("salesforce-agentforce/resort"));
    expect(fromZip.platform).toBe("salesforce-agentforce");
    expect(fromZip.agents.map((a) => a.spec)).toEqual(fromFolder.agents.map((a) => a.spec));
  });

  it("skips, and names, binaries, oversized entries, nested archives and resource forks", () => {
    const binary = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]);
    const { files, warnings } = filesFromZip(
      "export.zip",
      zipSync({
        "agent.mcs.yml": strToU8("kind: GptComponentMetadata\n"),
        "icon.png": binary,
        "big.json": strToU8(" ".repeat(1024 * 1024 + 1)),
        "inner.zip": zipSync({ "a.txt": strToU8("a") }),
        "__MACOSX/._agent.mcs.yml": strToU8("fork"),
        "node_modules/x/package.json": strToU8("{}"),
        "folder/": new Uint8Array(),
      }),
    );
    expect(files.map((f) => f.path)).toEqual(["export.zip/agent.mcs.yml"]);
    expect(warnings).toEqual([
      "export.zip/big.json: skipped, larger than 1 MB",
      "export.zip/inner.zip: skipped, an archive inside the archive; unzip it and import it on its own",
      "export.zip/icon.png: skipped, not a text file",
    ]);
  });

  it("refuses what is no archive, and an archive of too many files, naming it", () => {
    expect(() => filesFromZip("notes.zip", strToU8("just text"))).toThrow(ZipError);
    expect(() => filesFromZip("notes.zip", strToU8("just text"))).toThrow(/^notes\.zip: not a readable \.zip archive/);
    const many: Zippable = {};
    for (let i = 0; i <= MAX_ENTRIES; i++) many[`f${i}.txt`] = strToU8("x");
    expect(() => filesFromZip("many.zip", zipSync(many))).toThrow(
      "many.zip: holds more than 2,000 files; import the agent's own files instead",
    );
  });

  it("refuses an archive that unpacks to more than 20 MB, before unpacking it", () => {
    const bomb: Zippable = {};
    // Repeated bytes compress to almost nothing: 21 entries of 1 MB of spaces make a tiny archive.
    for (let i = 0; i < 21; i++) bomb[`part${i}.txt`] = new Uint8Array(1024 * 1024 - 1).fill(32);
    const archive = zipSync(bomb, { level: 9 });
    expect(archive.length).toBeLessThan(200_000);
    expect(() => filesFromZip("bomb.zip", archive)).toThrow("bomb.zip: unpacks to more than 20 MB");
  });
});

/** A hand-built archive whose entries are stored (not compressed) and all point at the same bytes. */
function overlappingArchive(entries: number, declared: (payload: number) => number): Uint8Array {
  const payload = new Uint8Array(300_000).fill(97);
  const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
  const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
  const name = new TextEncoder().encode("agent.json");
  const local = [...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0)];
  local.push(...u32(payload.length), ...u32(declared(payload.length)), ...u16(name.length), ...u16(0), ...name);
  const header = new Uint8Array([...local, ...payload]);
  const central: number[] = [];
  for (let i = 0; i < entries; i++) {
    const entryName = new TextEncoder().encode(`f${i}.json`);
    central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0));
    central.push(...u32(payload.length), ...u32(declared(payload.length)), ...u16(entryName.length), ...u16(0), ...u16(0), ...u16(0));
    central.push(...u16(0), ...u32(0), ...u32(0), ...entryName);
  }
  const end = [
    ...u32(0x06054b50),
    ...u16(0),
    ...u16(0),
    ...u16(entries),
    ...u16(entries),
    ...u32(central.length),
    ...u32(header.length),
    ...u16(0),
  ];
  return new Uint8Array([...header, ...central, ...end]);
}

describe("archives that lie about their sizes", () => {
  it("refuses stored entries that share their bytes before copying any of them", () => {
    expect(() =>
      filesFromZip(
        "bomb.zip",
        overlappingArchive(50, () => 1),
      ),
    ).toThrow(/^bomb\.zip: (has entries that overlap|says two sizes)/);
    expect(() =>
      filesFromZip(
        "bomb.zip",
        overlappingArchive(50, (n) => n),
      ),
    ).toThrow("bomb.zip: has entries that overlap, as a zip bomb's do");
  });
});
