// Builds dist/ from src/: bundles the ES modules into one minified script, copies the
// page and styles, and records what was built in dist/version.json.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;
// After these keywords a "/" starts a regular expression, not a division.
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'yield', 'await']);
// JSMin's rule: a line break between these is kept, because ASI may depend on it.
const ASI_BEFORE = /[A-Za-z0-9_$\u0080-\uffff}\])"'`+-]/;
const ASI_AFTER = /[A-Za-z0-9_$\u0080-\uffff{[("'`+!~-]/;
// A "}" followed by a word on a new line ends a statement unless the word continues it;
// writing ";" there is what ASI would do and lets the output stay on one line.
const CONTINUES_AFTER_BRACE = new Set(['else', 'catch', 'finally', 'while', 'in', 'instanceof']);

function readQuoted(src, start) {
  const quote = src[start];
  let i = start + 1;
  while (i < src.length && src[i] !== quote) {
    if (src[i] === '\\') i += 1;
    else if (quote === '`' && src[i] === '$' && src[i + 1] === '{') i = readTemplateExpression(src, i + 2) - 1;
    else if (quote !== '`' && src[i] === '\n') throw new SyntaxError('unterminated string at offset ' + start);
    i += 1;
  }
  if (i >= src.length) throw new SyntaxError('unterminated string at offset ' + start);
  return i + 1;
}

function readTemplateExpression(src, start) {
  let depth = 1;
  let i = start;
  while (i < src.length && depth > 0) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') { i = readQuoted(src, i); continue; }
    if (c === '{') depth += 1;
    if (c === '}') depth -= 1;
    i += 1;
  }
  return i;
}

function readRegex(src, start) {
  let i = start + 1;
  let inClass = false;
  while (i < src.length) {
    const c = src[i];
    if (c === '\n') throw new SyntaxError('unterminated regex at offset ' + start);
    if (c === '\\') i += 1;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) break;
    i += 1;
  }
  i += 1;
  while (i < src.length && /[a-z]/i.test(src[i])) i += 1;
  return i;
}

/**
 * Minify JavaScript by dropping comments and needless whitespace.
 *
 * Strings, template literals and regex literals are copied verbatim; identifiers are
 * not renamed. Line breaks that automatic semicolon insertion may rely on are kept.
 */
export function minifyJs(src) {
  let out = '';
  let gap = '';
  let lastWord = '';
  let i = 0;
  const emit = (token) => {
    const a = out[out.length - 1];
    const b = token[0];
    if (gap && out) {
      if (gap.includes('\n') && a === '}' && IDENT.test(b) && !CONTINUES_AFTER_BRACE.has(token)) out += ';';
      else if (gap.includes('\n') && ASI_BEFORE.test(a) && ASI_AFTER.test(b)) out += '\n';
      else if ((IDENT.test(a) && IDENT.test(b)) || ((a === '+' || a === '-') && a === b) || (a === '/' && b === '/')) out += ' ';
    }
    gap = '';
    out += token;
  };
  while (i < src.length) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      i = end === -1 ? src.length : end;
      gap += ' ';
    } else if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end === -1) throw new SyntaxError('unterminated comment at offset ' + i);
      if (src.slice(i, end).includes('\n')) gap += '\n';
      i = end + 2;
      gap += ' ';
    } else if (/\s/.test(c)) {
      gap += c;
      i += 1;
    } else if (c === '"' || c === "'" || c === '`') {
      const end = readQuoted(src, i);
      emit(src.slice(i, end));
      lastWord = '';
      i = end;
    } else if (c === '/' && (out === '' || /[(,=:[!&|?{};+\-*%<>~^]$/.test(out) || REGEX_KEYWORDS.has(lastWord))) {
      const end = readRegex(src, i);
      emit(src.slice(i, end));
      lastWord = '';
      i = end;
    } else if (IDENT.test(c)) {
      let end = i + 1;
      while (end < src.length && IDENT.test(src[end])) end += 1;
      lastWord = src.slice(i, end);
      emit(lastWord);
      i = end;
    } else {
      emit(c);
      lastWord = '';
      i += 1;
    }
  }
  return out;
}

const IMPORT = /^import\s*\{([^}]*)\}\s*from\s*['"]([^'"]+)['"];?[ \t]*$/gm;
const DECLARATION = /^(?:export\s+)?(?:async\s+)?(?:function\*?|const|let|var|class)\s+([A-Za-z_$][\w$]*)/gm;

