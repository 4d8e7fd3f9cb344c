import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from 'commander';
import { loadConfig } from '../../../src/config.ts';
import { createCli, humanLogLine, integerBetween } from '../../../src/cli/context.ts';

function captured(globals: { logLevel?: string } = {}) {
  const err: string[] = [];
  const cli = createCli({ out: () => {}, err: (s) => err.push(s) }, () => globals);
  return { cli, err };
}

describe("a command's logger without LOG_LEVEL", () => {
  it('prints warnings and errors as one plain line each, nothing below warn, no JSON', () => {
    const { cli, err } = captured();
    const log = cli.logger(loadConfig({}));
    log.info('topics checked');
    log.debug('The group coordinator is not available');
    log.warn({ partition: 3 }, 'existing topic has a different partition count');
    log.error({ err: new Error('connect ECONNREFUSED 127.0.0.1:1') }, 'the Kafka consumer failed');
    expect(err).toEqual([
      'carestream: warning: existing topic has a different partition count\n',
      'carestream: error: the Kafka consumer failed (connect ECONNREFUSED 127.0.0.1:1)\n',
    ]);
  });

  it('keeps a control character of a message off the terminal', () => {
    expect(humanLogLine(JSON.stringify({ level: 40, msg: 'a\u001b[2Jb\nforged line' }))).toBe('carestream: warning: a\\x1b[2Jb\\nforged line');
  });

  it('--log-level makes the settings ask for JSON logs at that level', () => {
    const { cli } = captured({ logLevel: 'debug' });
    const config = cli.config();
    expect(config.logLevel).toBe('debug');
    expect(config.logLevelExplicit).toBe(true);
  });

  it('progress lines go to stderr, escaped', () => {
    const { cli, err } = captured();
    cli.say('loaded 5 events\u202e');
    expect(err).toEqual(['loaded 5 events\\u202e\n']);
  });
});

describe('integer options', () => {
  it('take integers in range and name what is wrong otherwise', () => {
    const days = integerBetween(1, 300);
    expect(days('90')).toBe(90);
    for (const [v, problem] of [['abc', 'expected an integer'], ['1.5', 'expected an integer'], ['', 'expected an integer'], ['0', 'expected an integer >= 1'], ['301', 'expected an integer <= 300'], ['99999999999999999999', 'expected an integer']] as const) {
      expect(() => days(v)).toThrow(InvalidArgumentError);
      expect(() => days(v)).toThrow(problem);
    }
  });
});
