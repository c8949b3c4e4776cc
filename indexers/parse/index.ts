import type { Language, ParsedFile } from '../types.js';
import { dropOverloadSignatures, errorLines, finishSymbol, type Extraction } from './draft.js';
import { parseTree } from './parser.js';
import { extractPython } from './python.js';
import { assignReferences, scanIdentifiers } from './references.js';
import { extractTypeScript } from './typescript.js';

export { languageForPath, isCodeLanguage } from './languages.js';

/**
 * Symbols, imports, module doc and syntax errors of one file. Synchronous; one parser per language is
 * reused. Imports come out unresolved (`resolvedPath: null`); `resolveImports` fills them in.
 */
export function parseFile(path: string, text: string, language: Language): ParsedFile {
  if (language === 'text') {
    return { path, language, symbols: [], imports: [], moduleDoc: '', hasErrors: false, errorLines: [] };
  }
  const tree = parseTree(language, text);
  const root = tree.rootNode;
  const extraction: Extraction =
    language === 'python' ? extractPython(root, text) : extractTypeScript(root, text, language);
  const drafts = dropOverloadSignatures(extraction.symbols).sort((a, b) => a.start - b.start || b.end - a.end);
  const refs = assignReferences(language, drafts, scanIdentifiers(language, text));
  const hasErrors = root.hasError;
  return {
    path,
    language,
    symbols: drafts.map((d, i) => finishSymbol(d, refs[i]!.references, refs[i]!.lines)),
    imports: extraction.imports,
    moduleDoc: extraction.moduleDoc,
    hasErrors,
    errorLines: hasErrors ? errorLines(root) : [],
  };
}
