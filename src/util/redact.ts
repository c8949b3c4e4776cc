/**
 * Secret redaction. Every secret ragent handles (a GitHub token, an API key) is registered once; everything
 * ragent writes or prints afterwards goes through `redact`, so the secret cannot leak into logs, transcripts,
 * prompts, pull-request bodies or error messages.
 */

const MASK = '***';

/** Secrets shorter than this are not registered: masking them would mangle ordinary text. */
const MIN_SECRET_LENGTH = 6;

/** Replaces every registered secret (and its common encodings) with `***`. */
export class Redactor {
  private readonly secrets = new Set<string>();
  private pattern: RegExp | null = null;

  /** Register a secret; its base64 forms (as used in HTTP Basic auth headers) and URL encoding are masked too. */
  add(secret: string | undefined | null): this {
    if (!secret || secret.length < MIN_SECRET_LENGTH) return this;
    const forms = [
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      Buffer.from(`x-access-token:${secret}`).toString('base64'),
    ];
    for (const form of forms) this.secrets.add(form);
    // Longest first so a secret that contains another is masked whole.
    const sorted = [...this.secrets].sort((a, b) => b.length - a.length);
    this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    return this;
  }

  /** True when at least one secret is registered. */
  get active(): boolean {
    return this.pattern !== null;
  }

  /** The text with every registered secret masked. */
  redact(text: string): string {
    if (!this.pattern || text.length === 0) return text;
    return text.replace(this.pattern, MASK);
  }

  /** A deep copy of a JSON-like value with every string redacted (keys included). */
  redactValue<T>(value: T): T {
    if (!this.pattern) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value instanceof Error) {
      const copy = new Error(this.redact(value.message));
      copy.name = value.name;
      copy.stack = value.stack ? this.redact(value.stack) : undefined;
      return copy;
    }
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.walk(v);
      return out;
    }
    return value;
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide redactor: commands register secrets here, writers consult it. */
export const redactor = new Redactor();

type Write = NodeJS.WriteStream['write'];

/**
 * Route a stream's writes through the redactor, so nothing printed (by ragent or a library) carries a
 * secret. Returns a function that restores the original `write`.
 */
export function redactStream(stream: NodeJS.WriteStream, r: Redactor = redactor): () => void {
  const original = stream.write;
  const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
    const text = typeof chunk === 'string' ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk);
    return (original as (...a: unknown[]) => boolean).call(this, r.redact(text), ...rest);
  } as Write;
  stream.write = patched;
  return () => {
    if (stream.write === patched) stream.write = original;
  };
}
