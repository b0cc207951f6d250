const t0 = performance.now();
let last = t0;
const lap = (w: string) => { const n = performance.now(); console.log(w.padEnd(40), Math.round(n - last)); last = n; };
for (const m of process.argv.slice(2)) { await import(m); lap(m); }
