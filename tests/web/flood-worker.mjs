// The flooding client of flood.test.mjs (a process of its own, so the
// measuring client's event loop is not the one doing the flooding): one
// loop per MODE argument, all in parallel, like one attacking host.
//   node flood-worker.mjs SEED MODE...    (floods until SIGTERM)
// MODE: one (one IPv4 address), v6 (random hosts of one IPv6 /64),
// spread (a random IPv4 address per request), replay (one form token
// submitted again and again).  Prints "sent N" after every 25th answer
// (the test floods until enough went out) and {"status": count, ...}
// on SIGTERM.
const BASE = process.env.WEB_BASE || "http://127.0.0.1:8080";
const [seedArg, ...modes] = process.argv.slice(2);
let seed = (+seedArg >>> 0) || 1;
function rnd(n) {
	seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5;
	seed >>>= 0;
	return seed % n;
}
function addr(mode) {
	if (mode === "one" || mode === "replay") return "203.0.113.5";
	if (mode === "v6")
		return `2001:db8:bad:1:${rnd(65536).toString(16)}:${rnd(65536)
		    .toString(16)}::${rnd(65536).toString(16)}`;
	return `10.${rnd(256)}.${rnd(256)}.${1 + rnd(254)}`;
}
async function form(ip) {
	const g = await fetch(BASE + "/login", { headers: { "x-real-ip": ip } });
	const sc = g.headers.get("set-cookie") || "";
	const cookie = (/warp_pre=([^;]+)/.exec(sc) || [])[1];
	const pre = (/name="csrf" value="([^"]+)"/.exec(await g.text()) || [])[1];
	return { cookie, pre };
}
const counts = {};
let stop = false, answers = 0;
process.on("SIGTERM", () => { stop = true; });
async function loop(mode) {
let replay = null;
while (!stop) {
	const ip = addr(mode);
	try {
		let f;
		if (mode === "replay") f = replay || (replay = await form(ip));
		else f = await form(ip);
		const user = `nobody${rnd(1e9)}`;
		const r = await fetch(BASE + "/login", { method: "POST",
		    redirect: "manual", headers: { "x-real-ip": ip,
		    "content-type": "application/x-www-form-urlencoded",
		    cookie: `warp_pre=${f.cookie}` }, body: new URLSearchParams({
		    csrf: f.pre, username: user, password: `guess-${rnd(1e9)}` })
		    .toString() });
		await r.arrayBuffer();
		counts[r.status] = (counts[r.status] || 0) + 1;
	} catch (e) {
		counts.error = (counts.error || 0) + 1;
	}
	if (++answers % 25 === 0) console.log(`sent ${answers}`);
}
}
await Promise.all(modes.map(loop));
console.log(JSON.stringify(counts));
