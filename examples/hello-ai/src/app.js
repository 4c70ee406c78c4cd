// Wires the chat UI to the backend client; all DOM work for the sample lives here.

import { createChatClient, ChatError } from './lib/chat-client.js';
import { PromptError } from './lib/prompt.js';
import { renderAnswer } from './lib/render.js';

function backendUrl() {
  const meta = document.querySelector('meta[name="hello-ai-backend"]');
  return meta ? meta.getAttribute('content') : '';
}

function appendMessage(log, role, text) {
  const item = document.createElement('li');
  item.className = 'message message-' + role;
  if (role === 'assistant') {
    item.innerHTML = renderAnswer(text);
  } else {
    // User text is shown verbatim, so it never needs to be parsed as HTML.
    item.textContent = text;
  }
  log.appendChild(item);
  item.scrollIntoView({ block: 'end' });
  return item;
}

function start() {
  const form = document.getElementById('chat-form');
  const input = document.getElementById('prompt');
  const log = document.getElementById('chat-log');
  const status = document.getElementById('status');
  const button = form.querySelector('button');
  let client;
  try {
    client = createChatClient({ baseUrl: backendUrl(), fetchFn: window.fetch.bind(window) });
  } catch (error) {
    status.textContent = 'Configuration error: ' + error.message;
    button.disabled = true;
    return;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = input.value;
    button.disabled = true;
    status.textContent = 'Thinking…';
    try {
      const reply = await client.send(text);
      appendMessage(log, 'user', text.trim());
      appendMessage(log, 'assistant', reply.answer);
      input.value = '';
      status.textContent = reply.truncated ? 'Your question was shortened to fit.' : '';
    } catch (error) {
      const known = error instanceof PromptError || error instanceof ChatError;
      status.textContent = known ? error.message : 'Network problem, please try again.';
    } finally {
      button.disabled = false;
      input.focus();
    }
  });
}

document.addEventListener('DOMContentLoaded', start);
