import { describe, expect, it } from 'vitest';
import { codeTokens, splitIdentifier } from '../../indexers/tokenize.js';

describe('code tokenization', () => {
  it('splits camelCase, PascalCase, acronyms, snake_case and digits', () => {
    expect(splitIdentifier('parseHTTPResponse2')).toEqual(['parse', 'http', 'response', '2']);
    expect(splitIdentifier('get_user_id')).toEqual(['get', 'user', 'id']);
    expect(splitIdentifier('XMLHttpRequest')).toEqual(['xml', 'http', 'request']);
    expect(splitIdentifier('__init__')).toEqual(['init']);
  });

  it('keeps whole identifiers and adds subtokens', () => {
    expect(codeTokens('const packContext = (a) => countTokens(a)')).toEqual([
      'const', 'packcontext', 'pack', 'context', 'counttokens', 'count', 'tokens',
    ]);
  });
});
