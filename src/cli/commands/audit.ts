import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { CLI_DEFAULTS, type Config } from '../../config.ts';
import { resolveStack } from '../../stack/resolve.ts';
import { printable } from '../../text/escape.ts';
import { EXPORT_FORMATS, exportLines, type ExportFormat } from '../../audit/export.ts';
import { openTrail } from '../../audit/open-trail.ts';
import { TOPICS } from '../../events/topics.ts';
import { EXIT, usageError, type Cli } from '../context.ts';
import { instantOption } from './explain.ts';

export interface ExportOptions {
  readonly from: number;
  readonly to?: number;
  readonly format: ExportFormat;
  readonly out?: string;
}

export function register(program: Command, cli: Cli): void {
  const audit = program.command('audit').description('the audit trail of the task and suppression topics');
  audit
    .command('export')
    .description('every committed task and suppression published in the range, all customers, for a compliance review')
    .requiredOption('--from <instant>', 'published from this instant on (ISO-8601 with an offset)', instantOption)
    .option('--to <instant>', 'published before this instant (default: now)', instantOption)
    .addOption(new Option('--format <format>', 'jsonl: each record as on its topic (JSON form) with topic, partition, offset, publishedAt; csv: one row per decision').choices(EXPORT_FORMATS).default(CLI_DEFAULTS.audit.format))
    .option('--out <file>', 'write to FILE (created with mode 600) instead of stdout')
    .addHelpText('after', '\nReads the topics read_committed with Kafka settings (not through the agent API). A summary goes to stderr.\nExit 1 when a record of the range does not decode (it is left out and counted).')
    .action(cli.action((o: ExportOptions) => auditExportCommand(cli.config(), o, cli)));
}

/**
 * `carestream audit export --from --to [--format jsonl|csv] [--out FILE]` —
 * every committed task and suppression published in the range, all
 * customers, for a compliance review (src/audit/export.ts).
 */
export async function auditExportCommand(config: Config, o: ExportOptions, cli: Pick<Cli, 'say'>): Promise<number> {
  const range = { from: o.from, to: o.to ?? Date.now() };
  if (range.from >= range.to) throw usageError('--from must be before --to');
  const stack = await resolveStack(config, cli.say);
  const trail = await openTrail(config, stack);
  try {
    const { records, unreadable } = await trail.records(range);
    const lines = exportLines(records, o.format, config.businessTimeZone, trail.dueHoursOf);
    if (o.out) {
      const out = createWriteStream(o.out, { mode: 0o600 });
      for (const line of lines) if (!out.write(`${line}\n`)) await once(out, 'drain');
      out.end();
      await once(out, 'finish');
    } else {
      // On a terminal nothing a record holds may drive it.
      for (const line of lines) process.stdout.write(`${printable(line)}\n`);
    }
    const count = (t: string) => records.filter((r) => r.topic === t).length;
    cli.say(
      `${records.length} records published from ${new Date(range.from).toISOString()} to ${new Date(range.to).toISOString()} ` +
        `(fraud checks ${count(TOPICS.fraudCheckTasks)}, outreach ${count(TOPICS.outreachTasks)}, suppressions ${count(TOPICS.suppressions)})` +
        `${o.out ? ` written to ${o.out}` : ''}${unreadable > 0 ? `; ${unreadable} records that do not decode left out` : ''}`,
    );
    return unreadable > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    await trail.close();
    await stack.release();
  }
}
