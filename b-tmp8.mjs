process.env.NODE_ENV = "production";
const { snapshotLatency } = await import("/work/main/dist/bench/remote.js");
for (let i = 0; i < 3; i++) { const r = await snapshotLatency(); console.log(r.p50.toFixed(1), r.p99.toFixed(1)); }
process.exit(0);
