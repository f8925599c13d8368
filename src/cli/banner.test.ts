import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFlowsFile, parseFlows } from '../config/flows.js';
import { flowsSummary } from './banner.js';

describe('flowsSummary', () => {
  it('counts what the demo flows hold, each kind under its own name', () => {
    const flows = loadFlowsFile(fileURLToPath(new URL('../../examples/demo-flows.yaml', import.meta.url)));
    expect(flowsSummary(flows)).toBe('5 numbers, 4 IVRs, 1 Find Me, 1 Virtual Receptionist, 1 voicemail box and 2 post-call actions');
  });

  it('leaves out what a file does not use, but always counts the numbers', () => {
    expect(flowsSummary(parseFlows('numbers: { "1": voicemail/7 }\nvoicemails: [{ id: 7, greeting: Hi }]\n', 'f.yaml'))).toBe('1 number and 1 voicemail box');
    expect(flowsSummary(parseFlows('voicemails: [{ id: 7, greeting: Hi }, { id: 8, greeting: Ho }]\n', 'f.yaml'))).toBe('0 numbers and 2 voicemail boxes');
    expect(flowsSummary(parseFlows('{}\n', 'f.yaml'))).toBe('0 numbers');
  });
});
