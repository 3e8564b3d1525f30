// Iso-lines of a sampled field by marching squares: the 0.5 contour of a probability map, drawn
// from the server's own values (linear interpolation between cell centres).

/** Segments [x0, y0, x1, y1] in grid coordinates (column, row; row 0 = first row of `data`)
 *  where the field crosses `level`. */
export function isoSegments(data, rows, cols, level = 0.5) {
  const out = [];
  const at = (r, c) => data[r * cols + c] - level;
  const cross = (a, b) => a / (a - b); // where the line from a to b crosses 0, in [0, 1]
  for (let r = 0; r + 1 < rows; r++) {
    for (let c = 0; c + 1 < cols; c++) {
      const v = [at(r, c), at(r, c + 1), at(r + 1, c + 1), at(r + 1, c)]; // corners, clockwise
      const pts = [];
      const edges = [[0, 1, (t) => [c + t, r]], [1, 2, (t) => [c + 1, r + t]], [3, 2, (t) => [c + t, r + 1]], [0, 3, (t) => [c, r + t]]];
      for (const [i, j, place] of edges) if ((v[i] < 0) !== (v[j] < 0)) pts.push(place(cross(v[i], v[j])));
      if (pts.length === 2) out.push([...pts[0], ...pts[1]]);
      else if (pts.length === 4) { out.push([...pts[0], ...pts[1]]); out.push([...pts[2], ...pts[3]]); }
    }
  }
  return out;
}
