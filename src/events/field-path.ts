// Field paths for error messages. Messages may reach logs and the DLQ, so a
// path must never carry personal data: map keys and unknown property names
// come from the input, and are shown only when they look like identifiers.

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

export function formatPath(segments: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of segments) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += '[?]';
  }
  return out || '(root)';
}
