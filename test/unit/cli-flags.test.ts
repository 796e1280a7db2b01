import { describe, expect, it } from 'vitest';
import { parseFlags } from '../../src/train/cli';

describe('pipeline flags', () => {
  it('reads values, = values, and on/off flags that never swallow the next argument', () => {
    const { flags, positional } = parseFlags(['--json', 'dog', '--k', '5', '--model=dir', '--check', 'a.jpg', '--no-pretrain']);
    expect(flags).toEqual({ json: true, k: '5', model: 'dir', check: true, 'no-pretrain': true });
    expect(positional).toEqual(['dog', 'a.jpg']);
  });
});
