#!/usr/bin/env node
// Entry point: run the TypeScript sources through tsx's loader, or the compiled build when one exists.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/src/cli/main.js', import.meta.url));
let mod;
if (existsSync(compiled) && !process.env.RAGENT_FROM_SOURCE) {
  mod = await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import('../src/cli/main.ts');
}
process.exitCode = await mod.main(process.argv);
