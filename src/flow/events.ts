/**
 * Events the flow reports as a call runs: the simulator prints them (`hookline simulate --json`),
 * and the server logs them. Plain data so they serialise as one JSON object a line.
 */
export type FlowEvent =
  | { type: 'transition'; to: string; from?: string }
  /** The caller finished (or left) an IVR; `at` is performance.now(), for measuring webhook overhead. */
  | { type: 'ivr_end'; ivrId: number; completed: boolean; at: number }
  | { type: 'answer'; question: number; value: string; keys?: string }
  | { type: 'webhook_request'; method: string; url: string; params: Array<[string, string]> }
  /** `logId`: the webhook log entry of the request (0 when it could not be logged). */
  | { type: 'webhook_response'; status?: number; latencyMs: number; body?: string; failure?: string; logId?: number }
  | { type: 'dial'; destination: string; outcome: string }
  | { type: 'bridge'; destination: string; durationMs: number; recordedMs: number }
  | { type: 'recording'; path: string; durationMs: number }
  | { type: 'error'; message: string };

export type FlowEventSink = (event: FlowEvent) => void;
