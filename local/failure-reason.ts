/**
 * A failed child's error on one status line: what happened (its first line: it exited, or was
 * not ready in time) and the line of its output that says why. The last line is rarely that
 * one: Node ends a crash with a stack and its own version, bpftrace an error with the source
 * line and a `~~` marker. So the reason is the last line naming an error (`Error: ...`,
 * `TypeError: ...`, bpftrace's `ERROR: ...`), else the last line. Pure.
 */
export function failureReason(message: string): string {
  const [first = '', ...rest] = message.split('\n');
  const lines = rest.map((line) => line.trim()).filter((line) => line !== '');
  const why = lines.filter((line) => /\bERROR\b|(^|\s)\w*Error:/.test(line)).pop() ?? lines.pop();
  const what = first.replace(/; its last output:$/, '').trim();
  return why === undefined ? what : `${what}: ${why}`;
}
