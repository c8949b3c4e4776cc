import type { ParsedFile, ParsedImport } from './types.js';

/** Extensions tried, in order, for a TS/JS specifier written without one. */
const SCRIPT_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs', '.mts', '.cts'];
/** A specifier written with a JS extension may name a TypeScript source (`./x.js` → `x.ts`). */
const SOURCE_FOR_OUTPUT: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.d.ts'],
  '.jsx': ['.tsx'],
  '.mjs': ['.mts', '.d.mts'],
  '.cjs': ['.cts', '.d.cts'],
};

/**
 * Fill in `resolvedPath` of each import that names a file of this repository: relative TS/JS specifiers
 * (extension, `.js`→`.ts` and `index` resolution) and Python modules (absolute, under the root, `src/` or any
 * top-level folder, and relative). Others stay null. Returns a new ParsedFile; the input is not changed.
 */
export function resolveImports(file: ParsedFile, repoFiles: ReadonlySet<string>): ParsedFile {
  if (file.imports.length === 0) return file;
  const resolve =
    file.language === 'python'
      ? (imp: ParsedImport) => resolvePython(file.path, imp, repoFiles)
      : file.language === 'text'
        ? () => null
        : (imp: ParsedImport) => resolveScript(file.path, imp.source, repoFiles);
  return { ...file, imports: file.imports.map((imp) => ({ ...imp, resolvedPath: resolve(imp) })) };
}

function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** Join and normalise `.`/`..` segments; null when the path climbs out of the repository. */
function joinPath(dir: string, rel: string): string | null {
  const out = dir ? dir.split('/') : [];
  for (const part of rel.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

function resolveScript(from: string, source: string, files: ReadonlySet<string>): string | null {
  if (!source.startsWith('./') && !source.startsWith('../') && source !== '.' && source !== '..') return null;
  const base = joinPath(dirOf(from), source.replace(/[?#].*$/, ''));
  if (base === null) return null;
  if (base !== '' && files.has(base)) return base;
  const dot = base.lastIndexOf('.');
  if (dot > base.lastIndexOf('/')) {
    const sources = SOURCE_FOR_OUTPUT[base.slice(dot)];
    if (sources) for (const ext of sources) if (files.has(base.slice(0, dot) + ext)) return base.slice(0, dot) + ext;
  }
  for (const ext of SCRIPT_EXTENSIONS) if (files.has(base + ext)) return base + ext;
  const prefix = base === '' ? 'index' : `${base}/index`;
  for (const ext of SCRIPT_EXTENSIONS) if (files.has(prefix + ext)) return prefix + ext;
  return null;
}

/** Dotted module name → file, from every Python file of the repository; built once per set of files. */
const moduleIndexes = new WeakMap<ReadonlySet<string>, Map<string, string>>();

function moduleIndex(files: ReadonlySet<string>): Map<string, string> {
  let index = moduleIndexes.get(files);
  if (index) return index;
  const rooted = new Map<string, string>();
  const nested = new Map<string, string>();
  for (const path of files) {
    if (!path.endsWith('.py') && !path.endsWith('.pyi')) continue;
    const parts = modulePath(path);
    const whole = dottedName(parts);
    if (whole !== null) setPreferred(rooted, whole, path);
    // A top-level folder that is not a package itself (`src/`, `lib/`) is an import root: `src/pkg/m.py` is `pkg.m`.
    if (parts.length > 1 && !files.has(`${parts[0]}/__init__.py`)) {
      const inner = dottedName(parts.slice(1));
      if (inner !== null) setPreferred(nested, inner, path);
    }
  }
  index = new Map(nested);
  for (const [k, v] of rooted) index.set(k, v);
  moduleIndexes.set(files, index);
  return index;
}

/** A regular package wins over a module of the same name, and a source file over a stub, as in Python. */
function setPreferred(map: Map<string, string>, name: string, path: string): void {
  const old = map.get(name);
  if (old === undefined || rank(path) < rank(old)) map.set(name, path);
}

function rank(path: string): number {
  return (path.endsWith('.pyi') ? 2 : 0) + (isPackageInit(path) ? 0 : 1);
}

/** Path segments of a Python file's module: `a/b/__init__.py` → [a, b]. */
function modulePath(path: string): string[] {
  const parts = path.replace(/\.pyi?$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts;
}

function dottedName(parts: string[]): string | null {
  if (parts.length === 0 || parts.some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return null;
  return parts.join('.');
}

function resolvePython(from: string, imp: ParsedImport, files: ReadonlySet<string>): string | null {
  const source = imp.source;
  const firstName = imp.names.find((n) => n !== '*' && !n.includes('.'));
  if (!source.startsWith('.')) {
    const index = moduleIndex(files);
    const found = index.get(source);
    if (!found) return null;
    // `from pkg import sub` names a submodule when pkg is a package that has one.
    if (firstName && isPackageInit(found)) return index.get(`${source}.${firstName}`) ?? found;
    return found;
  }
  const dots = /^\.+/.exec(source)![0].length;
  let dir: string | null = dirOf(from);
  for (let i = 1; i < dots && dir !== null; i++) dir = dir === '' ? null : dirOf(dir);
  if (dir === null) return null;
  const rest = source.slice(dots).split('.').filter(Boolean).join('/');
  const base = rest ? (dir ? `${dir}/${rest}` : rest) : dir;
  const module = rest ? pythonFile(base, files) : null;
  const pkg = pythonPackage(base, files);
  if (module) return module;
  if (firstName) {
    const sub = pythonFile(base ? `${base}/${firstName}` : firstName, files) ?? pythonPackage(base ? `${base}/${firstName}` : firstName, files);
    if (sub) return sub;
  }
  return pkg;
}

function isPackageInit(path: string): boolean {
  return path.endsWith('/__init__.py') || path.endsWith('/__init__.pyi') || path === '__init__.py';
}

function pythonFile(base: string, files: ReadonlySet<string>): string | null {
  if (files.has(`${base}.py`)) return `${base}.py`;
  if (files.has(`${base}.pyi`)) return `${base}.pyi`;
  return null;
}

function pythonPackage(base: string, files: ReadonlySet<string>): string | null {
  const prefix = base ? `${base}/` : '';
  if (files.has(`${prefix}__init__.py`)) return `${prefix}__init__.py`;
  if (files.has(`${prefix}__init__.pyi`)) return `${prefix}__init__.pyi`;
  return null;
}
