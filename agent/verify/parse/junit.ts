/** JUnit XML as pytest writes it (`--junitxml`). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestCase } from '../types.js';
import { type ParsedResults, repoRelative } from './common.js';

function unescapeXml(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)')/g)) out[m[1]!] = unescapeXml(m[3] ?? m[4] ?? '');
  return out;
}

/**
 * The file and in-file name of a pytest case from its dotted classname (`tests.test_x.TestA`): the longest
 * module prefix that is a file of the repository, the rest being classes.
 */
function locate(root: string, classname: string, file?: string): { file?: string; prefix: string } {
  const parts = classname.split('.').filter(Boolean);
  for (let k = parts.length; k > 0; k--) {
    const rel = parts.slice(0, k).join('/') + '.py';
    if (file ? repoRelative(root, file) === rel : existsSync(join(root, rel))) return { file: rel, prefix: parts.slice(k).join('::') };
  }
  return file ? { file: repoRelative(root, file), prefix: '' } : { prefix: classname.replace(/\./g, '::') };
}

/** Read a JUnit XML report. Test names follow pytest's node ids within the file (`TestA::test_b`). */
export function parseJunitXml(root: string, xml: string): ParsedResults | null {
  if (!/<testsuites?\b/.test(xml)) return null;
  const tests: TestCase[] = [];
  const re = /<testcase\b([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const m of xml.matchAll(re)) {
    const a = attrs(m[1]!);
    const inner = m[3] ?? '';
    let where = locate(root, a.classname ?? '', a.file);
    let name = where.prefix ? `${where.prefix}::${a.name ?? ''}` : a.name ?? '';
    // A file that failed to import is reported as a case named after its module.
    if (!a.classname && !where.file && a.name) {
      const asFile = locate(root, a.name);
      if (asFile.file && !asFile.prefix) [where, name] = [asFile, '(file)'];
    }
    const t: TestCase = { name, ...(where.file ? { file: where.file } : {}), status: 'passed' };
    const fail = /<(failure|error)\b([^>]*?)(\/>|>([\s\S]*?)<\/\1>)/.exec(inner);
    if (fail) {
      t.status = 'failed';
      const msg = attrs(fail[2]!).message ?? '';
      const body = unescapeXml(fail[4] ?? '').trim();
      t.message = [fail[1] === 'error' ? `error: ${msg}` : msg, body].filter(Boolean).join('\n');
    } else if (/<skipped\b/.test(inner)) t.status = 'skipped';
    tests.push(t);
  }
  return { tests, parsedFrom: 'junit-xml' };
}
