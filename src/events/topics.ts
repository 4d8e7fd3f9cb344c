// Topic names of the public event contract (docs/EVENTS.md). Every other module
// refers to topics through these constants, never through string literals.

export const TOPICS = Object.freeze({
  transactions: 'bank.transactions.v1',
  channelEvents: 'bank.channel-events.v1',
  customerProfiles: 'bank.customer-profiles.v1',
  fraudCheckTasks: 'bank.fraud-check-tasks.v1',
  outreachTasks: 'bank.outreach-tasks.v1',
  suppressions: 'bank.carestream.suppressions.v1',
  dlq: 'bank.carestream.dlq.v1',
} as const);

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];

export const INPUT_TOPICS = Object.freeze([
  TOPICS.transactions,
  TOPICS.channelEvents,
  TOPICS.customerProfiles,
] as const);
export type InputTopic = (typeof INPUT_TOPICS)[number];

export const OUTPUT_TOPICS = Object.freeze([
  TOPICS.fraudCheckTasks,
  TOPICS.outreachTasks,
  TOPICS.suppressions,
  TOPICS.dlq,
] as const);
export type OutputTopic = (typeof OUTPUT_TOPICS)[number];

export const ALL_TOPICS: readonly Topic[] = Object.freeze([...INPUT_TOPICS, ...OUTPUT_TOPICS]);

const topicSet: ReadonlySet<string> = new Set(ALL_TOPICS);
const inputSet: ReadonlySet<string> = new Set(INPUT_TOPICS);

export function isTopic(name: string): name is Topic {
  return topicSet.has(name);
}

export function isInputTopic(name: string): name is InputTopic {
  return inputSet.has(name);
}

// One schema file per topic, named after it, so the file list and the topic
// list cannot drift apart silently (a test checks every file exists).
export const SCHEMA_FILES: Readonly<Record<Topic, URL>> = Object.freeze(
  Object.fromEntries(
    ALL_TOPICS.map((t) => [t, new URL(`../../schemas/${t}.avsc`, import.meta.url)]),
  ) as Record<Topic, URL>,
);

/** Schema-registry subject under the TopicNameStrategy used by the contract. */
export function valueSubject(topic: Topic): `${Topic}-value` {
  return `${topic}-value`;
}
