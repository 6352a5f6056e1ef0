/**
 * Where large reports go: a function that takes the file's text chunk by chunk, in order (a file's
 * write, a stream, or an array to join). A million-test junit.xml is never one string.
 */
export type Sink = (chunk: string) => void;

/** Chunks handed to a sink are about this many characters: few calls, little held at once. */
const CHUNK = 1 << 16;

/** Gathers small pieces into chunks of about CHUNK characters before handing them on. */
export class SinkBuffer {
  private pending: string[] = [];
  private size = 0;

  constructor(private readonly sink: Sink) {}

  write(piece: string): void {
    this.pending.push(piece);
    this.size += piece.length;
    if (this.size >= CHUNK) this.flush();
  }

  /** Hands on whatever is gathered; call once at the end. */
  flush(): void {
    if (this.size === 0) return;
    this.sink(this.pending.join(""));
    this.pending = [];
    this.size = 0;
  }
}

/** Everything a writer sends to its sink, as one string. */
export function collect(write: (sink: Sink) => void): string {
  const chunks: string[] = [];
  write((chunk) => chunks.push(chunk));
  return chunks.join("");
}
