import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, CONFIG_VARIABLES, DEVELOPMENT_PSEUDONYM_KEY, EXAMPLE_PSEUDONYM_KEYS } from '../../src/config.ts';
import { CarestreamError } from '../../src/errors.ts';

function errorOf(env: Record<string, string>): CarestreamError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof CarestreamError) return err;
    throw err;
  }
  throw new Error('expected a configuration error');
}

describe('loadConfig', () => {
  it('applies the documented defaults and freezes the result', () => {
    const c = loadConfig({});
    expect(c.businessTimeZone).toBe('Asia/Shanghai');
    expect(c.topics.partitions).toBe(6);
    expect(c.topics.inputRetentionMs).toBe(400 * 86_400_000);
    expect(c.kafka.brokers).toBeUndefined();
    expect(c.stack.mode).toBe('auto');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.topics)).toBe(true);
  });

  it('parses explicit endpoints', () => {
    const c = loadConfig({ KAFKA_BROKERS: 'a:9092, b:9093', SCHEMA_REGISTRY_URL: 'http://r:8081', REDIS_URL: 'redis://x:6379/2' });
    expect(c.kafka.brokers).toEqual(['a:9092', 'b:9093']);
  });

  it.each([
    [{ TOPIC_PARTITIONS: '0' }, 'TOPIC_PARTITIONS: must be >= 1'],
    [{ TOPIC_PARTITIONS: '1.5' }, 'TOPIC_PARTITIONS: expected an integer'],
    [{ BUSINESS_TIME_ZONE: 'Mars/Olympus' }, 'BUSINESS_TIME_ZONE: expected an IANA time zone such as Asia/Shanghai'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL:'],
    [{ CREATE_TOPICS: 'maybe' }, 'CREATE_TOPICS: expected true or false'],
    [{ KAFKA_BROKERS: 'no-port', SCHEMA_REGISTRY_URL: 'http://r', REDIS_URL: 'redis://r' }, 'KAFKA_BROKERS: expected a comma-separated list of host:port'],
    [{ KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'ftp://r', REDIS_URL: 'redis://r' }, 'SCHEMA_REGISTRY_URL: expected a URL starting with http:// or https://'],
    [{ ID_PATTERN: '[A-Z' }, 'ID_PATTERN: expected a regular expression'],
    [{ ID_MAX_LENGTH: '0' }, 'ID_MAX_LENGTH: must be >= 1'],
    [{ MAX_AMOUNT_MINOR: '0' }, 'MAX_AMOUNT_MINOR: must be >= 1'],
    [{ MAX_AMOUNT_MINOR: '9000000000000001' }, 'MAX_AMOUNT_MINOR: must be <= 9000000000000000'],
  ])('refuses %o with one line naming the variable', (env, expected) => {
    const err = errorOf(env as Record<string, string>);
    expect(err.code).toBe('CS_ERR_CONFIG');
    expect(err.message.startsWith(expected)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  it('reads the id rules and the amount maximum', () => {
    expect(loadConfig({}).validation).toMatchObject({ ids: { maxLength: 64, pattern: '[A-Za-z0-9][A-Za-z0-9._:-]*', maxDigitRun: 14 }, maxAmountMinor: 1e15 });
    const c = loadConfig({ ID_MAX_LENGTH: '40', ID_PATTERN: 'C[0-9]{6}', ID_MAX_DIGIT_RUN: '6', MAX_AMOUNT_MINOR: '1000' });
    expect(c.validation).toMatchObject({ ids: { maxLength: 40, pattern: 'C[0-9]{6}', maxDigitRun: 6 }, maxAmountMinor: 1000 });
  });

  it("bounds a shard's queue by records and by fetch bytes, within their ranges", () => {
    expect(loadConfig({}).consumer).toMatchObject({ maxQueuedRecords: 2_000, fetchMaxBytesPerPartition: 256 * 1024 });
    expect(loadConfig({ MAX_QUEUED_RECORDS: '1000', FETCH_MAX_BYTES_PER_PARTITION: '131072' }).consumer).toMatchObject({ maxQueuedRecords: 1_000, fetchMaxBytesPerPartition: 131_072 });
    expect(() => loadConfig({ FETCH_MAX_BYTES_PER_PARTITION: '1000' })).toThrow(/FETCH_MAX_BYTES_PER_PARTITION/);
    expect(() => loadConfig({ MAX_QUEUED_RECORDS: '10' })).toThrow(/MAX_QUEUED_RECORDS/);
  });

  it('requires all three explicit endpoints once one is given', () => {
    expect(errorOf({ REDIS_URL: 'redis://r:6379' }).message).toBe('KAFKA_BROKERS: required when REDIS_URL is set');
  });

  it('never echoes a value, which may be a secret', () => {
    const err = errorOf({ KAFKA_BROKERS: 'k:1', SCHEMA_REGISTRY_URL: 'http://u:hunter2@r', REDIS_URL: 'mysql://hunter2' });
    expect(err.message).not.toContain('hunter2');
  });

  it('reads a JSON config file, with the environment taking precedence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
    const file = join(dir, 'carestream.json');
    writeFileSync(file, JSON.stringify({ TOPIC_PARTITIONS: 12, LOG_LEVEL: 'debug' }));
    const c = loadConfig({ CARESTREAM_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    expect(c.topics.partitions).toBe(12);
    expect(c.logLevel).toBe('warn');
  });

  it('says whether LOG_LEVEL was asked for (the CLI prints JSON logs only then), from the environment or the file', () => {
    expect(loadConfig({}).logLevelExplicit).toBe(false);
    expect(loadConfig({ LOG_LEVEL: '' }).logLevelExplicit).toBe(false);
    expect(loadConfig({ LOG_LEVEL: 'info' }).logLevelExplicit).toBe(true);
    const file = join(mkdtempSync(join(tmpdir(), 'cs-config-')), 'carestream.json');
    writeFileSync(file, JSON.stringify({ LOG_LEVEL: 'debug' }));
    expect(loadConfig({ CARESTREAM_CONFIG_FILE: file }).logLevelExplicit).toBe(true);
  });

  it('refuses an unknown key in the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cs-config-'));
    const file = join(dir, 'carestream.json');
    writeFileSync(file, JSON.stringify({ TOPIC_PARTITONS: 12 }));
    expect(errorOf({ CARESTREAM_CONFIG_FILE: file }).message).toBe(`CARESTREAM_CONFIG_FILE: unknown setting TOPIC_PARTITONS in ${file}`);
  });

  it('lists every variable it knows', () => {
    expect(CONFIG_VARIABLES).toContain('KAFKA_BROKERS');
    expect(CONFIG_VARIABLES).toContain('CARESTREAM_CONFIG_FILE');
  });
});

