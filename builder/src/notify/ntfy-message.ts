// The build-end ntfy notification (NTFY_TOPIC, server NTFY_SERVER): a short plain-text
// message POSTed to the topic URL, with ntfy's Title/Priority/Tags headers
// (https://docs.ntfy.sh/publish/). Header values are kept to printable ASCII, since
// HTTP header values cannot carry arbitrary text; the body is UTF-8.
import type { BuildRecord } from "../../../common/build-record.js";
import { EnvError } from "../config/env.js";
import type { NotifyRequest } from "./notify-request.js";

/** ntfy's own topic rule (server/server.go topicRegex). */
const TOPIC = /^[-_A-Za-z0-9]{1,64}$/;
const HTTP_URL = /^https?:\/\/\S+$/;
/** ntfy turns longer messages into attachments; stay well under its 4096-byte limit. */
const MAX_BODY_CHARS = 1500;
const MAX_ERROR_CHARS = 600;

/**
 * The URL to POST to: NTFY_TOPIC as given when it is a full http(s) URL, otherwise the
 * topic name under NTFY_SERVER. Throws EnvError naming the variable for anything else.
 */
export function parseNtfyUrl(topic: string, server: string): string {
  const value = topic.trim();
  if (HTTP_URL.test(value)) {
    const url = new URL(value);
    if (url.pathname.replace(/\/+$/, "") === "") {
      throw new EnvError(
        // The topic is its own password on ntfy: named, never quoted.
        "NTFY_TOPIC (value not shown): a URL must name a topic, e.g. https://ntfy.sh/my-builds",
      );
    }
    return value;
  }
  if (!TOPIC.test(value)) {
    throw new EnvError(
      "NTFY_TOPIC (value not shown): use a topic name (1-64 letters, digits, '-' or '_') or a full http(s) URL",
    );
  }
  if (!HTTP_URL.test(server)) {
    throw new EnvError(`NTFY_SERVER=${JSON.stringify(server)}: must be an http:// or https:// URL`);
  }
  return `${server.replace(/\/+$/, "")}/${value}`;
}

interface Look {
  priority: "default" | "high";
  tags: string;
}

const LOOKS: Record<string, Look> = {
  succeeded: { priority: "default", tags: "white_check_mark" },
  failed: { priority: "high", tags: "x" },
  cancelled: { priority: "default", tags: "warning" },
  interrupted: { priority: "high", tags: "warning" },
};

function asciiHeader(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, "?").slice(0, 200);
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function formatDuration(ms: number | null | undefined): string | undefined {
  if (ms === null || ms === undefined) return undefined;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m ${s % 60}s` : `${Math.floor(m / 60)}h ${m % 60}m`;
}

/** The plain-text lines: what ended, how, and the image (or the error) it ended with. */
export function buildNtfyText(record: BuildRecord): string {
  const took = formatDuration(record.durationMs);
  const lines = [`${record.target} ${record.status}${took ? ` in ${took}` : ""} (build ${record.id})`];
  if (record.status === "succeeded") {
    if (record.digest) lines.push(`digest ${record.digest}`);
    if (record.tags.length > 0) lines.push(`${record.push ? "pushed" : "tags"}: ${record.tags.join(", ")}`);
  } else if (record.error) {
    lines.push(`${record.error.code}: ${truncate(record.error.message, MAX_ERROR_CHARS)}`);
  }
  if (record.attempt > 1) lines.push(`attempt ${record.attempt}`);
  return truncate(lines.join("\n"), MAX_BODY_CHARS);
}

/** The POST for one ended build to the ntfy topic URL. No Click header: the builder knows no public URL of its own. */
export function buildNtfyRequest(record: BuildRecord, url: string): NotifyRequest {
  const look = LOOKS[record.status] ?? { priority: "default", tags: "information_source" };
  return {
    kind: "ntfy",
    url,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      "user-agent": "comfyume-builder",
      title: asciiHeader(`comfyume-builder: ${record.target} ${record.status}`),
      priority: look.priority,
      tags: look.tags,
    },
    body: buildNtfyText(record),
  };
}
