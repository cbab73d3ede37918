/**
 * The npm package a `Module._load` request belongs to: a bare specifier
 * (`mysql2/promise`, `@redis/client`) or a file path inside node_modules (how ESM
 * imports of CommonJS packages arrive). Relative paths and built-ins: undefined.
 */
export function packageOf(request: string): string | undefined {
  let rest: string;
  const inNodeModules = request.lastIndexOf('/node_modules/');
  if (inNodeModules !== -1) rest = request.slice(inNodeModules + '/node_modules/'.length);
  else if (request.startsWith('.') || request.startsWith('/') || request.includes(':')) return undefined;
  else rest = request;
  const parts = rest.split('/');
  const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : parts[0];
  return name === undefined || name === '' || name.endsWith('/') ? undefined : name;
}
