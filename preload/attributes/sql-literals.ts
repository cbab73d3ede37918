/**
 * Replaces SQL literals with `?` so no value a tool queried with (a user name, an
 * e-mail, an id) leaves the pod: quoted strings (with '' / \' escapes), hex and
 * binary literals, and numbers that are not part of an identifier. Comments are
 * dropped too, since they can carry anything. Identifiers in backticks are kept.
 */
const LITERALS =
  /`(?:[^`]|``)*`|'(?:[^'\\]|\\.|'')*'?|"(?:[^"\\]|\\.|"")*"?|\/\*[\s\S]*?(?:\*\/|$)|(?:--|#)[^\n]*|\b[xX]'[0-9a-fA-F]*'|\b0x[0-9a-fA-F]+\b|\b0b[01]+\b|(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b|\$\d+\b/g;

export function withoutSqlLiterals(sql: string): string {
  return sql
    .replace(LITERALS, (m) => {
      if (m.startsWith('`')) return m;
      if (m.startsWith('/*') || m.startsWith('--') || m.startsWith('#')) return ' ';
      if (m.startsWith('$')) return m; // a bind placeholder, not a value
      return '?';
    })
    .replace(/\s+/g, ' ')
    .trim();
}
