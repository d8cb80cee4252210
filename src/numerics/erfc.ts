/**
 * The complementary error function in double precision, for float32 kernels that call
 * std::erfc (GELU): the result rounded to float32 is what a correctly rounded erfcf gives on all
 * but rare ties. (An npm implementation, @stdlib/math-base-special-erfc, pulls 140 packages into
 * the lockfile for this one function.)
 *
 * |x| ≤ 2: erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), a series of positive terms
 * (no cancellation), erfc = 1 − erf; x > 2: the continued fraction
 * erfc(x) = (e^(−x²)/√π) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from a
 * fixed depth (120) backwards; x < −2: 2 − erfc(−x).
 */

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

function erfcFraction(x: number): number {
  let f = x;
  for (let k = 120; k >= 1; k--) f = x + k / 2 / f;
  return (ONE_OVER_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 2) return erfcFraction(x);
  if (x < -2) return 2 - erfcFraction(-x);
  return 1 - erfSeries(x);
}
