/** Test-call events (GET /test-calls/{id}/stream) in words, for the Test panel's transcript. */
export interface TestEvent {
  seq: number;
  offset_ms: number;
  type: string;
  [field: string]: unknown;
}

const s = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const leg = (e: TestEvent): string => (e['leg'] ? `${s(e['leg'])}: ` : '');

/** One line per event; `tone` picks its look, and `detail` is shown below it (a webhook's exchange). */
export function describeTestEvent(e: TestEvent): { text: string; tone: 'say' | 'you' | 'hook' | 'move' | 'end' | 'bad' | 'info' } {
  switch (e.type) {
    case 'answered':
      return { text: 'hookline answered', tone: 'info' };
    case 'prompt':
      return { text: `${leg(e)}🔊 ${s(e['text'])}`, tone: 'say' };
    case 'pressed':
      return { text: `You pressed ${s(e['keys'])}`, tone: 'you' };
    case 'digits':
      return { text: `${leg(e)}Keys taken: ${s(e['digits']) || '(none)'}${s(e['terminator'])}${e['timed_out'] ? ' (timed out)' : ''}`, tone: 'info' };
    case 'answer':
      return { text: `Answer to question ${s(e['question'])}: ${s(e['value'])}`, tone: 'info' };
    case 'record':
      return { text: `${leg(e)}Recorded ${(Number(e['duration_ms']) / 1000).toFixed(1)} s`, tone: 'info' };
    case 'recording':
      return { text: `Recording stored (${(Number(e['duration_ms']) / 1000).toFixed(1)} s)`, tone: 'info' };
    case 'transition':
      return { text: e['from'] ? `Moved from ${s(e['from'])} to ${s(e['to'])}` : `Entered ${s(e['to'])}`, tone: 'move' };
    case 'ivr_end':
      return { text: `IVR ${s(e['ivr_id'])} ${e['completed'] ? 'finished' : 'left early'}`, tone: 'move' };
    case 'webhook_request':
      return { text: `Webhook request: ${s(e['method'])} ${s(e['url'])}`, tone: 'hook' };
    case 'webhook_response':
      return e['failure']
        ? { text: `Webhook failed after ${s(e['latency_ms'])} ms: ${s(e['failure'])}`, tone: 'bad' }
        : { text: `Webhook answered ${s(e['status'])} in ${Math.round(Number(e['latency_ms']))} ms`, tone: 'hook' };
    case 'ringing':
      return { text: `Ringing ${s(e['destination'])}`, tone: 'info' };
    case 'refused':
      return { text: `Not dialled: ${s(e['destination'])} (${s(e['reason'])})`, tone: 'bad' };
    case 'cancel':
      return { text: `Stopped ringing ${s(e['destination'])}`, tone: 'info' };
    case 'dial':
      return { text: `${s(e['destination'])}: ${s(e['outcome']).replace(/_/g, ' ')}`, tone: 'info' };
    case 'bridge':
      return { text: `Connected to ${s(e['destination'])} for ${(Number(e['duration_ms']) / 1000).toFixed(1)} s`, tone: 'move' };
    case 'hold':
      return { text: e['on'] ? `Hold audio: ${s(e['audio'])}` : 'Hold audio stopped', tone: 'info' };
    case 'hangup':
      return { text: `${leg(e)}${e['by'] === 'caller' ? 'You hung up' : e['by'] === 'callee' ? 'The far end hung up' : 'hookline hung up'}`, tone: 'end' };
    case 'idle_timeout':
      return { text: 'No key for a while: the test call was hung up', tone: 'end' };
    case 'error':
      return { text: `Error: ${s(e['message'])}`, tone: 'bad' };
    case 'ended':
      return { text: 'The call is over', tone: 'end' };
    default:
      return { text: e.type, tone: 'info' };
  }
}
