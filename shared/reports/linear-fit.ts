/** Least-squares line through (x, y) points, and when a growing storage reaches its capacity. */

export interface Fit {
  /** y per unit of x */
  slope: number;
  intercept: number;
  points: number;
}

export function linearFit(points: readonly (readonly [number, number])[]): Fit | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  let sx = 0;
  let sy = 0;
  for (const [x, y] of points) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  for (const [x, y] of points) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, points: n };
}

/**
 * Days until a storage is full: the growth rate is the slope of a least-squares line through (epoch seconds,
 * used bytes) samples, applied to what is free now. undefined: fewer than 2 dates, or not growing.
 */
export function daysToFull(
  samples: readonly (readonly [number, number])[],
  total: number,
  usedNow: number,
): { days: number | undefined; bytesPerDay: number | undefined } {
  const fit = linearFit(samples);
  if (!fit) return { days: undefined, bytesPerDay: undefined };
  const bytesPerDay = fit.slope * 86400;
  if (fit.slope <= 0 || total <= 0) return { days: undefined, bytesPerDay };
  const days = Math.max(0, (total - usedNow) / bytesPerDay);
  return { days, bytesPerDay };
}
