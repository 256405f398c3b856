// A Server-Sent Events parser for a streamed fetch body (EventSource cannot
// send the Authorization header). Feed it text as it arrives, in chunks cut
// anywhere; it returns the events completed by each chunk. Follows the
// WHATWG rules that matter here: lines end in \n, \r\n or \r; a line
// starting with ":" is a comment; "field: value" drops one leading space;
// several data lines join with \n; a blank line dispatches; an event with
// no data is not dispatched; the type defaults to "message".

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = "";
  private data: string[] = [];
  private event = "";
  private id: string | undefined;
  /** A chunk ended in "\r": a "\n" at the start of the next one belongs to it. */
  private pendingCr = false;

  feed(chunk: string): SseEvent[] {
    let text = chunk;
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      if (!m) break;
      // A trailing "\r" may be half of "\r\n": take it as the end, and drop a following "\n".
      if (m[0] === "\r" && m.index === this.buffer.length - 1) this.pendingCr = true;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === "") {
      const ev = this.data.length > 0 ? { event: this.event || "message", data: this.data.join("\n"), ...(this.id !== undefined ? { id: this.id } : {}) } : null;
      this.data = [];
      this.event = "";
      return ev;
    }
    if (line.startsWith(":")) return null;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.data.push(value);
    else if (field === "event") this.event = value;
    else if (field === "id" && !value.includes("\0")) this.id = value;
    return null;
  }
}
