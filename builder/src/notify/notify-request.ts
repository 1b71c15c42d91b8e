// One outgoing notification, built by a pure function and sent by deliver.ts.
export type NotifyKind = "webhook" | "ntfy";

export interface NotifyRequest {
  kind: NotifyKind;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * What may be logged of a notification URL: its origin only. Webhook URLs often carry
 * their credential in the path (Slack, Discord) and an ntfy topic name is its password.
 */
export function describeTarget(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    // Only reachable for a URL that was never validated; say nothing about it rather than leak it.
    return "(invalid url)";
  }
}
