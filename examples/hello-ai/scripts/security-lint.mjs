// Small static security check of the app's web sources and build output, reported as SARIF 2.1.0.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SCANNED_EXTENSIONS = ['.js', '.mjs', '.html', '.css', '.json'];
const SANITIZERS = /^(?:escapeHtml|renderAnswer|DOMPurify\.sanitize)\s*\(/;
const STRING_LITERAL = /^(['"])(?:\\.|(?!\1).)*\1$/;

export const RULES = [
  { id: 'no-eval', level: 'error', severity: '9.0', text: 'eval() runs arbitrary strings as code.',
    help: 'Parse data with JSON.parse and call functions directly instead of evaluating strings.' },
  { id: 'no-new-function', level: 'error', severity: '9.0', text: 'new Function() is eval in disguise.',
    help: 'Build behaviour from real functions; never compile strings at run time.' },
  { id: 'no-untrusted-html', level: 'error', severity: '8.0', text: 'HTML is written from data that was not escaped.',
    help: 'Use textContent, or pass the value through escapeHtml()/renderAnswer() before assigning innerHTML.' },
  { id: 'no-cleartext-url', level: 'error', severity: '7.0', text: 'A cleartext http:// URL is referenced.',
    help: 'Use https://; the WebView blocks cleartext and mixed content in release builds.' },
  { id: 'no-hardcoded-secret', level: 'error', severity: '9.5', text: 'Something that looks like an API key or secret is in client code.',
    help: 'Anything shipped in the app can be extracted. Keep provider keys on the backend and call it instead.' },
  { id: 'csp-required', level: 'warning', severity: '5.0', text: 'The page has no strict Content-Security-Policy.',
    help: "Add a CSP meta tag without 'unsafe-eval' or 'unsafe-inline' in script-src." },
  { id: 'capacitor-release-config', level: 'error', severity: '7.5', text: 'capacitor.config.json has a setting that is unsafe in a release build.',
    help: 'Remove server.url, keep server.cleartext and android.allowMixedContent false, disable WebView debugging.' }
];
const RULE_INDEX = new Map(RULES.map((rule, index) => [rule.id, index]));

const SECRET_PATTERNS = [
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
  /\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{20,}/,
  /\bAIza[0-9A-Za-z_-]{35}\b/,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/,
  /\b(?:api[_-]?key|secret|token|password|passwd)\w*["']?\s*[:=]\s*["'][^"'\s]{12,}["']/i
];

function unsafeHtmlSink(line) {
  const assignment = /\.(?:inner|outer)HTML\s*(\+?)=(?!=)\s*([^;]*)/g;
  for (const match of line.matchAll(assignment)) {
    const rhs = match[2].trim();
    if (match[1] === '+' || !(rhs === '' || STRING_LITERAL.test(rhs) || SANITIZERS.test(rhs))) return match.index;
  }
  const insert = /\binsertAdjacentHTML\s*\(\s*[^,]+,\s*([^;]*)\)/.exec(line);
  if (insert && !STRING_LITERAL.test(insert[1].trim()) && !SANITIZERS.test(insert[1].trim())) return insert.index;
  const write = /\bdocument\.write(?:ln)?\s*\(/.exec(line);
  return write ? write.index : -1;
}

function mask(secret) {
  return secret.slice(0, 4) + '…(' + secret.length + ' chars)';
}

/** Scan one file's text; returns findings as { ruleId, uri, line, column, message, lineText }. */
export function scanText(uri, text) {
  const findings = [];
  const add = (ruleId, line, column, message, lineText) => findings.push({ ruleId, uri, line, column, message, lineText });
  const lines = text.split('\n');
  lines.forEach((lineText, index) => {
    const line = index + 1;
    const check = (ruleId, regex, message) => {
      const match = regex.exec(lineText);
      if (match) add(ruleId, line, match.index + 1, message(match[0]), lineText);
    };
    check('no-eval', /(?<![\w$])eval\s*\(/, () => 'eval() call.');
    check('no-new-function', /\bnew\s+Function\s*\(/, () => 'new Function() call.');
    check('no-cleartext-url', /\bhttp:\/\/(?!www\.w3\.org\/)[^\s'"<>)]+/, (url) => 'Cleartext URL ' + url + '.');
    for (const pattern of SECRET_PATTERNS) {
      // The message never repeats the secret itself: SARIF files get shared widely.
      check('no-hardcoded-secret', pattern, (secret) => 'Possible hard-coded secret ' + mask(secret) + '.');
    }
    const sink = unsafeHtmlSink(lineText);
    if (sink >= 0) add('no-untrusted-html', line, sink + 1, 'HTML sink fed with data that is not escaped.', lineText);
  });
  if (uri.endsWith('.html')) {
    const csp = /http-equiv=["']Content-Security-Policy["'][^>]*?content=(["'])(.*?)\1/is.exec(text);
    if (!csp) add('csp-required', 1, 1, 'No Content-Security-Policy meta tag.', lines[0]);
    else if (/'unsafe-(?:eval|inline)'/.test(csp[2])) add('csp-required', 1, 1, "CSP allows 'unsafe-eval' or 'unsafe-inline'.", lines[0]);
  }
  return findings;
}

/** Check capacitor.config.json for settings that must not reach a release build. */
export function scanCapacitorConfig(uri, text) {
  const config = JSON.parse(text);
  const lines = text.split('\n');
  const lineOf = (key) => Math.max(1, lines.findIndex((l) => l.includes('"' + key + '"')) + 1);
  const findings = [];
  const flag = (key, message) => findings.push({ ruleId: 'capacitor-release-config', uri, line: lineOf(key), column: 1, message, lineText: lines[lineOf(key) - 1] });
  const server = config.server || {};
  if (server.url) flag('url', 'server.url is set: the app would load ' + server.url + ' instead of its bundled files.');
  if (server.cleartext === true) flag('cleartext', 'server.cleartext is true.');
  if ((config.android || {}).allowMixedContent === true) flag('allowMixedContent', 'android.allowMixedContent is true.');
  for (const platform of ['android', 'ios']) {
    if ((config[platform] || {}).webContentsDebuggingEnabled === true) flag('webContentsDebuggingEnabled', platform + '.webContentsDebuggingEnabled is true.');
  }
  return findings;
}

function walk(path) {
  if (!existsSync(path)) return [];
  if (statSync(path).isFile()) return [path];
  return readdirSync(path).sort().flatMap((name) => walk(join(path, name)));
}

/** Lint the given paths (files or directories) under `root`. */
export function lintPaths(root, paths) {
  const files = paths.flatMap((p) => walk(resolve(root, p))).filter((f) => SCANNED_EXTENSIONS.some((ext) => f.endsWith(ext)));
  const findings = [];
  for (const file of files) {
    const uri = relative(root, file).split(sep).join('/');
    const text = readFileSync(file, 'utf8');
    findings.push(...(uri === 'capacitor.config.json' ? scanCapacitorConfig(uri, text) : scanText(uri, text)));
  }
  findings.sort((a, b) => a.uri.localeCompare(b.uri) || a.line - b.line || a.column - b.column);
  return { files: files.map((f) => relative(root, f).split(sep).join('/')), findings };
}

/** Convert findings to a SARIF 2.1.0 log. */
export function toSarif({ files, findings }, root = ROOT) {
  const seen = new Map();
  const results = findings.map((f) => {
    const rule = RULES[RULE_INDEX.get(f.ruleId)];
    const hash = createHash('sha256').update(f.ruleId + '\0' + f.uri + '\0' + f.lineText.trim()).digest('hex').slice(0, 16);
    // Same rule on identical lines in one file: the occurrence counter keeps fingerprints unique.
    const occurrence = (seen.get(hash) || 0) + 1;
    seen.set(hash, occurrence);
    return {
      ruleId: f.ruleId,
      ruleIndex: RULE_INDEX.get(f.ruleId),
      level: rule.level,
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: f.uri, uriBaseId: 'SRCROOT' }, region: { startLine: f.line, startColumn: f.column } } }],
      partialFingerprints: { primaryLocationLineHash: hash + ':' + occurrence }
    };
  });
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'capstan-sample-lint',
          semanticVersion: '1.0.0',
          rules: RULES.map((rule) => ({
            id: rule.id,
            name: rule.id.replace(/(^|-)(\w)/g, (_, dash, ch) => ch.toUpperCase()),
            shortDescription: { text: rule.text },
            help: { text: rule.help },
            defaultConfiguration: { level: rule.level },
            properties: { tags: ['security'], 'security-severity': rule.severity }
          }))
        }
      },
      originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root + sep).href } },
      artifacts: files.map((uri) => ({ location: { uri, uriBaseId: 'SRCROOT' } })),
      invocations: [{ executionSuccessful: true }],
      results
    }]
  };
}

