import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RagentError } from '../errors.js';

/** A prompt template that cannot be read or whose slots do not match what the code fills. */
export class PromptTemplateError extends RagentError {}

// src/util → project root, both from the sources (tsx) and from dist/src/util.
const here = dirname(fileURLToPath(import.meta.url));
const candidates = [resolve(here, '..', '..', 'prompts'), resolve(here, '..', '..', '..', 'prompts')];

const SLOT = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Directory holding the prompt templates. */
export function promptsDir(): string {
  return candidates.find((dir) => existsSync(dir) && statSync(dir).isDirectory()) ?? candidates[0]!;
}

/** The slot names a template uses, in order of first appearance. */
export function templateSlots(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(SLOT)) if (!names.includes(m[1]!)) names.push(m[1]!);
  return names;
}

/** Fill `{{slot}}` placeholders; every slot must be given and every given value must be used. */
export function fillTemplate(template: string, slots: Record<string, string>, name = 'template'): string {
  const used = templateSlots(template);
  const missing = used.filter((s) => !(s in slots));
  if (missing.length) {
    throw new PromptTemplateError(
      `prompt ${name} needs slot(s) ${missing.join(', ')} that were not given`,
      'pass a value for every {{slot}} in the template',
    );
  }
  const unused = Object.keys(slots).filter((s) => !used.includes(s));
  if (unused.length) {
    throw new PromptTemplateError(
      `prompt ${name} has no slot(s) ${unused.join(', ')}`,
      'add the {{slot}} to the template or stop passing it',
    );
  }
  // One pass, so a value that itself contains {{...}} is inserted literally.
  return template.replace(SLOT, (_all, slot: string) => slots[slot]!);
}

const cache = new Map<string, string>();

/** Read `prompts/<name>.md` and fill its `{{slot}}` placeholders; throws on a missing or unused slot. */
export function loadPrompt(name: string, slots: Record<string, string>): string {
  let template = cache.get(name);
  if (template === undefined) {
    const file = join(promptsDir(), `${name}.md`);
    try {
      template = readFileSync(file, 'utf8');
    } catch (err) {
      throw new PromptTemplateError(`cannot read prompt ${name} (${file}): ${(err as Error).message}`, 'reinstall ragent or restore the prompts/ folder', { cause: err });
    }
    cache.set(name, template);
  }
  return fillTemplate(template, slots, name);
}
