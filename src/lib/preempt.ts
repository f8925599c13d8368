/**
 * Preemption points: places in the control plane — a SIP message or an RTP packet arriving, a SQLite
 * statement about to run or a Postgres answer come back, a webhook answer read — where media work that
 * is due now (the pacer's next 20 ms frames) may run first. Nothing runs at them unless a handler is registered, which the server
 * does with HOOKLINE_MEDIA_PRIORITY=audio (docs/operations.md "Audio or control first").
 *
 * Why: every call's audio and every control-plane task share one event loop, and Node runs every I/O
 * callback that is ready (and each one's promise chain) before it looks at timers again. At 1,000 calls a
 * burst of SIP messages (calls being set up) or of IVRs ending together kept the media timer waiting
 * 40-250 ms, though no single task took more than a few milliseconds (bench/stalls.ts). Running due
 * frames at these points bounds their wait by about one task.
 *
 * Why not always: it does not make the core any larger. When the control plane wants more than the core
 * has left, the audio that goes out on time is paid for by control work waiting longer (the webhook after
 * a caller's last key, answering new calls), measured in docs/benchmarks.md. Points only where new work
 * enters (SIP, RTP) were measured too and did not steady the audio: the bursts are mostly store writes
 * and webhook answers of calls already running.
 *
 * A handler runs between control-plane tasks (at the top of an I/O callback or where a flow waits at an
 * await), never inside one's synchronous section, so it sees the same consistent state a timer would. It
 * must be quick when nothing is due (a clock read) and must not throw.
 */
const handlers = new Set<() => void>();

/** Adds work to run at every preemption point; returns its removal. */
export function onPreemptionPoint(fn: () => void): () => void {
  handlers.add(fn);
  return () => {
    handlers.delete(fn);
  };
}

/** A point where due media work may run first. */
export function preemptionPoint(): void {
  // Reached for every RTP packet: with no handler (the default) not even an iterator is made.
  if (handlers.size === 0) return;
  for (const fn of handlers) fn();
}
