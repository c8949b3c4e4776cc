import { describe, expect, it } from 'vitest';
import { fillTemplate, PromptTemplateError, templateSlots } from '../../src/util/prompts.js';

describe('prompt templates', () => {
  it('fills every slot, including repeated ones', () => {
    expect(fillTemplate('a {{x}} b {{ y }} c {{x}}', { x: '1', y: '2' })).toBe('a 1 b 2 c 1');
    expect(templateSlots('{{b}} {{a}} {{b}}')).toEqual(['b', 'a']);
  });

  it('inserts values literally, even when they look like slots', () => {
    expect(fillTemplate('<{{x}}>', { x: '{{y}} $& $1' })).toBe('<{{y}} $& $1>');
  });

  it('rejects a missing slot and an unused value', () => {
    expect(() => fillTemplate('{{x}} {{y}}', { x: '1' })).toThrow(PromptTemplateError);
    expect(() => fillTemplate('{{x}}', { x: '1', z: '2' })).toThrow(/no slot\(s\) z/);
  });
});
