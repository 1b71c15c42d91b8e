// An incremental parser for text/event-stream as the HTML spec defines it
// (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
// lines end in CRLF, LF or CR; `:` starts a comment (the builder's heartbeats);
// an empty line dispatches the event. Chunks may split lines anywhere.

export interface SseEvent {
  event: string;
  data: string;
  /** The `id:` field of this event, when it had one. */
  id?: string;
}

export class SseParser {
  private buffer = "";
  private event = "";
  private data: string[] = [];
  private id: string | undefined;
  /** The last `id:` seen, the value to send as `Last-Event-ID` when reconnecting. */
  lastEventId: string | undefined;
  /** Counts comments (heartbeats), so callers can tell an idle stream from a dead one. */
  comments = 0;

  /** Feeds a decoded chunk; returns the events completed by it. */
  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const events: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const m = /\r\n|\r|\n/g;
      m.lastIndex = start;
      const found = m.exec(this.buffer);
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (!found || (found[0] === "\r" && found.index === this.buffer.length - 1)) break;
      const ev = this.line(this.buffer.slice(start, found.index));
      if (ev) events.push(ev);
      start = found.index + found[0].length;
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) {
      this.comments++;
      return undefined;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const id = this.id;
    if (id !== undefined) this.lastEventId = id;
    const hasData = this.data.length > 0;
    const ev: SseEvent = {
      event: this.event || "message",
      data: this.data.join("\n"),
      ...(id !== undefined ? { id } : {}),
    };
    this.event = "";
    this.data = [];
    this.id = undefined;
    return hasData ? ev : undefined;
  }
}
