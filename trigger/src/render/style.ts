// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
// When piped, output is plain text so scripts can grep and parse it.

export interface Style {
  color: boolean;
  bold(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** ✓/✗ on a terminal, PASS/FAIL when piped. */
  mark(passed: boolean): string;
}

export function shouldUseColor(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "" && env.FORCE_COLOR !== "0") return true;
  return isTTY === true && env.TERM !== "dumb";
}

/** A live line (timers) needs a real terminal; NO_COLOR turns off colour, not `\r`. */
export function canRedraw(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  return isTTY === true && env.TERM !== "dumb";
}

export function buildStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    color ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  const green = wrap(32, 39);
  const red = wrap(31, 39);
  return {
    color,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green,
    red,
    yellow: wrap(33, 39),
    cyan: wrap(36, 39),
    mark: (passed) => (color ? (passed ? green("✓") : red("✗")) : passed ? "PASS" : "FAIL"),
  };
}
