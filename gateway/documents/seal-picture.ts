import { PNG } from 'pngjs';

/**
 * The demo seal picture of a department: a red circular seal (outer ring, thin inner
 * ring, five-pointed star in the middle) drawn pixel by pixel and encoded as PNG with
 * pngjs (pure JavaScript, no native code). Deterministic: the same size gives the same
 * bytes. Transparent outside the strokes, anti-aliased by 4×4 supersampling.
 * A real deployment loads the picture registered with the seal-making authority instead.
 */
export const SEAL_PICTURE_PIXELS = 240;
/** Display size of the seal in millimetres (GB/T 38540 SES_ESPictrueInfo width/height): 42 mm, the common 公章 size. */
export const SEAL_PICTURE_MM = 42;

const RED = [0xd4, 0x1f, 0x26] as const;

/** The ten corners of a five-pointed star of outer radius r (point up) in [-1, 1]². */
function starCorners(r: number): [number, number][] {
  const points: [number, number][] = [];
  for (let i = 0; i < 10; i++) {
    const a = -Math.PI / 2 + (i * Math.PI) / 5;
    const rad = i % 2 === 0 ? r : r * 0.382;
    points.push([rad * Math.cos(a), rad * Math.sin(a)]);
  }
  return points;
}

const STAR = starCorners(0.36);

/** Whether (x, y) lies inside the polygon `points` (even-odd rule). */
function inPolygon(x: number, y: number, points: [number, number][]): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i]!;
    const [xj, yj] = points[j]!;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function covered(x: number, y: number): boolean {
  const d = Math.hypot(x, y);
  if (d <= 0.97 && d >= 0.87) return true; // outer ring
  if (d <= 0.8 && d >= 0.78) return true; // inner ring
  return d < 0.36 && inPolygon(x, y, STAR);
}

export function sealPicturePng(size = SEAL_PICTURE_PIXELS): Buffer {
  const png = new PNG({ width: size, height: size, colorType: 6 });
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let hits = 0;
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = ((px + (sx + 0.5) / n) / size) * 2 - 1;
          const y = ((py + (sy + 0.5) / n) / size) * 2 - 1;
          if (covered(x, y)) hits++;
        }
      }
      const o = (py * size + px) * 4;
      png.data[o] = RED[0];
      png.data[o + 1] = RED[1];
      png.data[o + 2] = RED[2];
      png.data[o + 3] = Math.round((255 * hits) / (n * n));
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}
