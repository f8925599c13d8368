import { describe, expect, it } from 'vitest';
import { blankWebhook, moveQuestion, parseSource, questionOfType, removeQuestion, setQuestionType, sourceText } from './ivr';
import type { Ivr } from './types';

const ivr = (): Ivr => ({
  name: 'x',
  questions: [questionOfType('say', 'Hi'), questionOfType('keypad', 'Account?'), questionOfType('menu', 'Sales or support?')],
  webhook: {
    ...blankWebhook(),
    url: 'http://127.0.0.1/',
    parameters: [
      { name: 'account', value: 'question.2' },
      { name: 'dept', value: 'question.3' },
      { name: 'who', value: 'call.caller_id' },
    ],
  },
});

describe('IVR edits', () => {
  it('moving a question keeps each parameter on the question it named', () => {
    const moved = moveQuestion(ivr(), 1, 1);
    expect(moved.questions.map((q) => q.type)).toEqual(['say', 'menu', 'keypad']);
    expect(moved.webhook?.parameters.map((p) => p.value)).toEqual(['question.3', 'question.2', 'call.caller_id']);
    expect(moveQuestion(ivr(), 0, -1)).toEqual(ivr());
  });

  it('removing a question renumbers those after it and leaves its own parameter to be chosen again', () => {
    const removed = removeQuestion(ivr(), 1);
    expect(removed.questions.map((q) => q.type)).toEqual(['say', 'menu']);
    expect(removed.webhook?.parameters.map((p) => p.value)).toEqual(['question.', 'question.2', 'call.caller_id']);
  });

  it('changing a type keeps the prompt and takes the new type\'s defaults', () => {
    expect(setQuestionType(questionOfType('say', 'Hello'), 'recorded')).toEqual({ type: 'recorded', prompt: 'Hello', max_seconds: 60, transcribe: 'none' });
  });

  it('reads and writes parameter sources as the flows file does', () => {
    expect(parseSource('question.2')).toEqual({ kind: 'question', n: 2 });
    expect(parseSource('user.firstName')).toEqual({ kind: 'user', name: 'firstName' });
    expect(parseSource('call.caller_id')).toEqual({ kind: 'call', field: 'caller_id' });
    for (const v of ['question.2', 'user.firstName', 'call.caller_id']) expect(sourceText(parseSource(v))).toBe(v);
  });
});
