import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { PromptError, sanitizePrompt, trimHistory } from '../src/lib/prompt.js';

describe('sanitizePrompt', () => {
  test('collapses whitespace and trims', () => {
    const result = sanitizePrompt('  What   is\t a  Capacitor\r\n\r\n\r\n\r\n plugin?  ');
    assert.deepEqual(result, { text: 'What is a Capacitor\n\nplugin?', truncated: false });
  });

  test('removes invisible control and bidi-override characters', () => {
    const { text } = sanitizePrompt('ab\u202Ecd\u200Bef\u0007');
    assert.equal(text, 'abcdef');
  });

  test('rejects empty and non-text prompts with a coded error', () => {
    assert.throws(() => sanitizePrompt(' \n\u200B\t'), (error) => error instanceof PromptError && error.code === 'empty');
    assert.throws(() => sanitizePrompt(42), (error) => error instanceof PromptError && error.code === 'invalid');
  });

  test('truncates long prompts at a word boundary', () => {
    const { text, truncated } = sanitizePrompt('word '.repeat(100), { maxChars: 52 });
    assert.equal(truncated, true);
    assert.ok(text.length <= 52);
    assert.ok(text.endsWith('word'));
  });

  test('never splits a surrogate pair when truncating', () => {
    const { text } = sanitizePrompt('x'.repeat(9) + '\u{1F600}tail', { maxChars: 10 });
    assert.equal(text, 'x'.repeat(9));
  });
});

describe('trimHistory', () => {
  const turn = (i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'message ' + i, extra: 'dropped' });

  test('keeps the most recent messages within the count budget', () => {
    const kept = trimHistory(Array.from({ length: 20 }, (_, i) => turn(i)), { maxMessages: 4 });
    assert.deepEqual(kept.map((m) => m.content), ['message 16', 'message 17', 'message 18', 'message 19']);
    assert.equal('extra' in kept[0], false);
  });

  test('always keeps the newest message even if it alone exceeds the char budget', () => {
    const kept = trimHistory([turn(0), { role: 'user', content: 'y'.repeat(50) }], { maxChars: 10 });
    assert.equal(kept.length, 1);
    assert.equal(kept[0].content.length, 50);
  });
});
