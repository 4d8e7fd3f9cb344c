import { TOPICS } from '../../src/events/topics.ts';
import type { FraudCheckTask, OutreachTask, Suppression } from '../../src/events/types.ts';
import type { Harness } from './harness.ts';

export interface CommittedOutputs {
  readonly fraudChecks: FraudCheckTask[];
  readonly outreach: OutreachTask[];
  readonly suppressions: Suppression[];
}

async function read<T>(h: Harness, topic: typeof TOPICS.fraudCheckTasks | typeof TOPICS.outreachTasks | typeof TOPICS.suppressions, keep: (k: string | null) => boolean): Promise<T[]> {
  const msgs = await h.readTopic(topic, keep);
  return Promise.all(msgs.map(async (m) => {
    const d = await h.serde.decode(topic, m.value);
    if (!d.ok) throw new Error(`${topic}: ${d.message}`);
    return d.value as T;
  }));
}

/** Every task and suppression committed since the harness started (read_committed). */
export async function committedOutputs(h: Harness, keep: (customerId: string | null) => boolean = () => true): Promise<CommittedOutputs> {
  const [fraudChecks, outreach, suppressions] = await Promise.all([
    read<FraudCheckTask>(h, TOPICS.fraudCheckTasks, keep),
    read<OutreachTask>(h, TOPICS.outreachTasks, keep),
    read<Suppression>(h, TOPICS.suppressions, keep),
  ]);
  return { fraudChecks, outreach, suppressions };
}
