// Iso-lines of a sampled field by marching squares: the 0.5 contour of a probability map, drawn
// from the server's own values (linear interpolation between cell centres).

/** Segments [x0, y0, x1, y1] in grid coordinates (column, row; row 0 = first row of `data`)
 *  where the field crosses `level`. A cell whose four corners lie on one side is passed over
 *  without allocating anything: seven 100 × 100 maps are redrawn at every click, and allocating
 *  per cell cost a frame 20 ms of garbage collection. */
export function isoSegments(data, rows, cols, level = 0.5) {
  const out = [];
  const xs = [0, 0, 0, 0], ys = [0, 0, 0, 0]; // the crossings of one cell, in edge order
  for (let r = 0; r + 1 < rows; r++) {
    const top = r * cols, bottom = top + cols;
    for (let c = 0; c + 1 < cols; c++) {
      // corners clockwise from (r, c), relative to the level
      const v0 = data[top + c] - level, v1 = data[top + c + 1] - level;
      const v2 = data[bottom + c + 1] - level, v3 = data[bottom + c] - level;
      const s0 = v0 < 0, s1 = v1 < 0, s2 = v2 < 0, s3 = v3 < 0;
      if (s0 === s1 && s1 === s2 && s2 === s3) continue;
      let n = 0;
      // where the line from a to b crosses 0 is a / (a − b), in [0, 1]
      if (s0 !== s1) { xs[n] = c + v0 / (v0 - v1); ys[n++] = r; } // top edge
      if (s1 !== s2) { xs[n] = c + 1; ys[n++] = r + v1 / (v1 - v2); } // right
      if (s3 !== s2) { xs[n] = c + v3 / (v3 - v2); ys[n++] = r + 1; } // bottom
      if (s0 !== s3) { xs[n] = c; ys[n++] = r + v0 / (v0 - v3); } // left
      out.push([xs[0], ys[0], xs[1], ys[1]]);
      if (n === 4) out.push([xs[2], ys[2], xs[3], ys[3]]); // a saddle: two segments
    }
  }
  return out;
}
