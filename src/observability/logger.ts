import { pino, type Logger } from 'pino';

/**
 * Keys whose values may be personal data or secrets, should an event, a
 * profile, a request or a setting ever be logged by mistake. Matched at any
 * depth of a log line, case-insensitively.
 */
export const REDACT_KEYS: readonly string[] = Object.freeze([
  // a person
  'idNumber', 'fullName', 'name', 'firstName', 'lastName', 'birthDate', 'phone', 'phoneNumber', 'mobile', 'email', 'address',
  // accounts and counterparties (masked numbers, the last four digits, are fine and not listed)
  'accountId', 'accountNo', 'accountNumber', 'accountRef', 'counterparty', 'iban', 'cardNumber', 'pan',
  // secrets
  'password', 'passwd', 'secret', 'token', 'accessToken', 'refreshToken', 'apiKey', 'authorization', 'cookie', 'set-cookie',
  'pseudonymKey', 'PSEUDONYM_KEY',
]);

export const CENSOR = '[redacted]';

const SENSITIVE: ReadonlySet<string> = new Set(REDACT_KEYS.map((k) => k.toLowerCase()));
const MAX_DEPTH = 12;

/**
 * A copy of `value` with every sensitive key's value replaced, at any depth;
 * objects without one are returned as they are (no copy). Errors are
 * serialized first, as pino would.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  // Raw bytes (a record's key or value) may hold anything: only their size is logged.
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (value instanceof Date) return value;
  if (value instanceof Error) {
    const serialized = redact(pino.stdSerializers.err(value), depth) as Record<string, unknown>;
    // An error's own name is its class as the code set it (ReplyError, KafkaJSProtocolError), not a person's.
    return serialized.name === CENSOR ? { ...serialized, name: value.name } : serialized;
  }
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const r = redact(v, depth + 1);
      if (r !== v) (out ??= [...value])[i] = r;
    });
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const r = SENSITIVE.has(key.toLowerCase()) ? (v === undefined || v === null ? v : CENSOR) : redact(v, depth + 1);
    if (r !== v) (out ??= { ...(value as Record<string, unknown>) })[key] = r;
  }
  return out ?? value;
}

/**
 * pino's own redaction for the top level of a line, child bindings included
 * (the formatter below does not see those); fixed top-level paths cost next to
 * nothing, unlike wildcard paths.
 */
export const REDACT_PATHS: readonly string[] = Object.freeze(REDACT_KEYS.map((k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`)));

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'carestream' },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      // One walk per line over the logged object finds a sensitive key at any
      // depth, for about the cost of a handful of wildcard redaction paths.
      formatters: { log: (object) => redact(object) as Record<string, unknown> },
      // The walk has serialized errors already; pino's serializer would do it again.
      serializers: { err: (e: unknown) => (e instanceof Error ? redact(e) : e) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
