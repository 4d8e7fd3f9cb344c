import type { Command } from 'commander';
import type { Config } from '../../config.ts';
import { resolveStack } from '../../stack/resolve.ts';
import { createRedis } from '../../state/redis.ts';
import { createStore } from '../../app.ts';
import { formatInstant } from '../../events/time.ts';
import { formatAmountMinor } from '../../tasks/format.ts';
import { idProblem } from '../../events/identifier.ts';
import { printable, printableJson } from '../../text/escape.ts';
import { EXIT, usageError, type Cli } from '../context.ts';

export function register(program: Command, cli: Cli): void {
  program
    .command('explain')
    .description('why the customer was or was not contacted: tier, key features, recent tasks and suppressions with reasons and evidence, contacts counting against caps, outcomes')
    .argument('<customerId>', 'a customer id (REDIS_KEY_PREFIX=demo for the demo\'s customers)')
    .option('--json', 'the same as one JSON document', false)
    .addHelpText('after', '\nExit 1 when nothing is known about the customer.')
    .action(cli.action((customerId: string, o: { json: boolean }) => explainCommand(cli.config(), customerId, o, cli)));
}

/**
 * `carestream explain <customerId> [--json]` — the compliance officer's answer to
 * "why was this customer called, or not called": tier and key features, the
 * recent tasks and the suppressions with their reasons and evidence, the
 * contacts that count against caps, and the contact outcomes.
 */
export async function explainCommand(config: Config, customerId: string, o: { json: boolean }, cli: Pick<Cli, 'say'>): Promise<number> {
  const idIssue = idProblem(customerId, config.validation.ids);
  if (idIssue) throw usageError(`customerId: ${idIssue}`);
  const stack = await resolveStack(config, cli.say);
  const redis = createRedis(stack.redisUrl, config);
  try {
    await redis.connect();
    const store = createStore(redis, config);
    const [features, log, history] = await Promise.all([store.inspect(customerId), store.decisionLog(customerId), store.contactHistory(customerId)]);
    if (!features) {
      cli.say(`carestream: nothing is known about customer ${customerId}`);
      return EXIT.failure;
    }
    const entries = log.entries;
    if (o.json) {
      process.stdout.write(`${printableJson(JSON.stringify({ features, decisions: entries, contacts: history?.contacts ?? [], outcomes: history?.outcomes ?? [] }, null, 2))}\n`);
      return EXIT.ok;
    }
    const tz = config.businessTimeZone;
    const t = (ms: number | null | undefined) => (ms === null || ms === undefined ? '—' : formatInstant(ms, tz));
    const money = (minor: number) => `${formatAmountMinor(minor)} CNY`;
    const lines: string[] = [];
    lines.push(`customer ${customerId} — tier ${features.tier}, features as of ${t(features.asOf)}`);
    lines.push(`  assets ${money(features.assetsMinor)} (deposits ${money(features.depositsMinor)}, holdings ${money(features.holdingsMinor)})`);
    lines.push(`  30-day average ${money(features.avg30Minor)}; 180 days earlier ${money(features.avg30AgoMinor)}`);
    lines.push(`  outflows last hour ${features.outflow1h.count} / ${money(features.outflow1h.sumMinor)}, last 24 h ${features.outflow24h.count} / ${money(features.outflow24h.sumMinor)}; largest in 90 days ${money(features.maxOutflow90dMinor)}`);
    lines.push(`  high-risk streak ${features.highRiskStreak}; mortgage interest (30 days) ${features.mortgageInterest30d}; counterparties (90 days) ${features.counterparties90d}`);
    const p = features.profile;
    lines.push(p
      ? `  profile: consent ${p.marketingConsent ? 'yes' : 'NO'}, age ${p.age ?? 'unknown'}, risk tolerance ${p.riskTolerance ?? 'none'} (assessed ${t(p.riskAssessedAt)}), preferred channels ${p.preferredChannels.join(', ') || 'none'}`
      : '  profile: not received — no marketing consent is assumed');
    lines.push('');
    lines.push(entries.length === 0 ? 'no tasks or suppressions recorded' : `decisions, newest first (${entries.length}):`);
    if (log.unreadable > 0) lines.push(`  (${log.unreadable} entries of the log do not match its schema and are not shown)`);
    const known = (v: string | null) => v ?? 'not recorded';
    for (const e of entries) {
      const what = `${e.target}${e.offerCode ? ` ${e.offerCode}` : ''} by ${e.ruleId} v${e.ruleVersion} (rule set ${e.ruleSetVersion})`;
      const head = e.decision === 'ISSUED'
        ? `ISSUED      ${what}, ${known(e.priority)}, via ${known(e.channel)}, due ${t(e.dueBy)}`
        : `SUPPRESSED  ${what}: ${e.reason}`;
      lines.push(`  ${t(e.at)}  ${head}`);
      lines.push(`      trigger ${known(e.triggerEventId)}; reasons ${e.reasons === null ? 'not recorded' : e.reasons.join(', ') || '—'}; tier ${known(e.tier)}${e.restored ? '; restored from the task topics' : ''}`);
      lines.push(`      evidence ${Object.entries(e.evidence).map(([k, v]) => `${k}=${v}`).join(', ')}`);
    }
    if (history && history.contacts.length > 0) {
      lines.push('', 'value contacts counting against caps and cool-downs:');
      for (const c of history.contacts) lines.push(`  ${t(c.at)}  ${c.kind} by ${c.ruleId} (${c.taskId})`);
    }
    if (history && history.outcomes.length > 0) {
      lines.push('', 'contact outcomes:');
      for (const o of history.outcomes) lines.push(`  ${t(o.at)}  ${o.outcome} for ${o.taskId || '(no task id)'}`);
    }
    // Values come from Redis and the rule file: no control character of theirs reaches the terminal.
    process.stdout.write(`${lines.map(printable).join('\n')}\n`);
    return EXIT.ok;
  } finally {
    redis.disconnect();
    await stack.release();
  }
}
