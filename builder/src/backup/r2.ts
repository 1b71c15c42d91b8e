// The S3 client for Cloudflare R2 (and s3rver in tests). Newer AWS SDKs add CRC
// checksums to every request by default, which R2 rejects; WHEN_REQUIRED restores
// the old behaviour (PLATFORM.md "GHCR, GitHub, R2").
import { S3Client } from "@aws-sdk/client-s3";

export interface R2Settings {
  /** https://<account>.r2.cloudflarestorage.com, or http://127.0.0.1:<port> for s3rver. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Path-style URLs (endpoint/bucket/key). R2 accepts them, and s3rver on an IP address
   * only understands them, so they are the default.
   */
  forcePathStyle?: boolean;
}

export function createR2Client(settings: R2Settings): S3Client {
  return new S3Client({
    region: "auto",
    endpoint: settings.endpoint,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    forcePathStyle: settings.forcePathStyle ?? true,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
