/**
 * A scripted OpenAI-compatible server (the dialect of llama.cpp's server, vLLM and LM Studio) on
 * 127.0.0.1, for tests. Same script as `startScriptedOllama` (see there): each POST to
 * /v1/chat/completions or /v1/completions consumes one turn. Chat streams as server-sent events the
 * way vLLM does — a role chunk, text deltas, tool calls whose JSON arguments arrive in fragments by
 * index, a finish chunk, a usage chunk when `stream_options.include_usage` asks, then `[DONE]`.
 * GET /v1/models lists `models` (with `max_model_len`); POST /v1/embeddings answers deterministic
 * vectors. A prompt beyond a model's window is refused with vLLM's 400 message.
 */
import type { ServerResponse } from 'node:http';
import {
  fakeEmbedding,
  roughPromptTokens,
  roughTokens,
  ScriptRunner,
  splitText,
  textPieces,
  type Fault,
  type ScriptedRequest,
  type Turn,
} from './scripted-turns.js';

export interface ScriptedOpenAIModel {
  id: string;
  /** Answer like llama.cpp: `owned_by: "llamacpp"`, `meta.n_ctx_train`, and GET /props with this per-slot window. */
  llamaCppSlotContext?: number;
  /** Served context length; default 32768. */
  contextLength?: number;
  /** Leave the context length out of /v1/models (as some servers do). */
  omitContextLength?: boolean;
}

export interface ScriptedOpenAIOptions {
  models?: ScriptedOpenAIModel[];
  script?: Turn[];
  embedDimensions?: number;
  faults?: Fault[];
  /** When set, every request must carry `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Leave `index` out of tool-call deltas, as some servers do. */
  omitToolIndex?: boolean;
}

export interface ScriptedOpenAI {
  /** Base URL including `/v1`. */
  url: string;
  requests: ScriptedRequest[];
  remaining(): number;
  openResponses(): number;
  abandoned(): number;
  close(): Promise<void>;
}

