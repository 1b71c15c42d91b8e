// The script that runs every file existence, file content and license test, in one RUN
// step as root (USER 0:0), whatever the image's USER: container-structure-test reads
// files through the Docker daemon's archive API, which reads as root. It reproduces
// what that archive reports for a path (daemon/archive.go, pkg/archive):
//
// - the path is joined to "/" and cleaned lexically; symlinks in its directory part are
//   resolved inside the image, the last element is not followed (a trailing "/" does);
// - only directories, regular files and symlinks count (a fifo or device is "not found");
// - Docker's init layer (daemon/initlayer) sits on every container: "/", /etc, /dev,
//   /dev/pts, /dev/shm, /proc and /sys are root-owned 0755 directories, /.dockerenv,
//   /etc/hosts, /etc/hostname, /etc/resolv.conf and /dev/console empty 0755 files,
//   /etc/mtab a symlink to /proc/mounts, and nothing else under /proc, /sys or /dev;
// - ReadFile follows a symlink by reading its target joined to "/" (so a relative target
//   is taken from the root, as the driver does), and refuses a directory.
//
// Only busybox applets are used (stat, readlink, cat, grep), never the image's tools.
import { quoteShell } from "./shell.js";
import { epilogue, prelude, RESULTS_DIR, resultFile } from "./script.js";

/** Where a license test copies each file it checks (not a result: no index in its name). */
const LICENSE_TMP = `${RESULTS_DIR}/license.tmp`;

const DIR = 0x41ed; // S_IFDIR | 0755
const FILE = 0x81ed; // S_IFREG | 0755
const LINK = 0xa1ff; // S_IFLNK | 0777

/** Docker's init-layer entries as `<hex mode> <link target>`, read before the image. */
export const INIT_LAYER: Record<string, string> = {
  "/": `${DIR.toString(16)}`,
  "/etc": `${DIR.toString(16)}`,
  "/dev": `${DIR.toString(16)}`,
  "/dev/pts": `${DIR.toString(16)}`,
  "/dev/shm": `${DIR.toString(16)}`,
  "/proc": `${DIR.toString(16)}`,
  "/sys": `${DIR.toString(16)}`,
  "/.dockerenv": `${FILE.toString(16)}`,
  "/etc/resolv.conf": `${FILE.toString(16)}`,
  "/etc/hosts": `${FILE.toString(16)}`,
  "/etc/hostname": `${FILE.toString(16)}`,
  "/dev/console": `${FILE.toString(16)}`,
  "/etc/mtab": `${LINK.toString(16)} /proc/mounts`,
};

// __cb_view PATH sets __cb_k (dir|reg|link|other|missing), __cb_m (hex st_mode),
// __cb_u, __cb_g, __cb_l (link target) and __cb_c (the resolved path).
const VIEW_FUNCTIONS = [
  "__cb_clean() {", // Go's filepath.Join("/", $1), keeping one trailing "/"
  '  __cb_o=""; __cb_t=""',
  "  case $1 in */) __cb_t=/ ;; esac",
  "  __cb_s=$1/",
  '  while [ -n "$__cb_s" ]; do',
  "    __cb_x=${__cb_s%%/*}; __cb_s=${__cb_s#*/}",
  '    case $__cb_x in ""|.) ;; ..) __cb_o=${__cb_o%/*} ;; *) __cb_o=$__cb_o/$__cb_x ;; esac',
  "  done",
  '  [ -n "$__cb_o" ] || { __cb_o=/; __cb_t=""; }',
  '  echo "$__cb_o$__cb_t"',
  "}",
  "__cb_view() {",
  '  __cb_k=missing; __cb_m=""; __cb_u=0; __cb_g=0; __cb_l=""; __cb_i=""',
  // The archive's first entry is named path.Base(target): "." and ".." never match.
  '  __cb_bn=${1%"${1##*[!/]}"}; __cb_bn=${__cb_bn##*/}',
  '  case $__cb_bn in .|..) return ;; "") case $1 in /*) ;; *) return ;; esac ;; esac',
  '  __cb_p=$(__cb_clean "$1")',
  "  case $__cb_p in",
  '    /) __cb_c=/; __cb_tr="" ;;',
  '    */) __cb_c=$("$__cb_b" readlink -f -- "${__cb_p%/}" 2>/dev/null) || return; __cb_tr=1 ;;',
  '    *) __cb_d=${__cb_p%/*}; __cb_c=$("$__cb_b" readlink -f -- "${__cb_d:-/}" 2>/dev/null) || return',
  '       __cb_c=${__cb_c%/}/${__cb_p##*/}; __cb_tr="" ;;',
  "  esac",
  "  case $__cb_c in",
  ...Object.entries(INIT_LAYER).map(
    ([path, entry]) => `    ${quoteShell(path)}) set -- ${entry}; __cb_m=$1; __cb_l=\${2-}; __cb_i=1 ;;`,
  ),
  "    /proc/*|/sys/*|/dev/*) return ;;",
  '    *) __cb_s=$("$__cb_b" stat -c "%f %u %g" -- "$__cb_c" 2>/dev/null) || return',
  "       set -- $__cb_s; __cb_m=$1; __cb_u=$2; __cb_g=$3",
  '       [ "$((0x$__cb_m & 0xf000))" = $((0xa000)) ] && __cb_l=$("$__cb_b" readlink -- "$__cb_c") ;;',
  "  esac",
  "  case $((0x$__cb_m & 0xf000)) in",
  "    16384) __cb_k=dir ;;",
  "    32768) __cb_k=reg ;;",
  "    40960) __cb_k=link ;;",
  "    *) __cb_k=other ;;",
  "  esac",
  // A trailing "/" needs a directory (the kernel says ENOTDIR).
  '  if [ -n "$__cb_tr" ] && [ $__cb_k != dir ]; then __cb_k=missing; fi',
  "}",
  // __cb_read PATH OUT: the driver's ReadFile; on failure prints why and returns 1.
  "__cb_read() {",
  "  __cb_r=$1; __cb_n=0",
  "  while :; do",
  '    __cb_view "$__cb_r"',
  "    case $__cb_k in",
  // Init-layer files are empty there, whatever the image has at that path.
  '      reg) if [ -n "$__cb_i" ]; then : >"$2"; else "$__cb_b" cat -- "$__cb_c" >"$2"; fi; return 0 ;;',
  '      dir) echo "Cannot read specified path: $__cb_r is a directory, not a file"; return 1 ;;',
  '      link) __cb_n=$((__cb_n + 1)); [ $__cb_n -le 40 ] || { echo "too many levels of symbolic links at $1"; return 1; }; __cb_r=$(__cb_clean "/$__cb_l") ;;',
  '      *) echo "File $__cb_r not found in image"; return 1 ;;',
  "    esac",
  "  done",
  "}",
];

