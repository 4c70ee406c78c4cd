// Talks to the app's own backend (/api/chat); the AI provider key lives only there.

import { sanitizePrompt, trimHistory } from './prompt.js';
import { fetchWithRetry } from './retry.js';

export class ChatError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ChatError';
    this.status = status;
  }
}

export function chatEndpoint(baseUrl) {
  const url = new URL('/api/chat', baseUrl);
  // The WebView forbids cleartext anyway; failing here gives a readable error.
  if (url.protocol !== 'https:') {
    throw new ChatError('The backend must be reached over https.', 0);
  }
  return url.href;
}

export function parseAnswer(payload) {
  if (!payload || typeof payload.answer !== 'string' || payload.answer.trim() === '') {
    throw new ChatError('The backend sent an empty answer.', 502);
  }
  return payload.answer;
}

function newRequestId() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function') {
    return globalThis.crypto.randomUUID();
  }
  return String(Date.now()) + '-' + String(Math.random()).slice(2);
}

/**
 * Create a chat client bound to one backend.
 *
 * `send(text)` resolves to `{ answer, truncated }` and keeps a short history.
 */
export function createChatClient({ baseUrl, fetchFn, sleep, retries = 2, timeoutMs = 20000 }) {
  const endpoint = chatEndpoint(baseUrl);
  const history = [];

  async function send(text) {
    const prompt = sanitizePrompt(text);
    const messages = trimHistory(history.concat([{ role: 'user', content: prompt.text }]));
    // One id per user turn, so the backend can drop duplicates caused by retries.
    const requestId = newRequestId();
    const init = () => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Idempotency-Key': requestId },
      body: JSON.stringify({ messages: messages }),
      signal: typeof AbortSignal !== 'undefined' && AbortSignal.timeout ? AbortSignal.timeout(timeoutMs) : undefined
    });
    const response = await fetchWithRetry(fetchFn, endpoint, init, { retries: retries, sleep: sleep });
    if (!response.ok) {
      throw new ChatError('The assistant is unavailable (HTTP ' + response.status + ').', response.status);
    }
    const answer = parseAnswer(await response.json());
    history.push({ role: 'user', content: prompt.text }, { role: 'assistant', content: answer });
    return { answer: answer, truncated: prompt.truncated };
  }

  return { endpoint: endpoint, send: send, history: () => history.slice() };
}
