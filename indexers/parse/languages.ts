import type { Language } from '../types.js';

const BY_EXTENSION: Record<string, Language> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.jsx': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
};

/** The language ragent parses a file as, from its name alone; 'text' for everything without a grammar. */
export function languageForPath(path: string): Language {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  if (dot <= slash + 1) return 'text'; // no extension, or a dotfile such as `.eslintrc`
  return BY_EXTENSION[path.slice(dot).toLowerCase()] ?? 'text';
}

/** True for languages parsed with a tree-sitter grammar. */
export function isCodeLanguage(language: Language): boolean {
  return language !== 'text';
}
