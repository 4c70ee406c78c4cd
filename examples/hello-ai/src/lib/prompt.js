// Cleans user prompts and trims chat history before anything leaves the device.

export const MAX_PROMPT_CHARS = 2000;

// C0/C1 controls plus zero-width and bidi-override characters: they are invisible in
// the UI, so they could smuggle instructions past the user ("Trojan source" style).
const INVISIBLE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

export class PromptError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'PromptError';
    this.code = code;
  }
}

/**
 * Normalise a prompt typed by the user.
 *
 * Returns `{ text, truncated }`; throws PromptError when nothing usable is left.
 */
export function sanitizePrompt(input, { maxChars = MAX_PROMPT_CHARS } = {}) {
  if (typeof input !== 'string') {
    throw new PromptError('The prompt must be text.', 'invalid');
  }
  let text = input
    .normalize('NFC')
    .replace(/\r\n?/g, '\n')
    .replace(INVISIBLE, '')
    .replace(/[ \t\u00A0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!text) {
    throw new PromptError('Type a question first.', 'empty');
  }
  if (text.length <= maxChars) {
    return { text: text, truncated: false };
  }
  let cut = text.slice(0, maxChars);
  // Prefer a word boundary, but not at the cost of dropping most of the prompt.
  const lastSpace = cut.search(/\s\S*$/);
  if (lastSpace > maxChars * 0.8) {
    cut = cut.slice(0, lastSpace);
  }
  // Never leave half of a surrogate pair (emoji) at the end.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) {
    cut = cut.slice(0, -1);
  }
  return { text: cut.trimEnd(), truncated: true };
}

/**
 * Keep the most recent messages that fit the backend's budget.
 *
 * The newest message is always kept, older ones are dropped first.
 */
export function trimHistory(messages, { maxMessages = 12, maxChars = 6000 } = {}) {
  const kept = [];
  let used = 0;
  for (let i = messages.length - 1; i >= 0; i -= 1) {
    const message = messages[i];
    const size = message.content.length;
    if (kept.length > 0 && (kept.length >= maxMessages || used + size > maxChars)) {
      break;
    }
    kept.unshift({ role: message.role, content: message.content });
    used += size;
  }
  return kept;
}
