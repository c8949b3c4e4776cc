import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseJsonc } from '../util/jsonc.js';
import { configSchema, type RagentConfig } from './schema.js';

/** Where a configuration value came from, for `ragent doctor`. */
export type ConfigSource = 'default' | 'repo' | 'user' | 'env' | 'flag';

export interface LoadedConfig {
  config: RagentConfig;
  /** Dotted key → the layer that set it last. Keys left at their default are absent. */
  sources: Record<string, ConfigSource>;
  /** Files that were read, in order. */
  files: string[];
}

export interface LoadConfigOptions {
  /** Repository root, where `.agentrc` is looked for. */
  repo?: string;
  /** Values from command-line flags, as a partial configuration. */
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Home directory holding `.config/ragent/config.json`; tests point it elsewhere. */
  home?: string;
}

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

function mergeInto(target: Plain, layer: Plain, source: ConfigSource, sources: Record<string, ConfigSource>, prefix = ''): void {
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlain(value)) {
      const existing = target[key];
      const child = isPlain(existing) ? existing : {};
      target[key] = child;
      mergeInto(child, value, source, sources, path);
    } else {
      target[key] = value;
      sources[path] = source;
    }
  }
}

function readJsonLayer(file: string): Plain {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, 'check the file permissions');
  }
  let value: unknown;
  try {
    value = parseJsonc(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${(err as Error).message}`, 'fix the JSON syntax (see .agentrc.example)');
  }
  if (!isPlain(value)) throw new ConfigError(`${file} must hold a JSON object`, 'see .agentrc.example for the layout');
  return value;
}

function envLayer(env: NodeJS.ProcessEnv): Plain {
  const layer: Plain = {};
  const model: Plain = {};
  if (env.OLLAMA_HOST) model.host = normaliseOllamaHost(env.OLLAMA_HOST);
  if (env.RAGENT_MODEL) model.name = env.RAGENT_MODEL;
  if (Object.keys(model).length) layer.model = model;
  return layer;
}

/** OLLAMA_HOST may be `host`, `host:port` or a URL; make it a URL with a port. */
export function normaliseOllamaHost(value: string): string {
  const raw = value.trim().replace(/\/+$/, '');
  const withScheme = /^[a-z]+:\/\//i.test(raw) ? raw : `http://${raw}`;
  const url = new URL(withScheme);
  const authority = withScheme.replace(/^[a-z]+:\/\//i, '').split('/')[0] ?? '';
  if (!/:\d+$/.test(authority)) url.port = url.protocol === 'https:' ? '443' : '11434';
  return url.toString().replace(/\/$/, '');
}

function describeIssue(issue: z.core.$ZodIssue, where: string): string {
  const key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (key ? `${key}.${k}` : k));
    return `unknown configuration key ${keys.map((k) => `"${k}"`).join(', ')} in ${where}`;
  }
  return `invalid configuration key "${key}" in ${where}: ${issue.message}`;
}

function validate(merged: Plain, layers: Array<{ where: string; data: Plain }>): RagentConfig {
  // Validate each layer on its own first so the error names the file the bad key is in.
  for (const { where, data } of layers) {
    const res = configSchema.safeParse(data);
    if (!res.success) {
      const issue = res.error.issues[0]!;
      throw new ConfigError(describeIssue(issue, where), 'see .agentrc.example for every key and its type');
    }
  }
  const res = configSchema.safeParse(merged);
  if (!res.success) {
    throw new ConfigError(describeIssue(res.error.issues[0]!, 'the merged configuration'), 'see .agentrc.example');
  }
  return res.data;
}

/** Load configuration: defaults, then `.agentrc`, then the user file, then environment, then flags. */
export function loadConfig(opts: LoadConfigOptions = {}): LoadedConfig {
  const env = opts.env ?? process.env;
  const home = opts.home ?? homedir();
  const sources: Record<string, ConfigSource> = {};
  const files: string[] = [];
  const layers: Array<{ where: string; source: ConfigSource; data: Plain }> = [];

  if (opts.repo) {
    const rc = join(opts.repo, '.agentrc');
    if (existsSync(rc)) {
      layers.push({ where: rc, source: 'repo', data: readJsonLayer(rc) });
      files.push(rc);
    }
  }
  const userFile = join(home, '.config', 'ragent', 'config.json');
  if (existsSync(userFile)) {
    layers.push({ where: userFile, source: 'user', data: readJsonLayer(userFile) });
    files.push(userFile);
  }
  layers.push({ where: 'the environment', source: 'env', data: envLayer(env) });
  if (opts.flags) layers.push({ where: 'command-line flags', source: 'flag', data: opts.flags });

  const merged: Plain = {};
  for (const layer of layers) mergeInto(merged, layer.data, layer.source, sources);
  const config = validate(merged, layers);
  return { config, sources, files };
}

/** The configuration with every default and nothing else. */
export function defaultConfig(): RagentConfig {
  return configSchema.parse({});
}