/** Start the scripted OpenAI-compatible server. */
export async function startScriptedOpenAI(opts: ScriptedOpenAIOptions = {}): Promise<ScriptedOpenAI> {
  const models = opts.models ?? [{ id: 'qwen2.5-coder-7b' }, { id: 'nomic-embed-text' }];
  const dims = opts.embedDimensions ?? 16;
  // Faults are written against the public paths (/v1/...).
  const runner = new ScriptRunner([...(opts.script ?? [])], opts.faults);
  const created = Math.floor(Date.now() / 1000);
  const findModel = (id: unknown) => models.find((m) => m.id === id);
  const fail = (res: ServerResponse, status: number, message: string, type: string) =>
    runner.json(res, status, { object: 'error', message, type, param: null, code: status });

  const { server, url } = await runner.listen(async (req, res) => {
    if (opts.apiKey && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return runner.json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    }
    const body = req.body ?? {};
    switch (`${req.method} ${req.path}`) {
      case 'GET /v1/models':
        return runner.json(res, 200, {
          object: 'list',
          data: models.map((m) =>
            m.llamaCppSlotContext
              ? { id: m.id, object: 'model', created, owned_by: 'llamacpp', meta: { vocab_type: 2, n_vocab: 151_936, n_ctx_train: m.contextLength ?? 32_768 } }
              : {
                  id: m.id,
                  object: 'model',
                  created,
                  owned_by: 'scripted',
                  ...(m.omitContextLength ? {} : { max_model_len: m.contextLength ?? 32_768 }),
                },
          ),
        });
      case 'GET /props': {
        const m = models.find((x) => x.llamaCppSlotContext);
        if (!m) return fail(res, 404, 'Not Found: /props', 'NotFoundError');
        return runner.json(res, 200, { default_generation_settings: { n_ctx: m.llamaCppSlotContext }, total_slots: 1, model_path: `/models/${m.id}` });
      }
      case 'POST /v1/embeddings': {
        if (!findModel(body.model)) return fail(res, 404, `The model \`${body.model}\` does not exist.`, 'NotFoundError');
        const input: string[] = Array.isArray(body.input) ? body.input : [String(body.input ?? '')];
        const tokens = input.reduce((n, t) => n + roughTokens(t), 0);
        return runner.json(res, 200, {
          object: 'list',
          model: body.model,
          // Reversed on purpose: clients must order by `index`, not by position.
          data: input.map((t, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(t, dims) })).reverse(),
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      }
      case 'POST /v1/chat/completions':
      case 'POST /v1/completions':
        return answer(req, res, req.path === '/v1/chat/completions');
      default:
        return fail(res, 404, `Not Found: ${req.path}`, 'NotFoundError');
    }
  });

  async function answer(req: ScriptedRequest, res: ServerResponse, chat: boolean): Promise<void> {
    const body = req.body ?? {};
    const model = findModel(body.model);
    if (!model) return fail(res, 404, `The model \`${body.model}\` does not exist.`, 'NotFoundError');
    const window = model.contextLength ?? 32_768;
    const promptTokens = roughPromptTokens(body);
    const completionTokens = Number(body.max_tokens) || 0;
    if (promptTokens + completionTokens > window) {
      return fail(
        res,
        400,
        `This model's maximum context length is ${window} tokens. However, you requested ${promptTokens + completionTokens} tokens (${promptTokens} in the messages, ${completionTokens} in the completion). Please reduce the length of the messages or completion.`,
        'BadRequestError',
      );
    }
    const turn = await runner.nextTurn(req);
    if ('exhausted' in turn) return runner.json(res, 500, { error: { message: turn.exhausted, type: 'server_error' } });
    if (turn.headerDelayMs) await new Promise((r) => setTimeout(r, turn.headerDelayMs));
    if (turn.hangUp) return void res.socket?.destroy();
    if (turn.error) return runner.json(res, turn.error.status, { error: { message: turn.error.message, type: 'server_error', code: turn.error.status } });

    const pieces = textPieces(turn);
    const text = pieces.join('');
    const calls = (turn.toolCalls ?? []).map((c, i) => ({
      id: c.id ?? `chatcmpl-tool-${i}`,
      name: c.name,
      args: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    }));
    const finish = turn.doneReason ?? (calls.length ? 'tool_calls' : 'stop');
    const usage = {
      prompt_tokens: turn.promptEvalCount ?? promptTokens,
      completion_tokens: turn.evalCount ?? Math.max(1, roughTokens(text)),
      total_tokens: (turn.promptEvalCount ?? promptTokens) + (turn.evalCount ?? Math.max(1, roughTokens(text))),
      ...(turn.promptEvalCachedCount !== undefined ? { prompt_tokens_details: { cached_tokens: turn.promptEvalCachedCount } } : {}),
    };
    const id = `cmpl-${runner.requests.length}`;

    if (!chat) {
      return runner.json(res, 200, { id, object: 'text_completion', created, model: model.id, choices: [{ index: 0, text, finish_reason: finish, logprobs: null }], usage });
    }
    if (body.stream !== true) {
      return runner.json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model: model.id,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: text || null,
              ...(calls.length ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.args } })) } : {}),
            },
            finish_reason: finish,
          },
        ],
        usage,
      });
    }
    const event = (choices: unknown[], extra: object = {}) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.id, choices, ...extra })}\n\n`;
    const out: string[] = [event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }])];
    for (const p of pieces) out.push(event([{ index: 0, delta: { content: p }, finish_reason: null }]));
    calls.forEach((c, i) => {
      const index = opts.omitToolIndex ? {} : { index: i };
      out.push(event([{ index: 0, delta: { tool_calls: [{ ...index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }, finish_reason: null }]));
      for (const frag of splitText(c.args, 3)) {
        out.push(event([{ index: 0, delta: { tool_calls: [{ ...index, function: { arguments: frag } }] }, finish_reason: null }]));
      }
    });
    if (turn.streamError) {
      out.push(`data: ${JSON.stringify({ error: { message: turn.streamError, type: 'server_error' } })}\n\n`);
    } else {
      out.push(event([{ index: 0, delta: {}, finish_reason: finish }]));
      if (body.stream_options?.include_usage) out.push(event([], { usage }));
      out.push('data: [DONE]\n\n');
    }
    await runner.stream(res, 'text/event-stream; charset=utf-8', out, turn.delayMs ?? 0, turn.hangUpAfterChunks);
  }

  return {
    url: `${url}/v1`,
    requests: runner.requests,
    remaining: () => runner.remaining(),
    openResponses: () => runner.openResponses(),
    abandoned: () => runner.abandoned(),
    close: () => runner.close(server),
  };
}
