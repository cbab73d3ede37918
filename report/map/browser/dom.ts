/// <reference lib="dom" />
/** Small DOM helpers: every text from the data goes in through textContent, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) element.append(child);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the map page has no #${id} element`);
  return element as T;
}

const integer = new Intl.NumberFormat('en');
export const formatCount = (n: number): string => integer.format(Math.round(n));
