import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { backoffDelay, fetchWithRetry, retryAfterMs } from '../src/lib/retry.js';

const reply = (status, headers = {}) => ({ status, ok: status < 400, headers: new Headers(headers) });

function scripted(steps) {
  const calls = [];
  const fetchFn = async (url, init) => {
    calls.push({ url, init });
    const step = steps[calls.length - 1];
    if (step instanceof Error) throw step;
    return step;
  };
  return { fetchFn, calls };
}

describe('backoff', () => {
  test('grows exponentially, is capped and uses full jitter', () => {
    const top = () => 0.999999;
    assert.equal(backoffDelay(0, { baseMs: 100, random: top }), 99);
    assert.equal(backoffDelay(3, { baseMs: 100, random: top }), 799);
    assert.equal(backoffDelay(10, { baseMs: 100, maxMs: 1000, random: top }), 999);
    assert.equal(backoffDelay(5, { random: () => 0 }), 0);
  });

  test('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(retryAfterMs('3'), 3000);
    assert.equal(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')), 5000);
    assert.equal(retryAfterMs(null), null);
    assert.equal(retryAfterMs('soon'), null);
  });
});

describe('fetchWithRetry', () => {
  test('retries 503 and network errors, then returns the success', async () => {
    const { fetchFn, calls } = scripted([reply(503), new TypeError('network down'), reply(200)]);
    const slept = [];
    const response = await fetchWithRetry(fetchFn, 'https://api.test/x', () => ({ method: 'POST' }), {
      retries: 3, sleep: async (ms) => slept.push(ms), random: () => 0.5, baseMs: 100
    });
    assert.equal(response.status, 200);
    assert.equal(calls.length, 3);
    assert.deepEqual(slept, [50, 100]);
  });

  test('does not retry client errors and honours Retry-After on 429', async () => {
    const client = scripted([reply(400), reply(200)]);
    assert.equal((await fetchWithRetry(client.fetchFn, 'u', {}, { sleep: async () => {} })).status, 400);
    assert.equal(client.calls.length, 1);

    const limited = scripted([reply(429, { 'Retry-After': '2' }), reply(200)]);
    const slept = [];
    await fetchWithRetry(limited.fetchFn, 'u', {}, { sleep: async (ms) => slept.push(ms) });
    assert.deepEqual(slept, [2000]);
  });

  test('gives up after the retry budget and never retries an abort', async () => {
    const flaky = scripted([reply(502), reply(502), reply(502)]);
    const last = await fetchWithRetry(flaky.fetchFn, 'u', {}, { retries: 2, sleep: async () => {} });
    assert.equal(last.status, 502);
    assert.equal(flaky.calls.length, 3);

    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    const aborted = scripted([abort, reply(200)]);
    await assert.rejects(fetchWithRetry(aborted.fetchFn, 'u', {}, { sleep: async () => {} }), /aborted/);
    assert.equal(aborted.calls.length, 1);
  });
});
