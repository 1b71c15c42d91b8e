// Where an uploaded build context lives: `<uploadsDir>/<sha256>/`, on the shared data
// dir so whichever replica claims the build can read it. Content-addressed, so the
// same upload twice is one directory and dedup can compare digests.
import path from "node:path";

export function uploadContextDir(uploadsDir: string, sha256: string): string {
  if (!/^[a-f0-9]{64}$/.test(sha256))
    throw new Error(`upload digest ${JSON.stringify(sha256)} is not a sha256 hex string`);
  return path.join(uploadsDir, sha256);
}
