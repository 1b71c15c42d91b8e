// JSON text → GoNode tree, with the syntax Go's encoding/json accepts (RFC 8259: one
// value, no comments, no trailing commas, control characters escaped). Unlike
// JSON.parse it keeps number literals as written and every duplicate key, which
// encoding/json's decoding depends on. Go checks the whole text before decoding, so any
// syntax error here means container-structure-test refuses the file.
import { GoSyntaxError, type GoNode } from "./go-nodes.js";

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

class JsonReader {
  private i = 0;
  private line = 1;
  constructor(private readonly text: string) {}

  fail(what: string): never {
    const c = this.text[this.i];
    const found = c === undefined ? "end of input" : `character ${JSON.stringify(c)}`;
    throw new GoSyntaxError(`line ${this.line}: invalid JSON: ${found} ${what}`);
  }

  skipSpace(): void {
    for (;;) {
      const c = this.text[this.i];
      if (c === "\n") this.line++;
      else if (c !== " " && c !== "\t" && c !== "\r") return;
      this.i++;
    }
  }

  document(): GoNode {
    this.skipSpace();
    const value = this.value();
    this.skipSpace();
    if (this.i < this.text.length) this.fail("after top-level value");
    return value;
  }

  value(): GoNode {
    const c = this.text[this.i];
    const line = this.line;
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return { kind: "scalar", value: this.string(), tag: "", implicit: false, line };
    for (const [word, node] of [
      ["true", { kind: "bool", value: true, line }],
      ["false", { kind: "bool", value: false, line }],
      ["null", { kind: "null", line }],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return node;
      }
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail("looking for beginning of value");
    this.i += m[0].length;
    return { kind: "number", literal: m[0], line };
  }

  object(): GoNode {
    const line = this.line;
    const pairs: [GoNode, GoNode][] = [];
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === "}") {
      this.i++;
      return { kind: "map", pairs, line };
    }
    for (;;) {
      this.skipSpace();
      if (this.text[this.i] !== '"') this.fail("looking for beginning of object key string");
      const keyLine = this.line;
      const key: GoNode = { kind: "scalar", value: this.string(), tag: "", implicit: false, line: keyLine };
      this.skipSpace();
      if (this.text[this.i] !== ":") this.fail("after object key");
      this.i++;
      this.skipSpace();
      pairs.push([key, this.value()]);
      this.skipSpace();
      const c = this.text[this.i++];
      if (c === "}") return { kind: "map", pairs, line };
      if (c !== ",") {
        this.i--;
        this.fail("after object key:value pair");
      }
    }
  }

  array(): GoNode {
    const line = this.line;
    const items: GoNode[] = [];
    this.i++;
    this.skipSpace();
    if (this.text[this.i] === "]") {
      this.i++;
      return { kind: "seq", items, line };
    }
    for (;;) {
      this.skipSpace();
      items.push(this.value());
      this.skipSpace();
      const c = this.text[this.i++];
      if (c === "]") return { kind: "seq", items, line };
      if (c !== ",") {
        this.i--;
        this.fail("after array element");
      }
    }
  }

  string(): string {
    let out = "";
    this.i++; // opening quote
    for (;;) {
      const c = this.text[this.i];
      if (c === undefined) this.fail("in string literal");
      if (c === '"') {
        this.i++;
        return out;
      }
      if (c < " ") this.fail("in string literal");
      if (c !== "\\") {
        out += c;
        this.i++;
        continue;
      }
      const e = this.text[this.i + 1] ?? "";
      if (e === "u") {
        const hex = this.text.slice(this.i + 2, this.i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) this.fail("in \\u hexadecimal character escape");
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 6;
      } else if (ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        this.i += 2;
      } else {
        this.i++;
        this.fail("in string escape code");
      }
    }
  }
}

export function parseJsonNodes(text: string): GoNode {
  return new JsonReader(text).document();
}
