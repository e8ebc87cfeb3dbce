const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);
/** An `endpoint` event is one short URL; a longer event is passed on untouched. */
const MAX_HELD_BYTES = 16 * 1024;

function lineText(line: Buffer): string {
  const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
  return line.toString('utf8', 0, end);
}

/** `field: value` per the SSE grammar: one optional space after the colon. */
function splitField(line: string): { name: string; value: string } {
  const colon = line.indexOf(':');
  if (colon === -1) return { name: line, value: '' };
  const value = line.slice(colon + 1);
  return { name: line.slice(0, colon), value: value.startsWith(' ') ? value.slice(1) : value };
}

/**
 * Rewrites the `endpoint` events of a legacy HTTP+SSE (2024-11-05) stream, where the server names
 * the URL the client must POST to, so that the client POSTs through the proxy. Parses
 * incrementally; every other byte passes unchanged and without delay once its event is known
 * not to be an `endpoint` event.
 */
export class SseEndpointRewriter {
  private passing = false;
  /** While deciding: the current event so far. */
  private held: Buffer = EMPTY;
  /** While deciding: how much of `held` is complete lines already looked at. */
  private scanned = 0;
  private isEndpoint = false;
  /** While passing: length and first byte of the unfinished line, to spot the blank line. */
  private lineLength = 0;
  private lineFirstByte = 0;

  constructor(private readonly rewriteUrl: (url: string) => string) {}

  /** The bytes to send on for `chunk`: the chunk itself when nothing is held or rewritten. */
  transform(chunk: Buffer): Buffer {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length)
      offset = this.passing ? this.pass(chunk, offset, out) : this.decide(chunk, offset, out);
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /** What is still held when the stream ends, unchanged. */
  flush(): Buffer {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }

  /** Sends on bytes up to the blank line that ends the event; returns where the next one starts. */
  private pass(chunk: Buffer, offset: number, out: Buffer[]): number {
    let lineStart = offset;
    for (;;) {
      const newline = chunk.indexOf(LF, lineStart);
      if (newline === -1) {
        this.continueLine(chunk, lineStart);
        out.push(offset === 0 ? chunk : chunk.subarray(offset));
        return chunk.length;
      }
      const length = this.lineLength + newline - lineStart;
      const firstByte = this.lineLength > 0 ? this.lineFirstByte : chunk[lineStart];
      this.lineLength = 0;
      if (length === 0 || (length === 1 && firstByte === CR)) {
        out.push(chunk.subarray(offset, newline + 1));
        this.passing = false;
        return newline + 1;
      }
      lineStart = newline + 1;
    }
  }

  private continueLine(chunk: Buffer, lineStart: number): void {
    if (lineStart === chunk.length) return;
    if (this.lineLength === 0) this.lineFirstByte = chunk[lineStart]!;
    this.lineLength += chunk.length - lineStart;
  }

  /** Holds the event until it is complete or known to be something else. */
  private decide(chunk: Buffer, offset: number, out: Buffer[]): number {
    const heldBefore = this.held.length;
    const arrived = chunk.subarray(offset);
    this.held = heldBefore === 0 ? arrived : Buffer.concat([this.held, arrived]);
    for (;;) {
      const newline = this.held.indexOf(LF, this.scanned);
      if (newline === -1) break;
      const line = lineText(this.held.subarray(this.scanned, newline));
      this.scanned = newline + 1;
      const isBlank = line === '';
      const field = isBlank ? undefined : splitField(line);
      if (field?.name === 'event' && field.value === 'endpoint') this.isEndpoint = true;
      else if (isBlank || field?.name === 'event') {
        const event = this.held.subarray(0, this.scanned);
        out.push(isBlank && this.isEndpoint ? this.rewriteEvent(event) : event);
        const consumed = offset + this.scanned - heldBefore;
        this.startEvent({ passRestOfEvent: !isBlank });
        return consumed;
      }
    }
    if (this.held.length > MAX_HELD_BYTES) {
      out.push(this.held);
      const unfinishedLine = this.held.subarray(this.scanned);
      this.startEvent({ passRestOfEvent: true });
      this.continueLine(unfinishedLine, 0);
    }
    return chunk.length;
  }

  private startEvent({ passRestOfEvent }: { passRestOfEvent: boolean }): void {
    this.held = EMPTY;
    this.scanned = 0;
    this.isEndpoint = false;
    this.passing = passRestOfEvent;
    this.lineLength = 0;
  }

  private rewriteEvent(event: Buffer): Buffer {
    const lines = event.toString('utf8').split(/\r?\n/).slice(0, -2);
    const isData = (line: string): boolean => splitField(line).name === 'data';
    const url = lines
      .filter(isData)
      .map((line) => splitField(line).value)
      .join('\n');
    const firstData = lines.findIndex(isData);
    const rewritten = lines.flatMap((line, index) => {
      if (index === firstData) return [`data: ${this.rewriteUrl(url)}`];
      return isData(line) ? [] : [line];
    });
    return Buffer.from(`${rewritten.join('\n')}\n\n`);
  }
}
