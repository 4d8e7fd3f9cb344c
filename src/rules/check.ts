// `carestream rules check FILE`: a rule file judged by the schema the service
// loads it with (config.ts), reporting every problem rather than the first,
// so a rule owner fixes a file in one round.
import { readFile } from 'node:fs/promises';
import { CarestreamError } from '../errors.ts';
import { ruleSetJsonSchema, ruleSetProblems } from './config.ts';

export type RuleFileCheck =
  | { readonly valid: true; readonly version: string }
  | { readonly valid: false; readonly problems: readonly string[] };

/** The verdict on a rule file's text: valid with its version, or every problem as `<path>: <problem>`. */
export function checkRuleText(text: string): RuleFileCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // A rule file holds thresholds, not customer data: JSON.parse's position helps find the typo.
    return { valid: false, problems: [`not valid JSON (${(err as Error).message.replace(/[\r\n]+/g, ' ')})`] };
  }
  const problems = ruleSetProblems(json);
  return problems.length === 0 ? { valid: true, version: (json as { version: string }).version } : { valid: false, problems };
}

/**
 * Reads and checks a rule file. A file that cannot be read is a usage error
 * (CS_ERR_CLI_USAGE naming it), not a verdict on its content.
 */
export async function checkRuleFile(path: string): Promise<RuleFileCheck> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CarestreamError('CS_ERR_CLI_USAGE', `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  return checkRuleText(text);
}

/** schemas/rules.schema.json as committed: the generated schema, two-space JSON, one trailing newline. */
export function ruleSetJsonSchemaText(): string {
  return `${JSON.stringify(ruleSetJsonSchema(), null, 2)}\n`;
}
