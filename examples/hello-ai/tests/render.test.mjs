import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { escapeHtml, renderAnswer } from '../src/lib/render.js';

describe('escapeHtml', () => {
  test('escapes every HTML-significant character', () => {
    assert.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`), '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('renderAnswer', () => {
  test('neutralises markup injected by the model', () => {
    const html = renderAnswer('Hi <img src=x onerror=alert(1)> <script>steal()</script>');
    assert.equal(html.includes('<img'), false);
    assert.equal(html.includes('<script'), false);
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  });

  test('renders paragraphs, line breaks, bold and inline code', () => {
    assert.equal(
      renderAnswer('Use **npx cap sync**\nthen `npm run build`.\n\nDone.'),
      '<p>Use <strong>npx cap sync</strong><br>then <code>npm run build</code>.</p><p>Done.</p>'
    );
  });

  test('renders fenced code blocks escaped and without the language tag', () => {
    assert.equal(
      renderAnswer('Example:\n```js\nif (a < b) { go(); }\n```\nEnd'),
      '<p>Example:</p><pre><code>if (a &lt; b) { go(); }</code></pre><p>End</p>'
    );
  });

  test('clips oversized answers and says so', () => {
    const html = renderAnswer('z'.repeat(30), { maxChars: 10 });
    assert.equal(html, '<p>' + 'z'.repeat(10) + '</p><p class="clipped">[answer shortened]</p>');
  });
});
