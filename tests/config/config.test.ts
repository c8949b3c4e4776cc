import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig, loadConfig, normaliseOllamaHost } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { parseJsonc } from '../../src/util/jsonc.js';

const root = join(import.meta.dirname, '..', '..');

function tempDirs() {
  const base = mkdtempSync(join(tmpdir(), 'ragent-config-'));
  const repo = join(base, 'repo');
  const home = join(base, 'home');
  mkdirSync(repo);
  mkdirSync(join(home, '.config', 'ragent'), { recursive: true });
  return { repo, home };
}

describe('configuration', () => {
  it('.agentrc.example documents exactly the defaults', () => {
    const example = parseJsonc(readFileSync(join(root, '.agentrc.example'), 'utf8'));
    expect(example).toEqual(defaultConfig());
  });

  it('layers repo, user, environment and flags in that order and records where each key came from', () => {
    const { repo, home } = tempDirs();
    writeFileSync(join(repo, '.agentrc'), '{ "model": { "name": "repo-model", "temperature": 0.5 }, // note\n }');
    writeFileSync(join(home, '.config', 'ragent', 'config.json'), '{ "model": { "name": "user-model" }, "agent": { "maxIterations": 3 } }');
    const { config, sources, files } = loadConfig({
      repo,
      home,
      env: { OLLAMA_HOST: 'gpu-box:9999' },
      flags: { agent: { maxIterations: 5 } },
    });
    expect(config.model.name).toBe('user-model');
    expect(config.model.temperature).toBe(0.5);
    expect(config.model.host).toBe('http://gpu-box:9999');
    expect(config.agent.maxIterations).toBe(5);
    expect(sources).toMatchObject({ 'model.name': 'user', 'model.temperature': 'repo', 'model.host': 'env', 'agent.maxIterations': 'flag' });
    expect(files).toHaveLength(2);
  });

  it('names an unknown key and the file it is in', () => {
    const { repo, home } = tempDirs();
    writeFileSync(join(repo, '.agentrc'), '{ "model": { "nmae": "x" } }');
    expect(() => loadConfig({ repo, home, env: {} })).toThrowError(/unknown configuration key "model.nmae" in .*\.agentrc/);
  });

  it('names an invalid value', () => {
    const { repo, home } = tempDirs();
    writeFileSync(join(repo, '.agentrc'), '{ "index": { "maxFileBytes": "big" } }');
    let error: unknown;
    try {
      loadConfig({ repo, home, env: {} });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/"index.maxFileBytes"/);
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('reports malformed JSON as a configuration error', () => {
    const { repo, home } = tempDirs();
    writeFileSync(join(repo, '.agentrc'), '{ "model": ');
    expect(() => loadConfig({ repo, home, env: {} })).toThrowError(ConfigError);
  });

  it('normalises OLLAMA_HOST forms', () => {
    expect(normaliseOllamaHost('127.0.0.1')).toBe('http://127.0.0.1:11434');
    expect(normaliseOllamaHost('0.0.0.0:8000')).toBe('http://0.0.0.0:8000');
    expect(normaliseOllamaHost('https://ollama.example.com/')).toBe('https://ollama.example.com');
    expect(normaliseOllamaHost('http://localhost:11434')).toBe('http://localhost:11434');
  });
});
