import { describe, expect, it } from 'vitest';
import { EMPTY_CONFIG, type ConfigSnapshot } from './config';
import { buildFlowGraph, describeEdge } from './flow-graph';
import { blankWebhook, questionOfType } from './ivr';

const item = <T,>(value: T, file = false) => ({ managed_by: file ? ('file' as const) : ('api' as const), etag: '"x"', value });

describe('the call flow graph', () => {
  const config: ConfigSnapshot = {
    ...EMPTY_CONFIG,
    number: [item({ number: '8005550100', to: 'vr/3', label: 'Main' }, true)],
    vr: [item({ id: 3, name: 'Front desk', prompt: 'x', options: { '1': 'ivr/10', '2': 'findme/4' } })],
    ivr: [
      item({ id: 10, name: 'Lookup', questions: [questionOfType('keypad')], webhook: { ...blankWebhook(), url: 'https://crm.example/hook' } }),
      item({ id: 11, name: 'Info', questions: [questionOfType('say')], webhook: { ...blankWebhook(), action: 'read_text' as const, url: 'https://crm.example/text' } }),
    ],
    findme: [item({ id: 4, name: '', phone_list: ['1'], simultaneous: 1, timeout_s: 20, screen_method: 3, whisper_phrase: '', record: 0, auto_accept: 0, nextaction: 2, nextactionitem: 7, loop_count: 1, randomize: false, holdmusic: 'ringback' })],
    voicemail: [item({ id: 7, name: 'Office', greeting: 'x', max_seconds: 60, notify_method: 'POST' as const })],
  };

  it('has the routes a number, a menu and a Find Me take, and says where a webhook decides', () => {
    const g = buildFlowGraph(config);
    expect(g.edges.map((e) => `${e.from} -> ${e.to}${e.label ? ` [${e.label}]` : ''}${e.dynamic ? ' (dynamic)' : ''}`).sort()).toEqual([
      'findme/4 -> voicemail/7 [nobody accepts]',
      'ivr/10 -> webhook:ivr/10 [after the questions] (dynamic)',
      'number:8005550100 -> vr/3',
      'vr/3 -> findme/4 [key 2]',
      'vr/3 -> ivr/10 [key 1]',
    ]);
    // A read_text webhook never routes the call: no webhook node for IVR 11.
    expect(g.nodes.find((n) => n.id === 'webhook:ivr/11')).toBeUndefined();
    expect(g.nodes.find((n) => n.id === 'ivr/10')?.href).toBe('/ivrs/10');
    expect(g.nodes.find((n) => n.id === 'number:8005550100')).toMatchObject({ href: '/numbers/8005550100', fileManaged: true });
  });

  it('describes each route in words for the text alternative', () => {
    const g = buildFlowGraph(config);
    const e = g.edges.find((x) => x.from === 'vr/3' && x.to === 'ivr/10');
    expect(e && describeEdge(g, e)).toBe('Virtual Receptionist 3 (Front desk), key 1, → IVR 10 (Lookup)');
  });
});
