// A smoke file as a tree of nodes, before any type is applied: the form Go's decoders
// see. YAML comes from the `yaml` package with the failsafe schema (every scalar kept
// as its text and style, tags and anchors as written, `<<` left as a key), so that
// go-decode.ts can resolve scalars with gopkg.in/yaml.v2's rules rather than YAML 1.2's.
// JSON comes from a small reader that keeps number literals as written (Go refuses
// `1.0` for an int) and duplicate keys in order (encoding/json applies each in turn).
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from "yaml";

export type GoNode =
  | {
      kind: "scalar";
      value: string;
      /** Explicit tag in long form ("tag:yaml.org,2002:int"), or "" when none. */
      tag: string;
      /** yaml.v2's `implicit`: a plain scalar without a tag, which resolves by its text. */
      implicit: boolean;
      line: number;
    }
  | { kind: "seq"; items: GoNode[]; line: number }
  | { kind: "map"; pairs: [GoNode, GoNode][]; line: number }
  | { kind: "alias"; name: string; target: () => GoNode; line: number }
  // JSON only: literal is the number as written.
  | { kind: "number"; literal: string; line: number }
  | { kind: "bool"; value: boolean; line: number }
  | { kind: "null"; line: number };

export class GoSyntaxError extends Error {}

/**
 * The first YAML document as nodes (yaml.v2 reads only the first), or undefined for an
 * empty stream. Throws GoSyntaxError with the line on invalid YAML.
 */
export function parseYamlNodes(text: string): GoNode | undefined {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    schema: "failsafe",
    merge: false,
    uniqueKeys: false,
    lineCounter: lines,
    prettyErrors: true,
  });
  const doc = Array.isArray(docs) ? docs[0] : undefined;
  if (!doc) return undefined;
  const error = doc.errors[0];
  if (error) throw new GoSyntaxError(error.message.split("\n")[0] ?? error.message);
  const lineOf = (n: Node | null | undefined) => (n?.range ? lines.linePos(n.range[0]).line : 0);
  const anchors = new Map<string, GoNode>();
  const convert = (n: Node | null | undefined, line: number): GoNode => {
    if (n === null || n === undefined) return { kind: "scalar", value: "", tag: "", implicit: true, line };
    const at = lineOf(n) || line;
    let out: GoNode;
    if (isAlias(n)) {
      const name = n.source;
      // Resolved on use: an anchor is defined before its aliases, and a self-reference
      // must reach the decoder to be refused as yaml.v2 does.
      out = {
        kind: "alias",
        name,
        line: at,
        target: () => {
          const target = anchors.get(name);
          if (!target) throw new GoSyntaxError(`line ${at}: unknown anchor '${name}' referenced`);
          return target;
        },
      };
      return out;
    }
    if (isScalar(n)) {
      const tag = n.tag && n.tag !== "!" ? n.tag : "";
      const plain = n.type === "PLAIN";
      const value = typeof n.value === "string" ? n.value : String(n.value ?? "");
      out = { kind: "scalar", value, tag, implicit: plain && !n.tag, line: at };
    } else if (isSeq(n)) {
      out = { kind: "seq", items: n.items.map((i) => convert(i as Node, at)), line: at };
    } else if (isMap(n)) {
      out = {
        kind: "map",
        line: at,
        pairs: n.items.map((p) => {
          const key = convert(p.key as Node, at);
          return [key, convert(p.value as Node, key.line)] as [GoNode, GoNode];
        }),
      };
    } else {
      throw new GoSyntaxError(`line ${at}: unsupported YAML node`);
    }
    if (n.anchor) anchors.set(n.anchor, out);
    return out;
  };
  if (doc.contents === null) return undefined;
  return convert(doc.contents, 1);
}