describe('CARESTREAM_STACK=explicit', () => {
  it('requires every endpoint, so a production pod never starts a stack of its own', () => {
    expect(errorOf({ CARESTREAM_STACK: 'explicit' }).message).toBe('KAFKA_BROKERS: required when CARESTREAM_STACK is explicit');
  });
});

describe('the HTTP listener settings', () => {
  it('default to bounded deadlines, a connection cap, a body limit and every interface', () => {
    expect(loadConfig({}).http).toEqual({ host: undefined, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 256, maxBodyBytes: 4_096 });
  });

  it('take a bind address', () => {
    expect(loadConfig({ HTTP_HOST: '127.0.0.1' }).http.host).toBe('127.0.0.1');
    expect(loadConfig({ HTTP_HOST: '::' }).http.host).toBe('::');
    expect(errorOf({ HTTP_HOST: 'http://x/' }).message).toMatch(/^HTTP_HOST: expected an IP address or host name/);
  });

  it('refuse a header deadline later than the request deadline (Node would throw at start-up)', () => {
    expect(errorOf({ HTTP_HEADERS_TIMEOUT_MS: '40000' }).message).toBe('HTTP_HEADERS_TIMEOUT_MS: must be <= HTTP_REQUEST_TIMEOUT_MS');
    expect(errorOf({ HTTP_MAX_CONNECTIONS: '0' }).message).toBe('HTTP_MAX_CONNECTIONS: must be >= 1');
  });
});

describe('the pseudonym key', () => {
  const explicit = { CARESTREAM_STACK: 'explicit', KAFKA_BROKERS: 'k:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', REDIS_URL: 'redis://x:6379' };
  const keyFile = (text: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'cs-key-')), 'pseudonym-key');
    writeFileSync(file, text);
    return file;
  };

  it('falls back to the development key where no stack is explicit', () => {
    expect(loadConfig({}).state.pseudonymKey).toBe(DEVELOPMENT_PSEUDONYM_KEY);
  });

  it('refuses the development key with CARESTREAM_STACK=explicit, unset or set, in one line', () => {
    const expected = 'PSEUDONYM_KEY: the development key is refused when CARESTREAM_STACK is explicit; set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE to a secret of your own';
    expect(errorOf(explicit).message).toBe(expected);
    expect(errorOf({ ...explicit, PSEUDONYM_KEY: DEVELOPMENT_PSEUDONYM_KEY }).message).toBe(expected);
    expect(errorOf({ ...explicit, PSEUDONYM_KEY_FILE: keyFile(`${DEVELOPMENT_PSEUDONYM_KEY}\n`) }).message).toBe(expected);
    expect(loadConfig({ ...explicit, PSEUDONYM_KEY: 'a-key-of-my-own-0123' }).state.pseudonymKey).toBe('a-key-of-my-own-0123');
  });

  it("refuses the examples' published placeholder with CARESTREAM_STACK=explicit, and only there", () => {
    const expected = "PSEUDONYM_KEY: the example's placeholder is refused when CARESTREAM_STACK is explicit; set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE to a secret of your own";
    for (const placeholder of EXAMPLE_PSEUDONYM_KEYS) {
      expect(errorOf({ ...explicit, PSEUDONYM_KEY: placeholder }).message).toBe(expected);
      expect(errorOf({ ...explicit, PSEUDONYM_KEY_FILE: keyFile(`${placeholder}\n`) }).message).toBe(expected);
      expect(loadConfig({ PSEUDONYM_KEY: placeholder }).state.pseudonymKey).toBe(placeholder);
    }
  });

  it('reads PSEUDONYM_KEY_FILE like the other secrets: one trailing newline dropped, never both', () => {
    expect(loadConfig({ ...explicit, PSEUDONYM_KEY_FILE: keyFile('from-a-file-0123456789\n') }).state.pseudonymKey).toBe('from-a-file-0123456789');
    expect(errorOf({ PSEUDONYM_KEY: 'a-key-of-my-own-0123', PSEUDONYM_KEY_FILE: keyFile('from-a-file-0123456789') }).message).toBe('PSEUDONYM_KEY: set PSEUDONYM_KEY or PSEUDONYM_KEY_FILE, not both');
    const short = keyFile('short\n');
    expect(errorOf({ PSEUDONYM_KEY_FILE: short }).message).toBe(`PSEUDONYM_KEY_FILE: ${short} must hold at least 16 characters`);
    expect(errorOf({ PSEUDONYM_KEY_FILE: '/nonexistent/key' }).message).toBe('PSEUDONYM_KEY_FILE: cannot read /nonexistent/key (ENOENT)');
  });
});
