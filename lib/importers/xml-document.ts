import { XMLParser, XMLValidator } from "fast-xml-parser";

/**
 * A small read-only view over an XML document parsed by fast-xml-parser, keeping each element's line so
 * provenance can point at it. Every element is read as a list (metadata XML repeats elements freely).
 */

export type XmlElement = { name: string; line: number; node: XmlNode };
type XmlNode = { [tag: string]: XmlNode[] | string };

const META = XMLParser.getMetaDataSymbol() as unknown as string;

const parser = new XMLParser({
  captureMetaData: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  ignoreAttributes: true,
  removeNSPrefix: false,
  alwaysCreateTextNode: true,
  parseTagValue: false,
  trimValues: true,
  processEntities: true,
  isArray: () => true,
});

/** Parses an XML text into its root element, or returns the reason it is not well-formed XML. */
export function parseXml(text: string): { ok: true; root: XmlElement } | { ok: false; reason: string } {
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, reason: `not well-formed XML (line ${valid.err.line}: ${valid.err.msg})` };
  let doc: XmlNode;
  try {
    doc = parser.parse(text) as XmlNode;
  } catch (error) {
    // Well-formed, yet refused by the parser (an element named __proto__, too many entities): not a definition.
    return { ok: false, reason: `not readable XML (${error instanceof Error ? error.message : String(error)})` };
  }
  const roots = Object.keys(doc).filter((k) => k !== "#text");
  const name = roots[0];
  const node = name === undefined || roots.length !== 1 ? undefined : (doc[name] as XmlNode[])[0];
  if (name === undefined || !node) return { ok: false, reason: "no single root element" };
  return { ok: true, root: { name, line: lineAt(text, node), node } };
}

/** The 1-based line where an element starts. */
function lineAt(text: string, node: XmlNode): number {
  const meta = (node as unknown as Record<string, { startIndex?: number } | undefined>)[META];
  const index = meta?.startIndex ?? 0;
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** A document with its text, so child elements can report their lines. */
export class XmlDoc {
  constructor(
    readonly text: string,
    readonly root: XmlElement,
  ) {}

  /** The child elements named `tag`, in document order. */
  children(of: XmlElement, tag: string): XmlElement[] {
    const list = of.node[tag];
    if (!Array.isArray(list)) return [];
    return list.map((node) => ({ name: tag, line: lineAt(this.text, node), node }));
  }

  /** The text of the first child element named `tag` (trimmed), with its line; undefined when absent. */
  value(of: XmlElement, tag: string): { text: string; line: number } | undefined {
    const child = this.children(of, tag)[0];
    if (!child) return undefined;
    const text = child.node["#text"];
    return { text: typeof text === "string" ? text : "", line: child.line };
  }

  /** The tag names of an element's children, for warning about what is not mapped. */
  tags(of: XmlElement): string[] {
    return Object.keys(of.node).filter((k) => k !== "#text");
  }
}