export type FileTestScript =
  | { kind: "existence"; index: number; path: string }
  | { kind: "content"; index: number; path: string }
  | { kind: "license"; index: number; debian: boolean; files: string[] };

function existenceLines(index: number, path: string): string[] {
  const out = resultFile(index, "stat");
  return [
    `__cb_view ${quoteShell(path)}`,
    `case $__cb_k in dir|reg|link) echo "$__cb_m $__cb_u $__cb_g" >${out} ;; *) echo missing >${out} ;; esac`,
  ];
}

function contentLines(index: number, path: string): string[] {
  return [`__cb_read ${quoteShell(path)} ${resultFile(index, "out")} >${resultFile(index, "readerr")} 2>&1`];
}

function licenseLines(index: number, debian: boolean, files: string[]): string[] {
  const out = resultFile(index, "lic");
  const check = (file: string, label: string) =>
    `__cb_lf=${file}; if ! __cb_why=$(__cb_read "$__cb_lf" ${LICENSE_TMP}); then echo "Error reading license file for ${label}: $__cb_why" >>${out}; ` +
    `else for __cb_w in AGPL WTFPL; do if "$__cb_b" grep -qi -e "$__cb_w" ${LICENSE_TMP}; then echo "Invalid license for $__cb_lf, license contains $__cb_w" >>${out}; break; fi; done; fi`;
  const lines = [`: >${out}`, "__cb_files=1"];
  if (debian) {
    // ReadDir: the immediate subdirectories (not symlinks) of /usr/share/doc; when it
    // cannot be read the test fails there and the listed files are not checked.
    lines.push(
      '__cb_view /usr/share/doc; if [ $__cb_k = missing ]; then __cb_files=""; echo "Error reading directory: /usr/share/doc not found in image" >>' +
        `${out}; elif [ $__cb_k = dir ]; then`,
      '  for __cb_pd in "$__cb_c"/*/ "$__cb_c"/.[!.]*/; do',
      '    [ -d "$__cb_pd" ] && [ ! -L "${__cb_pd%/}" ] || continue',
      "    __cb_pkg=${__cb_pd%/}; __cb_pkg=${__cb_pkg##*/}",
      '    [ "$__cb_pkg" = libgnutls30 ] && continue',
      '    __cb_view "/usr/share/doc/$__cb_pkg/copyright"',
      `    case $__cb_k in dir|reg|link) ;; *) echo "Error reading license file for $__cb_pkg: File /usr/share/doc/$__cb_pkg/copyright not found in image" >>${out} ;; esac`,
      `    ${check('"/usr/share/doc/$__cb_pkg/copyright"', "$__cb_lf")}`,
      "  done",
      "fi",
    );
  }
  for (const file of files) lines.push(`[ -z "$__cb_files" ] || { ${check(quoteShell(file), "$__cb_lf")}; }`);
  lines.push(`"$__cb_b" rm -f ${LICENSE_TMP}`);
  return lines;
}

/** One script for all file tests; each test's index names its result files. */
export function buildFileTestsScript(tests: readonly FileTestScript[], timingIndex: number): string {
  const lines = [...prelude(), ...VIEW_FUNCTIONS];
  for (const t of tests) {
    if (t.kind === "existence") lines.push(...existenceLines(t.index, t.path));
    else if (t.kind === "content") lines.push(...contentLines(t.index, t.path));
    else lines.push(...licenseLines(t.index, t.debian, t.files));
  }
  return [...lines, ...epilogue(timingIndex)].join("\n");
}
