// Unix st_mode → the string Go's os.FileMode.String() prints, which is what
// container-structure-test compares `permissions` against ("-rwxr-xr-x", "drwxr-xr-x",
// "Lrwxrwxrwx"; setuid/setgid/sticky are leading letters u/g/t, not s/t in place).

const S_IFMT = 0o170000;
const TYPE_LETTER: Record<number, string> = {
  0o040000: "d", // directory
  0o120000: "L", // symlink
  0o010000: "p", // named pipe
  0o140000: "S", // socket
  0o060000: "D", // block device
  0o020000: "Dc", // character device: ModeDevice|ModeCharDevice
};

export function formatGoFileMode(mode: number): string {
  // Go orders the letters "dalTLDpSugct?"; only d, L, D, p, S, u, g, c, t can occur here.
  const type = TYPE_LETTER[mode & S_IFMT] ?? "";
  const order = "dalTLDpSugct";
  const letters = new Set(type);
  if (mode & 0o4000) letters.add("u");
  if (mode & 0o2000) letters.add("g");
  if (mode & 0o1000) letters.add("t");
  const prefix = [...order].filter((c) => letters.has(c)).join("") || "-";
  const rwx = "rwxrwxrwx";
  let perms = "";
  for (let i = 0; i < 9; i++) perms += mode & (1 << (8 - i)) ? rwx[i] : "-";
  return prefix + perms;
}
