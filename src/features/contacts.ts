import { draftOf, type CustomerState, type KeptContact } from './state.ts';

/**
 * Remembers value contacts issued to the customer (the contact policy's
 * history): new task ids are added, and only contacts at most `keepMs` older
 * than the newest are kept — the longest window a cap or cool-down may look
 * back (the service keeps 60 days). Idempotent by task id, so a replayed
 * decision records nothing twice. Pure.
 */
export function recordContacts(state: CustomerState, contacts: readonly KeptContact[], keepMs: number): CustomerState {
  if (contacts.length === 0) return state;
  const s = draftOf(state);
  const known = new Set(s.contacts.map((c) => c.taskId));
  let newest = -Infinity;
  for (const c of s.contacts) if (c.at > newest) newest = c.at;
  for (const c of contacts) {
    if (known.has(c.taskId)) continue;
    s.contacts.push({ taskId: c.taskId, ruleId: c.ruleId, kind: c.kind, at: c.at });
    known.add(c.taskId);
    if (c.at > newest) newest = c.at;
  }
  s.contacts = s.contacts.filter((c) => c.at >= newest - keepMs);
  return s;
}