/**
 * Bundle an ES module graph into one script, dependencies first.
 *
 * Supports `import { a, b } from './x.js'` and `export` on declarations, which is all
 * this app uses; anything else is rejected rather than silently mis-bundled.
 */
export function bundle(entryPath) {
  const order = [];
  const seen = new Set();
  const visit = (file, trail) => {
    if (trail.includes(file)) throw new Error('import cycle: ' + trail.concat(file).join(' -> '));
    if (seen.has(file)) return;
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(IMPORT)) {
      if (/\sas\s/.test(match[1])) throw new Error(file + ': renamed imports are not supported');
      visit(resolve(dirname(file), match[2]), trail.concat(file));
    }
    const body = code.replace(IMPORT, '').replace(/^export\s+(?=(?:async\s+)?(?:function|const|let|var|class)\b)/gm, '');
    if (/^\s*(?:import|export)\b/m.test(body)) throw new Error(file + ': unsupported import/export form');
    seen.add(file);
    order.push({ file, body });
  };
  visit(resolve(entryPath), []);
  const owners = new Map();
  for (const { file, body } of order) {
    for (const match of body.matchAll(DECLARATION)) {
      if (owners.has(match[1])) throw new Error('"' + match[1] + '" is declared in both ' + owners.get(match[1]) + ' and ' + file);
      owners.set(match[1], file);
    }
  }
  const code = '(function () {\n"use strict";\n' + order.map((m) => m.body).join('\n') + '\n})();\n';
  return { code, modules: order.map((m) => m.file) };
}

const sha = (algorithm, data, encoding = 'hex') => createHash(algorithm).update(data).digest(encoding);

function write(distDir, name, content, files) {
  writeFileSync(join(distDir, name), content);
  files[name] = { sha256: sha('sha256', content), bytes: Buffer.byteLength(content) };
}

/** Build dist/ for the app rooted at `root`; returns a summary of what was written. */
export function build(root = ROOT, env = process.env) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const srcDir = join(root, 'src');
  const distDir = join(root, 'dist');
  rmSync(distDir, { recursive: true, force: true });
  mkdirSync(distDir, { recursive: true });
  const files = {};
  const log = [];

  const bundled = bundle(join(srcDir, 'app.js'));
  const banner = '/*! ' + pkg.name + ' ' + pkg.version + ' | built by scripts/build.mjs */\n';
  const js = banner + minifyJs(bundled.code) + '\n';
  // A minifier bug would otherwise only show up on a phone; fail the build instead.
  new vm.Script(js, { filename: 'app.min.js' });
  write(distDir, 'app.min.js', js, files);
  log.push('bundled ' + bundled.modules.length + ' modules (' + bundled.modules.map((f) => relative(root, f)).join(', ') +
    ') -> dist/app.min.js (' + Buffer.byteLength(bundled.code) + ' -> ' + Buffer.byteLength(js) + ' bytes)');

  const css = readFileSync(join(srcDir, 'styles.css'), 'utf8');
  write(distDir, 'styles.css', css, files);
  log.push('copied src/styles.css -> dist/styles.css (' + Buffer.byteLength(css) + ' bytes)');

  const tag = /<script type="module" src="app\.js"><\/script>/;
  const page = readFileSync(join(srcDir, 'index.html'), 'utf8');
  if (!tag.test(page)) throw new Error('src/index.html: module script tag for app.js not found');
  const integrity = 'sha384-' + sha('sha384', js, 'base64');
  const html = page.replace(tag, '<script src="app.min.js" integrity="' + integrity + '" defer></script>');
  write(distDir, 'index.html', html, files);
  log.push('copied src/index.html -> dist/index.html (script tag -> app.min.js with SRI ' + integrity.slice(0, 19) + '...)');

  const [major, minor, patch] = pkg.version.split(/[.+-]/).map(Number);
  const epoch = Number(env.SOURCE_DATE_EPOCH);
  const version = {
    name: pkg.name,
    version: pkg.version,
    versionCode: major * 10000 + minor * 100 + patch,
    commit: env.CODEBUILD_RESOLVED_SOURCE_VERSION || null,
    buildId: env.CODEBUILD_BUILD_ID || null,
    builtAt: new Date(Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : Date.now()).toISOString(),
    node: process.version,
    files
  };
  writeFileSync(join(distDir, 'version.json'), JSON.stringify(version, null, 2) + '\n');
  log.push('wrote dist/version.json (version ' + version.version + ', versionCode ' + version.versionCode + ')');
  return { version, log };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  const { log } = build();
  for (const line of log) console.log('build: ' + line);
  console.log('build: done in ' + (Date.now() - started) + ' ms');
}
