import { watchFile, unwatchFile } from 'node:fs';
import type { Logger } from 'pino';
import { defaultRuleSet, loadRuleSetFile, type RuleSet } from './config.ts';

/**
 * The rule set in force. Batches read `current` once at their start, so a
 * reload (SIGHUP or a change of the watched file) swaps the set atomically
 * between batches. A file that fails validation is refused with its one-line
 * reason and the running set stays in force.
 */
export class RuleSetHolder {
  private set: RuleSet;
  private readonly path: string | undefined;
  private readonly log: Logger;
  private readonly onSighup = () => void this.reload('SIGHUP');

  private constructor(initial: RuleSet, path: string | undefined, log: Logger) {
    this.set = initial;
    this.path = path;
    this.log = log;
  }

  /** Loads the file (or the defaults when there is none); an invalid file at start-up is fatal. */
  static async create(path: string | undefined, log: Logger): Promise<RuleSetHolder> {
    const initial = path ? await loadRuleSetFile(path) : defaultRuleSet();
    log.info({ ruleSetVersion: initial.version, file: path ?? '(defaults)' }, 'rule set in force');
    return new RuleSetHolder(initial, path, log);
  }

  get current(): RuleSet {
    return this.set;
  }

  /** Re-reads the file; returns true when a new set is in force. */
  async reload(trigger: string): Promise<boolean> {
    if (!this.path) {
      this.log.info({ trigger }, 'no RULES_FILE configured: the default rule set stays in force');
      return false;
    }
    try {
      const next = await loadRuleSetFile(this.path);
      const previous = this.set.version;
      this.set = next;
      this.log.info({ trigger, ruleSetVersion: next.version, previous }, 'rule set reloaded');
      return true;
    } catch (err) {
      this.log.error({ trigger, ruleSetVersion: this.set.version, reason: (err as Error).message }, 'rule file refused; the running rule set stays in force');
      return false;
    }
  }

  /** Reload on SIGHUP and when the file changes (polled, so it works on any filesystem). */
  watch(intervalMs = 2000): void {
    process.on('SIGHUP', this.onSighup);
    if (this.path) watchFile(this.path, { interval: intervalMs }, (cur, prev) => {
      if (cur.mtimeMs !== prev.mtimeMs) void this.reload('file changed');
    });
  }

  unwatch(): void {
    process.off('SIGHUP', this.onSighup);
    if (this.path) unwatchFile(this.path);
  }
}
