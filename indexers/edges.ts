import type { EdgeRecord, ParsedFile } from './types.js';

/**
 * The file's graph edges: one 'import' edge per import (toPath is the resolved file, '' when external or
 * unresolved), and one 'ref' edge per (symbol, referenced identifier) at the line of first use. A reference
 * resolves to the file that defines it when the name is a symbol of this file or a name bound by a resolved
 * import; otherwise toPath is '' and retrieval matches the target by name.
 */
export function edgesFor(parsed: ParsedFile): EdgeRecord[] {
  const edges: EdgeRecord[] = [];
  const boundBy = new Map<string, string>();
  for (const imp of parsed.imports) {
    edges.push({ fromPath: parsed.path, fromSymbol: '', kind: 'import', target: imp.source, toPath: imp.resolvedPath ?? '', line: imp.line });
    if (!imp.resolvedPath) continue;
    for (const local of imp.locals ?? []) if (local !== '*' && !boundBy.has(local)) boundBy.set(local, imp.resolvedPath);
  }
  const local = new Set<string>();
  for (const s of parsed.symbols) local.add(s.name);
  for (const s of parsed.symbols) {
    const lines = s.referenceLines;
    s.references.forEach((target, i) => {
      const toPath = local.has(target) ? parsed.path : (boundBy.get(target) ?? '');
      edges.push({ fromPath: parsed.path, fromSymbol: s.qualifiedName, kind: 'ref', target, toPath, line: lines?.[i] ?? s.startLine });
    });
  }
  return edges;
}
