/**
 * Masking of identity data (docs/RULES.md, Privacy): ID numbers with the
 * last six characters hidden, account numbers as the last four digits only.
 */

/** `110101199003071234` → `110101199003******`; shorter inputs are hidden entirely. */
export function maskIdNumber(id: string): string {
  const chars = [...id.trim()];
  const keep = Math.max(0, chars.length - 6);
  return chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
}

/**
 * The last four digits of an account number. The input topic already carries
 * only those (`maskedAccountNo`), but an upstream mistake must not put a full
 * number into a task or a script, so anything longer is cut to its last four.
 */
export function lastFourDigits(accountNo: string): string {
  const digits = accountNo.replace(/\D/g, '');
  return digits.slice(-4);
}
