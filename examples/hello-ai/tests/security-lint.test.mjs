import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { lintPaths, scanCapacitorConfig, scanText, toSarif } from '../scripts/security-lint.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rules = (findings) => findings.map((f) => f.ruleId);

describe('security lint', () => {
  test('flags eval, new Function, unescaped innerHTML and cleartext URLs', () => {
    const code = [
      'eval(userInput);',
      'const f = new Function("a", body);',
      'el.innerHTML = answer;',
      'el.innerHTML = renderAnswer(answer);',
      "el.innerHTML = '';",
      "fetch('http://api.example.com/chat');",
      'const ns = "http://www.w3.org/2000/svg";'
    ].join('\n');
    const findings = scanText('src/bad.js', code);
    assert.deepEqual(findings.map((f) => f.ruleId + '@' + f.line), [
      'no-eval@1', 'no-new-function@2', 'no-untrusted-html@3', 'no-cleartext-url@6'
    ]);
  });

  test('flags key-like strings without repeating them in the message', () => {
    const key = 'sk-' + 'abcdEFGH1234ijklMNOP5678qrst';
    const findings = scanText('src/config.js', 'export const OPENAI_API_KEY = "' + key + '";');
    assert.ok(rules(findings).includes('no-hardcoded-secret'));
    assert.equal(findings.some((f) => f.message.includes(key)), false);
    assert.deepEqual(rules(scanCapacitorConfig('capacitor.config.json', '{"server": {"url": "http://10.0.2.2:8100", "cleartext": true}}')),
      ['capacitor-release-config', 'capacitor-release-config']);
  });

  test('the sample app itself is clean and the report is valid SARIF 2.1.0', () => {
    const sarif = toSarif(lintPaths(ROOT, ['src', 'capacitor.config.json']));
    const run = sarif.runs[0];
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-schema-2\.1\.0\.json$/);
    assert.equal(run.tool.driver.name, 'capstan-sample-lint');
    assert.ok(run.tool.driver.rules.length >= 7);
    assert.deepEqual(run.results.filter((r) => r.level === 'error'), []);

    const dirty = toSarif({ files: ['src/x.js'], findings: scanText('src/x.js', 'eval(a);\neval(a);') }).runs[0].results;
    assert.equal(dirty[0].locations[0].physicalLocation.artifactLocation.uri, 'src/x.js');
    assert.equal(dirty[1].locations[0].physicalLocation.region.startLine, 2);
    assert.notEqual(dirty[0].partialFingerprints.primaryLocationLineHash, dirty[1].partialFingerprints.primaryLocationLineHash);
  });
});
