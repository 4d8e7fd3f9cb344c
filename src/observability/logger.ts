import { pino, type Logger } from 'pino';

/**
 * Paths that may carry personal data if an event or profile is ever logged by
 * mistake: pino replaces them before the line is written.
 */
export const REDACT_PATHS = [
  'idNumber', '*.idNumber', '*.*.idNumber',
  'fullName', '*.fullName', '*.*.fullName',
  'accountId', '*.accountId', '*.*.accountId',
  'birthDate', '*.birthDate', '*.*.birthDate',
  'password', '*.password', 'token', '*.token', 'authorization', '*.authorization',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'carestream' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
