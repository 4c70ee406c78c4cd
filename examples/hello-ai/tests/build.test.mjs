import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

import { build, bundle, minifyJs } from '../scripts/build.mjs';
import * as prompt from '../src/lib/prompt.js';
import * as render from '../src/lib/render.js';

const APP = fileURLToPath(new URL('..', import.meta.url));
const LIB = join(APP, 'src', 'lib');

describe('minifier', () => {
  test('drops comments and whitespace but keeps strings, templates and regexes intact', () => {
    const src = [
      '// leading comment',
      'const a = "x // not a comment";  /* block */',
      "const b = 'it\\'s'.length + `t ${ a + '}' } /* kept */`;",
      'const re = /["\'/*]+/g, half = 10 / 2 / 5;',
      'return typeof a === "string" ? /ok/.test(a) : a - -b;'
    ].join('\n');
    assert.equal(
      minifyJs(src),
      'const a="x // not a comment";const b=\'it\\\'s\'.length+`t ${ a + \'}\' } /* kept */`;' +
        'const re=/["\'/*]+/g,half=10/2/5;return typeof a==="string"?/ok/.test(a):a- -b;'
    );
  });

  test('keeps line breaks that automatic semicolon insertion depends on', () => {
    const out = minifyJs('let x = 1\nlet y = x\n++x\nfunction f() {}\nf()');
    assert.equal(out, 'let x=1\nlet y=x\n++x\nfunction f(){};f()');
    assert.equal(vm.runInNewContext(out + ';[x, y]').join(), '2,1');
  });

  test('the bundled, minified library behaves exactly like the source modules', () => {
    const entry = join(mkdtempSync(join(tmpdir(), 'hello-ai-')), 'entry.js');
    writeFileSync(entry, [
      `import { sanitizePrompt, trimHistory } from '${join(LIB, 'prompt.js')}';`,
      `import { renderAnswer } from '${join(LIB, 'render.js')}';`,
      'globalThis.lib = { sanitizePrompt, trimHistory, renderAnswer };'
    ].join('\n'));
    const context = {};
    vm.runInNewContext(minifyJs(bundle(entry).code), context);
    const samples = ['  **bold** and `code`\n\n```sh\nrm -rf <x>\n```', 'a\u202E<b>\r\nc', 'word '.repeat(600)];
    for (const sample of samples) {
      assert.equal(context.lib.renderAnswer(sample), render.renderAnswer(sample));
      assert.equal(JSON.stringify(context.lib.sanitizePrompt(sample)), JSON.stringify(prompt.sanitizePrompt(sample)));
    }
  });

  test('bundling rejects two modules declaring the same top-level name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hello-ai-'));
    writeFileSync(join(dir, 'a.js'), 'export function helper() { return 1; }\n');
    writeFileSync(join(dir, 'main.js'), "import { helper as h } from './a.js';\n");
    assert.throws(() => bundle(join(dir, 'main.js')), /renamed imports/);
    writeFileSync(join(dir, 'main.js'), "import { helper } from './a.js';\nfunction helper() {}\n");
    assert.throws(() => bundle(join(dir, 'main.js')), /"helper" is declared in both/);
  });
});

describe('build', () => {
  test('writes dist/ with the bundle, the rewritten page and a version.json that matches', () => {
    const root = mkdtempSync(join(tmpdir(), 'hello-ai-build-'));
    cpSync(join(APP, 'src'), join(root, 'src'), { recursive: true });
    cpSync(join(APP, 'package.json'), join(root, 'package.json'));
    const { version } = build(root, { SOURCE_DATE_EPOCH: '1700000000', CODEBUILD_RESOLVED_SOURCE_VERSION: 'abc123' });

    assert.equal(version.versionCode, 10400);
    assert.equal(version.builtAt, '2023-11-14T22:13:20.000Z');
    assert.equal(version.commit, 'abc123');
    const written = JSON.parse(readFileSync(join(root, 'dist', 'version.json'), 'utf8'));
    assert.deepEqual(Object.keys(written.files).sort(), ['app.min.js', 'index.html', 'styles.css']);
    for (const [name, meta] of Object.entries(written.files)) {
      assert.equal(createHash('sha256').update(readFileSync(join(root, 'dist', name))).digest('hex'), meta.sha256);
    }
    const html = readFileSync(join(root, 'dist', 'index.html'), 'utf8');
    assert.match(html, /<script src="app\.min\.js" integrity="sha384-[A-Za-z0-9+/=]+" defer><\/script>/);
    assert.equal(html.includes('type="module"'), false);
  });
});
