/**
 * The calls this process is running right now, for the console's live view: an in-memory registry
 * that App.runCall fills (through CallTracker) and that announces each change to its subscribers, which
 * the API turns into Server-Sent Events. Nothing is polled: a change is pushed when it happens.
 */

export interface LiveCall {
  sessionId: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
  startedAt: Date;
  /** The building block the call is in (`ivr/10`, `transfer/3125550101`); absent before the first. */
  block?: string;
  /** While bridged: the number the caller is talking to. */
  bridgedTo?: string;
  /** A test call (the console's Test panel). */
  test?: boolean;
}

export type LiveCallEvent =
  | { type: 'started'; call: LiveCall }
  | { type: 'updated'; call: LiveCall }
  | { type: 'ended'; call: LiveCall; endedAt: Date; endReason?: string };

export type LiveCallListener = (event: LiveCallEvent) => void;

export interface LiveCallsOptions {
  /** Where a listener's error goes; it never reaches the call that caused the event. */
  onListenerError?: (err: unknown) => void;
}

export class LiveCalls {
  private readonly calls = new Map<string, LiveCall>();
  private readonly listeners = new Set<LiveCallListener>();

  constructor(private readonly options: LiveCallsOptions = {}) {}

  get size(): number {
    return this.calls.size;
  }

  /** Newest first. Copies: a caller changing one cannot change the registry. */
  list(): LiveCall[] {
    return [...this.calls.values()].reverse().map((c) => ({ ...c }));
  }

  get(sessionId: string): LiveCall | undefined {
    const c = this.calls.get(sessionId);
    return c && { ...c };
  }

  start(call: Omit<LiveCall, 'block' | 'bridgedTo'>): void {
    const entry: LiveCall = { ...call };
    this.calls.set(call.sessionId, entry);
    this.emit({ type: 'started', call: { ...entry } });
  }

  /** `bridgedTo: null` clears it. Unknown sessions are ignored: the call may have just ended. */
  update(sessionId: string, patch: { block?: string; bridgedTo?: string | null }): void {
    const entry = this.calls.get(sessionId);
    if (!entry) return;
    if (patch.block !== undefined) entry.block = patch.block;
    if (patch.bridgedTo === null) delete entry.bridgedTo;
    else if (patch.bridgedTo !== undefined) entry.bridgedTo = patch.bridgedTo;
    this.emit({ type: 'updated', call: { ...entry } });
  }

  end(sessionId: string, outcome: { endedAt: Date; endReason?: string }): void {
    const entry = this.calls.get(sessionId);
    if (!entry) return;
    this.calls.delete(sessionId);
    this.emit({ type: 'ended', call: { ...entry }, ...outcome });
  }

  /** Calls `listener` on every change from now on; returns the function that stops it. */
  subscribe(listener: LiveCallListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private emit(event: LiveCallEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }
}
