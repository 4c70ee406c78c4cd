// Turns an untrusted model answer into safe HTML: everything is escaped first, then a
// few markdown-like constructs are re-introduced as fixed tags.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const MAX_ANSWER_CHARS = 8000;

export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (ch) => ESCAPES[ch]);
}

function renderInline(paragraph) {
  return escapeHtml(paragraph)
    .replace(/`([^`\n]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*\n]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\n/g, '<br>');
}

function renderProse(text) {
  return text
    .split(/\n{2,}/)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => '<p>' + renderInline(part) + '</p>')
    .join('');
}

/**
 * Render an answer from the backend as HTML that is safe to assign to innerHTML.
 *
 * Supports paragraphs, line breaks, `code`, **bold** and ``` fenced blocks.
 */
export function renderAnswer(text, { maxChars = MAX_ANSWER_CHARS } = {}) {
  let source = String(text ?? '').replace(/\r\n?/g, '\n');
  let clipped = false;
  if (source.length > maxChars) {
    source = source.slice(0, maxChars);
    clipped = true;
  }
  const html = source
    .split(/```/)
    .map((part, index) => {
      if (index % 2 === 0) {
        return renderProse(part);
      }
      // Odd parts sit inside a fence; the first line may name the language.
      const body = part.replace(/^[\w+-]*\n/, '').replace(/\n$/, '');
      return '<pre><code>' + escapeHtml(body) + '</code></pre>';
    })
    .join('');
  return clipped ? html + '<p class="clipped">[answer shortened]</p>' : html;
}
