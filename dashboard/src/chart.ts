/**
 * Geometry of the dashboard's charts (score against time): scales and SVG path data. Pure.
 */

export interface ScorePoint {
  /** Milliseconds since the epoch. */
  t: number;
  /** In [0, 1]. */
  score: number;
}

export interface Box {
  width: number;
  height: number;
  /** Inner margins: room for axis labels. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

export interface Scaled extends ScorePoint {
  x: number;
  y: number;
}

/** Maps scores (0 at the bottom, 1 at the top) and times (oldest left) into the box. */
export function scale(points: readonly ScorePoint[], box: Box): { points: Scaled[]; y: (score: number) => number; x: (t: number) => number } {
  const innerWidth = box.width - box.left - box.right;
  const innerHeight = box.height - box.top - box.bottom;
  const times = points.map((point) => point.t);
  const first = Math.min(...times);
  const last = Math.max(...times);
  const span = last - first;
  const x = (t: number) => box.left + (span > 0 ? ((t - first) / span) * innerWidth : innerWidth / 2);
  const y = (score: number) => box.top + (1 - Math.min(1, Math.max(0, score))) * innerHeight;
  return { points: points.map((point) => ({ ...point, x: x(point.t), y: y(point.score) })), x, y };
}

/** "M x y L x y …", rounded to 0.1. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((point, index) => `${index === 0 ? 'M' : 'L'}${point.x.toFixed(1)} ${point.y.toFixed(1)}`).join(' ');
}

/**
 * A sparkline's points: evenly spaced (one per check, whatever the time between them), scores
 * from 0 to 1, so two sparklines side by side compare.
 */
export function sparklinePoints(scores: readonly number[], width: number, height: number, pad = 2): { x: number; y: number }[] {
  const step = scores.length > 1 ? (width - 2 * pad) / (scores.length - 1) : 0;
  return scores.map((score, index) => ({
    x: scores.length > 1 ? pad + index * step : width / 2,
    y: pad + (1 - Math.min(1, Math.max(0, score))) * (height - 2 * pad),
  }));
}
