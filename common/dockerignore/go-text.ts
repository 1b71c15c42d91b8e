// The two Go standard-library text rules `.dockerignore` reading depends on, written here
// from their documented behaviour: strings.TrimSpace (Unicode White_Space, which is not the
// set JavaScript's trim() removes: Go trims U+0085 and keeps U+FEFF) and path/filepath's
// Clean (lexical: one slash, no `.`, `x/..` folded, no trailing slash, "" is ".").

const GO_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
  0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
]);

function isGoSpace(code: number | undefined): boolean {
  return code !== undefined && GO_SPACE.has(code);
}

/** strings.TrimSpace: every White_Space code point is in the BMP, so UTF-16 units are enough. */
export function goTrimSpace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isGoSpace(s.charCodeAt(start))) start++;
  while (end > start && isGoSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** filepath.Clean on a '/'-separated path. */
export function goClean(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const seg of p.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      // `..` at the root of a rooted path stays at the root.
      continue;
    }
    out.push(seg);
  }
  const body = out.join("/");
  if (rooted) return `/${body}`;
  return body === "" ? "." : body;
}

/** filepath.Dir: everything before the last slash, cleaned ("." when there is none). */
export function goDir(p: string): string {
  return goClean(p.slice(0, p.lastIndexOf("/") + 1));
}