function parseArgs(argv) {
  const args = { out: 'reports/security.sarif', failOn: 'error', paths: [] };
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--out') args.out = argv[++i];
    else if (argv[i] === '--fail-on') args.failOn = argv[++i];
    else args.paths.push(argv[i]);
  }
  if (args.paths.length === 0) args.paths = ['src', 'dist', 'capacitor.config.json'];
  if (!['error', 'warning', 'none'].includes(args.failOn)) throw new Error('--fail-on must be error, warning or none');
  return args;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = parseArgs(process.argv.slice(2));
  const scan = lintPaths(ROOT, args.paths);
  const sarif = toSarif(scan);
  const out = resolve(ROOT, args.out);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(sarif, null, 2) + '\n');
  const count = (level) => sarif.runs[0].results.filter((r) => r.level === level).length;
  for (const r of sarif.runs[0].results) {
    const loc = r.locations[0].physicalLocation;
    console.log('security-lint: ' + r.level + ' ' + r.ruleId + ' ' + loc.artifactLocation.uri + ':' + loc.region.startLine + ' ' + r.message.text);
  }
  console.log('security-lint: scanned ' + scan.files.length + ' files (' + args.paths.join(', ') + '): ' +
    count('error') + ' errors, ' + count('warning') + ' warnings -> ' + relative(ROOT, out));
  const failing = args.failOn === 'none' ? 0 : count('error') + (args.failOn === 'warning' ? count('warning') : 0);
  process.exitCode = failing > 0 ? 1 : 0;
}
