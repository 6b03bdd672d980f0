/** How the rule-based analyser writes numbers, names and lists. */
import type { HealthStatus } from '../../db/worker-health-checks';
import { healthStatusRange } from '../health-status';
import { roundScore } from '../scoring';

export function score(value: number): string {
  return String(roundScore(value));
}

export function ms(value: number): string {
  return `${Math.round(value * 100) / 100} ms`;
}

export function quote(text: string): string {
  return `"${text}"`;
}

export function oneLine(text: string, max = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function list(items: readonly string[], conjunction = 'and'): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function band(status: HealthStatus): string {
  return `the ${status} band (${healthStatusRange(status)})`;
}

/** "its last 10 checks" / "its only earlier check". */
export function checksPhrase(count: number): string {
  return count === 1 ? 'its one earlier check' : `its last ${count} checks`;
}

export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
