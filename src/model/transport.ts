import { CancelledError, RagentError } from '../errors.js';
import { ModelServerError, ModelServerUnreachableError, ModelTimeoutError } from './errors.js';
import { raceAbort } from '../util/abort.js';

/** Error codes (from Node's sockets and undici) that mean the server never answered or hung up. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The network error code somewhere in an error's cause chain, if any. */
export function networkErrorCode(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length) {
    const e = queue.shift();
    if (!e || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    queue.push((e as { cause?: unknown }).cause);
    const inner = (e as { errors?: unknown }).errors;
    if (Array.isArray(inner)) queue.push(...inner);
  }
  // undici reports a body cut short by the peer as a bare TypeError('terminated').
  if (err instanceof TypeError && /^(terminated|fetch failed)$/.test(err.message)) return 'ECONNRESET';
  return undefined;
}

/**
 * One request's lifetime: the caller's AbortSignal and the per-request timeout folded into one
 * signal, so that either aborts the HTTP request (and with it the socket).
 */
export class RequestScope {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onUserAbort: () => void;
  timedOut = false;

  constructor(
    private readonly user: AbortSignal | undefined,
    readonly timeoutMs: number,
  ) {
    this.onUserAbort = () => this.controller.abort(user?.reason);
    if (user?.aborted) this.controller.abort(user.reason);
    else user?.addEventListener('abort', this.onUserAbort, { once: true });
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => {
        this.timedOut = true;
        this.controller.abort(new Error('request timeout'));
      }, timeoutMs);
      this.timer.unref?.();
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the caller (not the timer) cancelled. */
  get cancelled(): boolean {
    return Boolean(this.user?.aborted);
  }

  /** End the scope: stop the timer and drop whatever the request still holds open. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.user?.removeEventListener('abort', this.onUserAbort);
    if (!this.controller.signal.aborted) this.controller.abort(new Error('request finished'));
  }

  /**
   * The typed error for a failure inside this scope: cancellation and timeout win over whatever the
   * HTTP layer reported, since they caused it.
   */
  classify(err: unknown, what: string, host: string, unreachableHint: string): unknown {
    if (this.cancelled) return new CancelledError(`${what} cancelled`, undefined, { cause: err });
    if (this.timedOut) return new ModelTimeoutError(this.timeoutMs, what);
    if (err instanceof RagentError) return err;
    if (networkErrorCode(err)) return new ModelServerUnreachableError(host, unreachableHint, { cause: err });
    if (err instanceof SyntaxError) {
      return new ModelServerError(undefined, `${host} answered ${what} with something that is not JSON (${err.message})`, 'check that the configured address is the model server itself', { cause: err });
    }
    return err;
  }
}

/**
 * A connection that dies after the answer began is not "unreachable": say what happened. Such a
 * failure is never retried, since part of the answer was already delivered.
 */
export function lostMidAnswer(err: unknown, host: string): unknown {
  if (!(err instanceof ModelServerUnreachableError)) return err;
  return new ModelServerError(undefined, `the connection to ${host} was lost in the middle of the answer`, 'the server may have crashed or restarted; its log says why', { cause: err });
}

/** Whether another attempt may succeed: the server was unreachable, reset, busy or failed (5xx). */
export function isTransient(err: unknown): boolean {
  if (err instanceof ModelServerUnreachableError) return true;
  if (err instanceof ModelServerError) return err.transient;
  return false;
}

/** Delay before retry number `attempt` (0-based): exponential with jitter, capped. */
export function backoffDelay(attempt: number, baseMs: number, maxMs = 30_000): number {
  const exp = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

/**
 * A shared promise (the model lookup) awaited under one caller's signal: the caller stops waiting
 * when it cancels, while the promise itself runs on for the others.
 */
export function underSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  return raceAbort(p, signal, () => new CancelledError('cancelled while looking up the model'));
}

/** Wait, unless the signal fires first (then a CancelledError). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('cancelled while waiting to retry'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('cancelled while waiting to retry'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  signal?: AbortSignal;
}

/** Run `attempt` until it succeeds, retrying transient failures with backoff; others fail at once. */
export async function withRetries<T>(policy: RetryPolicy, attempt: (n: number) => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      if (n >= policy.retries || !isTransient(err)) throw err;
      await sleep(backoffDelay(n, policy.baseDelayMs), policy.signal);
    }
  }
}

/** How a streamed answer is retried, and how its failures become typed errors. */
export interface StreamPolicy extends RetryPolicy {
  timeoutMs: number;
  /** The server's address, named when the connection drops mid-answer. */
  host: string;
  classify(err: unknown, scope: RequestScope): unknown;
}

/**
 * A streamed answer with retries: an attempt that fails before its first event may be retried with
 * backoff; once the caller has seen part of the answer, a failure ends it (never replayed twice).
 */
export async function* streamWithRetries<T>(policy: StreamPolicy, attempt: (scope: RequestScope) => AsyncGenerator<T>): AsyncGenerator<T> {
  for (let n = 0; ; n++) {
    const scope = new RequestScope(policy.signal, policy.timeoutMs);
    let emitted = false;
    try {
      for await (const event of attempt(scope)) {
        emitted = true;
        yield event;
      }
      return;
    } catch (err) {
      const typed = emitted ? lostMidAnswer(policy.classify(err, scope), policy.host) : policy.classify(err, scope);
      if (emitted || n >= policy.retries || !isTransient(typed)) throw typed;
    } finally {
      scope.dispose();
    }
    await sleep(backoffDelay(n, policy.baseDelayMs), policy.signal);
  }
}
