import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ChatError, chatEndpoint, createChatClient } from '../src/lib/chat-client.js';

const json = (status, body) => ({ status, ok: status < 400, headers: new Headers(), json: async () => body });

describe('chat client', () => {
  test('posts the sanitised prompt and history to the backend /api/chat', async () => {
    const requests = [];
    const fetchFn = async (url, init) => {
      requests.push({ url, init, body: JSON.parse(init.body) });
      return json(200, { answer: 'Answer ' + requests.length });
    };
    const client = createChatClient({ baseUrl: 'https://backend.test/app/', fetchFn });
    assert.deepEqual(await client.send('  first\u200B question '), { answer: 'Answer 1', truncated: false });
    await client.send('second');

    assert.equal(requests[0].url, 'https://backend.test/api/chat');
    assert.equal(requests[0].init.method, 'POST');
    assert.deepEqual(requests[0].body, { messages: [{ role: 'user', content: 'first question' }] });
    assert.deepEqual(requests[1].body.messages.map((m) => m.role), ['user', 'assistant', 'user']);
    assert.notEqual(requests[0].init.headers['Idempotency-Key'], requests[1].init.headers['Idempotency-Key']);
    // The client never carries provider credentials: only the backend does.
    assert.equal(JSON.stringify(requests[0].init.headers).toLowerCase().includes('authorization'), false);
  });

  test('refuses a cleartext backend URL', () => {
    assert.equal(chatEndpoint('https://b.test'), 'https://b.test/api/chat');
    assert.throws(() => chatEndpoint('http://b.test'), ChatError);
  });

  test('surfaces HTTP failures and empty answers as ChatError without recording history', async () => {
    const failing = createChatClient({ baseUrl: 'https://b.test', fetchFn: async () => json(401, {}), retries: 0 });
    await assert.rejects(failing.send('hi'), (error) => error instanceof ChatError && error.status === 401);
    assert.deepEqual(failing.history(), []);

    const empty = createChatClient({ baseUrl: 'https://b.test', fetchFn: async () => json(200, { answer: ' ' }) });
    await assert.rejects(empty.send('hi'), /empty answer/);
  });
});
